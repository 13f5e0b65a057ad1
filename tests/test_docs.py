"""The documentation site builds in strict mode and documents the whole public API.

``mkdocs build --strict`` fails on any warning: a broken link, a missing snippet (the
tutorials and the benchmark results are included from files), a docstring mkdocstrings
cannot render. The API reference must mention every name that ``migrant_records`` and its
subpackages export.
"""

from __future__ import annotations

import html
import importlib
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import migrant_records

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SUBPACKAGES = (
    "schemas",
    "io",
    "standardize",
    "blocking",
    "compare",
    "model",
    "cluster",
    "golden",
    "evaluate",
    "explain",
    "synth",
    "datasets",
)


def _mkdocs() -> list[str]:
    if importlib.util.find_spec("mkdocs") is None:
        pytest.skip("mkdocs is not installed: pip install -e '.[docs]' to build the docs")
    if (
        importlib.util.find_spec("mkdocstrings") is None
        or importlib.util.find_spec("material") is None
    ):
        pytest.skip("mkdocs-material or mkdocstrings is not installed: pip install -e '.[docs]'")
    return [sys.executable, "-m", "mkdocs"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the site once for this module, in strict mode."""
    command = _mkdocs()
    out = tmp_path_factory.mktemp("site")
    proc = subprocess.run(
        [
            *command,
            "build",
            "--strict",
            "--config-file",
            str(ROOT / "mkdocs.yml"),
            "--site-dir",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=300,
    )
    if proc.returncode != 0:
        lines = [
            ln
            for ln in (proc.stdout + proc.stderr).splitlines()
            if "WARNING" in ln or "ERROR" in ln
        ]
        pytest.fail("mkdocs build --strict failed:\n" + "\n".join(lines or [proc.stderr[-3000:]]))
    return out


def _reference_text(site: Path) -> str:
    pages = sorted((site / "reference").rglob("*.html"))
    assert pages, "the API reference was not built"
    raw = "\n".join(p.read_text(encoding="utf-8") for p in pages)
    return html.unescape(re.sub(r"<[^>]+>", " ", raw))


def _documented(name: str, text: str) -> bool:
    return re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", text) is not None


def test_build_is_clean(site: Path) -> None:
    assert (site / "index.html").is_file()
    assert (site / "reference" / "migrant_records" / "index.html").is_file()
    for page in ("tutorials/dedupe-one-dataset", "data-protection", "benchmarks", "changelog"):
        assert (site / page / "index.html").is_file(), page


def test_top_level_names_are_documented(site: Path) -> None:
    text = _reference_text(site)
    missing = [
        n for n in migrant_records.__all__ if n != "__version__" and not _documented(n, text)
    ]
    assert not missing, (
        f"names exported by migrant_records but absent from the API reference: {missing}"
    )


@pytest.mark.parametrize("package", SUBPACKAGES)
def test_subpackage_names_are_documented(site: Path, package: str) -> None:
    module = importlib.import_module(f"migrant_records.{package}")
    page = site / "reference" / package / "index.html"
    assert page.is_file(), f"no reference page for migrant_records.{package}"
    text = html.unescape(page.read_text(encoding="utf-8"))
    missing = [
        n
        for n in getattr(module, "__all__", [])
        if f'id="migrant_records.{package}.{n}"' not in text
    ]
    assert not missing, f"migrant_records.{package} exports names the reference lacks: {missing}"


def test_tutorial_code_is_shown(site: Path) -> None:
    page = (site / "tutorials" / "dedupe-one-dataset" / "index.html").read_text(encoding="utf-8")
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    assert "mr.read_records(" in text and "pairwise_metrics(" in text
    assert "--8<--" not in text, "a snippet marker leaked into the page"


def test_cli_page_lists_every_subcommand(site: Path) -> None:
    from migrant_records.cli import build_parser

    parser = build_parser()
    subs = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    text = html.unescape((site / "reference" / "cli" / "index.html").read_text(encoding="utf-8"))
    for name in subs.choices:
        assert f"migrant-records {name}" in text, name


def test_every_page_is_in_the_nav() -> None:
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    pages = [
        p.relative_to(DOCS).as_posix()
        for p in DOCS.rglob("*.md")
        if not p.relative_to(DOCS).as_posix().startswith("_")
    ]
    missing = [p for p in pages if p not in config]
    assert not missing, f"pages missing from the nav in mkdocs.yml: {missing}"
