"""Accuracy of matching against a ground truth.

- :func:`pairwise_metrics`: pair-level precision, recall and F1 of clusters or scored pairs;
- :func:`cluster_metrics`: B-cubed precision, recall and F1, over-merged clusters and
  split persons;
- :func:`blocking_metrics`: pair completeness and reduction ratio of candidate pairs;
- :func:`threshold_sweep` / :func:`best_threshold`: metrics per probability threshold;
- :func:`evaluate_labels`: predictions against reviewer labels;
- :func:`read_table`: read a clusters, pairs or truth file (CSV or Parquet).

Example:
    >>> from migrant_records.synth import generate
    >>> from migrant_records.evaluate import pairwise_metrics
    >>> data = generate(people=200, seed=1)
    >>> pairwise_metrics(data.truth, data.truth).f1
    1.0
"""

from __future__ import annotations

from migrant_records.evaluate.blocking import BlockingMetrics, blocking_metrics
from migrant_records.evaluate.files import read_table
from migrant_records.evaluate.metrics import (
    ClusterMetrics,
    LabelMetrics,
    PairwiseMetrics,
    cluster_metrics,
    evaluate_labels,
    pairwise_metrics,
)
from migrant_records.evaluate.sweep import best_threshold, threshold_sweep

__all__ = [
    "BlockingMetrics",
    "ClusterMetrics",
    "LabelMetrics",
    "PairwiseMetrics",
    "best_threshold",
    "blocking_metrics",
    "cluster_metrics",
    "evaluate_labels",
    "pairwise_metrics",
    "read_table",
    "threshold_sweep",
]
