"""Helpers shared by the models: checking, encoding and aggregating comparison-level matrices.

A comparison-level matrix ``gamma`` holds one ``int8`` per pair and comparator: ``-1`` for a
null (no evidence), ``0`` for the "else" level and higher levels for stronger agreement. Many
pairs share the same row (the same *pattern*), so the models work on the distinct patterns and
their counts. Each row is encoded as one ``int64`` code in a mixed radix of ``level + 1``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from migrant_records.errors import ConfigError

__all__ = [
    "aggregate",
    "aggregate_groups",
    "check_gamma",
    "decode",
    "encode",
    "lookup_sum",
    "pattern_sum",
    "radices",
]

# Use a dense bincount over all possible codes when the code space is at most this large.
_DENSE_CODE_LIMIT = 1 << 22


def check_gamma(
    gamma: np.ndarray, n_levels: Sequence[int] | None = None, *, where: str = "gamma"
) -> np.ndarray:
    """Check a comparison-level matrix and return it as a 2-D integer array.

    Args:
        gamma: Comparison levels, shape ``(n_pairs, n_comparators)``.
        n_levels: Number of levels of each comparator; when given, every value must lie in
            ``[-1, n_levels[k] - 1]``.
        where: Name used in error messages.

    Returns:
        ``gamma`` as a C-ordered integer array (``int8`` when it already was one).

    Raises:
        ConfigError: The matrix has the wrong shape or holds levels out of range.
    """
    arr = np.asarray(gamma)
    if arr.ndim == 1 and n_levels is not None and len(n_levels) == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise ConfigError(
            f"{where} must be a 2-D array (pairs x comparators), got {arr.ndim} dimension(s)."
        )
    if not np.issubdtype(arr.dtype, np.integer):
        if arr.size and not np.all(np.isfinite(arr)):
            raise ConfigError(f"{where} holds NaN or infinite values; use -1 for a null level.")
        arr = arr.astype(np.int8)
    if n_levels is not None:
        if arr.shape[1] != len(n_levels):
            raise ConfigError(
                f"{where} has {arr.shape[1]} column(s) but the model has {len(n_levels)} "
                "comparator(s); compare pairs with the same comparators the model was built with."
            )
        # A whole-array min / max is fast; check columns (one strided pass each) only when needed.
        if arr.shape[0] and (arr.min() < -1 or arr.max() >= min(n_levels)):
            for k, n in enumerate(n_levels):
                col = arr[:, k]
                lo, hi = int(col.min()), int(col.max())
                if lo < -1 or hi >= n:
                    raise ConfigError(
                        f"{where} column {k} holds level(s) outside [-1, {n - 1}] "
                        f"(found {lo}..{hi}); the comparator has {n} level(s)."
                    )
    return np.ascontiguousarray(arr)


def radices(n_levels: Sequence[int]) -> np.ndarray:
    """Place values of the mixed-radix code: comparator ``k`` is worth ``prod(n_levels[:k] + 1)``.

    Raises:
        ConfigError: The code space does not fit in an ``int64``.
    """
    bases = np.asarray(n_levels, dtype=np.int64) + 1
    total = 1
    for b in bases.tolist():
        total *= int(b)
    if total >= 2**62:
        raise ConfigError(
            f"Too many comparator levels to encode ({total} patterns); use fewer comparators "
            "or fewer levels."
        )
    out = np.ones(len(bases), dtype=np.int64)
    if len(bases) > 1:
        out[1:] = np.cumprod(bases[:-1])
    return out


def encode(gamma: np.ndarray, n_levels: Sequence[int]) -> np.ndarray:
    """Encode each row of ``gamma`` as one ``int64``: ``sum_k (gamma[:, k] + 1) * radix_k``."""
    rad = radices(n_levels)
    codes = np.zeros(gamma.shape[0], dtype=np.int64)
    for k in range(gamma.shape[1]):
        codes += (gamma[:, k].astype(np.int64) + 1) * rad[k]
    return codes


def decode(codes: np.ndarray, n_levels: Sequence[int]) -> np.ndarray:
    """Invert :func:`encode`: codes back to an ``int8`` level matrix."""
    bases = np.asarray(n_levels, dtype=np.int64) + 1
    out = np.empty((len(codes), len(bases)), dtype=np.int8)
    rest = np.asarray(codes, dtype=np.int64).copy()
    for k, b in enumerate(bases.tolist()):
        out[:, k] = (rest % b) - 1
        rest //= b
    return out


def aggregate(
    gamma: np.ndarray, n_levels: Sequence[int], weights: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of ``gamma`` and how many pairs (or how much weight) each has.

    Args:
        gamma: Checked comparison levels.
        n_levels: Number of levels per comparator.
        weights: Optional weight per row (for example counts of already aggregated rows).

    Returns:
        ``(patterns, counts)``: an ``int8`` matrix of distinct rows (sorted by code) and a
        ``float64`` count per row.
    """
    codes = encode(gamma, n_levels)
    total = int(np.prod(np.asarray(n_levels, dtype=np.float64) + 1))
    if total <= max(_DENSE_CODE_LIMIT, 4 * len(codes)) and total <= 1 << 27:
        dense = np.bincount(codes, weights=weights, minlength=total)
        present = np.bincount(codes, minlength=total) > 0 if weights is not None else dense > 0
        uniq = np.flatnonzero(present)
        counts = np.asarray(dense[uniq], dtype=np.float64)
    elif weights is None:
        uniq, cnt = np.unique(codes, return_counts=True)
        counts = cnt.astype(np.float64)
    else:
        uniq, inv = np.unique(codes, return_inverse=True)
        counts = np.bincount(inv, weights=weights, minlength=len(uniq)).astype(np.float64)
    return decode(uniq, n_levels), counts


