"""A single self-contained HTML report of a matching run.

:func:`write_report` writes ONE file: inline CSS, charts as inline SVG, no scripts, fonts,
stylesheets or links to anything outside the file, so it opens offline, can be mailed, and
makes no network request. Every value from the data is HTML-escaped.

Sections (with stable element ids): ``summary``, ``rejects``, ``blocking`` (with
``blocking-chart``), ``parameters`` (with ``m-u-chart``), ``weight-histogram``,
``uncertain-pairs`` (each pair ``pair-<n>`` with ``waterfall-<n>``) and ``programmes``; a
person index's report also has ``changes`` (changes since last run).
A section whose input is missing says so instead of disappearing.
"""

from __future__ import annotations

import html
import logging
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from migrant_records.golden.programmes import ProgrammeOverview
    from migrant_records.index import ChangeSet
    from migrant_records.result import MatchResult

__all__ = ["write_report", "write_result_report"]

logger = logging.getLogger(__name__)

MAX_ROWS = 25
_REASON_COLUMNS = ("reason", "reject_reason", "reasons", "error", "errors")

_CSS = """
:root { --ink:#1f2933; --muted:#616e7c; --line:#e4e7eb; --bg:#f5f7fa; --accent:#1565c0;
  --good:#2e7d32; --bad:#c62828; }
* { box-sizing: border-box; }
body { margin:0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans",
  "Liberation Sans", Arial, sans-serif; color:var(--ink); background:var(--bg);
  line-height:1.45; font-size:15px; }
header { background:#102a43; color:#fff; padding:20px 32px; }
header h1 { margin:0; font-size:22px; font-weight:600; }
header p { margin:4px 0 0; color:#bcccdc; font-size:13px; }
nav { background:#fff; border-bottom:1px solid var(--line); padding:8px 32px;
  position:sticky; top:0; z-index:1; }
nav a { color:var(--accent); text-decoration:none; margin-right:18px; font-size:14px; }
main { max-width:1180px; margin:0 auto; padding:16px 32px 48px; }
section { background:#fff; border:1px solid var(--line); border-radius:8px;
  padding:16px 20px; margin:18px 0; }
h2 { margin:0 0 12px; font-size:18px; }
h3 { margin:18px 0 8px; font-size:15px; }
p.note { color:var(--muted); font-size:13px; margin:4px 0 10px; }
.cards { display:flex; flex-wrap:wrap; gap:12px; }
.card { flex:1 1 150px; min-width:150px; background:var(--bg); border:1px solid var(--line);
  border-radius:8px; padding:10px 14px; }
.card .value { font-size:24px; font-weight:600; font-variant-numeric:tabular-nums; }
.card .label { color:var(--muted); font-size:12px; text-transform:uppercase;
  letter-spacing:.03em; }
.card .label.text { text-transform:none; letter-spacing:0; font-size:13px; }
.scroll { overflow-x:auto; }
table { border-collapse:collapse; font-size:13px; margin:6px 0 10px; }
th, td { border-bottom:1px solid var(--line); padding:4px 10px; text-align:left;
  vertical-align:top; }
th { background:var(--bg); font-weight:600; white-space:nowrap; }
td.num { text-align:right; font-variant-numeric:tabular-nums; }
tr.pos td.w { color:var(--good); } tr.neg td.w { color:var(--bad); }
.chart svg { max-width:100%; height:auto; display:block; }
.chart { margin:8px 0; }
article.pair { border-top:1px solid var(--line); padding-top:10px; margin-top:14px; }
article.pair h3 { margin-top:4px; }
.prob { display:inline-block; padding:1px 8px; border-radius:10px; background:#fff3e0;
  color:#e65100; font-size:12px; font-weight:600; }
"""


# ---------------------------------------------------------------------------- helpers
def _esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return False


def _fmt(value: object) -> str:
    """Format one cell: thousands separators for ints, 4 significant digits for floats."""
    if _is_missing(value):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if math.isfinite(v) and v == round(v) and abs(v) < 1e15:
            return f"{int(v):,}"
        return f"{v:.4g}"
    return str(value)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    )


