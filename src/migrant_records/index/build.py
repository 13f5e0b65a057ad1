"""Fill a new index from the result of a one-shot ``dedupe``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from migrant_records.index.changes import ChangeSet
from migrant_records.index.counters import Counters
from migrant_records.index.keys import block_keys, sort_values
from migrant_records.index.rows import identity, record_keys, write_records
from migrant_records.index.store import Backend
from migrant_records.index.tf import update_counts
from migrant_records.matcher import Matcher
from migrant_records.result import MatchResult

__all__ = ["CHUNK", "load_result"]

CHUNK = 100_000
"""Records written (with their keys and term counts) per step when an index is created."""


def _copies(ident: pd.Series, records: pd.DataFrame, rids: np.ndarray) -> pd.Series:
    """The representative of each exact copy (NA for representatives): in each group of equal
    :func:`~.rows.identity`, the record with the smallest ``source|record_id``, as
    :func:`~migrant_records.blocking.collapse_duplicates` chooses it."""
    frame = pd.DataFrame({"ident": ident, "key": record_keys(records), "rid": rids})
    known = frame[frame["ident"].notna()].sort_values(["ident", "key"], kind="stable")
    first = known.groupby("ident")["rid"].transform("first")
    out = pd.Series(pd.array([pd.NA] * len(frame), dtype="Int64"))
    copy = first.to_numpy(np.int64) != known["rid"].to_numpy(np.int64)
    out.iloc[known.index.to_numpy()[copy]] = first.to_numpy(np.int64)[copy]
    return out


def load_result(
    backend: Backend, matcher: Matcher, result: MatchResult, counters: Counters
) -> ChangeSet:
    """Store a dedupe result's records, keys, edges and clusters as the first persons.

    Person ids are issued in the order of each cluster's first record. The history gets one
    ``new`` event per person and one ``attach`` event per record; the pair scores behind them
    are the stored edges.
    """
    assert matcher.blocking_ is not None
    run_id = counters.next("run")
    records = result.records.reset_index(drop=True)
    n = len(records)
    rids = counters.take("rid", n)
    labels, _ = pd.factorize(result.clusters["person_id"].to_numpy())
    n_persons = int(labels.max()) + 1 if n else 0
    seqs = counters.take("person", n_persons)
    ids = np.array([f"P{s:09d}" for s in seqs.tolist()], dtype=object)
    person_of = ids[labels]
    ident = pd.concat(
        [identity(records.iloc[s : s + CHUNK]) for s in range(0, n, CHUNK)] or [identity(records)],
        ignore_index=True,
    )
    copy_of = _copies(ident, records, rids)
    for start in range(0, n, CHUNK):  # a slice at a time: no second copy of all the records
        part = slice(start, start + CHUNK)
        chunk = records.iloc[part].reset_index(drop=True)
        write_records(
            backend,
            chunk,
            rids[part],
            person_of[part],
            run_id,
            ident=ident.iloc[part],
            copy_of=copy_of.iloc[part],
        )
        reps = copy_of.iloc[part].isna().to_numpy()  # dedupe folded the copies: so does the index
        rep_records = chunk[reps].reset_index(drop=True)
        rep_rids = rids[part][reps]
        del chunk
        keys = block_keys(matcher.blocking_, rep_records)
        backend.insert("mr_keys", pd.DataFrame({"key": keys["key"], "rid": rep_rids[keys["pos"]]}))
        sorts = sort_values(matcher.blocking_, rep_records)
        backend.insert(
            "mr_sortkeys",
            pd.DataFrame(
                {
                    "pass": sorts["pass"].astype(np.int16),
                    "value": sorts["value"].astype(object),
                    "rid": rep_rids[sorts["pos"].to_numpy(np.int64)],
                }
            ),
        )
        update_counts(backend, rep_records, +1)
    hit = result.match_probability >= matcher.threshold
    a = rids[result.pair_left[hit]]
    b = rids[result.pair_right[hit]]
    backend.insert(
        "mr_edges",
        pd.DataFrame(
            {
                "a": np.minimum(a, b),
                "b": np.maximum(a, b),
                "probability": result.match_probability[hit],
                "weight": result.match_weight[hit],
                "run_id": np.int64(run_id),
            }
        ),
    )
    counters.write_persons([(p, None) for p in ids.tolist()], [], [], run_id)
    first = pd.Series(np.arange(n)).groupby(labels).min().to_numpy()
    events = pd.concat(
        [
            pd.DataFrame({"event": "new", "person_id": ids, "rid": rids[first], "order": 0}),
            pd.DataFrame({"event": "attach", "person_id": person_of, "rid": rids, "order": 1}),
        ],
        ignore_index=True,
    ).sort_values(["rid", "order"], kind="stable")
    events["rid"] = events["rid"].where(events["event"] == "attach")
    events = events.assign(other_id=None, label=-1)[
        ["event", "person_id", "other_id", "label", "rid"]
    ]
    events = events.reset_index(drop=True)
    events["event_id"] = counters.take("event", len(events))
    backend.insert(
        "mr_history",
        pd.DataFrame(
            {
                "event_id": events["event_id"].to_numpy(np.int64),
                "run_id": np.int64(run_id),
                "event": events["event"].astype(object).to_numpy(),
                "person_id": events["person_id"].astype(object).to_numpy(),
                "other_id": pd.Series([None] * len(events), dtype=object).to_numpy(),
                "rid": events["rid"].astype("Int64"),
            }
        ),
    )
    counters.log_run(run_id, "create", n, events)
    local = records[["source", "record_id"]].assign(rid=rids)
    empty = pd.DataFrame({"event_id": [], "a": [], "b": [], "probability": []})
    return ChangeSet.build(run_id, "create", events, empty, local, 0, 0)
