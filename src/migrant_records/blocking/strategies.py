"""Blocking strategies: exact keys, sorted neighbourhood and q-gram MinHash LSH.

Every strategy turns a prepared frame (dedupe) or two (link) into candidate pairs of row
positions. All pair generation is vectorized with numpy: records are reduced to integer block
codes and the pairs of each block are emitted with sort / repeat / cumsum arithmetic.

Example:
    >>> import pandas as pd
    >>> from migrant_records.blocking import ExactBlock
    >>> frame = pd.DataFrame({"name_key": ["sit", "sit", "ami"], "birth_year": [1990.0] * 3})
    >>> i, j = ExactBlock(["name_key", "birth_year"]).pairs(frame)
    >>> list(zip(i.tolist(), j.tolist()))
    [(0, 1)]
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from migrant_records import registry
from migrant_records.blocking._keys import (
    KeyItem,
    item_from_json,
    item_label,
    item_to_json,
    key_codes,
    normalize_items,
)
from migrant_records.blocking._pairs import (
    BlockStats,
    cross_pairs,
    dedupe_pairs,
    sorted_unique,
    unique_pairs,
)
from migrant_records.blocking.base import (
    DEFAULT_MAX_BLOCK_SIZE,
    BaseStrategy,
    BlockPairs,
    pairs_from_keys,
)
from migrant_records.errors import ConfigError

__all__ = ["ExactBlock", "QGramLSH", "SortedNeighbourhood", "minhash_signatures"]

_EMPTY = np.empty(0, dtype=np.int64)

logger = logging.getLogger(__name__)


class ExactBlock(BaseStrategy):
    """Pairs of records that agree exactly on every key column.

    Rows where any key part is null (or an empty string) produce no pairs.

    Args:
        columns: One key item or several. An item is a column name, a ``(column, transform)``
            pair with transform ``"first"`` / ``"last"`` (token), ``"year"`` / ``"month"``
            (of a date) or a ``slice`` (characters), or a callable ``frame -> Series``.
        name: The pass name (default: the key items joined by ``+``).
        max_block_size: Blocks with more records than this are skipped with a
            :class:`BlockingWarning` (link: blocks producing more pairs than a dedupe block of
            this size). ``None`` disables the cap.

    Example:
        >>> ExactBlock([("name_key", "first"), "dob"]).name
        'name_key[first]+dob'
    """

    kind = "exact"

    def __init__(
        self,
        columns: KeyItem | Sequence[KeyItem],
        *,
        name: str | None = None,
        max_block_size: int | None = DEFAULT_MAX_BLOCK_SIZE,
    ) -> None:
        self.items = normalize_items(columns)
        self.name = name or "+".join(item_label(it) for it in self.items)
        if max_block_size is not None and max_block_size < 2:
            raise ConfigError(f"max_block_size must be at least 2 (or None), got {max_block_size}.")
        self.max_block_size = max_block_size

    @property
    def columns(self) -> tuple[str, ...]:
        """The prepared columns the key reads."""
        return tuple(it if isinstance(it, str) else it[0] for it in self.items if not callable(it))

    def _block_pairs(self, left: pd.DataFrame, right: pd.DataFrame | None) -> BlockPairs:
        return pairs_from_keys(self.items, left, right, self.max_block_size)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable configuration."""
        return {
            "strategy": self.kind,
            "columns": [item_to_json(it) for it in self.items],
            "name": self.name,
            "max_block_size": self.max_block_size,
        }


