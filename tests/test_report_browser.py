"""The HTML report renders in a real headless Chromium, offline, with visible charts.

Uses Debian's ``/usr/bin/chromium`` through the ``playwright`` package (run
``python tools/ensure_browser.py`` to install it). Skipped when no Chromium can be launched.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("matplotlib")
sync_api = pytest.importorskip("playwright.sync_api")

from migrant_records.explain.report import write_report  # noqa: E402
from migrant_records.golden import programme_overview  # noqa: E402

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str | None:
    for path in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if Path(path).exists():
            return path
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _inputs() -> dict[str, Any]:
    rng = np.random.default_rng(2)
    explanation = pd.DataFrame(
        {
            "comparator": ["prior", "name", "dob", "phone", "total"],
            "value_l": [None, "siti aminah", "1990-01-01", "+6281234567890", None],
            "value_r": [None, "siti aminah binti <ahmad>", "1990-01-10", None, None],
            "level": [None, 2, 0, -1, None],
            "label": [None, "fuzzy", "different", "null", None],
            "weight": [-9.0, 6.1, -2.2, 0.0, -4.1],
            "tf_weight": [None, 1.0, None, None, None],
            "probability": [None, None, None, None, 0.055],
        }
    )
    clusters = pd.DataFrame(
        {"source": ["V", "K", "V"], "record_id": ["a", "x", "b"], "person_id": ["P1", "P1", "P2"]}
    )
    parts = pd.DataFrame(
        {
            "source": ["V", "K", "V"],
            "record_id": ["a", "x", "b"],
            "program_type": ["DESA_MIGRAN_EMAS", "BUSINESS_CAPITAL", "DESA_MIGRAN_EMAS"],
            "ministry": ["KEMENDES", "KEMENKOP", "KEMENDES"],
        }
    )
    return {
        "title": "Person index report",
        "summary": {"records": 4321, "persons": 3210, "matched_pairs": 777},
        "rejects": pd.DataFrame({"row": [4], "reason": ["missing full_name"]}),
        "blocking": pd.DataFrame({"pass": ["nik", "name_key+dob"], "pairs": [900, 4000]}),
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
        "uncertain": [({"left": "V:a", "right": "K:x", "match_probability": 0.055}, explanation)],
        "programme_overview": programme_overview(clusters, parts),
    }


def test_report_renders_offline_in_chromium(tmp_path: Path) -> None:
    executable = _chromium()
    if executable is None:
        pytest.skip("chromium not found; run `python tools/ensure_browser.py` to install it")
    report = write_report(tmp_path / "report.html", **_inputs())
    url = report.resolve().as_uri()
    requests: list[str] = []
    with sync_api.sync_playwright() as p:
        try:
            browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        except Exception as exc:  # pragma: no cover - depends on the machine
            pytest.skip(f"chromium at {executable} could not be launched: {exc}")
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("request", lambda request: requests.append(request.url))
            page.goto(url, wait_until="load")
            summary = page.locator("#summary")
            assert summary.is_visible()
            text = summary.inner_text()
            assert "4,321" in text and "3,210" in text and "777" in text
            assert page.title() == "Person index report"
            for chart_id in ("blocking-chart", "m-u-chart", "weight-histogram", "waterfall-1"):
                box = page.locator(f"#{chart_id} svg").bounding_box()
                assert box is not None, chart_id
                assert box["width"] > 100 and box["height"] > 50, (chart_id, box)
            assert "<ahmad>" in page.locator("#pair-1").inner_text()
            assert page.locator("#programme-overlap").is_visible()
            page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        finally:
            browser.close()
    assert requests == [url], requests
    assert (tmp_path / "report.png").stat().st_size > 10_000
