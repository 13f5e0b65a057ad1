"""One change to the index: new, corrected and erased records, resolved locally.

The steps, inside one transaction:

1. Records being corrected or erased lose their keys, edges and term counts; erased ones
   lose their data and every history entry that could identify them.
2. New and corrected records find candidates through the stored keys, are scored with the
   stored model, and their pairs at or above the threshold become edges.
   A record equal on every identifying column to a stored representative, or to another
   record of the change, is folded into it as ``dedupe`` folds exact copies: it gets no
   keys, edges or term counts and always shares its representative's person. Copies of a
   corrected or erased representative are folded again (one of them becomes the
   representative).
3. Only the persons touched (by a new edge, a correction or an erasure) are re-clustered,
   with their stored edges and the same conflict rules as ``dedupe``; copies follow their
   representative.
4. The id rules (:mod:`.ids`) name the resulting clusters; every id event goes to the
   history with the pair scores behind it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from migrant_records.index import _engine as engine
from migrant_records.index.candidates import find_candidates, same_value_pairs
from migrant_records.index.changes import ChangeSet
from migrant_records.index.counters import Counters
from migrant_records.index.ids import assign_ids
from migrant_records.index.rows import (
    STORE_COLUMNS,
    identity,
    read_records,
    record_keys,
    write_records,
)
from migrant_records.index.store import Backend
from migrant_records.index.tf import frequencies, update_counts
from migrant_records.matcher import Matcher

__all__ = ["Change", "apply_change"]


@dataclass
class Change:
    """What an operation asks for.

    Attributes:
        operation: ``add``, ``update`` or ``remove`` (written to the run log).
        fresh: New or corrected records, prepared (row position = record).
        fresh_rids: Internal id of each fresh record (a corrected record keeps its own).
        updated: Internal ids (among ``fresh_rids``) of corrected records.
        removed: Internal ids of records to erase.
        unchanged: Records sent again without a change (counted only).
    """

    operation: str
    fresh: pd.DataFrame
    fresh_rids: np.ndarray
    updated: np.ndarray
    removed: np.ndarray
    unchanged: int = 0


def _rid_table(backend: Backend, name: str, rids: Sequence[int] | np.ndarray) -> None:
    backend.temp(name, pd.DataFrame({"rid": np.asarray(rids, dtype=np.int64)}))


def _forget(backend: Backend, gone: np.ndarray, removed: np.ndarray, old: pd.DataFrame) -> None:
    """Drop rows, keys, edges and term counts of corrected, erased and re-folded records."""
    if len(gone) == 0:
        return
    _rid_table(backend, "mr_tmp_gone", gone)
    sub = "(SELECT rid FROM mr_tmp_gone)"
    backend.execute(f"DELETE FROM mr_keys WHERE rid IN {sub}")
    backend.execute(f"DELETE FROM mr_sortkeys WHERE rid IN {sub}")
    backend.execute(f"DELETE FROM mr_edges WHERE a IN {sub} OR b IN {sub}")
    backend.execute(f"DELETE FROM mr_records WHERE rid IN {sub}")
    update_counts(backend, old[old["copy_of"].isna().to_numpy()], -1)  # copies are not counted
    if len(removed):
        _rid_table(backend, "mr_tmp_erased", removed)
        erased = "(SELECT rid FROM mr_tmp_erased)"
        backend.execute(f"DELETE FROM mr_evidence WHERE a IN {erased} OR b IN {erased}")
        backend.execute(f"UPDATE mr_history SET rid = NULL WHERE rid IN {erased}")


def _score_fresh(
    backend: Backend, matcher: Matcher, fresh: pd.DataFrame, fresh_rids: np.ndarray
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Candidates of the fresh records, scored.

    Returns:
        ``(edges, keys, sorts)``: edges ``a, b, probability, weight`` (rids) at or above the
        threshold, and the fresh records' keys and sort values (positions).
    """
    assert matcher.blocking_ is not None
    cand = find_candidates(backend, matcher.blocking_, fresh)
    stored_rids = np.unique(cand.stored_pairs["rid"].to_numpy())
    _rid_table(backend, "mr_tmp_cand", stored_rids)
    # only the columns scoring reads: the candidates lie all over a large index, and each
    # column read costs a pass over the table's blocks
    wanted = engine.scoring_columns(matcher)
    if wanted is not None:
        fresh = fresh[[c for c in fresh.columns if c in wanted]]
    stored = read_records(backend, "rid IN (SELECT rid FROM mr_tmp_cand)", only=wanted)
    n = len(fresh)
    local = pd.concat([fresh, stored.drop(columns=list(STORE_COLUMNS))], ignore_index=True)
    rid_of = np.concatenate([fresh_rids, stored["rid"].to_numpy(np.int64)])
    slot = pd.Series(np.arange(n, n + len(stored)), index=stored["rid"].to_numpy())
    pass_no = np.concatenate(
        [cand.fresh_pairs["pass"].to_numpy(), cand.stored_pairs["pass"].to_numpy()]
    )
    i = np.concatenate([cand.fresh_pairs["pos_a"].to_numpy(), cand.stored_pairs["pos"].to_numpy()])
    j = np.concatenate(
        [
            cand.fresh_pairs["pos_b"].to_numpy(),
            slot.reindex(cand.stored_pairs["rid"].to_numpy()).to_numpy(),
        ]
    ).astype(np.int64)
    keep = ~same_value_pairs(matcher.blocking_, pass_no, local, i, j)
    code = np.unique(i[keep] * np.int64(len(local)) + j[keep])
    i, j = code // len(local), code % len(local)
    freq = frequencies(backend, matcher, local)
    scored = engine.score_pairs(matcher, local, i, j, freq)
    hit = scored.probability >= matcher.threshold
    a, b = rid_of[i[hit]], rid_of[j[hit]]
    edges = pd.DataFrame(
        {
            "a": np.minimum(a, b),
            "b": np.maximum(a, b),
            "probability": scored.probability[hit],
            "weight": scored.weight[hit],
        }
    )
    return edges, cand.keys, cand.sorts


