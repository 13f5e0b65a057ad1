"""Random record pairs, used to estimate u probabilities, and pair counts used for the prior."""

from __future__ import annotations

import numpy as np

from migrant_records.errors import ConfigError
from migrant_records.records import total_pairs

__all__ = ["sample_random_pairs", "total_pairs", "u_sample_size"]


def u_sample_size(n_records: int, most: int) -> int:
    """Random pairs drawn to estimate u over ``n_records`` records: 10 per record, at least
    250,000, at most ``most``."""
    return min(most, max(250_000, 10 * n_records))


def sample_random_pairs(
    n_left: int, n_right: int | None = None, max_pairs: int = 1_000_000, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Draw record pairs uniformly at random (without regard to blocking).

    Deduplication (``n_right is None``) draws unordered pairs of distinct records and returns
    them with ``i < j``; linking draws ``(left, right)`` pairs. When all possible pairs number
    at most ``max_pairs`` every pair is returned once. Otherwise ``max_pairs`` pairs are drawn
    with replacement and duplicates are dropped, so slightly fewer may come back; the result
    is sorted by ``(i, j)``.

    Args:
        n_left: Number of records (dedupe) or left records (link).
        n_right: Number of right records (link) or ``None`` (dedupe).
        max_pairs: Most pairs to return.
        seed: Seed of the random generator; the same arguments give the same pairs.

    Returns:
        ``(i, j)``: two ``int64`` arrays of row positions.

    Example:
        >>> i, j = sample_random_pairs(1000, max_pairs=500, seed=1)
        >>> bool((i < j).all())
        True
    """
    if max_pairs <= 0:
        raise ConfigError(f"max_pairs must be positive, got {max_pairs}.")
    total = total_pairs(n_left, n_right)
    if total == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    if total <= max_pairs:
        if n_right is None:
            a, b = np.triu_indices(n_left, k=1)
            return a.astype(np.int64), b.astype(np.int64)
        a = np.repeat(np.arange(n_left, dtype=np.int64), n_right)
        b = np.tile(np.arange(n_right, dtype=np.int64), n_left)
        return a, b
    rng = np.random.default_rng(seed)
    if n_right is None:
        a = rng.integers(0, n_left, size=max_pairs, dtype=np.int64)
        b = rng.integers(0, n_left - 1, size=max_pairs, dtype=np.int64)
        b += b >= a  # skip the record itself: uniform over the other n - 1 records
        lo = np.minimum(a, b)
        hi = np.maximum(a, b)
        codes = np.unique(lo * n_left + hi)
        return codes // n_left, codes % n_left
    a = rng.integers(0, n_left, size=max_pairs, dtype=np.int64)
    b = rng.integers(0, n_right, size=max_pairs, dtype=np.int64)
    codes = np.unique(a * n_right + b)
    return codes // n_right, codes % n_right
