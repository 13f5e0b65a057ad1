"""Vectorized pair generation from block codes (internal helpers).

Every strategy reduces to one integer block code per record (``-1`` = no block). These
functions turn codes into candidate pairs with numpy only: records are sorted by code, block
offsets come from the sort, and all within-block (or cross-block) pairs are emitted with
``repeat``/``cumsum`` arithmetic, never a Python loop per block.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "BlockStats",
    "cross_pairs",
    "dedupe_pairs",
    "in_sorted",
    "pair_budget",
    "sorted_unique",
    "unique_pairs",
]

_EMPTY = np.empty(0, dtype=np.int64)


def pair_budget(max_block_size: int | None) -> int | None:
    """The most pairs one block may produce: those of a dedupe block of ``max_block_size``."""
    if max_block_size is None:
        return None
    return max_block_size * (max_block_size - 1) // 2


@dataclass
class BlockStats:
    """What pair generation saw: the largest blocks kept and the blocks skipped by the cap.

    Attributes:
        largest: ``(code, size, pairs)`` of the largest blocks that were kept.
        skipped: ``(code, size, pairs)`` of the blocks skipped because they were too large.
    """

    largest: list[tuple[int, int, int]] = field(default_factory=list)
    skipped: list[tuple[int, int, int]] = field(default_factory=list)


def _top(
    codes: np.ndarray, sizes: np.ndarray, pairs: np.ndarray, k: int
) -> list[tuple[int, int, int]]:
    if len(sizes) == 0:
        return []
    k = min(k, len(sizes))
    top = np.argpartition(-pairs, k - 1)[:k] if len(sizes) > k else np.arange(len(sizes))
    top = top[np.lexsort((codes[top], -pairs[top]))]
    return [(int(codes[t]), int(sizes[t]), int(pairs[t])) for t in top]


def _sorted_blocks(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Positions of non-null records sorted by code, with each block's code, start and size."""
    pos = np.flatnonzero(codes >= 0)
    c = codes[pos]
    order = np.argsort(c, kind="stable")
    pos = pos[order]
    c = c[order]
    if len(c) == 0:
        return pos, c, _EMPTY, _EMPTY
    starts = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])
    sizes = np.diff(np.r_[starts, len(c)])
    return pos, c[starts], starts, sizes


def dedupe_pairs(
    codes: np.ndarray, max_block_size: int | None = None, *, top_k: int = 5
) -> tuple[np.ndarray, np.ndarray, BlockStats]:
    """All pairs of records that share a block code (``i < j``), skipping oversized blocks.

    Args:
        codes: One int64 block code per record; negative means the record is in no block.
        max_block_size: Blocks with more records than this are skipped (``None``: no cap).
        top_k: How many of the largest kept blocks to report.

    Returns:
        ``(i, j, stats)``: int64 row positions with ``i < j`` and the block statistics.
    """
    stats = BlockStats()
    pos, bcodes, starts, sizes = _sorted_blocks(np.asarray(codes, dtype=np.int64))
    npairs = sizes * (sizes - 1) // 2
    keep = sizes > 1
    if max_block_size is not None:
        over = sizes > max_block_size
        if over.any():
            stats.skipped = _top(bcodes[over], sizes[over], npairs[over], 10**9)
        keep &= ~over
    stats.largest = _top(bcodes[keep], sizes[keep], npairs[keep], top_k)
    starts, sizes = starts[keep], sizes[keep]
    if len(sizes) == 0:
        return _EMPTY.copy(), _EMPTY.copy(), stats
    # Each record at rank r inside a block of size s pairs with the s - 1 - r records after it.
    n_in = int(sizes.sum())
    block_of = np.repeat(np.arange(len(sizes)), sizes)
    rank = np.arange(n_in, dtype=np.int64) - (np.cumsum(sizes) - sizes)[block_of]
    rec = starts[block_of] + rank
    follow = sizes[block_of] - 1 - rank
    total = int(follow.sum())
    left_slot = np.repeat(rec, follow)
    offset = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(follow) - follow, follow)
    right_slot = left_slot + 1 + offset
    return pos[left_slot], pos[right_slot], stats