def _evidence(
    events: pd.DataFrame,
    local: pd.DataFrame,
    labels: np.ndarray,
    edges: pd.DataFrame,
    copies: pd.DataFrame,
) -> pd.DataFrame:
    """The pair scores behind each event (rids ``a, b`` and ``probability``).

    A record attached as an exact copy has the pair with its representative, probability 1.
    """
    out: list[pd.DataFrame] = [pd.DataFrame({"event_id": [], "a": [], "b": [], "probability": []})]
    attach = events[events["event"] == "attach"]
    if len(copies) and len(attach):
        m = attach.merge(copies, left_on="rid", right_on="a")
        out.append(m[["event_id", "a", "b"]].assign(probability=1.0))
    if edges.empty or events.empty:
        return pd.concat(out, ignore_index=True)[["event_id", "a", "b", "probability"]]
    label_of = pd.Series(labels, index=local["rid"].to_numpy())
    prior_of = pd.Series(local["prior"].to_numpy(), index=local["rid"].to_numpy())
    e = edges.assign(
        la=label_of.reindex(edges["a"]).to_numpy(),
        lb=label_of.reindex(edges["b"]).to_numpy(),
        pa=prior_of.reindex(edges["a"]).to_numpy(),
        pb=prior_of.reindex(edges["b"]).to_numpy(),
    )
    inside = e[e["la"] == e["lb"]]
    for end in ("a", "b"):
        m = attach.merge(inside, left_on="rid", right_on=end)
        out.append(m[["event_id", "a", "b", "probability"]])
    for _, ev in events[events["event"].isin(["merge", "split"])].iterrows():
        other = ev["other_id"]
        if ev["event"] == "merge":
            sel = inside[
                (inside["la"] == ev["label"]) & ((inside["pa"] == other) != (inside["pb"] == other))
            ]
        else:
            sel = e[
                (e["pa"] == other)
                & (e["pb"] == other)
                & ((e["la"] == ev["label"]) != (e["lb"] == ev["label"]))
            ]
        out.append(sel[["a", "b", "probability"]].assign(event_id=ev["event_id"]))
    return pd.concat(out, ignore_index=True)[["event_id", "a", "b", "probability"]]


