"""Explanations people can check: review sheets, charts and a self-contained HTML report.

- :func:`review_sheet` / :func:`read_labels`: clerical review of uncertain pairs in CSV or
  XLSX, and reading the reviewer's labels back;
- :func:`weight_histogram`, :func:`m_u_chart`, :func:`blocking_chart`, :func:`waterfall`:
  matplotlib figures (the ``plot`` extra), with :func:`figure_to_svg` and
  :func:`figure_to_data_uri` to embed them;
- :func:`explain_pair`: one pair's score broken down by comparator;
- :func:`write_report`: one HTML file with the run's summary, rejects, blocking, model,
  weights, uncertain pairs and programme overview.
"""

from __future__ import annotations

from migrant_records.explain.changes import write_index_report
from migrant_records.explain.charts import (
    blocking_chart,
    figure_to_data_uri,
    figure_to_svg,
    m_u_chart,
    waterfall,
    weight_histogram,
)
from migrant_records.explain.pairs import explain_pair
from migrant_records.explain.report import write_report
from migrant_records.explain.review import read_labels, review_sheet

__all__ = [
    "blocking_chart",
    "explain_pair",
    "figure_to_data_uri",
    "figure_to_svg",
    "m_u_chart",
    "read_labels",
    "review_sheet",
    "waterfall",
    "weight_histogram",
    "write_index_report",
    "write_report",
]
