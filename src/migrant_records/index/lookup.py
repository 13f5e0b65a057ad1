"""The registration-desk check: the persons a record most likely belongs to."""

from __future__ import annotations

import numpy as np
import pandas as pd

from migrant_records._pandas import one_block_frame
from migrant_records.index import _engine as engine
from migrant_records.index.cache import ReadCache
from migrant_records.index.candidates import find_candidates, same_value_pairs
from migrant_records.index.rows import STORE_COLUMNS, read_records
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
    if wanted is not None:  # both sides of each pair see the same columns
        columns = {name: dtype for name, dtype in columns.items() if name in wanted}
        prepared = prepared[[c for c in prepared.columns if c in wanted]]
    pairs = cand.stored_pairs
    if pairs.empty:
        return pd.DataFrame({c: [] for c in _COLUMNS})
    rids = np.unique(pairs["rid"].to_numpy()).tolist()
    if len(rids) <= 1000:  # by constants: the database's index answers
        in_sql, params = backend.in_list(rids)
        stored = read_records(backend, f"rid IN {in_sql}", params, columns=columns, few=True)
    else:
        backend.temp("mr_tmp_lookup", pd.DataFrame({"rid": rids}))
        stored = read_records(backend, "rid IN (SELECT rid FROM mr_tmp_lookup)", columns=columns)
    n = len(prepared)
    local = _stacked(prepared, stored.drop(columns=list(STORE_COLUMNS)))
    i = pairs["pos"].to_numpy(np.int64)
    j = n + np.searchsorted(stored["rid"].to_numpy(np.int64), pairs["rid"].to_numpy(np.int64))
    keep = ~same_value_pairs(matcher.blocking_, pairs["pass"].to_numpy(), local, i, j)
    code = np.unique(i[keep] * np.int64(len(local)) + j[keep])
    i, j = code // len(local), code % len(local)
    freq = frequencies(backend, matcher, local, cache)
    scored = engine.score_pairs(matcher, local, i, j, freq)
    person = stored["person_id"].to_numpy(object)[j - n]
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


def _stacked(prepared: pd.DataFrame, stored: pd.DataFrame) -> pd.DataFrame:
    """The query records, then the stored ones (what ``pd.concat`` gives). When both hold
    the same columns with the same dtypes (a lookup's usual case), the columns are joined
    as arrays into a frame whose text columns are one 2-D block (:func:`one_block_frame`),
    which for a few rows costs a fraction of a frame concat."""
    same = list(prepared.columns) == list(stored.columns) and prepared.dtypes.equals(stored.dtypes)
    if not same or not prepared.columns.is_unique:
        return pd.concat([prepared, stored], ignore_index=True)
    joined = {
        str(c): np.concatenate([prepared[c].to_numpy(), stored[c].to_numpy()])
        for c in prepared.columns
    }
    rows = pd.DataFrame(index=pd.RangeIndex(len(prepared) + len(stored)))
    return one_block_frame(rows, joined)


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
