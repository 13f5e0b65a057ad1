"""The :class:`Comparator` protocol and the helpers built-in comparators share."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from rapidfuzz.distance import (
    DamerauLevenshtein,
    Indel,
    Jaro,
    JaroWinkler,
    Levenshtein,
)

from migrant_records.errors import ConfigError, SchemaError

__all__ = [
    "SIMILARITY_METHODS",
    "BaseComparator",
    "Comparator",
    "cached",
    "check_method",
    "column_cache",
    "comparator_columns",
    "date_days",
    "rapidfuzz_workers",
    "similarity",
    "string_nulls",
    "string_pairs",
    "string_values",
]


@runtime_checkable
class Comparator(Protocol):
    """What the matcher needs from a comparator.

    Attributes:
        name: Short unique name (``gamma_<name>`` in the pairs table).
        labels: ``labels[k]`` names level ``k``; level 0 is the "else" (disagree) level and
            the last is the strongest (exact) agreement.
        columns: The prepared columns read (shown in explanations). A comparator that also
            reads columns only when they are present lists those in an optional
            ``optional_columns`` tuple (as :class:`BaseComparator` does): the person index
            and the Spark engine give a comparator only the columns
            :func:`comparator_columns` names, so a column read but listed in neither would
            be missing there.
    """

    name: str
    labels: tuple[str, ...]
    columns: tuple[str, ...]

    def compare(
        self, left: pd.DataFrame, right: pd.DataFrame, i: np.ndarray, j: np.ndarray
    ) -> np.ndarray:
        """One ``int8`` level per pair (``left.iloc[i[k]]`` vs ``right.iloc[j[k]]``); -1 = null."""
        ...


def comparator_columns(comp: Comparator) -> tuple[str, ...]:
    """Every prepared column ``comp`` may read: its ``columns``, then its
    ``optional_columns`` (read when present)."""
    optional = tuple(str(c) for c in getattr(comp, "optional_columns", ()))
    return tuple(str(c) for c in comp.columns) + optional


class BaseComparator:
    """Convenience base class: stores name/labels/columns and gives ``to_dict``/``repr``.

    Subclasses set ``kind`` (their registry name), implement ``compare`` and list their
    constructor parameters in ``_params``.
    """

    kind: str = ""
    name: str
    labels: tuple[str, ...]
    columns: tuple[str, ...]
    optional_columns: tuple[str, ...] = ()
    """Prepared columns read when present, besides ``columns`` (not shown in explanations)."""
    tf_column: str | None = None
    _params: tuple[str, ...] = ()

    def compare(
        self, left: pd.DataFrame, right: pd.DataFrame, i: np.ndarray, j: np.ndarray
    ) -> np.ndarray:
        """One ``int8`` level per pair; -1 = null."""
        raise NotImplementedError

    @property
    def n_levels(self) -> int:
        """Number of levels (``len(labels)``)."""
        return len(self.labels)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable configuration; ``comparator_from_dict`` rebuilds the comparator."""
        out: dict[str, Any] = {"comparator": self.kind}
        for p in self._params:
            value = getattr(self, p)
            out[p] = list(value) if isinstance(value, tuple) else value
        return out

    def __repr__(self) -> str:
        params = ", ".join(f"{p}={getattr(self, p)!r}" for p in self._params)
        return f"{type(self).__name__}({params})"


def _column(frame: pd.DataFrame, column: str, who: str) -> pd.Series:
    if column not in frame.columns:
        raise SchemaError(
            f"Comparator {who!r} needs column {column!r}, which the prepared frame lacks; run "
            "standardize() on the records first or remove this comparator."
        )
    return frame[column]


_CACHE: ContextVar[dict[tuple[int, str], Any] | None] = ContextVar("_CACHE", default=None)


@contextmanager
def column_cache() -> Iterator[None]:
    """Cache per-record column conversions while comparing many chunks of pairs.

    Used by :func:`~migrant_records.compare.compare_pairs`; frames must not change inside.
    Re-entrant: inside an active cache the same cache is used, so a run that compares its
    candidates and then random pairs of the same frames codes each column once.
    """
    if _CACHE.get() is not None:
        yield
        return
    token = _CACHE.set({})
    try:
        yield
    finally:
        _CACHE.reset(token)


def cached(frame: pd.DataFrame, key: str, build: Callable[[], Any]) -> Any:
    """``build()`` once per frame and key while a :func:`column_cache` is active."""
    cache = _CACHE.get()
    if cache is None:
        return build()
    ck = (id(frame), key)
    if ck not in cache:
        cache[ck] = build()
    return cache[ck]


