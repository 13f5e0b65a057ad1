"""``standardize``: the canonical frame plus every derived matching column."""

from __future__ import annotations

import logging
import re
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from migrant_records._fork import Background, worth_forking
from migrant_records._pandas import object_frame
from migrant_records.errors import ConfigError, SchemaError
from migrant_records.schemas import CANONICAL_COLUMNS
from migrant_records.standardize._util import none_where, unique_strings
from migrant_records.standardize.address import normalize_address
from migrant_records.standardize.dates import (
    DEFAULT_MIN_YEAR,
    check_min_year,
    parse_date,
    split_birth_place_date,
)
from migrant_records.standardize.names import NAME_PROFILES, normalize_name, parse_names
from migrant_records.standardize.nik import flag_repeated_nik, parse_nik
from migrant_records.standardize.person_columns import (
    normalize_person_columns,
    recognize_person_columns,
)
from migrant_records.standardize.phone import normalize_phone
from migrant_records.standardize.regions import normalize_place, resolve_region
from migrant_records.standardize.sex import normalize_sex

__all__ = [
    "DERIVED_COLUMNS",
    "DIAGNOSTIC_COLUMNS",
    "INPUT_PREFIX",
    "PERSON_COLUMNS",
    "choose_profile",
    "profile_evidence",
    "profile_from_evidence",
    "standardize",
]

logger = logging.getLogger(__name__)

#: Derived columns added by :func:`standardize` (the "prepared frame" contract), in order.
DERIVED_COLUMNS = (
    "name_norm",
    "name_sorted",
    "name_key",
    "name_initials",
    "name_core",
    "name_first",
    "name_last",
    "name_patronym",
    "mother_norm",
    "nik_digits",
    "nik_valid",
    "nik_reason",
    "nik_suspect",
    "nik_id",
    "nik_birth_date",
    "nik_sex",
    "nik_district_code",
    "dob",
    "birth_year",
    "sex_norm",
    "phone_e164",
    "phone_country",
    "birth_place_norm",
    "province_code",
    "regency_code",
    "district_code",
    "village_code",
    "address_norm",
)

#: Diagnostic columns added after the derived ones.
DIAGNOSTIC_COLUMNS = ("name_low_identity", "dob_reason", "phone_reason", "region_reason")

#: Optional derived columns, one per generic person column recognised in the input
#: (see :mod:`migrant_records.standardize.person_columns`).
PERSON_COLUMNS = (
    "given_name_norm",
    "surname_norm",
    "postcode_norm",
    "city_norm",
    "state_norm",
    "email_norm",
    "occupation_norm",
    "national_id_norm",
)

#: Prefix given to an input column whose name a derived column takes (``dob`` -> ``input_dob``).
INPUT_PREFIX = "input_"


_ADDRESS_COLUMNS = ("address", "village", "district", "regency", "province")
_REGION_COLUMNS = (
    "province_code",
    "regency_code",
    "district_code",
    "village_code",
    "region_reason",
)
_DIGIT = re.compile(r"[0-9]")


def _null(index: pd.Index) -> pd.Series:
    return pd.Series(None, index=index, dtype=object)


