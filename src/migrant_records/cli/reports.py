"""The text of the reporting commands (``migrant-records evaluate``)."""

from __future__ import annotations

from pathlib import Path

from migrant_records.evaluate import (
    best_threshold,
    cluster_metrics,
    pairwise_metrics,
    threshold_sweep,
)
from migrant_records.evaluate._common import is_pairs_frame
from migrant_records.evaluate.files import read_table

__all__ = ["evaluate_text"]


def evaluate_text(clusters_path: str | Path, truth_path: str | Path) -> str:
    """Evaluate a clusters (or scored pairs) file against a truth file.

    Args:
        clusters_path: CSV with ``source, record_id, person_id`` (as written by
            ``migrant-records dedupe``), or a pairs CSV with ``match_probability``.
        truth_path: CSV with ``source, record_id, person_id`` (e.g. ``truth.csv`` from
            ``migrant-records generate``).

    Returns:
        A few lines of text: pairwise and B-cubed metrics for clusters; pairwise metrics at
        0.5 and the best threshold for pairs.

    Raises:
        InputFileError: A file is missing or unreadable.
        SchemaError: A file lacks the required columns.
    """
    pred = read_table(clusters_path)
    truth = read_table(truth_path)
    lines = [f"evaluating {clusters_path} against {truth_path}"]
    if is_pairs_frame(pred):
        pw = pairwise_metrics(pred, truth, threshold=0.5)
        lines.append(f"{len(pred):,} scored pairs, {pw.records:,} truth records")
        lines.append(f"at threshold 0.5: {pw}")
        if "match_probability" in pred.columns:
            best = best_threshold(pred, truth)
            row = threshold_sweep(pred, truth, [best]).iloc[0]
            lines.append(
                f"best threshold {best:.2f}: precision {row['precision']:.4f}  "
                f"recall {row['recall']:.4f}  F1 {row['f1']:.4f}"
            )
        return "\n".join(lines)
    pw = pairwise_metrics(pred, truth)
    bc = cluster_metrics(pred, truth)
    lines.append(f"{len(pred):,} clustered records, {bc.records:,} truth records")
    lines.append(str(pw))
    lines.append(str(bc))
    return "\n".join(lines)
