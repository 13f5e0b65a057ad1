"""The text of the reporting commands (``migrant-records validate`` and ``evaluate``)."""

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
from migrant_records.io import ValidationReport

__all__ = ["evaluate_text", "validation_text"]


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


def validation_text(report: ValidationReport) -> str:
    """The text ``migrant-records validate`` prints about one file.

    Args:
        report: What :func:`migrant_records.io.validate_file` found.

    Returns:
        How the file was read, the header mapping and its notes, the row counts, the rejected
        rows by reason and where they were written.
    """
    batch = report.batch
    info = batch.info
    lines = [f"input:          {report.input}"]
    read_as = [str(info.get("format", "?"))]
    if info.get("format") == "csv":
        delim = {"\t": "tab"}.get(str(info.get("delimiter")), repr(info.get("delimiter")))
        read_as.append(f"delimiter {delim}, encoding {info.get('encoding')}")
    if info.get("format") == "xlsx":
        read_as.append(f"sheet {info.get('sheet')!r}, header in row {info.get('header_row')}")
    lines.append(f"read as:        {', '.join(read_as)}")
    lines.append(f"source:         {batch.source_name}")
    lines.append("header mapping:")
    width = max([len(h) for h in batch.mapping] + [6])
    for header, canonical in batch.mapping.items():
        lines.append(f"  {header:<{width}} -> {canonical}")
    lines += [f"  note: {note}" for note in batch.notes]
    lines.append(f"rows read:      {batch.n_input:,}")
    lines.append(f"records:        {batch.n_records:,}")
    lines.append(f"rejected rows:  {batch.n_rejected:,}")
    for reason, count in batch.rejects_by_reason().items():
        lines.append(f"  {reason:<30} {count:,}")
    if report.rejects_path is not None:
        lines.append(f"rejects written to {report.rejects_path}")
    else:
        lines.append("no rejects; nothing written")
    return "\n".join(lines)
