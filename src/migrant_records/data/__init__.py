"""Reference data shipped with the package (Kemendagri region codes).

See ``REGIONS_SOURCE.md`` in this folder for the source and its MIT attribution.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import pandas as pd

__all__ = ["load_district_codes", "load_wilayah"]


def _read(name: str) -> pd.DataFrame:
    with resources.files(__name__).joinpath(name).open("rb") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


@lru_cache(maxsize=1)
def _wilayah() -> pd.DataFrame:
    frame = _read("wilayah_2025.csv")
    frame["level"] = frame["code"].str.count(r"\.") + 1
    return frame


@lru_cache(maxsize=1)
def _district_codes() -> pd.DataFrame:
    frame = _read("district_codes_2016_2025.csv")
    frame["level"] = frame["code"].str.count(r"\.") + 1
    frame["first_year"] = frame["first_year"].astype(int)
    frame["last_year"] = frame["last_year"].astype(int)
    return frame


def load_wilayah() -> pd.DataFrame:
    """Every 2025 Kemendagri region code with its name.

    Returns:
        A copy of the table with columns ``code`` (``PP``, ``PP.KK``, ``PP.KK.CC`` or
        ``PP.KK.CC.VVVV``), ``name`` and ``level`` (1 province, 2 regency/city,
        3 district, 4 village).

    Example:
        >>> w = load_wilayah()
        >>> w.loc[w["code"] == "33.01", "name"].item()
        'Kabupaten Cilacap'
    """
    return _wilayah().copy()


def load_district_codes() -> pd.DataFrame:
    """Every province, regency and district code seen in the 2016-2025 editions.

    A NIK keeps the district code of its first registration for life, so NIK prefixes are
    checked against this historical list rather than the current one.

    Returns:
        A copy of the table with columns ``code``, ``name``, ``first_year``, ``last_year``
        and ``level`` (1 province, 2 regency/city, 3 district).
    """
    return _district_codes().copy()
