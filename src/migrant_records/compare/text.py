"""Strings as integer value codes: agreement by integer comparison, thresholded scoring.

Each record of a prepared string column gets an integer code of its value
(:func:`value_codes`); :func:`joint_codes` puts the two frames of a link into one code space,
so the built-in comparators find equal values without comparing Python strings.

Fuzzy levels only need to know whether a pair's similarity reaches a threshold. Two facts
make that much cheaper than scoring every pair:

* Values repeat (common names, one record in many pairs), so each distinct pair of values is
  scored once; records carry integer value codes, so finding the distinct pairs costs only
  integer hashing.
* For Jaro, Jaro-Winkler, Levenshtein and Indel the number of characters two strings can
  match is at most the overlap of their character histograms. That gives an upper bound on
  the similarity from a few integer operations per pair (histograms are per distinct value,
  32 bins packed into four 64-bit words); pairs whose bound falls below the threshold cannot
  reach it and are never handed to rapidfuzz. The result is identical to scoring every pair.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from migrant_records.compare.base import cached, similarity, string_values

__all__ = [
    "BOUNDED_METHODS",
    "ValueCodes",
    "coded",
    "coded_threshold_levels",
    "column_codes",
    "has_column",
    "joint_codes",
    "pair_codes_of",
    "scores_at_least",
    "value_codes",
]

BOUNDED_METHODS = frozenset({"jaro", "jaro_winkler", "levenshtein", "indel"})
"""Methods with a character-histogram upper bound (see the module docs)."""

_BINS = 32
_MAX_LEN = 255  # byte lanes of the packed histogram; longer values are never skipped
_CHUNK = 1 << 18
_EPS = 1e-6
_LOW16 = np.uint64(0xFFFF)
_BYTE_SUM = np.uint64(0x0101010101010101)


@dataclass(frozen=True)
class _Stats:
    hist: np.ndarray  # (U, 4) uint64: 32 uint8 character-bin counts per value
    length: np.ndarray  # (U,) float64 length in characters
    head: np.ndarray  # (U,) uint64: first four characters, 16 bits each
    long: np.ndarray  # (U,) bool: longer than _MAX_LEN (no bound)


def _stats(values: np.ndarray) -> _Stats:
    n = len(values)
    lengths = np.fromiter(map(len, values), dtype=np.int64, count=n)
    # surrogatepass: values decoded with surrogateescape hold lone surrogates
    raw = "".join(values).encode("utf-32-le", "surrogatepass")
    cps = np.frombuffer(raw, dtype=np.uint32).astype(np.int64)
    owner = np.repeat(np.arange(n, dtype=np.int64), lengths)
    counts = np.bincount(owner * _BINS + cps % _BINS, minlength=n * _BINS)
    hist = np.minimum(counts, _MAX_LEN).astype(np.uint8).reshape(n, _BINS)
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1])) if n else lengths
    head = np.zeros(n, dtype=np.uint64)
    for k in range(4):
        has = lengths > k
        ch = cps[starts[has] + k].astype(np.uint64) & _LOW16
        head[has] |= ch << np.uint64(16 * k)
    return _Stats(
        hist=np.ascontiguousarray(hist).view(np.uint64),
        length=np.maximum(lengths, 1).astype(np.float64),
        head=head,
        long=(lengths > _MAX_LEN) | (lengths == 0),
    )


def _has_lone_surrogate(values: np.ndarray) -> bool:
    """Whether a distinct value holds a lone surrogate (the only way two share a code)."""
    texts = values.tolist()
    try:
        try:
            joined = "\n".join(texts)  # distinct values are nearly always all text
        except TypeError:
            joined = "\n".join(v for v in texts if isinstance(v, str))
        joined.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _factorize_strings(strings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize`` of strings, checked: equal codes must mean equal values.

    pandas hashes strings through UTF-8, and distinct strings holding lone surrogates (text
    decoded with ``surrogateescape``) can share a code there; if the check finds that, the
    strings are coded exactly with a dictionary instead.
    """
    codes, uniques = pd.factorize(strings)
    codes = np.asarray(codes, dtype=np.int64)
    values = np.asarray(uniques, dtype=object)
    if len(values) and _has_lone_surrogate(values):
        index: dict[object, int] = {}
        codes = np.fromiter(
            (-1 if v is None else index.setdefault(v, len(index)) for v in strings),
            dtype=np.int64,
            count=len(strings),
        )
        values = np.empty(len(index), dtype=object)
        values[:] = list(index)
    return codes, values


