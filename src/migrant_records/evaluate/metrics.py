"""Pairwise, B-cubed and reviewer-label metrics against a ground truth.

Pairs are counted combinatorially from cluster sizes (a cluster of ``n`` records holds
``n * (n - 1) / 2`` pairs), so a huge cluster is never expanded into its pairs.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from migrant_records.errors import ConfigError, SchemaError
from migrant_records.evaluate._common import (
    PAIR_COLUMNS,
    comb2,
    is_pairs_frame,
    pair_codes,
    record_codes,
    require,
    truth_codes,
)
from migrant_records.records import record_key

__all__ = [
    "ClusterMetrics",
    "LabelMetrics",
    "PairwiseMetrics",
    "cluster_metrics",
    "evaluate_labels",
    "pairwise_metrics",
]

logger = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]


def _ratio(a: float, b: float) -> float:
    return float(a) / float(b) if b else 0.0


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True)
class PairwiseMetrics:
    """Pair-level accuracy: every pair of records is a match or not.

    Attributes:
        precision: ``tp / (tp + fp)`` (0 when nothing is predicted).
        recall: ``tp / (tp + fn)`` (0 when the truth has no pairs).
        f1: Harmonic mean of precision and recall.
        tp: Predicted pairs that are true pairs.
        fp: Predicted pairs that are not.
        fn: True pairs not predicted.
        predicted_pairs: ``tp + fp``.
        true_pairs: ``tp + fn``.
        records: Records evaluated.
    """

    precision: float
    recall: float
    f1: float
    tp: int
    fp: int
    fn: int
    predicted_pairs: int
    true_pairs: int
    records: int

    def to_dict(self) -> dict[str, float | int]:
        """The metrics as a plain dict."""
        return asdict(self)

    def __str__(self) -> str:
        return (
            f"pairwise precision {self.precision:.4f}  recall {self.recall:.4f}  "
            f"F1 {self.f1:.4f}  (TP {self.tp:,}  FP {self.fp:,}  FN {self.fn:,}; "
            f"{self.true_pairs:,} true pairs among {self.records:,} records)"
        )


@dataclass(frozen=True)
class ClusterMetrics:
    """Cluster-level accuracy: B-cubed scores and merge/split counts.

    Attributes:
        precision: B-cubed precision: mean over records of the share of its predicted
            cluster that is the same person.
        recall: B-cubed recall: mean over records of the share of its person's records
            that are in its predicted cluster.
        f1: Harmonic mean of the two.
        records: Records evaluated.
        predicted_clusters: Number of predicted clusters.
        true_persons: Number of true persons.
        over_merged: Predicted clusters that contain more than one true person.
        under_merged: True persons split across more than one predicted cluster.
        exact: Predicted clusters that are exactly one true person's records.
    """

    precision: float
    recall: float
    f1: float
    records: int
    predicted_clusters: int
    true_persons: int
    over_merged: int
    under_merged: int
    exact: int

    def to_dict(self) -> dict[str, float | int]:
        """The metrics as a plain dict."""
        return asdict(self)

    def __str__(self) -> str:
        return (
            f"B-cubed  precision {self.precision:.4f}  recall {self.recall:.4f}  "
            f"F1 {self.f1:.4f}  ({self.predicted_clusters:,} clusters for "
            f"{self.true_persons:,} persons; {self.over_merged:,} over-merged, "
            f"{self.under_merged:,} persons split, {self.exact:,} exact)"
        )


@dataclass(frozen=True)
class LabelMetrics:
    """Accuracy of predictions on reviewer-labelled pairs.

    Attributes:
        precision: ``tp / (tp + fp)`` among labelled pairs.
        recall: ``tp / (tp + fn)`` among labelled pairs.
        f1: Harmonic mean.
        accuracy: Share of labelled pairs predicted correctly.
        tp: Labelled match, predicted match.
        fp: Labelled non-match, predicted match.
        fn: Labelled match, predicted non-match.
        tn: Labelled non-match, predicted non-match.
        labelled: Labelled pairs evaluated.
        unscored: Labelled pairs absent from the predictions (counted as predicted
            non-matches).
    """

    precision: float
    recall: float
    f1: float
    accuracy: float
    tp: int
    fp: int
    fn: int
    tn: int
    labelled: int
    unscored: int

    def to_dict(self) -> dict[str, float | int]:
        """The metrics as a plain dict."""
        return asdict(self)

    def __str__(self) -> str:
        return (
            f"labels   precision {self.precision:.4f}  recall {self.recall:.4f}  "
            f"F1 {self.f1:.4f}  accuracy {self.accuracy:.4f}  (TP {self.tp}  FP {self.fp}  "
            f"FN {self.fn}  TN {self.tn}; {self.labelled} labelled, {self.unscored} unscored)"
        )


def _cluster_codes(clusters: pd.DataFrame, keys: pd.Index) -> tuple[IntArray, IntArray]:
    """Aligned (record code, predicted cluster code) for every truth record.

    Records of the truth that the clusters lack become clusters of their own; records of
    the clusters that the truth lacks are dropped (with a log message).
    """
    id_col = "person_id" if "person_id" in clusters.columns else "cluster_id"
    require(clusters, ("source", "record_id", id_col), "clusters")
    codes = record_codes(clusters, keys)
    known = codes >= 0
    if not known.all():
        logger.warning(
            "%d clustered records are not in the truth and are ignored", int((~known).sum())
        )
    codes = codes[known]
    if pd.Index(codes).has_duplicates:
        raise SchemaError(
            "clusters list some records more than once; every (source, record_id) must appear once"
        )
    cid = pd.factorize(clusters.loc[known, id_col].astype(str))[0].astype(np.int64)
    pred = np.full(len(keys), -1, dtype=np.int64)
    pred[codes] = cid
    lonely = np.flatnonzero(pred < 0)
    if len(lonely):
        logger.info("%d truth records are not in the clusters; each counts alone", len(lonely))
        pred[lonely] = cid.max(initial=-1) + 1 + np.arange(len(lonely))
    return np.arange(len(keys), dtype=np.int64), pred


def _contingency(pred: IntArray, person: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """Cell sizes of (predicted cluster, person), and per-cell cluster and person codes."""
    frame = pd.DataFrame({"c": pred, "p": person})
    cells = frame.groupby(["c", "p"], sort=False).size()
    c = cells.index.get_level_values(0).to_numpy(np.int64)
    p = cells.index.get_level_values(1).to_numpy(np.int64)
    return cells.to_numpy(np.int64).astype(np.int64), c, p


def pairwise_metrics(
    pred: pd.DataFrame, truth: pd.DataFrame, threshold: float = 0.5
) -> PairwiseMetrics:
    """Pairwise precision, recall and F1 of clusters or scored pairs against the truth.

    Args:
        pred: Either a clusters frame (``source, record_id, person_id``; ``cluster_id`` is
            accepted for ``person_id``) or a pairs frame (``source_l, record_id_l,
            source_r, record_id_r`` and optionally ``match_probability``). For pairs, a
            pair is predicted a match when its ``match_probability`` is at least
            ``threshold`` (every listed pair when there is no probability column).
        truth: ``source, record_id, person_id`` for every record.
        threshold: Probability threshold for a pairs frame.

    Returns:
        The :class:`PairwiseMetrics`. Records missing from the clusters count as
        singletons; records missing from the truth count as persons of their own.

    Raises:
        SchemaError: Required columns are missing or records are repeated.
        ConfigError: ``threshold`` is outside 0-1.

    Example:
        >>> import pandas as pd
        >>> truth = pd.DataFrame({"source": "a", "record_id": ["1", "2", "3"],
        ...                       "person_id": ["x", "x", "y"]})
        >>> clusters = truth.assign(person_id=["c1", "c1", "c1"])
        >>> m = pairwise_metrics(clusters, truth)
        >>> (m.tp, m.fp, m.fn, round(m.precision, 3))
        (1, 2, 0, 0.333)
    """
    _check_threshold(threshold)
    keys, person = truth_codes(truth)
    true_pairs = comb2(np.bincount(person)) if len(person) else 0
    if is_pairs_frame(pred):
        require(pred, PAIR_COLUMNS, "pairs")
        chosen = pred
        if "match_probability" in pred.columns:
            prob = pd.to_numeric(pred["match_probability"], errors="coerce").to_numpy()
            chosen = pred.loc[prob >= threshold]
        left, right, is_match = pair_codes(chosen, keys, person)
        lo, hi = np.minimum(left, right), np.maximum(left, right)
        keep = lo != hi
        uniq, first = np.unique(lo[keep] * (2**31) + hi[keep], return_index=True)
        predicted = len(uniq)
        tp = int(is_match[keep][first].sum())
        records = len(keys)
    else:
        _, pred_codes = _cluster_codes(pred, keys)
        cells, _, _ = _contingency(pred_codes, person)
        tp = comb2(cells)
        predicted = comb2(np.bincount(pred_codes))
        records = len(keys)
    fp = predicted - tp
    fn = true_pairs - tp
    precision = _ratio(tp, predicted)
    recall = _ratio(tp, true_pairs)
    return PairwiseMetrics(
        precision=precision,
        recall=recall,
        f1=_f1(precision, recall),
        tp=tp,
        fp=fp,
        fn=fn,
        predicted_pairs=predicted,
        true_pairs=true_pairs,
        records=records,
    )


def cluster_metrics(clusters: pd.DataFrame, truth: pd.DataFrame) -> ClusterMetrics:
    """B-cubed precision/recall/F1 and merge/split counts of clusters against the truth.

    Args:
        clusters: ``source, record_id, person_id`` (or ``cluster_id``).
        truth: ``source, record_id, person_id``.

    Returns:
        The :class:`ClusterMetrics`.

    Raises:
        SchemaError: Required columns are missing or records are repeated.

    Example:
        >>> import pandas as pd
        >>> truth = pd.DataFrame({"source": "a", "record_id": ["1", "2", "3", "4"],
        ...                       "person_id": ["x", "x", "y", "y"]})
        >>> clusters = truth.assign(person_id=["c1", "c1", "c1", "c2"])
        >>> m = cluster_metrics(clusters, truth)
        >>> (m.over_merged, m.under_merged, round(m.precision, 4), round(m.recall, 4))
        (1, 1, 0.6667, 0.75)
    """
    keys, person = truth_codes(truth)
    if not len(keys):
        return ClusterMetrics(0.0, 0.0, 0.0, 0, 0, 0, 0, 0, 0)
    _, pred = _cluster_codes(clusters, keys)
    cells, c, p = _contingency(pred, person)
    csize = np.bincount(pred)
    psize = np.bincount(person)
    n = len(keys)
    precision = float((cells.astype(np.float64) ** 2 / csize[c]).sum() / n)
    recall = float((cells.astype(np.float64) ** 2 / psize[p]).sum() / n)
    persons_per_cluster = np.bincount(c)
    clusters_per_person = np.bincount(p)
    exact = int(((cells == csize[c]) & (cells == psize[p])).sum())
    return ClusterMetrics(
        precision=precision,
        recall=recall,
        f1=_f1(precision, recall),
        records=n,
        predicted_clusters=int((csize > 0).sum()),
        true_persons=int((psize > 0).sum()),
        over_merged=int((persons_per_cluster > 1).sum()),
        under_merged=int((clusters_per_person > 1).sum()),
        exact=exact,
    )


_TRUE = {"1", "true", "t", "yes", "y", "match", "same", "ya"}
_FALSE = {"0", "false", "f", "no", "n", "non-match", "nonmatch", "no match", "different", "tidak"}


def _labels_to_bool(values: pd.Series) -> npt.NDArray[np.bool_]:
    if values.dtype == bool:
        return values.to_numpy(bool)
    text = values.astype(str).str.strip().str.lower()
    text = text.str.replace(r"\.0$", "", regex=True)
    bad = ~text.isin(_TRUE | _FALSE)
    if bad.any():
        raise SchemaError(
            f"is_match has values that are neither match nor non-match: "
            f"{sorted(set(values[bad].astype(str)))[:5]}; use true/false, 1/0 or yes/no"
        )
    return text.isin(_TRUE).to_numpy(bool)


def _ordered(x: pd.Series, y: pd.Series) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]:
    """Each pair of keys as (smaller, larger), so that orientation does not matter."""
    xs, ys = x.to_numpy(object), y.to_numpy(object)
    swap = xs > ys
    return np.where(swap, ys, xs), np.where(swap, xs, ys)


def evaluate_labels(
    pairs: pd.DataFrame, labels: pd.DataFrame, threshold: float = 0.5
) -> LabelMetrics:
    """Compare predictions with reviewer labels on the labelled pairs only.

    Args:
        pairs: Scored pairs (``source_l, record_id_l, source_r, record_id_r,
            match_probability``) or a clusters frame (``source, record_id, person_id``:
            two records are predicted a match when they share a person id).
        labels: ``source_l, record_id_l, source_r, record_id_r, is_match`` (bool, 1/0,
            true/false, yes/no). Orientation does not matter.
        threshold: Probability threshold for scored pairs.

    Returns:
        The :class:`LabelMetrics`.

    Raises:
        SchemaError: Required columns are missing or a label value is not readable.
    """
    _check_threshold(threshold)
    require(labels, (*PAIR_COLUMNS, "is_match"), "labels")
    truth_match = _labels_to_bool(labels["is_match"])
    lk = record_key(labels["source_l"], labels["record_id_l"])
    rk = record_key(labels["source_r"], labels["record_id_r"])
    unscored = np.zeros(len(labels), dtype=bool)
    if is_pairs_frame(pairs):
        pk_l = record_key(pairs["source_l"], pairs["record_id_l"])
        pk_r = record_key(pairs["source_r"], pairs["record_id_r"])
        if "match_probability" in pairs.columns:
            prob = pd.to_numeric(pairs["match_probability"], errors="coerce").to_numpy()
        else:
            prob = np.ones(len(pairs))
        a, b = _ordered(pk_l, pk_r)
        score = pd.Series(prob, index=pd.MultiIndex.from_arrays([a, b]))
        score = score.groupby(level=[0, 1]).max()
        la, lb = _ordered(lk, rk)
        got = score.reindex(pd.MultiIndex.from_arrays([la, lb])).to_numpy()
        unscored = np.isnan(got)
        predicted = np.nan_to_num(got, nan=-1.0) >= threshold
    else:
        id_col = "person_id" if "person_id" in pairs.columns else "cluster_id"
        require(pairs, ("source", "record_id", id_col), "clusters")
        ids = pd.Series(
            pairs[id_col].astype(str).to_numpy(),
            index=record_key(pairs["source"], pairs["record_id"]),
        )
        ids = ids[~ids.index.duplicated()]
        left = ids.reindex(lk).to_numpy(object)
        right = ids.reindex(rk).to_numpy(object)
        unscored = pd.isna(left) | pd.isna(right)
        predicted = ~unscored & (left == right)
    if unscored.any():
        logger.info("%d labelled pairs have no prediction", int(unscored.sum()))
    tp = int((predicted & truth_match).sum())
    fp = int((predicted & ~truth_match).sum())
    fn = int((~predicted & truth_match).sum())
    tn = int((~predicted & ~truth_match).sum())
    precision = _ratio(tp, tp + fp)
    recall = _ratio(tp, tp + fn)
    return LabelMetrics(
        precision=precision,
        recall=recall,
        f1=_f1(precision, recall),
        accuracy=_ratio(tp + tn, len(labels)),
        tp=tp,
        fp=fp,
        fn=fn,
        tn=tn,
        labelled=len(labels),
        unscored=int(unscored.sum()),
    )


def _check_threshold(threshold: float) -> None:
    if not 0.0 <= threshold <= 1.0:
        raise ConfigError(f"threshold must be between 0 and 1, got {threshold}")
