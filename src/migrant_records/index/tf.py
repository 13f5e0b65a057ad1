"""Term-frequency counts kept up to date in the index.

The model weighs agreement on a rare value more than on a common one. ``dedupe`` counts
values over the whole input; the index keeps the counts of every value of each
term-frequency column (``mr_tf``) and updates them as records come and go, so that a new
record is scored against the frequencies of everything indexed so far.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from migrant_records.index import _engine as engine
from migrant_records.index.cache import ReadCache
from migrant_records.index.store import Backend
from migrant_records.matcher import Matcher

__all__ = ["frequencies", "update_counts"]


def _tf_columns(backend: Backend) -> list[str]:
    value = backend.scalar("SELECT value FROM mr_meta WHERE name = ?", ["tf_columns"])
    return [] if not value else str(value).split(",")


def _values(series: pd.Series) -> pd.Series:
    values = series.dropna().astype(str)
    return values[values.str.strip() != ""]


def _few_values(series: pd.Series) -> np.ndarray | None:
    """``pd.unique(_values(series))`` of a few text values, without the frame machinery
    (None when a value is not text: the general path converts it)."""
    seen: dict[str, None] = {}
    for value in series.tolist():
        if value is None or value is pd.NA or (isinstance(value, float) and value != value):
            continue
        if not isinstance(value, str):
            return None
        if value.strip() != "":
            seen[value] = None
    return np.array(list(seen), dtype=object)


def update_counts(backend: Backend, frame: pd.DataFrame, sign: int) -> None:
    """Add (``sign=+1``) or subtract (``-1``) the values of ``frame`` to the counts."""
    for column in _tf_columns(backend):
        if column not in frame.columns:
            continue
        counts = _values(frame[column]).value_counts()
        if counts.empty:
            continue
        delta = pd.DataFrame(
            {"col": column, "value": counts.index.to_numpy(dtype=object), "d": counts.to_numpy()}
        )
        backend.temp("mr_tmp_tf", delta)
        old = backend.query(
            "SELECT t.value AS value, t.n AS n FROM mr_tf t JOIN mr_tmp_tf d "
            "ON t.col = d.col AND t.value = d.value"
        )
        backend.execute(
            "DELETE FROM mr_tf WHERE col = ? AND value IN (SELECT value FROM mr_tmp_tf)", [column]
        )
        merged = delta.merge(old, on="value", how="left")
        merged["n"] = merged["n"].fillna(0).astype(np.int64) + sign * merged["d"].astype(np.int64)
        merged = merged[merged["n"] > 0]
        backend.insert("mr_tf", merged[["col", "value", "n"]].astype({"n": np.int64}))


def frequencies(
    backend: Backend,
    matcher: Matcher,
    frame: pd.DataFrame,
    cache: ReadCache | None = None,
) -> dict[str, pd.Series]:
    """Relative frequency in the index of each value of ``frame`` in each TF column.

    At most two queries, whatever the number of columns (totals, then the counts of the
    frame's values): a lookup pays for round trips more than for rows. With a ``cache``
    (a lookup's) the totals come from it, and so do the counts while it holds them all.

    Args:
        backend: The index's database, inside a transaction.
        matcher: The stored matcher.
        frame: Prepared records.
        cache: What reads keep between calls (checked against the index by the caller).
    """
    out: dict[str, pd.Series] = {}
    wanted: list[pd.DataFrame] = []
    for column in sorted(set(engine.tf_columns(matcher).values())):
        if column not in frame.columns:
            continue
        few = _few_values(frame[column]) if len(frame) <= 200 else None
        values = few if few is not None else np.asarray(pd.unique(_values(frame[column])), object)
        if len(values):
            wanted.append(pd.DataFrame({"col": column, "value": values}))
    if not wanted:
        return out
    asked = pd.concat(wanted, ignore_index=True)
    cols = sorted(asked["col"].unique().tolist())
    if cache is not None:
        table = cache.counts(backend)
        total_of = cache.totals(backend, cols)
    else:
        table = None
        in_sql, params = backend.in_list(cols)
        counted = backend.query(
            f"SELECT col, SUM(n) AS total FROM mr_tf WHERE col IN {in_sql} GROUP BY col", params
        )
        total_of = dict(zip(counted["col"].tolist(), counted["total"].astype(np.float64).tolist()))
    asked_pairs = list(zip(asked["col"].tolist(), asked["value"].tolist()))
    if table is not None:
        found: Iterable[tuple[object, object, object]] = [
            (col, value, table[col][value])
            for col, value in asked_pairs
            if value in table.get(col, {})
        ]
    elif len(asked) <= 200:  # by constants, so the (col, value) index answers
        pairs = " OR ".join("(col = ? AND value = ?)" for _ in range(len(asked)))
        flat = [x for pair in asked_pairs for x in pair]
        found = backend.rows(f"SELECT col, value, n FROM mr_tf WHERE {pairs}", flat)
    else:
        backend.temp("mr_tmp_tfv", asked)
        rows = backend.query(
            "SELECT t.col AS col, t.value AS value, t.n AS n FROM mr_tf t "
            "JOIN mr_tmp_tfv v ON t.col = v.col AND t.value = v.value"
        )
        found = zip(rows["col"].tolist(), rows["value"].tolist(), rows["n"].tolist())
    by_col: dict[str, tuple[list[object], list[float]]] = {}
    for col, value, n in found:
        got = by_col.setdefault(str(col), ([], []))
        got[0].append(value)
        got[1].append(float(n))  # type: ignore[arg-type]
    for col_name, (col_values, counts) in by_col.items():
        col_total = total_of.get(col_name)
        if col_total:
            index = np.array(col_values, dtype=object)
            out[col_name] = pd.Series(np.array(counts, np.float64) / col_total, index=index)
    return out