class SortedNeighbourhood(BaseStrategy):
    """Sort records by a key and pair each with the next ``window - 1`` records.

    Tolerates small differences that keep records close in sort order (a typo at the end of a
    name). Link mode sorts both frames together and keeps only cross pairs.

    Args:
        column: The sort key (a key item, see :class:`ExactBlock`).
        window: Window size (>= 2); each record pairs with ``window - 1`` neighbours.
        name: The pass name (default ``sn:<column>``).

    Example:
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"name_sorted": ["ani", "anna", "budi", "anni"]})
        >>> i, j = SortedNeighbourhood("name_sorted", window=2).pairs(frame)
        >>> sorted(zip(i.tolist(), j.tolist()))
        [(0, 1), (1, 3), (2, 3)]
    """

    kind = "sorted_neighbourhood"

    def __init__(self, column: KeyItem, window: int = 5, *, name: str | None = None) -> None:
        items = normalize_items(column)
        if len(items) != 1:
            raise ConfigError("SortedNeighbourhood sorts on one key item; give one column.")
        if window < 2:
            raise ConfigError(f"SortedNeighbourhood window must be at least 2, got {window}.")
        self.item = items[0]
        self.window = int(window)
        self.name = name or f"sn:{item_label(self.item)}"
        self.max_block_size = None

    def _block_pairs(self, left: pd.DataFrame, right: pd.DataFrame | None) -> BlockPairs:
        frames = [left] if right is None else [left, right]
        keys = key_codes([self.item], frames, sort=True)
        pos = np.flatnonzero(keys.codes >= 0)
        order = pos[np.argsort(keys.codes[pos], kind="stable")]
        n_left = len(left)
        lefts: list[np.ndarray] = []
        rights: list[np.ndarray] = []
        for k in range(1, min(self.window, len(order))):
            a, b = order[:-k], order[k:]
            if right is None:
                lefts.append(np.minimum(a, b))
                rights.append(np.maximum(a, b))
            else:
                cross = (a < n_left) != (b < n_left)
                a, b = a[cross], b[cross]
                lo, hi = np.minimum(a, b), np.maximum(a, b)
                lefts.append(lo)
                rights.append(hi - n_left)
        if not lefts:
            return BlockPairs(_EMPTY.copy(), _EMPTY.copy())
        i = np.concatenate(lefts).astype(np.int64)
        j = np.concatenate(rights).astype(np.int64)
        if right is None:
            i, j = unique_pairs(i, j, n_left)
        return BlockPairs(i, j)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable configuration."""
        return {
            "strategy": self.kind,
            "column": item_to_json(self.item),
            "window": self.window,
            "name": self.name,
        }


_MAX_CHARS = 48
_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def _gram_codes(values: np.ndarray, q: int) -> tuple[np.ndarray, np.ndarray]:
    """Encode each string's character q-grams as uint64 (rows) and a validity mask."""
    width = max(min(max((len(v) for v in values), default=1), _MAX_CHARS), q)
    arr = np.array([v[:_MAX_CHARS] for v in values], dtype=f"<U{width}")
    chars = arr.view(np.uint32).reshape(len(values), width).astype(np.uint64)
    n_grams = width - q + 1
    grams = np.zeros((len(values), n_grams), dtype=np.uint64)
    for t in range(q):
        grams |= chars[:, t : t + n_grams] << np.uint64(21 * (q - 1 - t))
    lengths = np.minimum(
        np.fromiter((len(v) for v in values), dtype=np.int64, count=len(values)), width
    )
    last = np.maximum(lengths - q, 0)
    valid = np.arange(n_grams)[None, :] <= last[:, None]
    return grams, valid


def minhash_signatures(
    values: Sequence[str], q: int, num_perm: int, seed: int = 0, *, chunk: int = 100_000
) -> np.ndarray:
    """MinHash signatures (``uint32``, shape ``(len(values), num_perm)``) of q-gram sets.

    Each q-gram is encoded as an integer from its characters; permutation ``p`` hashes it with
    a multiply-shift hash ``(a_p * g + b_p) >> 32``. Strings shorter than ``q`` count as one
    shingle.

    Args:
        values: Non-empty strings (the unique values of a column).
        q: Shingle length (1 to 3).
        num_perm: Number of hash permutations.
        seed: Seed of the hash parameters.
        chunk: Strings encoded at a time (bounds memory).

    Returns:
        The signature matrix.
    """
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 2**63, size=num_perm, dtype=np.uint64) | np.uint64(1)
    b = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)
    values = list(values)
    out = np.empty((len(values), num_perm), dtype=np.uint32)
    for start in range(0, len(values), chunk):
        grams, valid = _gram_codes(np.asarray(values[start : start + chunk], dtype=object), q)
        for p in range(num_perm):
            h = (grams * a[p] + b[p]) >> np.uint64(32)
            h[~valid] = np.uint64(0xFFFFFFFF)
            out[start : start + chunk, p] = h.min(axis=1)
    return out


def _expand_unit_pairs(
    ua: np.ndarray, ub: np.ndarray, unit_of: np.ndarray, n_units: int
) -> tuple[np.ndarray, np.ndarray]:
    """Record pairs (cross product) for each pair of units (groups of records)."""
    pos = np.flatnonzero(unit_of >= 0)
    order = pos[np.argsort(unit_of[pos], kind="stable")]
    size = np.bincount(unit_of[pos], minlength=n_units).astype(np.int64)
    start = np.cumsum(size) - size
    sa, sb = size[ua], size[ub]
    # left records of each unit pair
    p1 = np.repeat(np.arange(len(ua)), sa)
    rank = np.arange(len(p1), dtype=np.int64) - (np.cumsum(sa) - sa)[p1]
    left_rec = order[start[ua[p1]] + rank]
    reps = sb[p1]
    p2 = np.repeat(np.arange(len(p1)), reps)
    off = np.arange(len(p2), dtype=np.int64) - (np.cumsum(reps) - reps)[p2]
    right_rec = order[start[ub[p1[p2]]] + off]
    return np.repeat(left_rec, reps), right_rec


