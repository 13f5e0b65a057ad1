"""Shared helpers of the evaluation metrics: frame checks, record keys, pair counting."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt
import pandas as pd

from migrant_records.errors import SchemaError
from migrant_records.records import record_key

__all__ = [
    "PAIR_COLUMNS",
    "comb2",
    "is_pairs_frame",
    "pair_codes",
    "record_codes",
    "require",
    "truth_codes",
]

PAIR_COLUMNS: tuple[str, ...] = ("source_l", "record_id_l", "source_r", "record_id_r")
"""Columns that identify a pair of records."""

IntArray = npt.NDArray[np.int64]


def require(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    """Raise :class:`SchemaError` when ``frame`` lacks any of ``columns``."""
    if not isinstance(frame, pd.DataFrame):
        raise SchemaError(f"{what} must be a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SchemaError(
            f"{what} lacks column(s) {missing}; it has {list(frame.columns)}. "
            f"Rename the columns or pass a frame with {list(columns)}."
        )


def comb2(sizes: npt.ArrayLike) -> int:
    """Number of unordered pairs inside groups of the given sizes: ``sum(n * (n - 1) / 2)``."""
    s = np.asarray(sizes, dtype=np.int64)
    return int((s * (s - 1) // 2).sum())


def is_pairs_frame(frame: pd.DataFrame) -> bool:
    """Whether ``frame`` is a pairs frame (has the four pair id columns)."""
    return all(c in frame.columns for c in PAIR_COLUMNS)


def _keys(source: pd.Series, record_id: pd.Series) -> pd.Series:
    return record_key(source, record_id)


def truth_codes(truth: pd.DataFrame) -> tuple[pd.Index, IntArray]:
    """Record keys of a truth table and the integer person code of each.

    Returns:
        ``(keys, person)``: a unique :class:`pandas.Index` of record keys and an aligned
        array of person codes (0..k-1).

    Raises:
        SchemaError: Columns missing or a record listed twice.
    """
    require(truth, ("source", "record_id", "person_id"), "truth")
    keys = pd.Index(_keys(truth["source"], truth["record_id"]))
    if keys.has_duplicates:
        dup = keys[keys.duplicated()][:3].tolist()
        raise SchemaError(
            "truth lists some records more than once (e.g. "
            f"{[d.replace(chr(31), ':') for d in dup]}); every (source, record_id) must appear once"
        )
    person = pd.factorize(truth["person_id"].astype(str))[0].astype(np.int64)
    return keys, person


def record_codes(frame: pd.DataFrame, keys: pd.Index, suffix: str = "") -> IntArray:
    """Position of each row's record in ``keys`` (-1 when the record is not there)."""
    src = frame[f"source{suffix}"]
    rid = frame[f"record_id{suffix}"]
    return keys.get_indexer(pd.Index(_keys(src, rid))).astype(np.int64)


def pair_codes(
    pairs: pd.DataFrame, keys: pd.Index, person: IntArray
) -> tuple[IntArray, IntArray, npt.NDArray[np.bool_]]:
    """Record codes of each side of the pairs and whether the pair is a true match.

    Records missing from ``keys`` get fresh codes after ``len(keys)`` and count as persons
    of their own, so a pair involving them is never a true match.

    Returns:
        ``(left, right, is_match)`` arrays aligned to the rows of ``pairs``.
    """
    left = record_codes(pairs, keys, "_l")
    right = record_codes(pairs, keys, "_r")
    unknown = np.concatenate([left, right]) < 0
    if unknown.any():
        both = pd.concat(
            [
                _keys(pairs["source_l"], pairs["record_id_l"]),
                _keys(pairs["source_r"], pairs["record_id_r"]),
            ],
            ignore_index=True,
        )
        codes = pd.factorize(both[unknown])[0] + len(keys)
        allc = np.concatenate([left, right])
        allc[unknown] = codes
        left, right = allc[: len(pairs)], allc[len(pairs) :]
    top = int(max(left.max(initial=-1), right.max(initial=-1))) + 1
    extra = max(0, top - len(keys))
    ext = np.concatenate([person, -1 - np.arange(extra, dtype=np.int64)])  # unknown: own person
    is_match = (left != right) & (ext[left] == ext[right])
    return left, right, is_match
