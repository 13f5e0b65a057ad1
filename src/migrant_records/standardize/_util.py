"""Shared helpers of the standardisation modules: work on unique values, map back to rows."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "NULL_TOKENS",
    "as_series",
    "fold_text",
    "map_unique",
    "none_where",
    "take",
    "unique_folded",
    "unique_strings",
    "with_missing",
]

#: Strings that mean "no value" in ministry spreadsheets (compared after strip + casefold).
NULL_TOKENS = frozenset(
    {"", "-", "--", "nan", "none", "null", "na", "n/a", "nat", "#n/a", "tidak ada", "tdk ada"}
)

_COMBINING = re.compile(r"[\u0300-\u036f]")


def as_series(values: Any, name: str | None = None) -> pd.Series:
    """Return ``values`` as a pandas Series (a Series is returned unchanged)."""
    if isinstance(values, pd.Series):
        return values
    if isinstance(values, (str, bytes)) or values is None or not isinstance(values, Iterable):
        values = [values]
    return pd.Series(list(values), dtype=object, name=name)


def unique_strings(s: pd.Series) -> tuple[np.ndarray, list[str | None]]:
    """Factorize ``s`` into integer codes and its unique values as ``str``.

    Missing values get code ``-1``. Non-string values (numbers read from a spreadsheet) are
    turned into their ``str`` form; blank strings and common null tokens become ``None``.

    Returns:
        ``(codes, uniques)``: ``codes`` is an ``intp`` array aligned to ``s``.
    """
    codes, uniques = pd.factorize(np.asarray(s, dtype=object), use_na_sentinel=True)
    out: list[str | None] = []
    for value in uniques:
        text = value if isinstance(value, str) else str(value)
        out.append(None if text.strip().casefold() in NULL_TOKENS else text)
    return np.asarray(codes, dtype=np.intp), out


def unique_folded(s: pd.Series) -> tuple[np.ndarray, list[str | None]]:
    """Like :func:`unique_strings`, but values that differ only in case or spacing merge.

    ``"SITI  AMINAH"`` and ``"Siti Aminah"`` share one code; uniques are casefolded with
    single spaces, so a per-unique parser runs once for both.
    """
    codes, uniques = unique_strings(s)
    folded = [None if u is None else " ".join(u.casefold().split()) or None for u in uniques]
    fcodes, funiques = pd.factorize(np.array(folded, dtype=object), use_na_sentinel=True)
    mapping = np.append(np.asarray(fcodes, dtype=np.intp), -1)
    return mapping[codes], list(funiques)


def take(values: Iterable[Any], codes: np.ndarray, missing: Any = None) -> np.ndarray:
    """Expand per-unique ``values`` to rows through ``codes`` (code ``-1`` gives ``missing``)."""
    items = list(values)
    arr = np.empty(len(items) + 1, dtype=object)
    if any(isinstance(item, tuple) for item in items):
        for i, item in enumerate(items):  # tuples must stay single objects
            arr[i] = item
    else:
        arr[:-1] = items
    arr[-1] = missing
    return arr[codes]


def map_unique(s: pd.Series, func: Callable[[str], Any], missing: Any = None) -> np.ndarray:
    """Apply ``func`` once per unique non-missing string of ``s``; return a row-aligned array."""
    codes, uniques = unique_strings(s)
    results = [missing if u is None else func(u) for u in uniques]
    return take(results, codes, missing)


def none_where(values: Any, cond: Any) -> np.ndarray:
    """Object array of ``values`` with ``None`` where ``cond`` is true."""
    out = np.array(values, dtype=object, copy=True)
    out[np.asarray(cond, dtype=bool)] = None
    return out


def with_missing(values: Any, fill: Any) -> np.ndarray:
    """``values`` as an object array with ``fill`` appended (the slot for code ``-1``)."""
    out = np.empty(len(values) + 1, dtype=object)
    out[:-1] = values
    out[-1] = fill
    return out


def fold_text(text: str) -> str:
    """Casefold ``text`` and strip accents (``"Sóekarno"`` -> ``"soekarno"``)."""
    text = text.casefold()
    if not text.isascii():
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    return text