class QGramLSH(BaseStrategy):
    """Typo-tolerant blocking: MinHash of character q-grams with LSH banding.

    Two values land in the same block of a band when their MinHash signatures agree on all
    ``rows`` hashes of that band; the chance of that grows steeply with the Jaccard
    similarity ``s`` of their q-gram sets: ``1 - (1 - s**rows) ** bands`` over all bands.
    ``within`` restricts blocks to records that also agree exactly on other keys (for
    example ``birth_year``), which keeps the pair count small on large data.

    Work happens on unique values: signatures are computed once per distinct string, band
    blocks are formed over distinct ``(value, within)`` units, and unit pairs are expanded to
    record pairs at the end. Identical values always pair (subject to the cap).

    Args:
        column: A string column (typically ``name_core`` or ``name_norm``).
        q: Shingle length, 2 (short names, more tolerant) or 3.
        bands: Number of LSH bands.
        rows: Hashes per band (``num_perm = bands * rows``).
        num_perm: Optional; when given it must equal ``bands * rows``.
        seed: Seed of the MinHash permutations.
        within: Key items that must also agree exactly (see :class:`ExactBlock`).
        name: The pass name (default ``lsh:<column>`` plus ``|within``).
        max_block_size: Cap on records per band block (and per group of identical values).
        same_value_pairs: Also pair records with the identical value (and within-key).
            Turn it off when other passes already pair equal values: on common names the
            identical-value pairs are most of this pass's output.

    Example:
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"name_core": ["sumiati", "sumiyati", "budi santoso"]})
        >>> i, j = QGramLSH("name_core", q=2, bands=20, rows=2).pairs(frame)
        >>> (0, 1) in set(zip(i.tolist(), j.tolist()))
        True
    """

    kind = "qgram_lsh"

    def __init__(
        self,
        column: str = "name_norm",
        q: int = 2,
        num_perm: int | None = None,
        bands: int = 12,
        rows: int = 3,
        seed: int = 0,
        *,
        within: KeyItem | Sequence[KeyItem] | None = None,
        name: str | None = None,
        max_block_size: int | None = DEFAULT_MAX_BLOCK_SIZE,
        same_value_pairs: bool = True,
    ) -> None:
        if q not in (1, 2, 3):
            raise ConfigError(f"QGramLSH q must be 1, 2 or 3, got {q}.")
        if bands < 1 or rows < 1:
            raise ConfigError(f"QGramLSH needs bands >= 1 and rows >= 1, got {bands}, {rows}.")
        if num_perm is not None and num_perm != bands * rows:
            raise ConfigError(
                f"QGramLSH num_perm={num_perm} must equal bands * rows = {bands * rows}; "
                "give bands and rows only."
            )
        self.column = column
        self.q = int(q)
        self.bands = int(bands)
        self.rows = int(rows)
        self.num_perm = self.bands * self.rows
        self.seed = int(seed)
        self.within = normalize_items(within) if within is not None else []
        suffix = ("|" + "+".join(item_label(it) for it in self.within)) if self.within else ""
        self.name = name or f"lsh:{column}{suffix}"
        self.max_block_size = max_block_size
        self.same_value_pairs = bool(same_value_pairs)

    def _block_pairs(self, left: pd.DataFrame, right: pd.DataFrame | None) -> BlockPairs:
        frames = [left] if right is None else [left, right]
        n_left = len(left)
        value_keys = key_codes([self.column], frames)
        vcodes = value_keys.codes
        uniques = np.asarray(value_keys.parts[0][1], dtype=object)
        if self.within:
            wkeys = key_codes(self.within, frames)
            wcodes = wkeys.codes
            valid = (vcodes >= 0) & (wcodes >= 0)
            width = np.int64(max(wkeys.n_codes, 1))
        else:
            wcodes = np.zeros(len(vcodes), dtype=np.int64)
            valid = vcodes >= 0
            width = np.int64(1)
        unit_of = np.full(len(vcodes), -1, dtype=np.int64)
        if not valid.any():
            return BlockPairs(_EMPTY.copy(), _EMPTY.copy())
        unit_codes, unit_keys = pd.factorize(vcodes[valid] * width + wcodes[valid])
        unit_of[valid] = unit_codes
        unit_keys = np.asarray(unit_keys, dtype=np.int64)
        n_units = len(unit_keys)
        unit_value = unit_keys // width
        unit_within = unit_keys % width

        # Distinct values used by some unit: compute signatures for them only.
        used = sorted_unique(unit_value)
        value_slot = np.searchsorted(used, unit_value)
        sig = minhash_signatures([str(uniques[v]) for v in used], self.q, self.num_perm, self.seed)

        largest: list[tuple[str, int, int]] = []
        skipped: list[tuple[str, int, int]] = []
        unit_sizes = np.bincount(unit_codes, minlength=n_units)
        pair_keys: list[np.ndarray] = []
        mult = np.uint64(0x9E3779B97F4A7C15)
        for band in range(self.bands):
            block = sig[:, band * self.rows : (band + 1) * self.rows].astype(np.uint64)
            h = np.zeros(len(block), dtype=np.uint64)
            for r in range(self.rows):
                h = (h ^ block[:, r]) * mult
            bcode, _ = pd.factorize(h)
            ucode = bcode[value_slot].astype(np.int64) * width + unit_within
            ublock, _ = pd.factorize(ucode)
            ublock = ublock.astype(np.int64)
            # Cap on records (not units) per band block.
            rec_per_block = np.bincount(ublock, weights=unit_sizes, minlength=int(ublock.max()) + 1)
            too_big = rec_per_block > (self.max_block_size or np.inf)
            if too_big.any():
                for b in np.flatnonzero(too_big)[:5]:
                    example = uniques[unit_value[np.flatnonzero(ublock == b)[0]]]
                    size = int(rec_per_block[b])
                    skipped.append((f"band {band} ~ {example!r}", size, size * (size - 1) // 2))
                ublock = np.where(too_big[ublock], -1, ublock)
            ua, ub, _ = dedupe_pairs(ublock, None)
            if len(ua):
                pair_keys.append(ua * np.int64(n_units) + ub)
        if pair_keys:
            keys = sorted_unique(np.concatenate(pair_keys))
            ua, ub = keys // n_units, keys % n_units
        else:
            ua, ub = _EMPTY, _EMPTY
        del pair_keys
        ri, rj = _expand_unit_pairs(ua, ub, unit_of, n_units)
        # Records sharing a unit (same value and same within-key) pair with each other,
        # unless the pass is only for values that differ (other passes pair equal values).
        if not self.same_value_pairs:
            si, sj, stats = _EMPTY, _EMPTY, BlockStats()
        elif right is None:
            si, sj, stats = dedupe_pairs(unit_of, self.max_block_size)
        else:
            si, sj, stats = cross_pairs(unit_of[:n_left], unit_of[n_left:], self.max_block_size)
            si = si.copy()
            sj = sj + n_left
        for code, size, npairs in stats.skipped[:10]:
            skipped.append((f"value {uniques[unit_value[code]]!r}", size, npairs))
        for code, size, npairs in stats.largest:
            largest.append((f"value {uniques[unit_value[code]]!r}", size, npairs))
        lo = np.minimum(ri, rj)
        hi = np.maximum(ri, rj)
        if right is None:
            i = np.concatenate([lo, si])
            j = np.concatenate([hi, sj])
            i, j = unique_pairs(i, j, n_left)
        else:
            cross = (lo < n_left) & (hi >= n_left)
            i = np.concatenate([lo[cross], si])
            j = np.concatenate([hi[cross], sj]) - n_left
            i, j = unique_pairs(i, j, len(right))
        return BlockPairs(i, j, largest, skipped)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable configuration."""
        return {
            "strategy": self.kind,
            "column": self.column,
            "q": self.q,
            "bands": self.bands,
            "rows": self.rows,
            "seed": self.seed,
            "within": [item_to_json(it) for it in self.within] or None,
            "name": self.name,
            "max_block_size": self.max_block_size,
            "same_value_pairs": self.same_value_pairs,
        }


def _exact_from_dict(columns: list[Any], **kw: Any) -> ExactBlock:
    return ExactBlock([item_from_json(c) for c in columns], **kw)


def _sn_from_dict(column: Any, **kw: Any) -> SortedNeighbourhood:
    return SortedNeighbourhood(item_from_json(column), **kw)


def _lsh_from_dict(within: list[Any] | None = None, **kw: Any) -> QGramLSH:
    return QGramLSH(within=[item_from_json(w) for w in within] if within else None, **kw)


registry.register("blocking", "exact", _exact_from_dict, builtin=True)
registry.register("blocking", "sorted_neighbourhood", _sn_from_dict, builtin=True)
registry.register("blocking", "qgram_lsh", _lsh_from_dict, builtin=True)
