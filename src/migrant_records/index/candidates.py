"""Candidate pairs for new records: against each other and against the stored keys.

Only the keys of the new records travel to the database; the stored records that share a
key come back (blocks over a pass's cap are counted in the database and left out, as in
``dedupe``). No stored record is read unless it shares a key with a new one.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from migrant_records.blocking import BlockingStrategy, QGramLSH, SortedNeighbourhood
from migrant_records.index.keys import block_keys, new_pairs, pass_caps, sort_values
from migrant_records.index.store import Backend

__all__ = ["Candidates", "find_candidates", "same_value_pairs"]


class Candidates:
    """Pairs of a new record with another new record or with a stored record.

    Attributes:
        keys: The new records' block keys (``pass, key, pos``), to be stored with them.
        sorts: The new records' sort values (``pass, value, pos``).
        fresh_pairs: ``pass, pos_a, pos_b``: pairs of new records.
        stored_pairs: ``pass, pos, rid``: a new record and a stored record.
    """

    def __init__(
        self,
        keys: pd.DataFrame,
        sorts: pd.DataFrame,
        fresh_pairs: pd.DataFrame,
        stored_pairs: pd.DataFrame,
    ) -> None:
        self.keys = keys
        self.sorts = sorts
        self.fresh_pairs = fresh_pairs
        self.stored_pairs = stored_pairs


def _collate(backend: Backend) -> str:
    return ' COLLATE "C"' if backend.kind == "postgres" else ""


def _neighbour_sql(backend: Backend, no: int, window: int, value: str, pos: int) -> list[tuple]:
    """The two ``window - 1`` neighbour queries of one sort value: ``(sql, params)`` each.

    Each returns ``pass, pos, rid``; both read the ``(pass, value)`` index in order.
    """
    c = _collate(backend)
    head = "SELECT CAST(? AS BIGINT) AS pass, CAST(? AS BIGINT) AS pos, rid FROM mr_sortkeys"
    return [
        (
            f"{head} WHERE pass = ? AND value{c} <= ? ORDER BY value{c} DESC, rid DESC LIMIT ?",
            [no, pos, no, value, window - 1],
        ),
        (
            f"{head} WHERE pass = ? AND value{c} > ? ORDER BY value{c}, rid LIMIT ?",
            [no, pos, no, value, window - 1],
        ),
    ]


def _sn_passes(passes: Sequence[BlockingStrategy]) -> list[tuple[int, int]]:
    return [
        (no, strategy.window)
        for no, strategy in enumerate(passes)
        if isinstance(strategy, SortedNeighbourhood)
    ]


def _batch_neighbours(no: int, window: int, sorts: pd.DataFrame) -> list[pd.DataFrame]:
    """Pairs of new records within ``window`` of each other in one pass's sort order."""
    mine = sorts[sorts["pass"] == no]
    fresh: list[pd.DataFrame] = []
    order = mine.sort_values(["value", "pos"], kind="stable")["pos"].to_numpy(np.int64)
    for k in range(1, min(window, len(order))):
        a, b = order[:-k], order[k:]
        fresh.append(
            pd.DataFrame({"pass": no, "pos_a": np.minimum(a, b), "pos_b": np.maximum(a, b)})
        )
    return fresh


def _sorted_neighbours(
    backend: Backend, no: int, window: int, sorts: pd.DataFrame
) -> tuple[list[pd.DataFrame], list[pd.DataFrame]]:
    """Pairs of a sorted-neighbourhood pass: stored neighbours and batch neighbours."""
    mine = sorts[sorts["pass"] == no]
    stored: list[pd.DataFrame] = []
    for value, pos in zip(mine["value"].tolist(), mine["pos"].tolist()):
        for sql, params in _neighbour_sql(backend, no, window, value, pos):
            stored.append(backend.query(sql, params))
    return stored, _batch_neighbours(no, window, sorts)