@dataclass
class ValueCodes:
    """Distinct values of a string column and each record's value code (-1 where missing)."""

    codes: np.ndarray
    values: np.ndarray
    _stats: _Stats | None = field(default=None, repr=False)

    @classmethod
    def from_strings(cls, strings: np.ndarray, *, empty_is_missing: bool = True) -> ValueCodes:
        """Code an object array of strings; ``""`` gets code -1 if ``empty_is_missing``."""
        codes, values = _factorize_strings(np.asarray(strings, dtype=object))
        empty = np.flatnonzero(values == "") if empty_is_missing else np.empty(0, np.int64)
        if len(empty):
            # drop "" from the distinct values; its records become -1
            e = int(empty[0])
            values = np.delete(values, e)
            codes = np.where(codes == e, -1, codes - (codes > e))
        return cls(codes=codes.astype(np.int32), values=values)

    @property
    def stats(self) -> _Stats:
        if self._stats is None:
            self._stats = _stats(self.values)
        return self._stats


def coded(frame: pd.DataFrame, key: str, strings: Callable[[], np.ndarray]) -> ValueCodes:
    """:class:`ValueCodes` of per-record strings ``strings()``, cached under ``key``."""
    return cached(  # type: ignore[no-any-return]
        frame, "vcodes:" + key, lambda: ValueCodes.from_strings(strings())
    )


def value_codes(frame: pd.DataFrame, column: str, who: str = "?") -> ValueCodes:
    """:class:`ValueCodes` of a prepared string column (cached while comparing)."""
    return coded(frame, column, lambda: string_values(frame, column, who))


