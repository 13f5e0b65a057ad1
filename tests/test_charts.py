"""Charts: figures with the expected content, and their SVG / data-URI forms."""

from __future__ import annotations

import base64

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("matplotlib")

from matplotlib.figure import Figure

from migrant_records.errors import SchemaError
from migrant_records.explain.charts import (
    blocking_chart,
    figure_to_data_uri,
    figure_to_svg,
    m_u_chart,
    waterfall,
    weight_histogram,
)


def explanation() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "comparator": ["prior", "name", "dob", "nik", "total"],
            "value_l": [None, "siti aminah", "1990-01-01", None, None],
            "value_r": [None, "siti aminah", "1990-01-10", "3201014101900001", None],
            "level": [None, 3, 0, -1, None],
            "label": [None, "exact", "different", "null", None],
            "weight": [-10.0, 12.0, -3.0, 0.0, 0.5],
            "tf_weight": [None, 1.5, None, None, None],
            "probability": [None, None, None, None, 0.586],
        }
    )


def parameters() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "comparator": ["name", "name", "name", "dob", "dob"],
            "level": [0, 1, 2, 0, 1],
            "label": ["else", "fuzzy", "exact", "different", "same"],
            "m": [0.05, 0.15, 0.8, 0.1, 0.9],
            "u": [0.9, 0.09, 0.01, 0.95, 0.05],
        }
    )


def test_weight_histogram_marks_threshold() -> None:
    rng = np.random.default_rng(0)
    weights = np.r_[rng.normal(-10, 3, 2000), rng.normal(12, 3, 200)]
    fig = weight_histogram(weights, threshold_weight=2.0, bins=40)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert len(ax.patches) == 40
    assert sum(p.get_height() for p in ax.patches) == len(weights)
    assert any(np.allclose(line.get_xdata(), [2.0, 2.0]) for line in ax.lines)
    assert "2,200" in ax.get_title(loc="left")


def test_weight_histogram_into_given_axes_and_empty() -> None:
    fig = Figure()
    ax = fig.add_subplot()
    assert weight_histogram([], ax=ax) is fig
    assert "no scored pairs" in [t.get_text() for t in ax.texts]


def test_m_u_chart_has_one_row_per_level() -> None:
    fig = m_u_chart(parameters())
    assert len(fig.axes) == 3
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels[0] == "name: exact"  # highest level of the first comparator on top
    assert set(labels) == {
        "name: else",
        "name: fuzzy",
        "name: exact",
        "dob: different",
        "dob: same",
    }
    with pytest.raises(SchemaError, match="u"):
        m_u_chart(parameters().drop(columns="u"))


def test_blocking_chart_from_mapping_and_frame() -> None:
    fig = blocking_chart({"nik": 1200, "name_key+dob": 5400})
    assert len(fig.axes[0].patches) == 2
    frame = pd.DataFrame({"pass": ["nik", "phone"], "pairs": [10, 20], "new": [10, 5]})
    fig = blocking_chart(frame)
    assert len(fig.axes[0].patches) == 4
    assert {t.get_text() for t in fig.axes[0].get_yticklabels()} == {"nik", "phone"}


def test_waterfall_bars_add_up() -> None:
    fig = waterfall(explanation())
    ax = fig.axes[0]
    # prior, name (+ tf part), dob, nik, total
    assert len(ax.patches) == 6
    total_bar = ax.patches[-1]
    assert total_bar.get_width() == pytest.approx(-10 + 12 + 1.5 - 3)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["prior", "name: exact", "dob: different", "nik: null", "total"]
    assert any("p = 0.586" in t.get_text() for t in ax.texts)


def test_waterfall_without_total_row_and_bad_frame() -> None:
    fig = waterfall(explanation().iloc[:-1].drop(columns=["tf_weight", "probability"]))
    assert fig.axes[0].patches[-1].get_width() == pytest.approx(-1.0)
    with pytest.raises(SchemaError, match="weight"):
        waterfall(pd.DataFrame({"comparator": ["prior"]}))


def test_figure_to_svg_is_inline_and_prefixed() -> None:
    svg = figure_to_svg(waterfall(explanation()), id_prefix="wf1-")
    assert svg.startswith("<svg")
    assert "<?xml" not in svg and "DOCTYPE" not in svg and "<metadata" not in svg
    assert 'id="wf1-figure_1"' in svg
    assert "url(#wf1-" in svg or 'href="#wf1-' in svg
    assert figure_to_svg(waterfall(explanation())) == figure_to_svg(waterfall(explanation()))


def test_figure_to_data_uri_png() -> None:
    uri = figure_to_data_uri(blocking_chart({"nik": 3}))
    assert uri.startswith("data:image/png;base64,")
    assert base64.b64decode(uri.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
