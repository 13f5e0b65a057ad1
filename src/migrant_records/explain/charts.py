"""Charts that explain a match: weight histogram, m/u parameters, blocking, waterfall.

Every function returns a :class:`matplotlib.figure.Figure` drawn with the Agg canvas (no
GUI, no global pyplot state), so it works on servers and shows in notebooks.
:func:`figure_to_svg` and :func:`figure_to_data_uri` turn a figure into text for HTML.

matplotlib is the ``plot`` extra: ``pip install "migrant-records[plot]"``.

Explanation frame (input of :func:`waterfall`): one row per step, in order:

- first row ``comparator="prior"``: ``weight`` is the prior match weight (log2 of the prior
  odds);
- one row per comparator: ``value_l``, ``value_r`` (the compared values), ``level`` (int,
  ``-1`` = null), ``label`` (the level's label), ``weight`` (log2 m/u of that level, 0 for
  null) and ``tf_weight`` (the term-frequency adjustment, 0 or missing when none);
- optionally a last row ``comparator="total"`` whose ``weight`` is the sum (the final
  match weight) and ``probability`` the match probability. When absent it is computed.

Other columns (``columns``, ``m``, ``u``) are allowed and ignored here.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from migrant_records.errors import SchemaError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "blocking_chart",
    "figure_to_data_uri",
    "figure_to_svg",
    "m_u_chart",
    "waterfall",
    "weight_histogram",
]

POSITIVE = "#2e7d32"
NEGATIVE = "#c62828"
NEUTRAL = "#78909c"
ACCENT = "#1565c0"
TF = "#f9a825"


def _new_figure(width: float, height: float) -> Figure:
    """A Figure on an Agg canvas; a clear ImportError when matplotlib is missing."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:  # pragma: no cover - exercised without matplotlib only
        raise ImportError(
            "Charts need matplotlib, the 'plot' extra: pip install \"migrant-records[plot]\""
        ) from exc
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _style(ax: Axes) -> None:
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)
    ax.grid(axis="x", color="#e0e0e0", linewidth=0.6)
    ax.set_axisbelow(True)


def weight_histogram(
    match_weight: np.ndarray | pd.Series | list[float],
    threshold_weight: float | None = None,
    ax: Axes | None = None,
    *,
    bins: int = 60,
) -> Figure:
    """Histogram of match weights (log scale counts) with the threshold marked.

    Pairs below the threshold are grey, those at or above it green: a good model shows two
    humps (non-matches on the left, matches on the right) with few pairs between.

    Args:
        match_weight: Match weights of the scored pairs (log2 odds).
        threshold_weight: The clustering threshold as a match weight (a vertical line).
        ax: Draw into these axes instead of a new figure.
        bins: Number of bins.

    Returns:
        The figure (the axes' figure when ``ax`` is given).

    Example:
        >>> fig = weight_histogram([-8.0, -7.5, 10.2, 12.0], threshold_weight=0.0)
        >>> fig.axes[0].get_xlabel()
        'match weight (log2 odds)'
    """
    weights = np.asarray(match_weight, dtype=float)
    weights = weights[np.isfinite(weights)]
    if ax is None:
        fig = _new_figure(7.5, 3.4)
        ax = fig.add_subplot()
    else:
        fig = ax.figure  # type: ignore[assignment]
    _style(ax)
    if len(weights) == 0:
        ax.text(0.5, 0.5, "no scored pairs", ha="center", va="center", transform=ax.transAxes)
    else:
        lo, hi = float(weights.min()), float(weights.max())
        if threshold_weight is not None:
            lo, hi = min(lo, threshold_weight), max(hi, threshold_weight)
        if hi - lo < 1e-9:
            lo, hi = lo - 0.5, hi + 0.5
        counts, edges = np.histogram(weights, bins=bins, range=(lo, hi))
        centres = edges[:-1]
        widths = np.diff(edges)
        above = (
            edges[:-1] >= threshold_weight
            if threshold_weight is not None
            else np.zeros(len(counts), bool)
        )
        colors = np.where(above, POSITIVE, NEUTRAL)
        ax.bar(centres, counts, width=widths, align="edge", color=colors, edgecolor="white")
        if counts.max() > 50 * max(1, np.median(counts[counts > 0])):
            ax.set_yscale("log")
    if threshold_weight is not None:
        ax.axvline(threshold_weight, color=NEGATIVE, linestyle="--", linewidth=1.2)
        ax.annotate(
            f"threshold {threshold_weight:.1f}",
            xy=(threshold_weight, 1),
            xycoords=("data", "axes fraction"),
            xytext=(4, -12),
            textcoords="offset points",
            color=NEGATIVE,
            fontsize=8,
        )
    ax.set_xlabel("match weight (log2 odds)")
    ax.set_ylabel("pairs")
    ax.set_title(f"Match weights of {len(weights):,} scored pairs", fontsize=10, loc="left")
    return fig