def _fold(backend: Backend, ident: pd.Series, rids: np.ndarray) -> tuple[np.ndarray, pd.DataFrame]:
    """The representative each fresh record is an exact copy of (``-1``: none).

    A stored representative with the same :func:`~.rows.identity` comes first; else the
    earliest record of the fresh ones sharing it.

    Returns:
        ``(copy_of, stored)``: per fresh record, and the stored representatives found
        (``ident, rid, person_id``).
    """
    copy_of = np.full(len(rids), -1, dtype=np.int64)
    known = ident.notna().to_numpy()
    if not known.any():
        return copy_of, pd.DataFrame({"ident": [], "rid": [], "person_id": []})
    idents = ident[known].astype(np.int64).to_numpy()
    backend.temp("mr_tmp_ident", pd.DataFrame({"ident": np.unique(idents)}))
    stored = backend.query(
        "SELECT ident, MIN(rid) AS rid FROM mr_records WHERE copy_of IS NULL "
        "AND ident IN (SELECT ident FROM mr_tmp_ident) GROUP BY ident"
    )
    if len(stored):
        _rid_table(backend, "mr_tmp_reps", stored["rid"].to_numpy(np.int64))
        persons = backend.query(
            "SELECT rid, person_id FROM mr_records WHERE rid IN (SELECT rid FROM mr_tmp_reps)"
        )
        stored = stored.merge(persons, on="rid")
    else:
        stored = stored.assign(person_id=pd.Series([], dtype=object))
    frame = pd.DataFrame({"ident": idents, "rid": np.asarray(rids, np.int64)[known]})
    rep = frame.groupby("ident")["rid"].transform("min").to_numpy(np.int64)
    stored_rep = pd.Series(stored["rid"].to_numpy(np.int64), index=stored["ident"].to_numpy())
    from_store = stored_rep.reindex(idents).to_numpy()
    rep = np.where(np.isnan(from_store), rep, np.nan_to_num(from_store)).astype(np.int64)
    mine = np.where(rep == frame["rid"].to_numpy(np.int64), -1, rep)
    copy_of[known] = mine
    return copy_of, stored


def _copy_labels(local: pd.DataFrame, rep_labels: np.ndarray) -> np.ndarray:
    """Cluster labels of all local records: a copy takes its representative's label."""
    is_rep = local["copy_of"].isna().to_numpy()
    labels = np.empty(len(local), dtype=np.int64)
    labels[is_rep] = rep_labels
    label_of = pd.Series(rep_labels, index=local["rid"].to_numpy()[is_rep])
    copies = local["copy_of"].to_numpy(dtype=np.float64, na_value=np.nan)[~is_rep]
    found = label_of.reindex(copies).to_numpy(dtype=np.float64)
    lonely = np.isnan(found)  # a copy whose representative is not local keeps to itself
    start = int(rep_labels.max()) + 1 if len(rep_labels) else 0
    found[lonely] = start + np.arange(int(lonely.sum()))
    labels[~is_rep] = found.astype(np.int64)
    return labels


