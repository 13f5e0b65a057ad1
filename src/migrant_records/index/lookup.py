"""The registration-desk check: the persons a record most likely belongs to."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from migrant_records._pandas import object_frame
from migrant_records.index import _engine as engine
from migrant_records.index.cache import ReadCache
from migrant_records.index.candidates import find_candidates, same_value_pairs
from migrant_records.index.rows import STORE_COLUMNS, FewRecords, read_few, read_records
from migrant_records.index.store import Backend
from migrant_records.index.tf import frequencies
from migrant_records.matcher import Matcher

__all__ = ["lookup_records"]

_COLUMNS = [
    "query",
    "rank",
    "person_id",
    "probability",
    "match_weight",
    "source",
    "record_id",
    "explanation",
]


def lookup_records(
    backend: Backend,
    matcher: Matcher,
    prepared: pd.DataFrame,
    k: int,
    cache: ReadCache | None = None,
) -> pd.DataFrame:
    """Top ``k`` persons per prepared query record (best pair per person), nothing written.

    Args:
        backend: The index's database, inside a reading transaction.
        matcher: The stored matcher.
        prepared: The query records, standardised.
        k: Persons per query record.
        cache: Settings kept between calls (checked against the index first).
    """
    assert matcher.blocking_ is not None
    cache = cache or ReadCache()
    cache.check(backend)
    columns = cache.columns(backend)
    cand = find_candidates(backend, matcher.blocking_, prepared)
    wanted = engine.scoring_columns(matcher)
    names = [str(c) for c in prepared.columns]
    if wanted is not None:  # both sides of each pair see the same columns
        columns = {name: dtype for name, dtype in columns.items() if name in wanted}
        names = [c for c in names if c in wanted]
    pairs = cand.stored_pairs
    if pairs.empty:
        return pd.DataFrame({c: [] for c in _COLUMNS})
    rids = np.unique(pairs["rid"].to_numpy()).tolist()
    if len(rids) <= 1000:  # by constants: the database's index answers
        in_sql, params = backend.in_list(rids)
        few = read_few(backend, f"rid IN {in_sql}", params, columns)
        local = _stacked(prepared, names, few)
        stored_rid, stored_person = few.rid, few.person_id
    else:
        backend.temp("mr_tmp_lookup", pd.DataFrame({"rid": rids}))
        stored = read_records(backend, "rid IN (SELECT rid FROM mr_tmp_lookup)", columns=columns)
        local = pd.concat(
            [prepared[names], stored.drop(columns=list(STORE_COLUMNS))], ignore_index=True
        )
        stored_rid = stored["rid"].to_numpy(np.int64)
        stored_person = stored["person_id"].to_numpy(object)
    n = len(prepared)
    i = pairs["pos"].to_numpy(np.int64)
    j = n + np.searchsorted(stored_rid, pairs["rid"].to_numpy(np.int64))
    keep = ~same_value_pairs(matcher.blocking_, pairs["pass"].to_numpy(), local, i, j)
    code = np.unique(i[keep] * np.int64(len(local)) + j[keep])
    i, j = code // len(local), code % len(local)
    freq = frequencies(backend, matcher, local, cache)
    scored = engine.score_pairs(matcher, local, i, j, freq)
    person = stored_person[j - n]
    rows = _best_per_person(i, person, scored.weight, k)
    return pd.DataFrame(
        {
            "query": i[rows],
            "rank": _ranks(i[rows]),
            "person_id": person[rows],
            "probability": scored.probability[rows],
            "match_weight": scored.weight[rows],
            "source": local["source"].to_numpy(object)[j[rows]],
            "record_id": local["record_id"].to_numpy(object)[j[rows]],
            "explanation": engine.explain_pairs(matcher, scored, rows.tolist()),
        },
        columns=_COLUMNS,
    )


def _stacked(prepared: pd.DataFrame, names: list[str], stored: FewRecords) -> pd.DataFrame:
    """The query records (their columns ``names``), then the stored ones: what
    ``pd.concat`` of the two frames gives.

    Each column is joined as one array and the arrays become the frame's columns
    (:func:`object_frame`): for a few rows that costs a fraction of building the stored
    records' frame and concatenating. A text column that only one side has is filled with
    ``NaN`` on the other, as ``pd.concat`` fills it. Other differences (a column of another
    dtype on each side, a non-text column on one side only) are left to ``pd.concat``.
    """
    n_query, n_stored = len(prepared), len(stored.rid)
    query_names, mine_names = names, set(names)
    names = [*names, *(name for name in stored.values if name not in mine_names)]
    joined: dict[str, Any] = {}
    if prepared.columns.is_unique:
        for name in names:
            mine = prepared[name] if name in mine_names else None
            theirs = stored.column(name) if name in stored.values else None
            if mine is not None and theirs is not None and mine.dtype == theirs.dtype:
                if isinstance(theirs, np.ndarray):
                    joined[name] = np.concatenate([mine.to_numpy(), theirs])
                else:  # nullable numbers, pandas text, dates with a time zone
                    joined[name] = pd.concat(
                        [mine, pd.Series(theirs, copy=False)], ignore_index=True
                    ).array
            elif mine is None and theirs is not None and theirs.dtype == object:
                joined[name] = np.concatenate([np.full(n_query, np.nan, dtype=object), theirs])
            elif theirs is None and mine is not None and mine.dtype == object:
                joined[name] = np.concatenate(
                    [mine.to_numpy(), np.full(n_stored, np.nan, dtype=object)]
                )
            else:
                break
    if len(joined) == len(names):
        return object_frame(joined, pd.RangeIndex(n_query + n_stored))
    theirs_frame = object_frame(
        {name: stored.column(name) for name in stored.values}, pd.RangeIndex(n_stored)
    )
    return pd.concat([prepared[query_names], theirs_frame], ignore_index=True)


def _best_per_person(
    query: np.ndarray, person: np.ndarray, weight: np.ndarray, k: int
) -> np.ndarray:
    """Pairs kept: per query, the best pair of each person (highest weight; on a tie the
    smaller person id, then the earlier pair), the ``k`` best persons, best first."""
    people, code = np.unique(person.astype(str), return_inverse=True)
    order = np.lexsort((np.arange(len(query)), code, -weight, query))
    pair_key = query[order] * np.int64(len(people)) + code[order]
    _, first = np.unique(pair_key, return_index=True)
    order = order[np.sort(first)]  # each person's best pair, still in ranking order
    return order[_ranks(query[order]) <= k]


def _ranks(query: np.ndarray) -> np.ndarray:
    """1, 2, ... within each run of equal values of ``query`` (sorted by query)."""
    if len(query) == 0:
        return np.empty(0, np.int64)
    starts = np.flatnonzero(np.r_[True, query[1:] != query[:-1]])
    lengths = np.diff(np.r_[starts, len(query)])
    return np.arange(len(query)) - np.repeat(starts, lengths) + 1