def cross_pairs(
    left_codes: np.ndarray,
    right_codes: np.ndarray,
    max_block_size: int | None = None,
    *,
    top_k: int = 5,
) -> tuple[np.ndarray, np.ndarray, BlockStats]:
    """All (left, right) pairs that share a block code, skipping oversized blocks.

    A block is skipped when it would produce more pairs than a dedupe block of
    ``max_block_size`` records (``max_block_size * (max_block_size - 1) / 2``).

    Args:
        left_codes: Block code per left record (negative: no block).
        right_codes: Block code per right record, from the same code space.
        max_block_size: The cap (``None``: no cap).
        top_k: How many of the largest kept blocks to report.

    Returns:
        ``(i, j, stats)``: left and right int64 row positions.
    """
    stats = BlockStats()
    lpos, lcode, lstart, lsize = _sorted_blocks(np.asarray(left_codes, dtype=np.int64))
    rpos, rcode, rstart, rsize = _sorted_blocks(np.asarray(right_codes, dtype=np.int64))
    common, li, ri = np.intersect1d(lcode, rcode, assume_unique=True, return_indices=True)
    lstart, lsize = lstart[li], lsize[li]
    rstart, rsize = rstart[ri], rsize[ri]
    npairs = lsize * rsize
    keep = np.ones(len(common), dtype=bool)
    budget = pair_budget(max_block_size)
    if budget is not None:
        over = npairs > budget
        if over.any():
            stats.skipped = _top(common[over], (lsize + rsize)[over], npairs[over], 10**9)
        keep &= ~over
    stats.largest = _top(common[keep], (lsize + rsize)[keep], npairs[keep], top_k)
    lstart, lsize, rstart, rsize = lstart[keep], lsize[keep], rstart[keep], rsize[keep]
    if len(lsize) == 0:
        return _EMPTY.copy(), _EMPTY.copy(), stats
    nl = int(lsize.sum())
    block_of = np.repeat(np.arange(len(lsize)), lsize)
    lslot = lstart[block_of] + (
        np.arange(nl, dtype=np.int64) - (np.cumsum(lsize) - lsize)[block_of]
    )
    reps = rsize[block_of]
    total = int(reps.sum())
    left_slot = np.repeat(lslot, reps)
    offset = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(reps) - reps, reps)
    right_slot = np.repeat(rstart[block_of], reps) + offset
    return lpos[left_slot], rpos[right_slot], stats


def unique_pairs(i: np.ndarray, j: np.ndarray, n_right: int) -> tuple[np.ndarray, np.ndarray]:
    """Sort pairs by ``(i, j)`` and drop duplicates (encodes each pair as ``i * n_right + j``)."""
    if len(i) == 0:
        return _EMPTY.copy(), _EMPTY.copy()
    key = np.asarray(i, dtype=np.int64) * np.int64(max(n_right, 1)) + np.asarray(j, dtype=np.int64)
    key.sort()
    keep = np.r_[True, key[1:] != key[:-1]]
    key = key[keep]
    return key // max(n_right, 1), key % max(n_right, 1)


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (sort based; faster than ``np.unique`` on large int arrays)."""
    out = np.sort(np.asarray(values))
    if len(out) < 2:
        return out
    return out[np.r_[True, out[1:] != out[:-1]]]


def in_sorted(values: np.ndarray, sorted_ref: np.ndarray) -> np.ndarray:
    """Boolean mask: which ``values`` occur in the sorted array ``sorted_ref``."""
    if len(sorted_ref) == 0:
        return np.zeros(len(values), dtype=bool)
    pos = np.searchsorted(sorted_ref, values)
    pos[pos == len(sorted_ref)] = 0
    return sorted_ref[pos] == values
