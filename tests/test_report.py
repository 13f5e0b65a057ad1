"""The HTML report: one self-contained file with every section, data escaped."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from migrant_records.explain.report import write_report
from migrant_records.golden import programme_overview

EVIL = "<script>alert('x')</script>"


def report_inputs() -> dict[str, Any]:
    """Hand-made inputs for a full report (shared with the browser test)."""
    rng = np.random.default_rng(1)
    explanation = pd.DataFrame(
        {
            "comparator": ["prior", "name", "dob", "nik", "total"],
            "value_l": [None, "siti aminah", "1990-01-01", None, None],
            "value_r": [None, EVIL, "1990-01-10", "3201014101900001", None],
            "level": [None, 2, 0, -1, None],
            "label": [None, "fuzzy", "different", "null", None],
            "m": [None, 0.2, 0.1, None, None],
            "u": [None, 0.01, 0.9, None, None],
            "weight": [-9.0, 4.3, -3.2, 0.0, -6.9],
            "tf_weight": [None, 1.0, None, None, None],
            "probability": [None, None, None, None, 0.008],
        }
    )
    clusters = pd.DataFrame(
        {
            "source": ["KEMENDES", "KEMENKOP", "KEMENDES"],
            "record_id": ["a", "x", "b"],
            "person_id": ["P1", "P1", "P1"],
        }
    )
    parts = pd.DataFrame(
        {
            "source": ["KEMENDES", "KEMENKOP", "KEMENDES"],
            "record_id": ["a", "x", "b"],
            "program_type": ["DESA_MIGRAN_EMAS", "BUSINESS_CAPITAL", "DESA_MIGRAN_EMAS"],
            "ministry": ["KEMENDES", "KEMENKOP", "KEMENDES"],
        }
    )
    return {
        "title": "Run <1> & co",
        "summary": {"records": 12345, "persons": 9876, "threshold": 0.9, "nested": {"a": 1}},
        "rejects": pd.DataFrame(
            {
                "source": ["KP2MI", "KP2MI", "BPS"],
                "row": [3, 9, 1],
                "full_name": [EVIL, "", "Budi"],
                "reason": ["missing full_name", "missing full_name", "duplicate record_id"],
            }
        ),
        "blocking": pd.DataFrame(
            {"pass": ["nik", "name_key+dob"], "pairs": [1200, 5400], "new": [1200, 4100]}
        ),
        "parameters": pd.DataFrame(
            {
                "comparator": ["name", "name", "dob", "dob"],
                "level": [0, 1, 0, 1],
                "label": ["else", "exact", "different", "same"],
                "m": [0.1, 0.9, 0.05, 0.95],
                "u": [0.95, 0.05, 0.9, 0.1],
            }
        ),
        "match_weight": np.r_[rng.normal(-10, 3, 3000), rng.normal(12, 3, 300)],
        "threshold_weight": 3.17,
        "uncertain": [
            (
                {"left": "KP2MI:1", "right": f"BPS:{EVIL}", "match_probability": 0.008},
                explanation,
            )
        ],
        "programme_overview": programme_overview(clusters, parts),
    }


@pytest.fixture(scope="module")
def report_html(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = write_report(
        tmp_path_factory.mktemp("report") / "sub" / "report.html", **report_inputs()
    )
    assert path.exists()
    return path.read_text(encoding="utf-8")


def test_sections_have_stable_ids(report_html: str) -> None:
    for element in (
        "summary",
        "rejects",
        "blocking",
        "blocking-chart",
        "parameters",
        "m-u-chart",
        "weight-histogram",
        "uncertain-pairs",
        "pair-1",
        "waterfall-1",
        "programmes",
        "programme-overlap",
    ):
        assert f'id="{element}"' in report_html, element


def test_summary_cards_and_counts(report_html: str) -> None:
    summary = report_html.split('id="summary"')[1].split("</section>")[0]
    assert "12,345" in summary and "9,876" in summary
    assert "records" in summary and "nested" not in summary


def test_rejects_counted_by_reason(report_html: str) -> None:
    rejects = report_html.split('id="rejects"')[1].split("</section>")[0]
    assert re.search(r"<td>missing full_name</td><td class=\"num\">2</td>", rejects)
    assert "3 input rows were rejected" in rejects


def test_data_is_escaped(report_html: str) -> None:
    assert EVIL not in report_html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in report_html
    assert "<title>Run &lt;1&gt; &amp; co</title>" in report_html


def test_self_contained(report_html: str) -> None:
    lowered = report_html.lower()
    assert "<script" not in lowered
    assert "<link" not in lowered
    assert "@import" not in lowered and "url(http" not in lowered
    assert not re.search(r'(src|href)="(https?:)?//', lowered)
    assert report_html.count("<svg") == 4  # blocking, m/u, histogram, one waterfall


def test_programme_section(report_html: str) -> None:
    section = report_html.split('id="programmes"')[1]
    assert "DESA_MIGRAN_EMAS" in section
    assert "double_counted" in section


def test_missing_inputs_say_so(tmp_path: Path) -> None:
    path = write_report(tmp_path / "empty.html", title="Empty")
    text = path.read_text(encoding="utf-8")
    assert 'id="summary"' in text and 'id="programmes"' in text
    assert "No programme participation table given." in text
    assert "<svg" not in text
