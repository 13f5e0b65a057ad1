"""Blocking keys stored per record, and candidate pairs found through them.

Each blocking pass of the stored matcher gives a record zero or more keys; the index stores
them (one 64-bit hash per key and pass) so that new records find their candidates with
indexed lookups instead of re-reading the index:

- ``ExactBlock``: one key, the composite key value (null when any part is null). A block
  larger than the pass's ``max_block_size`` (stored and new records together) pairs nothing,
  as in ``dedupe``.
- ``QGramLSH``: one key per band, the band's MinHash bucket of the value plus the ``within``
  key. Records sharing a key in some band are candidates; with ``same_value_pairs=False``
  pairs of identical values are left to the other passes, as in ``dedupe``. The cap applies
  per band bucket.
- ``SortedNeighbourhood``: the sort value itself (not hashed); a new record pairs with the
  ``window - 1`` stored records on each side of it in sort order, and with its neighbours in
  the new batch. Over a growing index this finds the neighbours a one-shot sort would give
  for the new record, but a stored record keeps the pairs it already has.

Example:
    >>> import pandas as pd
    >>> from migrant_records.blocking import ExactBlock
    >>> frame = pd.DataFrame({"name_key": ["sit", "sit", None]})
    >>> keys = block_keys([ExactBlock(["name_key"])], frame)
    >>> keys["pos"].tolist()
    [0, 1]
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from migrant_records.blocking import (
    BlockingStrategy,
    ExactBlock,
    QGramLSH,
    SortedNeighbourhood,
    minhash_signatures,
)
from migrant_records.blocking._keys import KeyItem, key_codes

__all__ = ["block_keys", "new_pairs", "pass_caps", "sort_values"]

_MULT = np.uint64(0x9E3779B97F4A7C15)
_MASK = (1 << 64) - 1


def _text(value: Any) -> str:
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value)


def _hash_texts(texts: Sequence[str]) -> np.ndarray:
    """Stable 64-bit hashes of strings (the same in every process and version)."""
    arr = np.asarray(list(texts), dtype=object)
    if len(arr) == 0:
        return np.empty(0, dtype=np.uint64)
    return pd.util.hash_array(arr, categorize=False)


def _item_text(item: KeyItem, frame: pd.DataFrame) -> np.ndarray:
    """One string per row for a key item; None where it is null or empty."""
    codes, uniques = key_codes([item], [frame]).parts[0]
    texts = np.array([_text(u) for u in np.asarray(uniques, dtype=object)] + [None], dtype=object)
    return texts[np.where(codes >= 0, codes, len(texts) - 1)]


def _missing(value: Any) -> bool:
    if value is None or value is pd.NaT:
        return True
    if isinstance(value, str):
        return value in ("", " ")
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _row_value(item: KeyItem, frame: pd.DataFrame, row: dict[Any, Any]) -> Any:
    """The key item's value for a one-row frame, as the vectorized path computes it.

    ``row`` is the frame's one row (column -> value), read once for all the items.
    """
    if isinstance(item, str):
        if item not in row:
            raise KeyError(item)
        return None if _missing(value := row[item]) else value
    if not isinstance(item, tuple) or (callable(item[1]) and not isinstance(item[1], str)):
        raise TypeError  # callables: use the vectorized path
    column, tr = item
    if column not in row:
        raise KeyError(column)
    value = row[column]
    if _missing(value):
        return None
    if tr in ("year", "month"):
        series = frame[column]
        if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            return value
        date = pd.to_datetime(series, errors="coerce").iloc[0]
        if _missing(date):
            return None
        return date.year if tr == "year" else date.month
    text = str(value)
    if tr == "first":
        out = text.split(" ", 1)[0]
    elif tr == "last":
        out = text.rsplit(" ", 1)[-1]
    else:
        assert isinstance(tr, slice)
        out = text[tr.start : tr.stop : tr.step]
    return None if out in ("", " ") else out


def _one_row(frame: pd.DataFrame) -> dict[Any, Any] | None:
    """A one-row frame's values by column, read once (None for a longer frame or one with
    repeated column names)."""
    if len(frame) != 1 or not frame.columns.is_unique:
        return None
    return dict(zip(frame.columns, frame.iloc[0].tolist()))


def _item_hash(
    item: KeyItem, frame: pd.DataFrame, row: dict[Any, Any] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """A 64-bit hash of each row's key item value, and whether the value is present.

    ``row``: a one-row frame's values (:func:`_one_row`), for the fast one-record path.
    """
    if row is not None:  # a lookup: plain Python is many times faster than factorizing
        try:
            value = _row_value(item, frame, row)
        except TypeError:
            pass
        else:
            if value is None:
                return np.zeros(1, dtype=np.uint64), np.zeros(1, dtype=bool)
            return _hash_texts([_text(value)]), np.ones(1, dtype=bool)
    codes, uniques = key_codes([item], [frame]).parts[0]
    hashes = _hash_texts([_text(u) for u in np.asarray(uniques, dtype=object)])
    valid = codes >= 0
    out = np.zeros(len(codes), dtype=np.uint64)
    out[valid] = hashes[codes[valid]]
    return out, valid


@functools.lru_cache(maxsize=4096)
def _prefix_hash(prefix: str) -> np.uint64:
    """The hash of a pass's prefix text (the same few on every call: kept)."""
    return np.uint64(_hash_texts([prefix])[0])