def _table(
    frame: pd.DataFrame,
    *,
    max_rows: int | None = MAX_ROWS,
    index: bool = False,
    table_id: str | None = None,
    row_class: Sequence[str] | None = None,
) -> str:
    shown = frame if max_rows is None else frame.head(max_rows)
    head_cells = ([_esc(shown.index.name or "")] if index else []) + [
        _esc(c) for c in shown.columns
    ]
    head = "".join(f"<th>{c}</th>" for c in head_cells)
    body: list[str] = []
    for i, (idx, row) in enumerate(zip(shown.index, shown.itertuples(index=False))):
        cells = [f"<th>{_esc(idx)}</th>"] if index else []
        for col, value in zip(shown.columns, row):
            classes = []
            if _is_number(value):
                classes.append("num")
            if col in ("weight", "tf_weight"):
                classes.append("w")
            cls = f' class="{" ".join(classes)}"' if classes else ""
            cells.append(f"<td{cls}>{_esc(_fmt(value))}</td>")
        rc = f' class="{_esc(row_class[i])}"' if row_class is not None else ""
        body.append(f"<tr{rc}>{''.join(cells)}</tr>")
    tid = f' id="{_esc(table_id)}"' if table_id else ""
    more = ""
    if max_rows is not None and len(frame) > max_rows:
        more = f'<p class="note">First {max_rows:,} of {len(frame):,} rows.</p>'
    return (
        f'<div class="scroll"><table{tid}><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>{more}"
    )


def _chart(build: Any, element_id: str, *args: Any) -> str:
    """Render a chart function's figure to an inline SVG block, or a note on failure."""
    try:
        from migrant_records.explain.charts import figure_to_svg

        fig: Figure = build(*args)
        svg = figure_to_svg(fig, id_prefix=f"{element_id}-")
    except ImportError:
        return (
            f'<p class="note" id="{_esc(element_id)}">Charts need matplotlib: '
            'pip install "migrant-records[plot]".</p>'
        )
    return f'<div class="chart" id="{_esc(element_id)}">{svg}</div>'


def _section(section_id: str, title: str, body: str) -> str:
    return f'<section id="{_esc(section_id)}"><h2>{_esc(title)}</h2>{body}</section>'


def _missing(what: str) -> str:
    return f'<p class="note">No {_esc(what)} given.</p>'


# ---------------------------------------------------------------------------- sections
def _summary(summary: Mapping[str, object]) -> str:
    cards = []
    for key, value in summary.items():
        if isinstance(value, Mapping):
            continue
        label = str(key).replace("_", " ")
        cards.append(
            f'<div class="card"><div class="value">{_esc(_fmt(value))}</div>'
            f'<div class="label">{_esc(label)}</div></div>'
        )
    if not cards:
        return _section("summary", "Summary", _missing("summary"))
    return _section("summary", "Summary", f'<div class="cards">{"".join(cards)}</div>')


def _rejects(rejects: pd.DataFrame | None) -> str:
    if rejects is None:
        return _section("rejects", "Rejected rows", _missing("rejects table"))
    if rejects.empty:
        return _section("rejects", "Rejected rows", '<p class="note">No rows were rejected.</p>')
    reason_col = next((c for c in _REASON_COLUMNS if c in rejects.columns), None)
    if reason_col is None:
        reason_col = next((c for c in rejects.columns if "reason" in str(c).lower()), None)
    noun = "row was" if len(rejects) == 1 else "rows were"
    parts = [f'<p class="note">{len(rejects):,} input {noun} rejected.</p>']
    if reason_col is not None:
        counts = (
            rejects[reason_col]
            .astype(object)
            .fillna("(none)")
            .astype(str)
            .value_counts()
            .rename_axis("reason")
            .reset_index(name="rows")
        )
        parts.append("<h3>By reason</h3>" + _table(counts, table_id="rejects-by-reason"))
    parts.append("<h3>First rows</h3>" + _table(rejects, max_rows=20, table_id="rejects-rows"))
    return _section("rejects", "Rejected rows", "".join(parts))


def _blocking(blocking: pd.DataFrame | None) -> str:
    if blocking is None or blocking.empty:
        return _section("blocking", "Blocking", _missing("blocking counts"))
    from migrant_records.explain.charts import blocking_chart

    body = _table(blocking, max_rows=None, table_id="blocking-table")
    body += _chart(blocking_chart, "blocking-chart", blocking)
    return _section("blocking", "Blocking: candidate pairs per pass", body)


def _parameters(parameters: pd.DataFrame | None) -> str:
    if parameters is None or parameters.empty:
        return _section("parameters", "Model parameters", _missing("model parameters"))
    from migrant_records.explain.charts import m_u_chart

    body = _table(parameters, max_rows=None, table_id="parameters-table")
    needed = {"comparator", "level", "label", "m", "u"}
    if needed <= set(parameters.columns):
        body += _chart(m_u_chart, "m-u-chart", parameters)
    return _section("parameters", "Model parameters (m and u per comparison level)", body)


def _histogram(match_weight: np.ndarray | None, threshold_weight: float | None) -> str:
    if match_weight is None:
        return _section("weights", "Match weights", _missing("match weights"))
    from migrant_records.explain.charts import weight_histogram

    note = ""
    if threshold_weight is not None:
        note = (
            f'<p class="note">Pairs at or above match weight {threshold_weight:.2f} '
            "(dashed line) are joined.</p>"
        )
    chart = _chart(weight_histogram, "weight-histogram", match_weight, threshold_weight)
    return _section("weights", "Match weights", note + chart)