def _one_query(
    backend: Backend, passes: Sequence[BlockingStrategy], keys: pd.DataFrame, sorts: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stored records sharing a key or a sort neighbourhood with a few new records, in one
    round trip: a ``UNION ALL`` of the key equalities (``IN`` by constants, which the key
    index answers) and of the neighbour queries.

    Returns:
        ``(by_key, by_sort)``: ``key, rid`` and ``pass, pos, rid``.
    """
    unique_keys = keys["key"].drop_duplicates().tolist()
    parts: list[str] = []
    params: list[object] = []
    if unique_keys:
        in_sql, key_params = backend.in_list(unique_keys)
        parts.append(
            "SELECT 0 AS part, key, rid, CAST(-1 AS BIGINT) AS pass, CAST(-1 AS BIGINT) AS pos "
            f"FROM mr_keys WHERE key IN {in_sql}"
        )
        params += key_params
    for no, window in _sn_passes(passes):
        mine = sorts[sorts["pass"] == no]
        for value, pos in zip(mine["value"].tolist(), mine["pos"].tolist()):
            for sql, p in _neighbour_sql(backend, no, window, value, pos):
                parts.append(
                    "SELECT 1 AS part, CAST(0 AS BIGINT) AS key, s.rid, s.pass, s.pos "
                    f"FROM ({sql}) s"
                )
                params += p
    empty = np.empty(0, np.int64)
    if not parts:
        by_key = pd.DataFrame({"key": empty, "rid": empty})
        return by_key, pd.DataFrame({"pass": empty, "pos": empty, "rid": empty})
    found = np.array(backend.rows(" UNION ALL ".join(parts), params), dtype=np.int64)
    found = found.reshape(-1, 5)  # part, key, rid, pass, pos
    first = found[:, 0] == 0
    by_key = pd.DataFrame({"key": found[first, 1], "rid": found[first, 2]})
    by_sort = pd.DataFrame(
        {"pass": found[~first, 3], "pos": found[~first, 4], "rid": found[~first, 2]}
    )
    return by_key, by_sort


def _joined(kept: pd.DataFrame, key: np.ndarray, rid: np.ndarray) -> pd.DataFrame:
    """``pass, pos, rid`` of each kept key with each stored record of that key: the inner
    join of ``kept`` with ``key, rid`` (in kept's order, then the stored rows' order),
    without a frame merge (a lookup's few rows cost more to merge than to find)."""
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    wanted = kept["key"].to_numpy(np.int64)
    start = np.searchsorted(ordered, wanted, side="left")
    stop = np.searchsorted(ordered, wanted, side="right")
    n = stop - start
    rows = np.repeat(start - (np.cumsum(n) - n), n) + np.arange(n.sum())
    return pd.DataFrame(
        {
            "pass": np.repeat(kept["pass"].to_numpy(), n),
            "pos": np.repeat(kept["pos"].to_numpy(), n),
            "rid": rid[order[rows]],
        }
    )


def find_candidates(
    backend: Backend, passes: Sequence[BlockingStrategy], frame: pd.DataFrame
) -> Candidates:
    """Candidate pairs of the new records in ``frame`` (row position = new record).

    Args:
        backend: The index's database, inside a transaction.
        passes: The stored matcher's blocking passes.
        frame: The new records, prepared.
    """
    keys = block_keys(passes, frame)
    sorts = sort_values(passes, frame)
    unique_keys = keys["key"].drop_duplicates()
    stored_parts: list[pd.DataFrame] = []
    fresh_parts: list[pd.DataFrame] = []
    if len(unique_keys) + len(sorts) <= 200:  # a lookup: one query, by constants
        stored_all, by_sort = _one_query(backend, passes, keys, sorts)
        found = stored_all["key"].to_numpy(np.int64)
        values, n = np.unique(found, return_counts=True)
        kept, fresh = new_pairs(keys, pd.DataFrame({"key": values, "n": n}), pass_caps(passes))
        stored_parts.append(_joined(kept, found, stored_all["rid"].to_numpy(np.int64)))
        stored_parts.append(by_sort)
        for no, window in _sn_passes(passes):
            fresh_parts.extend(_batch_neighbours(no, window, sorts))
    else:
        backend.temp("mr_tmp_fresh_keys", unique_keys.to_frame())
        counts = backend.query(
            "SELECT k.key AS key, COUNT(*) AS n FROM mr_keys k "
            "JOIN mr_tmp_fresh_keys f ON k.key = f.key GROUP BY k.key"
        )
        kept, fresh = new_pairs(keys, counts, pass_caps(passes))
        backend.temp("mr_tmp_kept_keys", kept[["key"]].drop_duplicates())
        stored_rows = backend.query(
            "SELECT k.key AS key, k.rid AS rid FROM mr_keys k "
            "JOIN mr_tmp_kept_keys f ON k.key = f.key"
        )
        for no, window in _sn_passes(passes):
            s, f = _sorted_neighbours(backend, no, window, sorts)
            stored_parts.extend(s)
            fresh_parts.extend(f)
        stored = kept.merge(stored_rows[["key", "rid"]], on="key")[["pass", "pos", "rid"]]
        stored_parts.insert(0, stored)
    fresh_parts.insert(0, fresh)
    return Candidates(
        keys,
        sorts,
        _stacked(fresh_parts, ("pass", "pos_a", "pos_b")),
        _stacked(stored_parts, ("pass", "pos", "rid")),
    )


def _stacked(parts: Sequence[pd.DataFrame], columns: tuple[str, ...]) -> pd.DataFrame:
    """The parts' rows one after the other, every column ``int64`` (what ``pd.concat``
    and ``astype`` give, without their cost on a lookup's few rows)."""
    return pd.DataFrame(
        {
            c: np.concatenate([np.asarray(part[c], dtype=np.int64) for part in parts])
            if parts
            else np.empty(0, np.int64)
            for c in columns
        }
    )


def same_value_pairs(
    passes: Sequence[BlockingStrategy],
    pass_no: np.ndarray,
    left: pd.DataFrame,
    i: np.ndarray,
    j: np.ndarray,
) -> np.ndarray:
    """Pairs found by an LSH pass with ``same_value_pairs=False`` whose values are equal.

    ``dedupe`` leaves such pairs to the other passes; the index does the same.
    """
    drop = np.zeros(len(i), dtype=bool)
    for no, strategy in enumerate(passes):
        if isinstance(strategy, QGramLSH) and not strategy.same_value_pairs:
            sel = np.flatnonzero(pass_no == no)
            if len(sel) == 0 or strategy.column not in left.columns:
                continue
            values = left[strategy.column].to_numpy(dtype=object)
            drop[sel] = values[i[sel]] == values[j[sel]]
    return drop