def _mix_int(h: int, part: int) -> int:
    """:func:`_mix` of one value, on Python integers (modulo 2**64, as uint64 wraps)."""
    h = ((h ^ part) * int(_MULT)) & _MASK
    return h ^ (h >> 29)


def _row_composite(
    items: Sequence[KeyItem], frame: pd.DataFrame, prefix: str, row: dict[Any, Any]
) -> tuple[np.ndarray, np.ndarray] | None:
    """:func:`_composite` of a one-row frame: its items' texts hashed in one call (None when
    an item needs the vectorized path)."""
    try:
        values = [_row_value(item, frame, row) for item in items]
    except TypeError:
        return None
    texts = [_text(v) for v in values if v is not None]
    hashes = iter(_hash_texts(texts).tolist() if texts else ())
    h = int(_prefix_hash(prefix))
    for value in values:
        h = _mix_int(h, 0 if value is None else next(hashes))
    ok = all(value is not None for value in values)
    return np.array([h], dtype=np.uint64), np.array([ok], dtype=bool)


def _mix(h: np.ndarray, part: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        h = (h ^ part) * _MULT
        return h ^ (h >> np.uint64(29))


def _composite(
    items: Sequence[KeyItem],
    frame: pd.DataFrame,
    prefix: str,
    row: dict[Any, Any] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Hash of a composite key (``prefix`` names the pass) and whether every part is present.

    ``row``: the frame's one row (:func:`_one_row`), when it has one.
    """
    if row is not None and (one := _row_composite(items, frame, prefix, row)) is not None:
        return one
    h = np.full(len(frame), _prefix_hash(prefix), dtype=np.uint64)
    valid = np.ones(len(frame), dtype=bool)
    for item in items:
        part, ok = _item_hash(item, frame, row)
        h = _mix(h, part)
        valid &= ok
    return h, valid


_Part = tuple[int, np.ndarray, np.ndarray]
"""Keys of one pass: pass number, key hashes (int64), row positions."""


def _lsh_keys(
    no: int, strategy: QGramLSH, frame: pd.DataFrame, row: dict[Any, Any] | None
) -> list[_Part]:
    values = _item_text(strategy.column, frame)
    within, ok_within = _composite(strategy.within, frame, f"{no}:within", row)
    ok = np.flatnonzero(pd.notna(values) & ok_within)
    if len(ok) == 0:
        return []
    codes, uniques = pd.factorize(values[ok])
    sig = minhash_signatures(
        [str(u) for u in uniques], strategy.q, strategy.num_perm, strategy.seed
    )
    out = []
    for band in range(strategy.bands):
        block = sig[:, band * strategy.rows : (band + 1) * strategy.rows].astype(np.uint64)
        h = np.full(len(block), _prefix_hash(f"{no}:band{band}"), dtype=np.uint64)
        for r in range(strategy.rows):
            h = _mix(h, block[:, r])
        key = _mix(h[codes], within[ok])
        out.append((no, key.view(np.int64), ok))
    return out


def block_keys(passes: Sequence[BlockingStrategy], frame: pd.DataFrame) -> pd.DataFrame:
    """Hashed block keys of every record for every exact and LSH pass.

    Args:
        passes: The matcher's blocking passes (sorted-neighbourhood passes give no key here;
            see :func:`sort_values`).
        frame: Prepared records.

    Returns:
        ``pass`` (int16 pass number), ``key`` (int64 hash), ``pos`` (row position).
    """
    parts: list[_Part] = []
    row = _one_row(frame)
    for no, strategy in enumerate(passes):
        if isinstance(strategy, ExactBlock):
            h, valid = _composite(strategy.items, frame, str(no), row)
            ok = np.flatnonzero(valid)
            parts.append((no, h[ok].view(np.int64), ok))
        elif isinstance(strategy, QGramLSH):
            parts.extend(_lsh_keys(no, strategy, frame, row))
    # one frame at the end: building one per pass costs more than the keys for a lookup
    return pd.DataFrame(
        {
            "pass": np.concatenate(
                [np.empty(0, np.int16)] + [np.full(len(k), no, np.int16) for no, k, _ in parts]
            ),
            "key": np.concatenate([np.empty(0, np.int64)] + [k for _, k, _ in parts]),
            "pos": np.concatenate([np.empty(0, np.int64)] + [p for _, _, p in parts]).astype(
                np.int64
            ),
        }
    )


def sort_values(passes: Sequence[BlockingStrategy], frame: pd.DataFrame) -> pd.DataFrame:
    """Sort values of every record for every sorted-neighbourhood pass.

    Returns:
        ``pass`` (int16), ``value`` (text), ``pos`` (row position).
    """
    parts: list[pd.DataFrame] = []
    for no, strategy in enumerate(passes):
        if isinstance(strategy, SortedNeighbourhood):
            texts = _item_text(strategy.item, frame)
            ok = np.flatnonzero(pd.notna(texts))
            parts.append(pd.DataFrame({"pass": np.int16(no), "value": texts[ok], "pos": ok}))
    if not parts:
        return pd.DataFrame(
            {"pass": np.empty(0, np.int16), "value": np.empty(0, object), "pos": np.empty(0, int)}
        )
    return pd.concat(parts, ignore_index=True)


def pass_caps(passes: Sequence[BlockingStrategy]) -> dict[int, int | None]:
    """Largest block (records) each exact or LSH pass keeps, by pass number."""
    return {
        no: getattr(strategy, "max_block_size", None)
        for no, strategy in enumerate(passes)
        if isinstance(strategy, (ExactBlock, QGramLSH))
    }


def new_pairs(
    fresh: pd.DataFrame,
    stored_counts: pd.DataFrame,
    caps: dict[int, int | None],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Which blocks may pair, and the pairs among the new records.

    Args:
        fresh: Keys of the new records (:func:`block_keys`).
        stored_counts: ``key, n`` records already stored per key.
        caps: Largest block per pass (:func:`pass_caps`).

    Returns:
        ``(kept, pairs)``: the new records' keys whose blocks are within the cap (to be
        joined with the stored keys), and ``pass, pos_a, pos_b``: the pairs of new-record
        positions (``pos_a < pos_b``) that share a kept key.
    """
    keys = fresh["key"].to_numpy()
    if len(np.unique(keys)) == len(keys):  # a lookup: every key once, no pair among them
        stored_n = dict(zip(stored_counts["key"].tolist(), stored_counts["n"].tolist()))
        total_n = [1 + stored_n.get(key, 0) for key in keys.tolist()]
        cap_n = [caps.get(no) for no in fresh["pass"].tolist()]
        keep_n = np.array([c is None or t <= c for t, c in zip(total_n, cap_n)], dtype=bool)
        empty = np.empty(0, np.int64)
        return fresh.loc[keep_n], pd.DataFrame({"pass": empty, "pos_a": empty, "pos_b": empty})
    n_fresh = fresh.groupby("key")["pos"].transform("size").to_numpy()
    counts = stored_counts.set_index("key")["n"] if len(stored_counts) else pd.Series(dtype=int)
    stored = counts.reindex(fresh["key"].to_numpy()).fillna(0).to_numpy()
    total = n_fresh + stored
    cap_of = pd.Series({p: np.nan if c is None else float(c) for p, c in caps.items()}, dtype=float)
    cap = fresh["pass"].astype(np.int64).map(cap_of).to_numpy(dtype=float)
    keep = np.isnan(cap) | (total <= cap)
    kept = fresh.loc[keep]
    multi = kept[kept.groupby("key")["pos"].transform("size") > 1]
    if multi.empty:
        empty = np.empty(0, np.int64)
        return kept, pd.DataFrame({"pass": empty, "pos_a": empty, "pos_b": empty})
    pairs = multi.merge(multi[["key", "pos"]], on="key", suffixes=("_a", "_b"))
    pairs = pairs[pairs["pos_a"] < pairs["pos_b"]]
    return kept, pairs[["pass", "pos_a", "pos_b"]].reset_index(drop=True)
