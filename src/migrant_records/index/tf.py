"""Term-frequency counts kept up to date in the index.

The model weighs agreement on a rare value more than on a common one. ``dedupe`` counts
values over the whole input; the index keeps the counts of every value of each
term-frequency column (``mr_tf``) and updates them as records come and go, so that a new
record is scored against the frequencies of everything indexed so far.
"""

from __future__ import annotations

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


def frequencies(backend: Backend, matcher: Matcher, frame: pd.DataFrame) -> dict[str, pd.Series]:
    """Relative frequency in the index of each value of ``frame`` in each TF column."""
    out: dict[str, pd.Series] = {}
    for column in set(engine.tf_columns(matcher).values()):
        if column not in frame.columns:
            continue
        values = pd.unique(_values(frame[column]))
        total = backend.scalar("SELECT SUM(n) FROM mr_tf WHERE col = ?", [column])
        if not total or len(values) == 0:
            continue
        backend.temp("mr_tmp_tfv", pd.DataFrame({"value": values.astype(object)}))
        rows = backend.query(
            "SELECT value, n FROM mr_tf WHERE col = ? AND value IN (SELECT value FROM mr_tmp_tfv)",
            [column],
        )
        freq = pd.Series(rows["n"].to_numpy(np.float64) / float(total), index=rows["value"])
        out[column] = freq
    return out