def m_u_chart(parameters: pd.DataFrame) -> Figure:
    """m and u probabilities, and the resulting weight, per comparator level.

    Args:
        parameters: One row per comparator level with columns ``comparator, level, label,
            m, u`` (other columns are ignored).

    Returns:
        A figure with three panels sharing the level axis: m (probability of the level
        among matches), u (among non-matches) and the match weight log2(m/u).

    Raises:
        SchemaError: When a column is missing.
    """
    missing = [c for c in ("comparator", "level", "label", "m", "u") if c not in parameters]
    if missing:
        raise SchemaError(f"parameters lack column(s) {', '.join(missing)}.")
    order = pd.factorize(parameters["comparator"])[0]
    params = (
        parameters.assign(_order=order, _level=-pd.to_numeric(parameters["level"]))
        .sort_values(["_order", "_level"], kind="stable")
        .drop(columns=["_order", "_level"])
        .reset_index(drop=True)
    )
    n = len(params)
    fig = _new_figure(9.0, max(2.0, 0.24 * n + 1.2))
    if n == 0:
        ax = fig.add_subplot()
        ax.text(0.5, 0.5, "no model parameters", ha="center", va="center")
        ax.set_axis_off()
        return fig
    axes = fig.subplots(1, 3, sharey=True)
    y = np.arange(n)[::-1]
    names = [f"{c}: {lab}" for c, lab in zip(params["comparator"], params["label"])]
    m = params["m"].to_numpy(dtype=float)
    u = params["u"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.log2(m / u)
    w = np.where(np.isfinite(w), w, np.nan)
    comp_codes = pd.factorize(params["comparator"])[0]
    band = comp_codes % 2 == 0
    for ax, values, title, color in (
        (axes[0], m, "m (matches)", POSITIVE),
        (axes[1], u, "u (non-matches)", NEUTRAL),
    ):
        _style(ax)
        ax.barh(y, values, color=color, height=0.7)
        ax.set_xlim(0, 1)
        ax.set_title(title, fontsize=10, loc="left")
    _style(axes[2])
    axes[2].barh(y, np.nan_to_num(w), color=np.where(w >= 0, POSITIVE, NEGATIVE), height=0.7)
    axes[2].axvline(0, color="#616161", linewidth=0.8)
    axes[2].set_title("weight log2(m/u)", fontsize=10, loc="left")
    for ax in axes:
        for yi, shaded in zip(y, band):
            if shaded:
                ax.axhspan(yi - 0.5, yi + 0.5, color="#f5f5f5", zorder=0)
    axes[0].set_yticks(y, names, fontsize=8)
    axes[0].set_ylim(-0.6, n - 0.4)
    return fig


def blocking_chart(pass_counts: Mapping[str, int] | pd.DataFrame) -> Figure:
    """Candidate pairs produced by each blocking pass.

    Args:
        pass_counts: ``{pass name: pairs}``, or a frame with columns ``pass, pairs`` and
            optionally ``new`` (pairs not already found by an earlier pass).

    Returns:
        A horizontal bar chart, one bar per pass (new pairs drawn darker when given).

    Raises:
        SchemaError: When a frame lacks ``pass`` or ``pairs``.
    """
    if isinstance(pass_counts, pd.DataFrame):
        missing = [c for c in ("pass", "pairs") if c not in pass_counts]
        if missing:
            raise SchemaError(f"blocking table lacks column(s) {', '.join(missing)}.")
        names = pass_counts["pass"].astype(str).tolist()
        pairs = pass_counts["pairs"].to_numpy(dtype=float)
        new = pass_counts["new"].to_numpy(dtype=float) if "new" in pass_counts else None
    else:
        names = [str(k) for k in pass_counts]
        pairs = np.asarray(list(pass_counts.values()), dtype=float)
        new = None
    fig = _new_figure(7.5, max(1.8, 0.4 * len(names) + 1.0))
    ax = fig.add_subplot()
    _style(ax)
    y = np.arange(len(names))[::-1]
    ax.barh(y, pairs, color="#90caf9", height=0.65, label="pairs")
    if new is not None:
        ax.barh(y, new, color=ACCENT, height=0.65, label="new pairs")
        ax.legend(fontsize=8, frameon=False, loc="lower right")
    for yi, value in zip(y, pairs):
        ax.annotate(
            f"{int(value):,}",
            xy=(value, yi),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    ax.set_yticks(y, names, fontsize=9)
    ax.set_xlabel("candidate pairs")
    ax.set_title("Candidate pairs per blocking pass", fontsize=10, loc="left")
    if len(pairs):
        ax.set_xlim(0, max(1.0, float(pairs.max())) * 1.15)
    return fig


def _explanation_steps(explanation: pd.DataFrame) -> tuple[pd.DataFrame, float, float | None]:
    missing = [c for c in ("comparator", "weight") if c not in explanation.columns]
    if missing:
        raise SchemaError(
            f"explanation lacks column(s) {', '.join(missing)}; expected the frame of "
            "MatchResult.explain (comparator, value_l, value_r, level, label, weight, tf_weight)."
        )
    frame = explanation.reset_index(drop=True)
    probability: float | None = None
    comp = frame["comparator"].astype(str)
    if len(frame) and comp.iloc[-1] == "total":
        total_row = frame.iloc[-1]
        if "probability" in frame.columns and pd.notna(total_row["probability"]):
            probability = float(total_row["probability"])
        frame = frame.iloc[:-1]
    steps = frame.copy()
    steps["weight"] = pd.to_numeric(steps["weight"], errors="coerce").fillna(0.0)
    tf = steps["tf_weight"] if "tf_weight" in steps else pd.Series(0.0, index=steps.index)
    steps["tf_weight"] = pd.to_numeric(tf, errors="coerce").fillna(0.0)
    total = float(steps["weight"].sum() + steps["tf_weight"].sum())
    return steps, total, probability


def waterfall(explanation: pd.DataFrame) -> Figure:
    """Waterfall of one pair's match weight: prior, each comparator's contribution, total.

    Args:
        explanation: The explanation frame described in this module's docstring (the
            output of ``MatchResult.explain``).

    Returns:
        A figure with one bar per step, starting where the previous ended: green for
        evidence for a match, red against, grey for the prior and no evidence, yellow for
        the term-frequency part, and the total bar from zero.

    Raises:
        SchemaError: When ``comparator`` or ``weight`` is missing.

    Example:
        >>> import pandas as pd
        >>> table = pd.DataFrame({"comparator": ["prior", "name", "dob", "total"],
        ...                       "label": [None, "exact", "different", None],
        ...                       "weight": [-10.0, 12.0, -3.0, -1.0],
        ...                       "tf_weight": [None, 1.0, None, None]})
        >>> len(waterfall(table).axes[0].patches)
        5
    """
    steps, total, probability = _explanation_steps(explanation)
    n = len(steps)
    fig = _new_figure(8.0, max(2.6, 0.42 * (n + 1) + 1.2))
    ax = fig.add_subplot()
    _style(ax)
    labels: list[str] = []
    y_pos = np.arange(n + 1)[::-1]
    running = 0.0
    reach = [0.0, total]
    weights = steps["weight"].to_numpy(dtype=float)
    tfs = steps["tf_weight"].to_numpy(dtype=float)
    for i, row in enumerate(steps.itertuples(index=False)):
        name = str(row.comparator)
        weight = float(weights[i])
        tf = float(tfs[i])
        label = getattr(row, "label", None)
        level = getattr(row, "level", None)
        text = name
        if isinstance(label, str) and label:
            text = f"{name}: {label}"
        labels.append(text)
        yi = y_pos[i]
        if name == "prior" or (level is not None and not pd.isna(level) and int(level) < 0):
            color = NEUTRAL
        else:
            color = POSITIVE if weight >= 0 else NEGATIVE
        ax.barh(yi, weight, left=running, color=color, height=0.65)
        running += weight
        if tf:
            ax.barh(yi, tf, left=running, color=TF, height=0.65, hatch="//", edgecolor="white")
            running += tf
        shown = weight + tf
        reach += [running - shown, running]
        ax.annotate(
            f"{shown:+.2f}",
            xy=(running, yi),
            xytext=(4 if shown >= 0 else -4, 0),
            textcoords="offset points",
            ha="left" if shown >= 0 else "right",
            va="center",
            fontsize=8,
        )
        if i < n - 1:
            ax.plot([running, running], [yi - 0.33, yi - 0.67], color="#9e9e9e", linewidth=0.7)
    labels.append("total")
    ax.barh(y_pos[-1], total, color=ACCENT, height=0.65)
    ptext = f"  p = {probability:.3f}" if probability is not None else ""
    ax.annotate(
        f"{total:+.2f}{ptext}",
        xy=(total, y_pos[-1]),
        xytext=(4 if total >= 0 else -4, 0),
        textcoords="offset points",
        ha="left" if total >= 0 else "right",
        va="center",
        fontsize=8,
        fontweight="bold",
    )
    ax.axvline(0, color="#616161", linewidth=0.8)
    ax.set_yticks(y_pos, labels, fontsize=8)
    ax.set_xlabel("match weight (log2 odds)")
    ax.set_title("How the match weight adds up", fontsize=10, loc="left")
    lo, hi = min(reach), max(reach)
    pad = max(hi - lo, 1.0) * 0.16
    ax.set_xlim(lo - pad, hi + pad)
    return fig


_XML_HEADER = re.compile(r"^\s*<\?xml[^>]*>\s*(<!DOCTYPE[^>]*>\s*)?", re.DOTALL)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
_ID_REF = re.compile(r'(\bid="|url\(#|href="#)')


def figure_to_svg(fig: Figure, *, id_prefix: str | None = None) -> str:
    """The figure as an ``<svg>`` element for inline HTML.

    The XML declaration, DOCTYPE and metadata block are removed, text is drawn as paths
    (no fonts needed) and the output is deterministic. Give each figure of one page its own
    ``id_prefix`` so the element ids of several inline SVGs never collide.

    Args:
        fig: A matplotlib figure.
        id_prefix: Prefix for every element id (and every reference to one) in the SVG.

    Returns:
        The ``<svg ...>...</svg>`` markup.
    """
    import matplotlib

    buffer = io.StringIO()
    salt = id_prefix or "migrant-records"
    with matplotlib.rc_context({"svg.hashsalt": salt, "svg.fonttype": "path"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = _METADATA.sub("", _XML_HEADER.sub("", buffer.getvalue()))
    if id_prefix:
        text = _ID_REF.sub(lambda m: m.group(1) + id_prefix, text)
    return text


def figure_to_data_uri(fig: Figure, *, format: str = "png", dpi: int = 110) -> str:
    """The figure as a ``data:`` URI (base64) for an ``<img src=...>``.

    Args:
        fig: A matplotlib figure.
        format: ``png`` or ``svg``.
        dpi: Resolution for PNG.

    Returns:
        ``data:image/png;base64,...`` (or ``image/svg+xml``).
    """
    buffer = io.BytesIO()
    kwargs: dict[str, Any] = {"format": format}
    if format == "png":
        kwargs["dpi"] = dpi
        kwargs["metadata"] = {"Software": None}
    fig.savefig(buffer, **kwargs)
    mime = "image/svg+xml" if format == "svg" else f"image/{format}"
    return f"data:{mime};base64,{base64.b64encode(buffer.getvalue()).decode('ascii')}"