def _uncertain(uncertain: Sequence[tuple[Mapping[str, object], pd.DataFrame]]) -> str:
    if not uncertain:
        return _section("uncertain-pairs", "Most uncertain pairs", _missing("uncertain pairs"))
    from migrant_records.explain.charts import waterfall

    parts = [
        '<p class="note">The pairs the model is least sure about, with how each comparison '
        "moved the match weight. Review these first.</p>"
    ]
    for n, (info, explanation) in enumerate(uncertain, start=1):
        left, right = info.get("left", ""), info.get("right", "")
        prob = info.get("match_probability")
        badge = f' <span class="prob">p = {_esc(_fmt(prob))}</span>' if prob is not None else ""
        extra = {k: v for k, v in info.items() if k not in ("left", "right")}
        details = " · ".join(f"{_esc(k)}: {_esc(_fmt(v))}" for k, v in extra.items())
        shown = [
            c
            for c in (
                "comparator",
                "value_l",
                "value_r",
                "level",
                "label",
                "m",
                "u",
                "weight",
                "tf_weight",
                "probability",
            )
            if c in explanation.columns
        ]
        raw_weights = (
            explanation["weight"]
            if "weight" in explanation.columns
            else pd.Series(0.0, index=explanation.index)
        )
        weights = pd.to_numeric(raw_weights, errors="coerce")
        classes = ["pos" if w > 0 else "neg" if w < 0 else "" for w in weights.fillna(0)]
        parts.append(
            f'<article class="pair" id="pair-{n}"><h3>{_esc(left)} ↔ {_esc(right)}{badge}</h3>'
            f'<p class="note">{details}</p>'
            + _table(explanation[shown], max_rows=None, row_class=classes)
            + _chart(waterfall, f"waterfall-{n}", explanation)
            + "</article>"
        )
    return _section("uncertain-pairs", "Most uncertain pairs", "".join(parts))