def joint_codes(
    left: pd.DataFrame,
    right: pd.DataFrame,
    key: str,
    strings: Callable[[pd.DataFrame], np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """Per-record int32 codes of both frames in one code space (cached while comparing).

    Equal codes mean equal values and -1 means missing, so agreement of two records is an
    integer comparison. ``strings(frame)`` gives the per-record strings (``""`` = missing);
    ``key`` names them in the cache.
    """
    vl = coded(left, key, lambda: strings(left))
    if right is left:
        return vl.codes, vl.codes
    vr = coded(right, key, lambda: strings(right))

    def build() -> np.ndarray:
        if len(vr.values) == 0:
            return np.full(len(vr.codes), -1, dtype=np.int32)
        left_values, right_values = (
            pd.Index(vl.values, dtype=object),
            pd.Index(vr.values, dtype=object),
        )
        trans = np.asarray(left_values.get_indexer(right_values), dtype=np.int64)
        new = trans < 0
        trans[new] = len(vl.values) + np.arange(int(new.sum()))
        return np.where(vr.codes >= 0, trans[np.maximum(vr.codes, 0)], -1).astype(np.int32)

    return vl.codes, cached(right, f"jcodes:{key}:{id(vl)}", build)


def column_codes(
    left: pd.DataFrame, right: pd.DataFrame, column: str, who: str = "?"
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`joint_codes` of a prepared string column."""
    return joint_codes(left, right, column, lambda f: string_values(f, column, who))


def _may_reach(
    sa: _Stats, sb: _Stats, ca: np.ndarray, cb: np.ndarray, method: str, cutoff: float
) -> np.ndarray:
    """Mask of the value-code pairs whose ``method`` similarity can reach ``cutoff``.

    The number of matching characters is at most the overlap ``m`` of the two character
    histograms, which bounds Jaro by ``(m/la + m/lb + 1) / 3`` (Jaro-Winkler adds the
    common-prefix boost), Levenshtein by ``m / max(la, lb)`` and Indel by ``2m / (la + lb)``.
    """
    keep = np.empty(len(ca), dtype=bool)
    ha = np.empty((min(len(ca), _CHUNK), 4), dtype=np.uint64)
    hb = np.empty_like(ha)
    for s in range(0, len(ca), _CHUNK):
        a, b = ca[s : s + _CHUNK], cb[s : s + _CHUNK]
        k = len(a)
        np.take(sa.hist, a, axis=0, out=ha[:k])
        np.take(sb.hist, b, axis=0, out=hb[:k])
        np.minimum(ha[:k].view(np.uint8), hb[:k].view(np.uint8), out=ha[:k].view(np.uint8))
        # per-byte-lane sums stay below 256 (values are at most 255 characters), and the
        # multiply adds the eight lanes into the top byte
        lanes = ha[:k, 0] + ha[:k, 1]
        lanes += ha[:k, 2]
        lanes += ha[:k, 3]
        lanes *= _BYTE_SUM
        lanes >>= np.uint64(56)
        m = lanes.astype(np.float64)
        la, lb = sa.length[a], sb.length[b]
        if method in ("jaro", "jaro_winkler"):
            bound = (m / la + m / lb + 1.0) / 3.0
            bound[m == 0] = 0.0
            if method == "jaro_winkler":
                x = sa.head[a] ^ sb.head[b]
                prefix = ((x & _LOW16) == 0).astype(np.float64)
                prefix += (x & np.uint64(0xFFFFFFFF)) == 0
                prefix += (x & np.uint64(0xFFFFFFFFFFFF)) == 0
                prefix += x == 0
                boost = bound > 0.7
                bound[boost] += 0.1 * prefix[boost] * (1.0 - bound[boost])
        elif method == "levenshtein":
            bound = m / np.maximum(la, lb)
        else:  # indel
            bound = 2.0 * m / (la + lb)
        keep[s : s + k] = (bound >= cutoff - _EPS) | sa.long[a] | sb.long[b]
    return keep


def _score_distinct(
    va: ValueCodes, vb: ValueCodes, ca: np.ndarray, cb: np.ndarray, method: str
) -> np.ndarray:
    """Similarity per value-code pair, each distinct pair scored once."""
    if len(ca) == 0:
        return np.empty(0, dtype=np.float32)
    pa, pb = ca.astype(np.int64), cb.astype(np.int64)
    width = np.int64(len(vb.values) + 1)
    inverse, uniq = pd.factorize(pa * width + pb)
    if len(uniq) < 0.9 * len(pa):
        ua, ub = np.divmod(np.asarray(uniq, dtype=np.int64), width)
        return similarity(va.values[ua], vb.values[ub], method)[inverse]
    return similarity(va.values[pa], vb.values[pb], method)


def scores_at_least(
    va: ValueCodes,
    vb: ValueCodes,
    ca: np.ndarray,
    cb: np.ndarray,
    method: str,
    cutoff: float,
) -> np.ndarray:
    """Similarity of value-code pairs where it may reach ``cutoff``; 0.0 where it cannot.

    Args:
        va: Codes of the left values (``ca`` indexes ``va.values``).
        vb: Codes of the right values.
        ca: Left value code per pair (no -1).
        cb: Right value code per pair (no -1).
        method: A similarity method name.
        cutoff: Scores below it are not needed exactly.

    Returns:
        float32 scores; every score ``>= cutoff`` is exact, every other is ``< cutoff``.
    """
    out = np.zeros(len(ca), dtype=np.float32)
    if method in BOUNDED_METHODS and len(ca):
        todo = np.flatnonzero(_may_reach(va.stats, vb.stats, ca, cb, method, cutoff))
        out[todo] = _score_distinct(va, vb, ca[todo], cb[todo], method)
    else:
        out[:] = _score_distinct(va, vb, ca, cb, method)
    return out


def levels_from_scores(scores: np.ndarray, thresholds: Sequence[float]) -> np.ndarray:
    """Level ``k`` for ``score >= thresholds[k-1]`` (ascending thresholds), else 0."""
    lvl = np.zeros(len(scores), dtype=np.int8)
    for k, t in enumerate(sorted(thresholds), start=1):
        lvl[scores >= t] = k
    return lvl


def coded_threshold_levels(
    left: pd.DataFrame,
    right: pd.DataFrame,
    column: str,
    i: np.ndarray,
    j: np.ndarray,
    method: str,
    thresholds: Sequence[float],
    who: str = "?",
) -> np.ndarray:
    """Levels of :class:`~migrant_records.compare.StringSimilarity` for pairs ``(i, j)``.

    -1 where either value is missing, the top level (``len(thresholds) + 1``) for equal
    values, ``k`` for ``score >= thresholds[k-1]`` (ascending), else 0.
    """
    vl = value_codes(left, column, who)
    vr = vl if right is left else value_codes(right, column, who)
    jl, jr = column_codes(left, right, column, who)
    bounded = method in BOUNDED_METHODS
    cutoff = min(thresholds)
    out = np.empty(len(i), dtype=np.int8)
    todo: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for s in range(0, len(i), _CHUNK):
        ca, cb = vl.codes[i[s : s + _CHUNK]], vr.codes[j[s : s + _CHUNK]]
        null = (ca < 0) | (cb < 0)
        exact = jl[i[s : s + _CHUNK]] == jr[j[s : s + _CHUNK]]
        o = out[s : s + len(ca)]
        o.fill(0)
        o[exact] = len(thresholds) + 1
        o[null] = -1
        rest = np.flatnonzero(o == 0)
        if bounded and len(rest):
            rest = rest[_may_reach(vl.stats, vr.stats, ca[rest], cb[rest], method, cutoff)]
        todo.append((rest + s, ca[rest], cb[rest]))
    if todo:
        pos, ca, cb = (np.concatenate(parts) for parts in zip(*todo, strict=True))
        out[pos] = levels_from_scores(_score_distinct(vl, vr, ca, cb, method), thresholds)
    return out


def has_column(frame: pd.DataFrame, column: str) -> bool:
    """Whether the frame holds the column."""
    return column in frame.columns


def pair_codes_of(
    left: pd.DataFrame, right: pd.DataFrame, column: str, i: np.ndarray, j: np.ndarray, who: str
) -> tuple[np.ndarray, np.ndarray]:
    """Per-pair value codes of a string column in one code space (-1 = missing)."""
    cl, cr = column_codes(left, right, column, who)
    return cl[i], cr[j]