def standardize(
    records: pd.DataFrame,
    *,
    reference_date: Any = None,
    progress: bool = False,
    repeated_nik_min_people: int = 3,
    profile: str = "auto",
    min_year: int = DEFAULT_MIN_YEAR,
    person_columns: Mapping[str, str] | None = None,
    parallel: bool = False,
) -> pd.DataFrame:
    """Add the derived matching columns to canonical worker records.

    Every input row and column is kept (same index, same order); the derived columns of
    the "prepared frame" contract (see ``docs/standardize.md``) are appended, followed by
    the diagnostics ``name_low_identity``, ``dob_reason``, ``phone_reason`` and
    ``region_reason``. Optional canonical columns that are absent are treated as all
    missing. Calling it on an already standardised frame (one holding every derived column)
    recomputes the derived columns.

    A derived column never overwrites an input column: an input column that is named like
    a derived column (a user's own ``dob``) is kept as ``input_<name>`` (``input_dob``) and
    the renaming is logged and listed in ``result.attrs["renamed_columns"]``; if that name is
    taken too, a ``SchemaError`` says so.

    Generic person columns that do not map to a canonical column (given name, surname,
    postcode, city, state, e-mail, occupation, national id; see
    :mod:`~migrant_records.standardize.person_columns`) are recognised by header and
    content and get a normalised ``<role>_norm`` column (:data:`PERSON_COLUMNS`); what was
    recognised is logged and listed in ``result.attrs["person_columns"]``.

    Args:
        records: Canonical records (``full_name`` is required; the other canonical
            columns are optional).
        reference_date: Date used for century pivots and "future" checks (default today).
        progress: Show a progress bar over the steps (only on a terminal).
        repeated_nik_min_people: A valid NIK carried by at least this many clearly
            different names is marked suspect (see :func:`flag_repeated_nik`).
        profile: Name standardisation profile: ``indonesia`` (Indonesian titles, patronyms,
            old spelling), ``generic`` (Unicode folding only) or ``auto`` (default:
            :func:`choose_profile` decides from the data). The profile used is in
            ``result.attrs["profile"]``.
        min_year: Earliest plausible birth year (default 1900); set it lower for historical
            data (as low as 1678, the first year pandas timestamps hold).
        person_columns: Generic person columns to use (role -> column, as
            :func:`~migrant_records.standardize.person_columns.recognize_person_columns`
            returns them) instead of recognising them in ``records``: an engine that
            standardises the records in parts recognises them once on all records and passes
            them to every part.
        parallel: Resolve region names and normalise addresses in a forked second process
            while the other steps run (on Linux with two or more usable cores and at least
            50,000 records; otherwise, and if the second process fails, everything runs
            here). The result is the same either way.

    Returns:
        A new DataFrame: the input columns followed by the derived and diagnostic ones.

    Raises:
        SchemaError: If ``records`` is not a DataFrame or has no ``full_name`` column.

    Example:
        >>> frame = pd.DataFrame({"full_name": ["MOCH. DJOKO SOESILO, S.Pd"],
        ...                       "nik": ["3301010509900001"]})
        >>> standardize(frame, reference_date="2025-01-01")[["name_norm", "nik_valid"]]
                      name_norm  nik_valid
        0  muhammad joko susilo       True
    """
    if not isinstance(records, pd.DataFrame):
        raise SchemaError(
            f"standardize expects a pandas DataFrame, got {type(records).__name__}; "
            "read files with migrant_records.io.read_records first"
        )
    if "full_name" not in records.columns:
        raise SchemaError(
            "standardize needs a 'full_name' column; columns found: "
            f"{', '.join(map(str, records.columns)) or '(none)'}. Map the name header to "
            "'full_name' (see migrant_records.io) before standardising"
        )
    if profile not in ("auto", *NAME_PROFILES):
        raise ConfigError(f"Unknown profile {profile!r}: use 'auto', 'indonesia' or 'generic'.")
    min_year = check_min_year(min_year)
    out, renamed = _set_aside_collisions(records)
    index = out.index
    if profile == "auto":
        profile = choose_profile(out)
    ref = (
        pd.Timestamp.today().normalize()
        if reference_date is None
        else pd.Timestamp(reference_date).normalize()
    )

    def col(name: str) -> pd.Series:
        return out[name] if name in out.columns else _null(index)

    new: dict[str, Any] = {}
    timings: dict[str, float] = {}

    def names() -> None:
        parsed = parse_names(col("full_name"), profile=profile)
        new["mother_norm"] = normalize_name(col("mother_name")).rename("mother_norm")
        for c in (
            "name_norm",
            "name_sorted",
            "name_key",
            "name_initials",
            "name_core",
            "name_first",
            "name_last",
            "name_patronym",
            "name_low_identity",
        ):
            new[c] = parsed[c]

    def nik() -> None:
        parsed = parse_nik(col("nik"), reference_date=ref)
        valid = parsed["valid"].to_numpy(dtype=bool)
        repeated = flag_repeated_nik(
            pd.Series(none_where(parsed["nik"], ~valid), index=index),
            new["name_norm"],
            min_people=repeated_nik_min_people,
        ).to_numpy(dtype=bool)
        suspect = parsed["suspect"].to_numpy(dtype=bool) | repeated
        # a NIK turned into a number by a spreadsheet ("3.30101E+15") has lost its last
        # digits: every NIK of one district reads the same, so it identifies nobody
        lost = parsed["reason"].to_numpy(dtype=object) == "scientific_notation"
        new["nik_digits"] = none_where(parsed["nik"], lost)
        new["nik_valid"] = valid
        new["nik_reason"] = parsed["reason"]
        new["nik_suspect"] = suspect
        new["nik_id"] = none_where(parsed["nik"], ~(valid & ~suspect))
        new["nik_birth_date"] = parsed["birth_date"]
        new["nik_sex"] = parsed["sex"]
        new["nik_district_code"] = parsed["district_code"]
        new["_nik_province"] = parsed["province_code"]
        new["_nik_regency"] = parsed["regency_code"]

    def dates() -> None:
        parsed = parse_date(col("birth_date"), reference_date=ref, min_year=min_year)
        dob = parsed["date"].copy()
        reason = parsed["reason"].copy()
        place = col("birth_place").astype(object)
        codes, uniques = unique_strings(place)
        digit = np.array(
            [u is not None and _DIGIT.search(u) is not None for u in uniques] + [False]
        )
        has_date = digit[codes]
        if has_date.any():
            split = split_birth_place_date(place[has_date], reference_date=ref, min_year=min_year)
            fill = dob[has_date].isna().to_numpy() & split["date"].notna().to_numpy()
            rows = index[has_date][fill]
            dob.loc[rows] = split["date"].to_numpy()[fill]
            reason.loc[rows] = None
            place = place.copy()
            place[has_date] = split["place"].to_numpy()
        new["dob"] = dob
        new["birth_year"] = dob.dt.year.astype("float64")
        new["dob_reason"] = reason
        new["birth_place_norm"] = normalize_place(place)

    def sex() -> None:
        new["sex_norm"] = normalize_sex(col("sex"))

    def phone() -> None:
        parsed = normalize_phone(col("phone"))
        new["phone_e164"] = parsed["e164"]
        new["phone_country"] = parsed["country"]
        new["phone_reason"] = parsed["reason"]

    def places() -> tuple[pd.DataFrame | None, pd.Series]:
        present = [c for c in ("province", "regency", "district", "village") if c in out.columns]
        resolved = (
            resolve_region(col("province"), col("regency"), col("district"), col("village"))
            if present
            else None
        )
        return resolved, normalize_address(col("address"))

    fork = parallel and worth_forking(len(index))
    background = Background(places, fork=fork)

    def regions() -> None:
        resolved, address = background.result()
        codes = {
            c: (
                np.full(len(index), None, dtype=object)
                if resolved is None
                else resolved[c].to_numpy(dtype=object, copy=True)
            )
            for c in _REGION_COLUMNS
        }
        no_address = np.ones(len(index), dtype=bool)
        for c in _ADDRESS_COLUMNS:
            if c in out.columns:
                values = out[c].to_numpy(dtype=object)
                missing = pd.isna(values)  # None, NaN or pd.NA (a "string" column's)
                no_address &= missing | (np.where(missing, "", values) == "")
        from_nik = no_address & pd.notna(np.asarray(new["nik_id"], dtype=object))
        if from_nik.any():
            for c, code in (
                ("province_code", new["_nik_province"]),
                ("regency_code", new["_nik_regency"]),
                ("district_code", new["nik_district_code"]),
            ):
                codes[c][from_nik] = np.asarray(code, dtype=object)[from_nik]
            codes["region_reason"][from_nik] = "from_nik"
        new.update(codes)
        new["address_norm"] = address

    steps: list[tuple[str, Callable[[], None]]] = [
        ("names", names),
        ("nik", nik),
        ("dates", dates),
        ("sex", sex),
        ("phone", phone),
        ("regions", regions),
    ]
    bar: Any = None
    if progress and sys.stderr.isatty():
        from tqdm.auto import tqdm

        bar = tqdm(total=len(steps), desc="standardize", unit="step")
    try:
        for label, step in steps:
            start = time.perf_counter()
            step()
            timings[label] = time.perf_counter() - start
    finally:
        background.cancel()
        if bar is not None:
            bar.set_postfix_str(label)
            bar.update(1)
    if bar is not None:
        bar.close()
    logger.info(
        "standardize: %d records in %.2fs (%s)",
        len(index),
        sum(timings.values()),
        ", ".join(f"{k} {v:.2f}s" for k, v in timings.items()),
    )
    additions = {}
    for c in (*DERIVED_COLUMNS, *DIAGNOSTIC_COLUMNS):
        value = new[c]
        if isinstance(value, pd.Series):
            value = value.to_numpy()
        additions[c] = value
    for c in ("nik_valid", "nik_suspect"):
        additions[c] = np.asarray(additions[c], dtype=bool)
    for c in ("dob", "nik_birth_date"):
        additions[c] = np.asarray(additions[c], dtype="datetime64[ns]")
    additions["birth_year"] = np.asarray(additions["birth_year"], dtype="float64")
    if person_columns is None:
        roles = recognize_person_columns(out, exclude=frozenset(CANONICAL_COLUMNS))
    else:
        roles = dict(person_columns)
    for c, values in normalize_person_columns(out, roles).items():
        additions[c] = values.to_numpy()
    if out.columns.is_unique:
        # the input columns are copied, never shared; one block per column (concat would
        # consolidate every column into 2-D blocks, which costs seconds at a million records)
        columns: dict[Any, Any] = {c: _copied(out[c]) for c in out.columns}
        result = object_frame({**columns, **additions}, index)
    else:
        result = pd.concat([out, object_frame(additions, index)], axis=1)
    result.attrs["standardize_timings"] = timings
    result.attrs["profile"] = profile
    result.attrs["person_columns"] = roles
    result.attrs["renamed_columns"] = renamed
    logger.info("standardize: name profile %r", profile)
    return result


