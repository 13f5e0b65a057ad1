"""Sex codes: the many ways Indonesian files write male and female, to ``M``/``F``."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from migrant_records.standardize._util import as_series, fold_text, map_unique

__all__ = ["SEX_CODES", "normalize_sex"]

#: Recognised values (after casefolding and removing punctuation and spaces) -> code.
SEX_CODES: dict[str, str] = {
    "l": "M", "lk": "M", "lakilaki": "M", "laki": "M", "lelaki": "M", "pria": "M",
    "m": "M", "male": "M", "man": "M", "1": "M", "10": "M", "cowok": "M",
    "p": "F", "pr": "F", "pr.": "F", "perempuan": "F", "wanita": "F", "w": "F",
    "f": "F", "female": "F", "woman": "F", "2": "F", "20": "F", "cewek": "F",
}  # fmt: skip

_DROP = re.compile(r"[^a-z0-9]")


def _code(value: str) -> str | None:
    key = _DROP.sub("", fold_text(value))
    if key.endswith("0") and key[:-1].isdigit():  # "1.0" / "2.0" read from a spreadsheet
        key = key[:-1]
    return SEX_CODES.get(key)


def normalize_sex(s: Any) -> pd.Series:
    """Normalise sex values to ``"M"`` or ``"F"``.

    Accepts ``L``, ``LK``, ``laki-laki``, ``laki laki``, ``pria``, ``P``, ``PR``,
    ``perempuan``, ``wanita``, ``male``/``female``, ``M``/``F`` and the codes ``1``
    (male) / ``2`` (female); anything else gives ``None``.

    Args:
        s: Values (Series or list-like), any dtype.

    Returns:
        Object Series aligned to ``s``.

    Example:
        >>> normalize_sex(pd.Series(["LK", "Perempuan", "x"])).tolist()
        ['M', 'F', None]
    """
    series = as_series(s)
    return pd.Series(map_unique(series, _code), index=series.index, dtype=object, name=series.name)