def _overlap_table(overlap: pd.DataFrame) -> str:
    values = overlap.to_numpy(dtype=float)
    top = float(values.max()) if values.size else 0.0
    head = "".join(f"<th>{_esc(c)}</th>" for c in overlap.columns)
    rows = []
    for name, row in zip(overlap.index, values):
        cells = []
        for v in row:
            alpha = 0.08 + 0.6 * (v / top) if top > 0 and v > 0 else 0.0
            style = f' style="background:rgba(21,101,192,{alpha:.2f})"' if alpha else ""
            cells.append(f'<td class="num"{style}>{_esc(_fmt(v))}</td>')
        rows.append(f"<tr><th>{_esc(name)}</th>{''.join(cells)}</tr>")
    return (
        f'<div class="scroll"><table id="programme-overlap"><thead><tr><th></th>{head}</tr>'
        f"</thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def _programmes(overview: ProgrammeOverview | None) -> str:
    if overview is None:
        return _section("programmes", "Programmes", _missing("programme participation table"))
    cards = [
        f'<div class="card"><div class="value">{_esc(_fmt(overview.total_persons))}</div>'
        '<div class="label">persons in programmes</div></div>'
    ]
    for row in overview.headlines.itertuples(index=False):
        value = "n/a" if _is_missing(row.persons) else _fmt(row.persons)
        cards.append(
            f'<div class="card" title="{_esc(row.description)}"><div class="value">'
            f'{_esc(value)}</div><div class="label text">{_esc(row.description)}</div></div>'
        )
    body = f'<div class="cards" id="programme-headlines">{"".join(cards)}</div>'
    body += (
        "<h3>Unique persons per programme type and ministry</h3>"
        '<p class="note">records = what summing each ministry\'s lists gives; persons = '
        "counted once; double counted = the difference.</p>"
        + _table(overview.persons, max_rows=None, table_id="programme-persons")
    )
    body += "<h3>Per ministry</h3>" + _table(overview.by_ministry, max_rows=None)
    body += "<h3>Overlaps between programme types (persons in both)</h3>" + _overlap_table(
        overview.overlap
    )
    for note in [*overview.notes] + (
        [f"{overview.unmatched:,} programme rows refer to records outside the person index."]
        if overview.unmatched
        else []
    ):
        body += f'<p class="note">{_esc(note)}</p>'
    return _section("programmes", "Programmes counted once per person", body)


# ---------------------------------------------------------------------------- main
def write_report(
    path: str | Path,
    *,
    title: str = "migrant-records report",
    summary: Mapping[str, object] | None = None,
    rejects: pd.DataFrame | None = None,
    blocking: pd.DataFrame | None = None,
    parameters: pd.DataFrame | None = None,
    match_weight: np.ndarray | None = None,
    threshold_weight: float | None = None,
    uncertain: Sequence[tuple[Mapping[str, object], pd.DataFrame]] = (),
    programme_overview: ProgrammeOverview | None = None,
    changes: ChangeSet | None = None,
) -> Path:
    """Write one self-contained HTML report.

    Args:
        path: Output ``.html`` file (parent folders are created).
        title: Page title.
        summary: Counts shown as cards (nested mappings are skipped).
        rejects: Rejected input rows; counted by their ``reason`` column.
        blocking: Candidate pairs per blocking pass: ``pass, pairs`` and optionally ``new``.
        parameters: Model parameters per comparator level (``comparator, level, label, m,
            u``, ...).
        match_weight: Match weights of all scored pairs, for the histogram.
        threshold_weight: The clustering threshold as a match weight.
        uncertain: ``(info, explanation)`` per pair to show: ``info`` holds ``left``,
            ``right`` (record names), ``match_probability`` and anything else worth showing;
            ``explanation`` is the frame of ``MatchResult.explain`` (see
            :mod:`migrant_records.explain.charts` for its format).
        programme_overview: Programme counts and overlaps.
        changes: For a person index, one run's change set: adds the section ``changes``
            ("Changes since last run", see :mod:`migrant_records.explain.changes`).

    Returns:
        The path written.

    Example:
        ``write_report("out/report.html", title="Run 1", summary={"records": 1200})``
    """
    out = Path(path)
    sections = [
        _summary(summary or {}),
        _rejects(rejects),
        _blocking(blocking),
        _parameters(parameters),
        _histogram(match_weight, threshold_weight),
        _uncertain(uncertain),
        _programmes(programme_overview),
    ]
    if changes is not None:
        from migrant_records.explain.changes import changes_section

        sections.insert(1, changes_section(changes))
    nav_items: tuple[tuple[str, str], ...] = (
        ("summary", "Summary"),
        ("rejects", "Rejects"),
        ("blocking", "Blocking"),
        ("parameters", "Model"),
        ("weights", "Weights"),
        ("uncertain-pairs", "Uncertain pairs"),
        ("programmes", "Programmes"),
    )
    if changes is not None:
        nav_items = (nav_items[0], ("changes", "Changes"), *nav_items[1:])
    nav = "".join(f'<a href="#{i}">{_esc(label)}</a>' for i, label in nav_items)
    document = (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_esc(title)}</title><style>{_CSS}</style></head>"
        f'<body><header><h1 id="report-title">{_esc(title)}</h1>'
        "<p>Person index report: who is who across ministry datasets, how sure, and why.</p>"
        f"</header><nav>{nav}</nav><main>{''.join(sections)}</main></body></html>\n"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(document, encoding="utf-8")
    logger.info("wrote report %s (%d bytes)", out, len(document))
    return out


def write_result_report(
    result: MatchResult,
    path: str | Path,
    *,
    participations: pd.DataFrame | None = None,
    placements: pd.DataFrame | None = None,
    programmes: pd.DataFrame | None = None,
    n_uncertain: int = 8,
) -> Path:
    """Write the report of a :class:`~migrant_records.result.MatchResult`.

    Args:
        result: The matching result.
        path: Output ``.html`` file.
        participations: Optional participation table: adds the programme overview.
        placements: Optional placement table for the programme overview.
        programmes: Optional programme table for the programme overview.
        n_uncertain: How many pairs closest to the threshold to explain.

    Returns:
        The path written.
    """
    uncertain = []
    top = result.uncertain_pairs(n_uncertain) if result.model is not None else result.pairs[:0]
    for k in range(len(top)):
        row = top.iloc[k]
        left = (str(row["source_l"]), str(row["record_id_l"]))
        right = (str(row["source_r"]), str(row["record_id_r"]))
        info: dict[str, object] = {
            "left": f"{left[0]}:{left[1]}",
            "right": f"{right[0]}:{right[1]}",
            "match_probability": float(top["match_probability"].iloc[k]),
            "match_weight": float(top["match_weight"].iloc[k]),
        }
        uncertain.append((info, result.explain(left, right)))
    overview = None
    if participations is not None:
        overview = result.programme_overview(
            participations, placements=placements, programmes=programmes
        )
    blocking = pd.DataFrame(
        {"pass": list(result.pass_counts), "pairs": list(result.pass_counts.values())}
    )
    summary = result.summary()
    summary_flat = {k: v for k, v in summary.items() if not isinstance(v, dict)}
    summary_flat.update({f"source {k}": v for k, v in summary["sources"].items()})
    return write_report(
        path,
        title="migrant-records: person index report",
        summary=summary_flat,
        rejects=result.rejects,
        blocking=blocking,
        parameters=result.parameters(),
        match_weight=result.match_weight,
        threshold_weight=result.threshold_weight,
        uncertain=uncertain,
        programme_overview=overview,
    )