def string_values(frame: pd.DataFrame, column: str, who: str = "?") -> np.ndarray:
    """The column as an object array of ``str`` with ``""`` for missing values."""

    def build() -> np.ndarray:
        s = _column(frame, column, who)
        arr = s.to_numpy(dtype=object, copy=True)
        missing = pd.isna(arr)  # on the array: Series.to_numpy(na_value=) builds a Series
        if missing.any():
            arr[missing] = ""
        if s.dtype != object and not pd.api.types.is_string_dtype(s):
            arr = np.array(["" if pd.isna(v) else str(v) for v in arr], dtype=object)
        return arr

    return cached(frame, "str:" + column, build)  # type: ignore[no-any-return]


def string_nulls(frame: pd.DataFrame, column: str, who: str = "?") -> np.ndarray:
    """Per-record mask of missing (or empty) values of a string column."""
    return cached(  # type: ignore[no-any-return]
        frame, "null:" + column, lambda: string_values(frame, column, who) == ""
    )


def string_pairs(
    left: pd.DataFrame,
    right: pd.DataFrame,
    column: str,
    i: np.ndarray,
    j: np.ndarray,
    who: str = "?",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pair-aligned string values ``(a, b, null)``; null is True where either side is missing."""
    lv = string_values(left, column, who)
    rv = lv if right is left else string_values(right, column, who)
    ln = string_nulls(left, column, who)
    rn = ln if right is left else string_nulls(right, column, who)
    return lv[i], rv[j], ln[i] | rn[j]


def date_days(frame: pd.DataFrame, column: str, who: str = "?") -> np.ndarray:
    """A date column as int64 days since 1970-01-01, ``np.iinfo(int64).min`` where missing."""
    s = _column(frame, column, who)
    if not pd.api.types.is_datetime64_any_dtype(s):
        s = pd.to_datetime(s, errors="coerce")
    values = s.to_numpy(dtype="datetime64[ns]")
    days = values.astype("datetime64[D]").astype(np.int64)
    return days


NAT = np.iinfo(np.int64).min


def _qgram_dice(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Dice similarity of character-bigram bags, vectorized in chunks."""
    from migrant_records.blocking.strategies import _gram_codes

    out = np.empty(len(a), dtype=np.float64)
    step = 50_000
    for s in range(0, len(a), step):
        ga, va = _gram_codes(a[s : s + step], 2)
        gb, vb = _gram_codes(b[s : s + step], 2)
        eq = ga[:, :, None] == gb[:, None, :]
        eq &= va[:, :, None] & vb[:, None, :]
        a_in_b = eq.any(axis=2).sum(axis=1)
        b_in_a = eq.any(axis=1).sum(axis=1)
        denom = va.sum(axis=1) + vb.sum(axis=1)
        out[s : s + step] = (a_in_b + b_in_a) / np.maximum(denom, 1)
    return out


SIMILARITY_METHODS: dict[str, Callable[..., Any] | None] = {
    "jaro_winkler": JaroWinkler.normalized_similarity,
    "jaro": Jaro.normalized_similarity,
    "levenshtein": Levenshtein.normalized_similarity,
    "damerau_levenshtein": DamerauLevenshtein.normalized_similarity,
    "indel": Indel.normalized_similarity,
    "token_sort": fuzz.token_sort_ratio,
    "token_set": fuzz.token_set_ratio,
    "qgram": None,
}
"""Similarity methods by name; each gives a score in ``[0, 1]``."""


def check_method(method: str) -> None:
    """Raise :class:`ConfigError` for an unknown similarity method."""
    if method not in SIMILARITY_METHODS:
        raise ConfigError(
            f"Unknown similarity method {method!r}; use one of {sorted(SIMILARITY_METHODS)}."
        )


_THREADED_PAIRS = 5_000
"""From this many pairs on rapidfuzz scores on all cores; below, starting its threads
(about 0.1 ms a call) costs more than scoring the pairs."""


def rapidfuzz_workers(n_pairs: int) -> int:
    """The ``workers`` argument of a rapidfuzz call on ``n_pairs`` pairs."""
    return -1 if n_pairs >= _THREADED_PAIRS else 1


def similarity(a: np.ndarray, b: np.ndarray, method: str = "jaro_winkler") -> np.ndarray:
    """Pairwise similarity in ``[0, 1]`` of two aligned string arrays (rapidfuzz, all cores).

    Args:
        a: Object array of strings.
        b: Object array of strings, same length.
        method: A key of :data:`SIMILARITY_METHODS`.

    Returns:
        float32 scores.
    """
    check_method(method)
    if len(a) == 0:
        return np.empty(0, dtype=np.float32)
    if method == "qgram":
        return _qgram_dice(a, b).astype(np.float32)
    scorer: Any = SIMILARITY_METHODS[method]
    scores = process.cpdist(
        a, b, scorer=scorer, workers=rapidfuzz_workers(len(a)), dtype=np.float32
    )
    if method in ("token_sort", "token_set"):
        scores = scores / np.float32(100.0)
    return np.asarray(scores, dtype=np.float32)
