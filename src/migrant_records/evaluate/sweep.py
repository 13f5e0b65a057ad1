"""Threshold sweeps: pair-level precision, recall and F1 at many probability thresholds."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from migrant_records.errors import ConfigError
from migrant_records.evaluate._common import PAIR_COLUMNS, comb2, pair_codes, require, truth_codes

__all__ = ["best_threshold", "threshold_sweep"]

_DEFAULT = np.round(np.arange(1, 100) / 100.0, 2)


def threshold_sweep(
    pairs: pd.DataFrame,
    truth: pd.DataFrame,
    thresholds: npt.ArrayLike | None = None,
) -> pd.DataFrame:
    """Pair-level precision, recall and F1 for each probability threshold.

    A pair is predicted a match when its ``match_probability`` is at least the threshold.
    Recall is relative to *all* true pairs of the truth, including those the candidate
    pairs never contained, so it shows what blocking lost as well.

    Args:
        pairs: ``source_l, record_id_l, source_r, record_id_r, match_probability``.
        truth: ``source, record_id, person_id``.
        thresholds: Thresholds to evaluate (default 0.01, 0.02, ..., 0.99).

    Returns:
        A frame with one row per threshold (ascending): ``threshold, predicted_pairs, tp,
        fp, fn, precision, recall, f1``.

    Raises:
        SchemaError: Required columns are missing.
        ConfigError: A threshold is outside 0-1.

    Example:
        >>> import pandas as pd
        >>> truth = pd.DataFrame({"source": "a", "record_id": ["1", "2", "3"],
        ...                       "person_id": ["x", "x", "y"]})
        >>> pairs = pd.DataFrame({"source_l": "a", "record_id_l": ["1", "1"],
        ...                       "source_r": "a", "record_id_r": ["2", "3"],
        ...                       "match_probability": [0.9, 0.4]})
        >>> threshold_sweep(pairs, truth, [0.3, 0.5])[["threshold", "precision", "recall"]]
           threshold  precision  recall
        0        0.3        0.5     1.0
        1        0.5        1.0     1.0
    """
    require(pairs, (*PAIR_COLUMNS, "match_probability"), "pairs")
    th = np.sort(np.asarray(_DEFAULT if thresholds is None else thresholds, dtype=np.float64))
    if th.size and (th.min() < 0 or th.max() > 1 or np.isnan(th).any()):
        raise ConfigError("thresholds must lie between 0 and 1")
    keys, person = truth_codes(truth)
    true_pairs = comb2(np.bincount(person)) if len(person) else 0
    prob = pd.to_numeric(pairs["match_probability"], errors="coerce").to_numpy(np.float64)
    left, right, is_match = pair_codes(pairs, keys, person)
    lo, hi = np.minimum(left, right), np.maximum(left, right)
    ok = (lo != hi) & ~np.isnan(prob)
    # one score per distinct pair: the highest
    frame = pd.DataFrame({"k": lo[ok] * (2**31) + hi[ok], "p": prob[ok], "m": is_match[ok]})
    best = frame.groupby("k", sort=False).agg(p=("p", "max"), m=("m", "first"))
    order = np.argsort(best["p"].to_numpy())
    p_sorted = best["p"].to_numpy()[order]
    m_sorted = best["m"].to_numpy(bool)[order]
    # pairs with probability >= t are those from searchsorted(left) to the end
    tp_suffix = np.concatenate([np.cumsum(m_sorted[::-1])[::-1], [0]])
    start = np.searchsorted(p_sorted, th, side="left")
    predicted = len(p_sorted) - start
    tp = tp_suffix[start]
    fp = predicted - tp
    fn = true_pairs - tp
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted > 0, tp / np.maximum(predicted, 1), 0.0)
        recall = np.where(true_pairs > 0, tp / max(true_pairs, 1), 0.0)
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    return pd.DataFrame(
        {
            "threshold": th,
            "predicted_pairs": predicted.astype(np.int64),
            "tp": tp.astype(np.int64),
            "fp": fp.astype(np.int64),
            "fn": fn.astype(np.int64),
            "precision": precision,
            "recall": recall,
            "f1": f1,
        }
    )


def best_threshold(
    pairs: pd.DataFrame,
    truth: pd.DataFrame,
    thresholds: npt.ArrayLike | None = None,
    metric: str = "f1",
) -> float:
    """The threshold with the highest ``metric`` in :func:`threshold_sweep`.

    Ties go to the higher threshold (fewer false positives for the same score).

    Args:
        pairs: Scored pairs with ``match_probability``.
        truth: ``source, record_id, person_id``.
        thresholds: Thresholds to try (default 0.01 ... 0.99).
        metric: ``f1``, ``precision`` or ``recall``.

    Returns:
        The best threshold.

    Raises:
        ConfigError: Unknown metric or no thresholds.
    """
    if metric not in ("f1", "precision", "recall"):
        raise ConfigError(f"metric must be 'f1', 'precision' or 'recall', got {metric!r}")
    sweep = threshold_sweep(pairs, truth, thresholds)
    if sweep.empty:
        raise ConfigError("no thresholds to choose from; pass at least one")
    values = sweep[metric].to_numpy()
    best = np.flatnonzero(values == values.max())[-1]
    return float(sweep["threshold"].iloc[best])