def aggregate_groups(
    gamma: np.ndarray, n_levels: Sequence[int], group_weights: Sequence[np.ndarray]
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Distinct rows of ``gamma`` with one summed weight vector per group.

    Args:
        gamma: Checked comparison levels.
        n_levels: Number of levels per comparator.
        group_weights: One weight array per group, aligned to the rows of ``gamma`` (for
            example 1.0 where a pair is labelled a match, else 0.0).

    Returns:
        ``(patterns, [counts per group])``.
    """
    codes = encode(gamma, n_levels)
    uniq, inv = np.unique(codes, return_inverse=True)
    sums = [
        np.bincount(inv, weights=np.asarray(w, dtype=np.float64), minlength=len(uniq))
        for w in group_weights
    ]
    return decode(uniq, n_levels), sums


def lookup_sum(gamma: np.ndarray, tables: Sequence[np.ndarray], base: float = 0.0) -> np.ndarray:
    """Sum per-comparator lookup tables indexed by ``gamma + 1`` (index 0 is the null level).

    Args:
        gamma: Checked comparison levels.
        tables: One ``float64`` table per comparator, length ``n_levels + 1``.
        base: Constant added to every row.

    Returns:
        ``float64`` array, one value per row.
    """
    out = np.full(gamma.shape[0], base, dtype=np.float64)
    for k, table in enumerate(tables):
        out += np.asarray(table, dtype=np.float64)[gamma[:, k].astype(np.intp) + 1]
    return out


def pattern_sum(
    gamma: np.ndarray, tables: Sequence[np.ndarray], n_levels: Sequence[int], base: float = 0.0
) -> np.ndarray:
    """Same result as :func:`lookup_sum`, faster when the number of possible patterns is small.

    The sum is computed once for every possible pattern, then each row's code picks its value:
    one gather per row instead of one per row and comparator.
    """
    total = int(np.prod(np.asarray(n_levels, dtype=np.float64) + 1))
    if total > _DENSE_CODE_LIMIT or total > max(gamma.shape[0], 1):
        return lookup_sum(gamma, tables, base)
    every = decode(np.arange(total, dtype=np.int64), n_levels)
    table = lookup_sum(every, tables, base)
    out: np.ndarray = table[encode(gamma, n_levels)]
    return out
