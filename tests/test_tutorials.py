"""The tutorials in docs/tutorials/ run as written and reach the results they promise.

Each tutorial is a plain Python file (``# %%`` cells) that the documentation includes
verbatim and that ends with assertions about real results (accuracy against the synthetic
truth, labels respected, a saved model reloading). Running them here keeps the pages honest.
"""

from __future__ import annotations

import runpy
import tempfile
from pathlib import Path

import pytest

TUTORIALS = Path(__file__).resolve().parents[1] / "docs" / "tutorials"
SCRIPTS = sorted(TUTORIALS.glob("*.py"))


def test_every_tutorial_has_a_page() -> None:
    pages = "\n".join(p.read_text(encoding="utf-8") for p in TUTORIALS.glob("*.md"))
    assert len(SCRIPTS) >= 5
    for script in SCRIPTS:
        assert f"docs/tutorials/{script.name}" in pages, f"{script.name} is not included"


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_tutorial_runs(
    script: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if "migrant_records.spark" in script.read_text(encoding="utf-8"):
        pytest.importorskip("pyspark", reason="this tutorial needs the spark extra")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the tutorials' mkdtemp folders
    runpy.run_path(str(script), run_name="__main__")
    assert capsys.readouterr().out.strip(), "a tutorial should show its results"
