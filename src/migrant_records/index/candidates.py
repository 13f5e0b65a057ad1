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


def _sorted_neighbours(
    backend: Backend, no: int, window: int, sorts: pd.DataFrame
) -> tuple[list[pd.DataFrame], list[pd.DataFrame]]:
    """Pairs of a sorted-neighbourhood pass: stored neighbours and batch neighbours."""
    mine = sorts[sorts["pass"] == no]
    stored: list[pd.DataFrame] = []
    fresh: list[pd.DataFrame] = []
    if mine.empty:
        return stored, fresh
    order = mine.sort_values(["value", "pos"], kind="stable")["pos"].to_numpy(np.int64)
    for k in range(1, min(window, len(order))):
        a, b = order[:-k], order[k:]
        fresh.append(
            pd.DataFrame({"pass": no, "pos_a": np.minimum(a, b), "pos_b": np.maximum(a, b)})
        )
    collate = ' COLLATE "C"' if backend.kind == "postgres" else ""
    for value, pos in zip(mine["value"].tolist(), mine["pos"].tolist()):
        below = backend.query(
            f"SELECT rid FROM mr_sortkeys WHERE pass = ? AND value{collate} <= ? "
            f"ORDER BY value{collate} DESC, rid DESC LIMIT ?",
            [no, value, window - 1],
        )
        above = backend.query(
            f"SELECT rid FROM mr_sortkeys WHERE pass = ? AND value{collate} > ? "
            f"ORDER BY value{collate}, rid LIMIT ?",
            [no, value, window - 1],
        )
        rids = np.concatenate([below["rid"].to_numpy(), above["rid"].to_numpy()])
        stored.append(pd.DataFrame({"pass": no, "pos": pos, "rid": rids.astype(np.int64)}))
    return stored, fresh


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
    if len(unique_keys) <= 200:  # one record: by constants, so the key index answers
        in_sql, params = backend.in_list(unique_keys.tolist())
        stored_all = backend.query(f"SELECT key, rid FROM mr_keys WHERE key IN {in_sql}", params)
        counts = stored_all.groupby("key").size().rename("n").reset_index()
        kept, fresh = new_pairs(keys, counts, pass_caps(passes))
        stored_rows = stored_all[stored_all["key"].isin(kept["key"])]
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
    stored = kept.merge(stored_rows, on="key")[["pass", "pos", "rid"]]
    stored_parts = [stored]
    fresh_parts = [fresh]
    for no, strategy in enumerate(passes):
        if isinstance(strategy, SortedNeighbourhood):
            s, f = _sorted_neighbours(backend, no, strategy.window, sorts)
            stored_parts.extend(s)
            fresh_parts.extend(f)
    return Candidates(
        keys,
        sorts,
        pd.concat(fresh_parts, ignore_index=True).astype(
            {"pass": np.int64, "pos_a": np.int64, "pos_b": np.int64}
        ),
        pd.concat(stored_parts, ignore_index=True).astype(
            {"pass": np.int64, "pos": np.int64, "rid": np.int64}
        ),
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
