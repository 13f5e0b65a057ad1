"""Term-frequency counts kept up to date in the index.

The model weighs agreement on a rare value more than on a common one. ``dedupe`` counts
values over the whole input; the index keeps the counts of every value of each
term-frequency column (``mr_tf``) and updates them as records come and go, so that a new
record is scored against the frequencies of everything indexed so far.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from migrant_records.index import _engine as engine
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
    totals: Callable[[Sequence[str]], dict[str, float]] | None = None,
) -> dict[str, pd.Series]:
    """Relative frequency in the index of each value of ``frame`` in each TF column.

    Two queries in all (totals, then the counts of the frame's values), whatever the number
    of columns: a lookup pays for round trips more than for rows.

    Args:
        backend: The index's database, inside a transaction.
        matcher: The stored matcher.
        frame: Prepared records.
        totals: Where to take each column's total count from (a lookup passes its cache);
            by default they are counted in the database.
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
    if totals is not None:
        total_of = totals(cols)
    else:
        in_sql, params = backend.in_list(cols)
        counted = backend.query(
            f"SELECT col, SUM(n) AS total FROM mr_tf WHERE col IN {in_sql} GROUP BY col", params
        )
        total_of = dict(zip(counted["col"].tolist(), counted["total"].astype(np.float64).tolist()))
    if len(asked) <= 200:  # by constants, so the (col, value) index answers
        pairs = " OR ".join("(col = ? AND value = ?)" for _ in range(len(asked)))
        flat = [x for pair in zip(asked["col"].tolist(), asked["value"].tolist()) for x in pair]
        found = backend.rows(f"SELECT col, value, n FROM mr_tf WHERE {pairs}", flat)
        by_col: dict[str, tuple[list[object], list[float]]] = {}
        for col, value, n in found:
            got = by_col.setdefault(str(col), ([], []))
            got[0].append(value)
            got[1].append(float(n))
        for col_name, (col_values, counts) in by_col.items():
            col_total = total_of.get(col_name)
            if col_total:
                index = np.array(col_values, dtype=object)
                out[col_name] = pd.Series(np.array(counts, np.float64) / col_total, index=index)
        return out
    else:
        backend.temp("mr_tmp_tfv", asked)
        rows = backend.query(
            "SELECT t.col AS col, t.value AS value, t.n AS n FROM mr_tf t "
            "JOIN mr_tmp_tfv v ON t.col = v.col AND t.value = v.value"
        )
    for name, group in rows.groupby("col", sort=False):
        total = total_of.get(str(name))
        if not total:
            continue
        out[str(name)] = pd.Series(
            group["n"].to_numpy(np.float64) / float(total), index=group["value"].to_numpy()
        )
    return out