def _copied(series: pd.Series) -> Any:
    """A copy of a column's values as the array pandas stores (numpy or pandas' own)."""
    if isinstance(series.dtype, np.dtype):
        return series.to_numpy(copy=True)
    return series.array.copy()


def _set_aside_collisions(records: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """The records without stale derived columns, user columns renamed out of their way."""
    derived = (*DERIVED_COLUMNS, *DIAGNOSTIC_COLUMNS, *PERSON_COLUMNS)
    if set(DERIVED_COLUMNS) <= set(records.columns):  # a prepared frame: recompute
        return records.drop(columns=[c for c in records.columns if c in derived]), {}
    clash = [c for c in records.columns if c in derived]
    renamed = {c: f"{INPUT_PREFIX}{c}" for c in clash}
    taken = [new for new in renamed.values() if new in records.columns]
    if taken:
        raise SchemaError(
            f"Input column(s) {clash} have the names of derived columns and cannot be set "
            f"aside as {taken}, which exist too; rename these columns before standardising"
        )
    if renamed:
        logger.warning(
            "input column(s) named like derived columns are kept under new names: %s",
            ", ".join(f"{old!r} -> {new!r}" for old, new in renamed.items()),
        )
    # the frame is only read here; its columns are copied into the result at the end
    out = records.copy(deep=False)
    out.columns = [renamed.get(c, c) for c in records.columns]
    return out, renamed


def choose_profile(records: pd.DataFrame) -> str:
    """``generic`` when the records look like non-Indonesian person data, else ``indonesia``.

    Generic: the records carry generic person columns (given name, surname, postcode,
    city, state, e-mail or a national id; see
    :func:`~migrant_records.standardize.person_columns.recognize_person_columns`), fewer
    than 5% of them hold a NIK-like value (16 digits) and fewer than 20% of the phone
    numbers are written the Indonesian way (``08``, ``+62``, ``62``). Canonical worker
    records without such columns keep the Indonesian rules.

    Example:
        >>> choose_profile(pd.DataFrame({"full_name": ["Ann Lee"], "surname": ["Lee"]}))
        'generic'
        >>> choose_profile(pd.DataFrame({"full_name": ["Moch. Djoko"]}))
        'indonesia'
    """
    roles = recognize_person_columns(records, exclude=frozenset(CANONICAL_COLUMNS))
    if not set(roles) - {"occupation"}:
        return "indonesia"
    return profile_from_evidence(profile_evidence(records))


def profile_evidence(records: pd.DataFrame) -> tuple[int, int, int, int]:
    """What :func:`choose_profile` counts in the records: ``(records, NIK-like values, phone
    numbers, phone numbers written the Indonesian way)``.

    The counts of several parts of the records add up to those of all of them.
    """
    n_nik = n_phone = n_phone_id = 0
    if "nik" in records.columns:
        nik = records["nik"].astype("string").str.replace(r"\D", "", regex=True)
        n_nik = int((nik.str.len() == 16).sum())
    if "phone" in records.columns:
        phone = records["phone"].dropna().astype("string").str.replace(r"[\s\-().]", "", regex=True)
        n_phone = len(phone)
        n_phone_id = int(phone.str.match(r"^(\+?62|08)").sum()) if n_phone else 0
    return len(records), n_nik, n_phone, n_phone_id


def profile_from_evidence(evidence: tuple[int, int, int, int]) -> str:
    """The profile of records with generic person columns, from :func:`profile_evidence`."""
    n_records, n_nik, n_phone, n_phone_id = evidence
    if n_nik >= 0.05 * max(n_records, 1):
        return "indonesia"
    if n_phone and n_phone_id / n_phone >= 0.2:
        return "indonesia"
    return "generic"
