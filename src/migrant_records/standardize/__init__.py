"""Standardisation: names, NIK, phones, dates, sex, regions, addresses, generic person columns.

Every function is vectorized (Series in, Series/DataFrame out, aligned to the input
index) and works on unique values. :func:`standardize` applies them all to a canonical
frame and adds the derived columns of the prepared frame.
"""

from __future__ import annotations

from migrant_records.standardize.address import normalize_address
from migrant_records.standardize.core import (
    DERIVED_COLUMNS,
    DIAGNOSTIC_COLUMNS,
    INPUT_PREFIX,
    PERSON_COLUMNS,
    choose_profile,
    standardize,
)
from migrant_records.standardize.dates import DEFAULT_MIN_YEAR, parse_date, split_birth_place_date
from migrant_records.standardize.names import (
    COMMON_NAME_TOKENS,
    LOW_IDENTITY_TOKENS,
    NAME_PROFILES,
    name_key,
    normalize_name,
    parse_names,
)
from migrant_records.standardize.nik import flag_repeated_nik, parse_nik
from migrant_records.standardize.person_columns import (
    PERSON_ROLES,
    normalize_person_columns,
    recognize_person_columns,
)
from migrant_records.standardize.phone import normalize_phone
from migrant_records.standardize.regions import normalize_place, resolve_region
from migrant_records.standardize.sex import normalize_sex
from migrant_records.standardize.sounds import indonesian_key, phonetic

__all__ = [
    "COMMON_NAME_TOKENS",
    "DEFAULT_MIN_YEAR",
    "DERIVED_COLUMNS",
    "DIAGNOSTIC_COLUMNS",
    "INPUT_PREFIX",
    "LOW_IDENTITY_TOKENS",
    "NAME_PROFILES",
    "PERSON_COLUMNS",
    "PERSON_ROLES",
    "choose_profile",
    "flag_repeated_nik",
    "indonesian_key",
    "name_key",
    "normalize_address",
    "normalize_name",
    "normalize_person_columns",
    "normalize_phone",
    "normalize_place",
    "normalize_sex",
    "parse_date",
    "parse_names",
    "parse_nik",
    "phonetic",
    "recognize_person_columns",
    "resolve_region",
    "split_birth_place_date",
    "standardize",
]
