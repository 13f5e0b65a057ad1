"""Per-pair explanations: every comparator's values, level and weight contribution.

An explanation is the model's own ``explain`` of the pair's comparison levels and term
frequencies, the same values its score was computed from, with the compared values added.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from migrant_records.pipeline import compare_candidates, pair_term_frequencies

if TYPE_CHECKING:  # pragma: no cover
    from migrant_records.result import MatchResult

__all__ = ["explain_pair"]

_COLUMNS = [
    "comparator",
    "columns",
    "value_l",
    "value_r",
    "level",
    "label",
    "m",
    "u",
    "bayes_factor",
    "weight",
    "tf_weight",
    "probability",
]


def _show(value: Any) -> str:
    if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return str(value)


def _pair_inputs(result: MatchResult, a: int, b: int) -> tuple[np.ndarray, dict[str, float] | None]:
    """The pair's comparison levels and term frequencies: stored ones for a scored pair,
    computed by the same stage functions otherwise."""
    i, j = (a, b) if result.link or a < b else (b, a)
    j_side = j - result.inputs.offset
    hit = np.flatnonzero((result.candidates.left == i) & (result.candidates.right == j_side))
    if len(hit):
        k = int(hit[0])
        levels = result.gamma[k]
        tf = None if result.tf is None else {n: float(v[k]) for n, v in result.tf.items()}
        return levels, tf
    ii = np.array([i], dtype=np.int64)
    jj = np.array([j_side], dtype=np.int64)
    levels = compare_candidates(result.comparators, result.inputs, ii, jj)[0]
    if result.tf is None:
        return levels, None
    pair_tf = pair_term_frequencies(
        result.comparators, result.inputs, ii, jj, cache=result._frequencies
    )
    return levels, None if pair_tf is None else {n: float(v[0]) for n, v in pair_tf.items()}


def explain_pair(result: MatchResult, a: int, b: int) -> pd.DataFrame:
    """Explain the score of the pair of records at row positions ``a`` and ``b`` of
    ``result.records``.

    Returns:
        A frame with a ``prior`` row, one row per comparator and a ``total`` row; columns
        ``comparator, columns, value_l, value_r, level, label, m, u, bayes_factor, weight,
        tf_weight, probability``. For a Fellegi-Sunter model the weights add up: prior +
        comparator weights + term-frequency parts = total = the pair's match weight. Other
        models give the levels and the total.
    """
    records = result.records
    levels, tf = _pair_inputs(result, a, b)
    table = result.model.explain(levels, tf)
    body_mask = ~table["comparator"].isin(["prior", "total"])
    table = table.copy()
    cols, values_l, values_r, labels = [], [], [], []
    for comp, level in zip(result.comparators, levels):
        shown = [c for c in comp.columns if c in records.columns]
        cols.append(", ".join(shown))
        values_l.append(" | ".join(_show(records[c].iloc[a]) for c in shown))
        values_r.append(" | ".join(_show(records[c].iloc[b]) for c in shown))
        labels.append(comp.labels[int(level)] if int(level) >= 0 else "null")
    table["columns"] = ""
    table["value_l"] = ""
    table["value_r"] = ""
    table.loc[body_mask, "columns"] = cols
    table.loc[body_mask, "value_l"] = values_l
    table.loc[body_mask, "value_r"] = values_r
    table["label"] = table["label"].astype(object)
    missing = body_mask & table["label"].isna()
    table.loc[missing, "label"] = np.asarray(labels, dtype=object)[missing[body_mask].to_numpy()]
    total = table["comparator"] == "total"
    weight = float(table.loc[total, "weight"].iloc[0])
    table["probability"] = np.nan
    table.loc[total, "probability"] = 1.0 / (1.0 + 2.0 ** (-weight))
    table.loc[total, ["m", "u", "tf_weight"]] = np.nan
    table.loc[total | (table["comparator"] == "prior"), "label"] = ""
    return table.reindex(columns=_COLUMNS)
