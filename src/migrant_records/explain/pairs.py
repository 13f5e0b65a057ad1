"""Per-pair explanations: every comparator's values, level and weight contribution."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from migrant_records.compare import Comparator, compare_pairs
from migrant_records.model import FellegiSunter, term_frequencies, tf_for_pairs

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


def explain_pair(
    records: pd.DataFrame,
    comparators: Sequence[Comparator],
    model: Any,
    a: int,
    b: int,
    *,
    frequencies: dict[str, pd.Series] | None = None,
) -> pd.DataFrame:
    """Explain the score of the pair of records at row positions ``a`` and ``b``.

    Args:
        records: The prepared records (both sides concatenated for a link).
        comparators: The comparators, in the model's order.
        model: The trained model.
        a: Row position of the first record.
        b: Row position of the second record.
        frequencies: A cache of term frequencies by column (see
            :func:`~migrant_records.model.term_frequencies`), filled on first use; pass the
            same dict when explaining many pairs of the same records.

    Returns:
        A frame with a ``prior`` row, one row per comparator and a ``total`` row; columns
        ``comparator, columns, value_l, value_r, level, label, m, u, bayes_factor, weight,
        tf_weight, probability``. For a Fellegi-Sunter model the weights add up: prior +
        sum of comparator weights and term-frequency parts = total. Other models give only
        the levels and the total probability.
    """
    i = np.array([a], dtype=np.int64)
    j = np.array([b], dtype=np.int64)
    gamma = compare_pairs(comparators, records, records, i, j)
    values_l, values_r, cols = [], [], []
    for comp in comparators:
        shown = [c for c in comp.columns if c in records.columns]
        cols.append(", ".join(shown))
        values_l.append(" | ".join(_show(records[c].iloc[a]) for c in shown))
        values_r.append(" | ".join(_show(records[c].iloc[b]) for c in shown))
    if isinstance(model, FellegiSunter):
        tf: dict[str, float] = {}
        cache = {} if frequencies is None else frequencies
        for comp in comparators:
            column = getattr(comp, "tf_column", None)
            if column and column in records.columns:
                if column not in cache:
                    cache[column] = term_frequencies(records[column])
                one_l, one_r = records[column].iloc[[a]], records[column].iloc[[b]]
                zero = np.zeros(1, dtype=np.int64)
                pair_tf = tf_for_pairs(one_l, one_r, zero, zero, cache[column])
                tf[comp.name] = float(pair_tf[0])
        table = model.weights_table(gamma[0], tf=tf)
        body = table[~table["comparator"].isin(["prior", "total"])].copy()
        prior = table[table["comparator"] == "prior"].copy()
        total = table[table["comparator"] == "total"].copy()
        body["columns"] = cols
        body["value_l"] = values_l
        body["value_r"] = values_r
        weight = float(total["weight"].iloc[0])
        total["probability"] = 1.0 / (1.0 + 2.0 ** (-weight))
        total[["m", "u", "tf_weight"]] = np.nan
        total["label"] = ""
        prior["label"] = ""
        out = pd.concat([prior, body, total], ignore_index=True)
    else:
        prob = float(np.asarray(model.predict_proba(gamma))[0])
        labels = [
            comp.labels[int(lv)] if int(lv) >= 0 else "null"
            for comp, lv in zip(comparators, gamma[0])
        ]
        body = pd.DataFrame(
            {
                "comparator": [c.name for c in comparators],
                "columns": cols,
                "value_l": values_l,
                "value_r": values_r,
                "level": gamma[0].astype(int),
                "label": labels,
            }
        )
        clipped = min(max(prob, 1e-12), 1 - 1e-12)
        total = pd.DataFrame(
            {
                "comparator": ["total"],
                "weight": [float(np.log2(clipped / (1 - clipped)))],
                "probability": [prob],
            }
        )
        out = pd.concat([pd.DataFrame({"comparator": ["prior"]}), body, total], ignore_index=True)
    for col in _COLUMNS:
        if col not in out.columns:
            out[col] = np.nan
    return out[_COLUMNS]