def apply_change(
    backend: Backend, matcher: Matcher, change: Change, counters: Counters
) -> ChangeSet:
    """Apply one change inside the caller's writing transaction."""
    run_id = counters.next("run")
    _rid_table(backend, "mr_tmp_old", np.concatenate([change.updated, change.removed]))
    old = read_records(backend, "rid IN (SELECT rid FROM mr_tmp_old)")
    refold = read_records(
        backend,
        "copy_of IN (SELECT rid FROM mr_tmp_old) AND rid NOT IN (SELECT rid FROM mr_tmp_old)",
    )
    old = pd.concat([old, refold], ignore_index=True)
    again = np.concatenate([change.updated, refold["rid"].to_numpy(np.int64)])
    fresh = change.fresh
    fresh_rids = np.asarray(change.fresh_rids, dtype=np.int64)
    ident = identity(fresh).reset_index(drop=True)
    if len(refold):
        fresh = pd.concat([fresh, refold.drop(columns=list(STORE_COLUMNS))], ignore_index=True)
        fresh_rids = np.concatenate([fresh_rids, refold["rid"].to_numpy(np.int64)])
        ident = pd.concat([ident, refold["ident"]], ignore_index=True).astype("Int64")
    prior_of_old = dict(zip(old["rid"].tolist(), old["person_id"].tolist()))
    touched = set(old["person_id"].dropna().tolist())
    erased = old[old["rid"].isin(change.removed)]
    _forget(backend, np.concatenate([again, change.removed]), change.removed, old)

    edges = pd.DataFrame({"a": [], "b": [], "probability": [], "weight": []})
    copy_of = np.full(len(fresh), -1, dtype=np.int64)
    if len(fresh):
        copy_of, stored_reps = _fold(backend, ident, fresh_rids)
        touched |= set(stored_reps["person_id"].dropna().tolist())
        reps = copy_of < 0
        rep_frame = fresh[reps].reset_index(drop=True)
        rep_rids = fresh_rids[reps]
        update_counts(backend, rep_frame, +1)
        edges, keys, sorts = _score_fresh(backend, matcher, rep_frame, rep_rids)
        persons = [prior_of_old.get(int(r)) for r in fresh_rids]
        write_records(
            backend,
            fresh,
            fresh_rids,
            persons,
            run_id,
            ident=ident,
            copy_of=pd.Series(copy_of).astype("Int64").where(~reps),
        )
        backend.insert(
            "mr_keys", pd.DataFrame({"key": keys["key"], "rid": rep_rids[keys["pos"].to_numpy()]})
        )
        backend.insert(
            "mr_sortkeys",
            pd.DataFrame(
                {
                    "pass": sorts["pass"].astype(np.int16),
                    "value": sorts["value"].astype(object),
                    "rid": rep_rids[sorts["pos"].to_numpy()],
                }
            ),
        )
        backend.insert("mr_edges", edges.assign(run_id=np.int64(run_id)))
        if len(edges):
            ends = np.unique(np.concatenate([edges["a"], edges["b"]]))
            _rid_table(backend, "mr_tmp_ends", ends)
            linked = backend.query(
                "SELECT DISTINCT person_id FROM mr_records WHERE rid IN "
                "(SELECT rid FROM mr_tmp_ends) AND person_id IS NOT NULL"
            )
            touched |= set(linked["person_id"].tolist())

    backend.temp("mr_tmp_touched", pd.DataFrame({"person_id": sorted(touched)}, dtype=object))
    _rid_table(backend, "mr_tmp_fresh", fresh_rids)
    local = read_records(
        backend,
        "person_id IN (SELECT person_id FROM mr_tmp_touched) "
        "OR rid IN (SELECT rid FROM mr_tmp_fresh)",
        only=engine.CLUSTER_COLUMNS,
    )
    prior = local["person_id"].to_numpy(dtype=object).copy()
    prior[local["rid"].isin(fresh_rids) & ~local["rid"].isin(again)] = None
    local["prior"] = prior
    is_rep = local["copy_of"].isna().to_numpy()
    reps_local = local[is_rep].reset_index(drop=True)
    _rid_table(backend, "mr_tmp_local", reps_local["rid"].to_numpy())
    local_edges = backend.query(
        "SELECT a, b, probability, weight FROM mr_edges WHERE a IN (SELECT rid FROM mr_tmp_local) "
        "AND b IN (SELECT rid FROM mr_tmp_local)"
    )
    pos = pd.Series(np.arange(len(reps_local)), index=reps_local["rid"].to_numpy())
    rep_labels = engine.cluster_local(
        matcher,
        reps_local,
        pos.reindex(local_edges["a"]).to_numpy(np.int64),
        pos.reindex(local_edges["b"]).to_numpy(np.int64),
        local_edges["probability"].to_numpy(np.float64),
        record_keys(reps_local),
        weight=local_edges["weight"].to_numpy(np.float64),
    )
    labels = _copy_labels(local, rep_labels)
    seq = counters.person_seq(sorted(touched))
    plan = assign_ids(
        labels, local["prior"].to_numpy(object), local["rid"].to_numpy(), seq, counters.mint
    )
    changed = local["person_id"].to_numpy(object) != plan.person_of
    if changed.any():
        backend.temp(
            "mr_tmp_ids",
            pd.DataFrame({"rid": local["rid"].to_numpy()[changed], "pid": plan.person_of[changed]}),
        )
        backend.execute(
            "UPDATE mr_records SET person_id = t.pid FROM mr_tmp_ids t WHERE mr_records.rid = t.rid"
        )
    kept = set(plan.person_of.tolist())
    retired = sorted(p for p in touched if p not in kept and p not in dict(plan.aliases))

    events = plan.events.copy()
    extra: list[tuple[str, str | None, str | None, int, int | None]] = [
        ("update", prior_of_old.get(int(r)), None, -1, int(r)) for r in change.updated
    ]
    extra += [("erase", p, None, -1, None) for p in erased["person_id"].tolist()]
    extra += [("retire", p, None, -1, None) for p in retired]
    if extra:
        events = pd.concat(
            [events, pd.DataFrame(extra, columns=list(plan.events.columns))], ignore_index=True
        )
    events["event_id"] = counters.take("event", len(events))
    copies = pd.DataFrame({"a": fresh_rids[copy_of >= 0], "b": copy_of[copy_of >= 0]})
    evidence = _evidence(events, local, labels, edges, copies)
    counters.write_persons(plan.new_persons, plan.aliases, retired, run_id)
    backend.insert(
        "mr_history",
        pd.DataFrame(
            {
                "event_id": events["event_id"].astype(np.int64),
                "run_id": np.int64(run_id),
                "event": events["event"].astype(object),
                "person_id": events["person_id"].astype(object),
                "other_id": events["other_id"].astype(object),
                "rid": events["rid"].astype("Int64"),
            }
        ),
    )
    evidence = evidence.astype({"event_id": np.int64, "a": np.int64, "b": np.int64})
    backend.insert("mr_evidence", evidence)
    counters.log_run(run_id, change.operation, len(change.fresh) + len(change.removed), events)
    return ChangeSet.build(
        run_id, change.operation, events, evidence, local, change.unchanged, len(change.removed)
    )
