"""Run the benchmarks and write ``benchmarks/RESULTS.md``.

Sections:

- ``micro``: the micro-benchmarks of ``benchmarks/bench_*.py`` (ingestion, standardisation,
  comparison and blocking throughput, synthetic data generation), each ``run(quick)`` in its
  own process, reported as tables;
- ``compare``: migrant-records against recordlinkage and Splink 5 (DuckDB) on FEBRL 1-3
  (dedupe), FEBRL 4 (link) and synthetic ministry data (10k and 100k records; 1M in full
  mode): seconds per stage, total, peak memory, candidate pairs and pairwise precision,
  recall and F1 computed here, the same way for every library;
- ``cli``: ``migrant-records dedupe`` end to end on the CSV files of ``migrant-records
  generate`` (1.07M records by default) under ``/usr/bin/time``: wall, peak memory and the
  stage breakdown, with an optional baseline source tree run back-to-back
  (``benchmarks/cli_bench.py``). A ``cli``-only run replaces just that section of RESULTS.md.

With ``--keep-earlier``, the ``compare`` section keeps the datasets of the previous report
(from the JSON next to ``--out``) that this run does not measure again, each with the date,
command and load of the run that measured it (listed under the report's date); a dataset
measured now replaces its earlier table.

Usage::

    python benchmarks/run.py --quick                # what `make bench` runs (< 10 minutes)
    python benchmarks/run.py                        # full: adds the 1M-record run
    python benchmarks/run.py --sections compare --datasets febrl1 --sizes 10000
    python benchmarks/run.py --libraries migrant-records,splink --out /tmp/RESULTS.md
    python benchmarks/run.py --sections cli --cli-inputs /tmp/in --cli-baseline /tmp/old/src
    python benchmarks/run.py --sections compare --datasets "" --sizes 1000000 --keep-earlier

Every library and dataset runs in a fresh process (``benchmarks/competitors.py``), so the
peak resident memory reported is that run's own.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import cli_bench  # noqa: E402
from competitors import LIBRARIES  # noqa: E402
from data import DatasetFiles, iso_date, prepare_dataset, read_records  # noqa: E402

OURS = "migrant-records"
AUTO = "migrant-records-auto"
FEBRL = ("febrl1", "febrl2", "febrl3", "febrl4")
MICRO_MODULES = (
    "bench_ingest",
    "bench_standardize",
    "bench_compare",
    "bench_synth",
    "bench_blocking_passes",
    "bench_privacy",
)
STAGES = ("prepare", "blocking", "comparison", "training", "prediction", "clustering")
PACKAGES = ("migrant-records", "recordlinkage", "splink", "duckdb", "pandas", "numpy", "rapidfuzz")
QUICK_SIZES = (10_000, 100_000)
AB_MARKS = ("<!-- section:ab -->", "<!-- /section:ab -->")
"""Markers of the section that ``benchmarks/ab.py`` writes."""
FULL_SIZES = (10_000, 100_000, 1_000_000)


# --------------------------------------------------------------------------- environment
def machine() -> dict[str, str]:
    """CPU model, cores, memory, OS and Python of this machine."""
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024**2:.1f} GiB"
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "CPU": cpu,
        "cores": f"{usable} usable ({os.cpu_count()} logical)",
        "RAM": mem,
        "OS": platform.platform(),
        "Python": platform.python_version(),
    }


def versions() -> dict[str, str]:
    """Installed versions of the libraries compared and their main dependencies."""
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


# --------------------------------------------------------------------------- metrics
@dataclass
class Accuracy:
    """Pairwise accuracy against the truth."""

    precision: float
    recall: float
    f1: float
    tp: int
    predicted: int
    true_pairs: int


def _comb2(counts: np.ndarray) -> int:
    c = counts.astype(np.int64)
    return int((c * (c - 1) // 2).sum())


def _accuracy(tp: int, predicted: int, true_pairs: int) -> Accuracy:
    p = tp / predicted if predicted else 0.0
    r = tp / true_pairs if true_pairs else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return Accuracy(p, r, f1, tp, predicted, true_pairs)


def pair_accuracy(person: np.ndarray, i: np.ndarray, j: np.ndarray) -> Accuracy:
    """Accuracy of predicted matched pairs (record positions) against true person codes.

    Example:
        >>> person = np.array([0, 0, 1, 1])
        >>> a = pair_accuracy(person, np.array([0, 1, 2]), np.array([1, 2, 3]))
        >>> (a.tp, a.predicted, a.true_pairs)
        (2, 3, 2)
    """
    n = len(person)
    lo, hi = np.minimum(i, j).astype(np.int64), np.maximum(i, j).astype(np.int64)
    keep = lo != hi
    codes = np.unique(lo[keep] * n + hi[keep])
    a, b = codes // n, codes % n
    tp = int((person[a] == person[b]).sum())
    return _accuracy(tp, len(codes), _comb2(np.bincount(person)))


def cluster_accuracy(person: np.ndarray, labels: np.ndarray) -> Accuracy:
    """Accuracy of the pairs implied by predicted clusters (all pairs inside a cluster).

    Example:
        >>> a = cluster_accuracy(np.array([0, 0, 1]), np.array([5, 5, 5]))
        >>> (a.tp, a.predicted, a.true_pairs)
        (1, 3, 1)
    """
    _, lab = np.unique(labels, return_inverse=True)
    joint = lab.astype(np.int64) * (int(person.max()) + 1) + person
    _, cell = np.unique(joint, return_counts=True)
    return _accuracy(_comb2(cell), _comb2(np.bincount(lab)), _comb2(np.bincount(person)))


# --------------------------------------------------------------------------- runs
@dataclass
class Run:
    """One library on one dataset."""

    dataset: str
    library: str
    records: int
    status: str
    note: str = ""
    stages: dict[str, float] = field(default_factory=dict)
    total_s: float | None = None
    peak_mib: float | None = None
    candidate_pairs: int | None = None
    pairs: Accuracy | None = None
    clusters: Accuracy | None = None
    wall_s: float = 0.0
    caveat: str = ""
    date: str = ""
    command: str = ""
    load: str = ""


def _worker(
    spec: dict[str, Any], workdir: Path, timeout: float, src: Path | None = None
) -> tuple[dict[str, Any], float]:
    """Run ``competitors.py`` on ``spec`` in a fresh process; the result dict and wall time.

    ``src``: a ``src/`` folder to import ``migrant_records`` from instead of the installed one.
    """
    tag = f"{spec.get('dataset', spec.get('module'))}.{spec['library']}".replace("/", "_")
    spec = {**spec, "out": str(workdir / tag)}
    spec_path = workdir / f"{tag}.spec.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    paths = [str(HERE), *([str(src)] if src is not None else [])]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([*paths, os.environ.get("PYTHONPATH", "")]),
    }
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, str(HERE / "competitors.py"), str(spec_path)],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            cwd=str(HERE.parent),
        )
    except subprocess.TimeoutExpired:
        return {"status": "timeout", "note": f"stopped after {timeout:.0f} s"}, timeout
    wall = time.perf_counter() - t0
    result_path = workdir / f"{tag}.json"
    if not result_path.exists():
        tail = (proc.stderr or "").strip().splitlines()[-1:] or [f"exit code {proc.returncode}"]
        return {"status": "error", "note": f"worker crashed: {tail[0][:300]}"}, wall
    result: dict[str, Any] = json.loads(result_path.read_text(encoding="utf-8"))
    npz = workdir / f"{tag}.npz"
    if npz.exists():
        with np.load(npz) as arrays:
            result["arrays"] = {k: arrays[k] for k in arrays.files}
    return result, wall


def run_comparison(
    files: DatasetFiles,
    libraries: Sequence[str],
    workdir: Path,
    *,
    timeout: float,
    max_pairs: int,
    src: Path | None = None,
    date: str = "",
    command: str = "",
    load: str = "",
) -> list[Run]:
    """Every library on one prepared dataset; accuracy computed here.

    ``src``: a ``src/`` folder to import ``migrant_records`` from instead of the installed one.
    ``date``, ``command``, ``load``: when and how the runs were made, and the machine's load
    then (kept with them in the JSON).
    """
    truth = pd.read_parquet(files.truth_path)
    person = pd.factorize(truth["person_id"].astype(str))[0].astype(np.int64)
    runs = []
    for lib in libraries:
        if lib == AUTO and not files.name.startswith("febrl"):
            continue  # the same run as migrant-records: zero configuration already
        spec = {
            "library": lib,
            "dataset": files.name,
            "task": files.task,
            "n_left": files.n_left,
            "records_path": str(files.records_path),
            "max_pairs": max_pairs,
        }
        _log(f"  {lib:<16} {files.name} ...")
        result, wall = _worker(spec, workdir, timeout, src)
        run = Run(
            dataset=files.name,
            library=lib,
            records=files.n_records,
            status=str(result.get("status", "error")),
            note=str(result.get("note", "")),
            stages={k: float(v) for k, v in (result.get("stages") or {}).items()},
            total_s=result.get("total_s"),
            peak_mib=result.get("peak_rss_mib"),
            candidate_pairs=result.get("candidate_pairs"),
            wall_s=wall,
            caveat=str(result.get("caveat", "")),
            date=date,
            command=command,
            load=load,
        )
        arrays = result.get("arrays") or {}
        if run.status == "ok":
            if "pair_i" in arrays:
                run.pairs = pair_accuracy(person, arrays["pair_i"], arrays["pair_j"])
            if "labels" in arrays:
                run.clusters = cluster_accuracy(person, arrays["labels"])
        f1 = f"F1 {run.pairs.f1:.3f}" if run.pairs else run.note
        total = f"{run.total_s:.1f} s" if run.total_s is not None else run.status
        _log(f"  {lib:<16} {files.name}: {total}, {f1} (wall {wall:.1f} s)")
        runs.append(run)
    return runs


def run_micro(
    modules: Sequence[str], workdir: Path, *, quick: bool, timeout: float
) -> dict[str, dict[str, Any]]:
    """Each available ``bench_*.py`` module's ``run(quick)`` in a fresh process."""
    out: dict[str, dict[str, Any]] = {}
    for module in modules:
        if not (HERE / f"{module}.py").exists():
            out[module] = {"status": "missing", "note": f"benchmarks/{module}.py does not exist"}
            continue
        _log(f"  micro {module} ...")
        spec = {"library": "micro", "module": module, "quick": quick}
        result, wall = _worker(spec, workdir, timeout)
        result["wall_s"] = wall
        out[module] = result
        _log(f"  micro {module}: {result.get('status')} in {wall:.1f} s")
    return out


# --------------------------------------------------------------------------- report
def _fmt_s(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 100 else f"{value:.0f}"


def _fmt_n(value: int | None) -> str:
    return "-" if value is None else f"{int(value):,}"


def _fmt_p(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows]
    return lines


def _flatten(data: Any, prefix: str = "") -> list[tuple[str, str]]:
    if isinstance(data, dict):
        rows: list[tuple[str, str]] = []
        for k, v in data.items():
            rows += _flatten(v, f"{prefix}.{k}" if prefix else str(k))
        return rows
    if isinstance(data, float):
        text = f"{data:,.3f}".rstrip("0").rstrip(".") if abs(data) < 1e6 else f"{data:,.0f}"
    elif isinstance(data, int) and not isinstance(data, bool):
        text = f"{data:,}"
    elif isinstance(data, (list, tuple)):
        text = json.dumps(data, default=str)
        text = text if len(text) <= 120 else text[:117] + "..."
    else:
        text = str(data)
    return [(prefix, text)]


def micro_section(results: dict[str, dict[str, Any]]) -> list[str]:
    """Markdown for the micro-benchmarks."""
    lines = ["## Micro-benchmarks", ""]
    if not results:
        return [*lines, "Not run (section not selected).", ""]
    for module, res in results.items():
        lines += [f"### {module}", ""]
        status = res.get("status")
        if status != "ok":
            lines += [f"Not reported: {status} ({res.get('note', '')}).", ""]
            continue
        doc = _module_summary(module)
        if doc:
            lines += [doc, ""]
        rows = _flatten(res.get("data", {}))
        lines += _md_table(["measure", "value"], [[f"`{k}`", v] for k, v in rows])
        lines += [
            "",
            f"Process wall time {res.get('wall_s', 0):.1f} s, peak RSS "
            f"{res.get('peak_rss_mib', 0):.0f} MiB.",
            "",
        ]
    return lines


def _module_summary(module: str) -> str:
    try:
        text = (HERE / f"{module}.py").read_text(encoding="utf-8")
    except OSError:
        return ""
    if text.startswith('"""'):
        return text[3:].split("\n", 1)[0].strip().rstrip('"')
    return ""


def _dataset_title(files: DatasetFiles) -> str:
    if files.name.startswith("synth_"):
        return f"Synthetic ministry data, {files.n_records:,} records (dedupe)"
    return f"{files.name.upper()} ({files.task}, {files.n_records:,} records)"


def comparison_section(
    datasets: Sequence[DatasetFiles], runs: Sequence[Run], facts: dict[str, dict[str, Any]]
) -> list[str]:
    """Markdown tables: one per dataset, then the ratios, then the caveats."""
    lines = ["## Accuracy and speed: migrant-records, recordlinkage, Splink", ""]
    if not runs:
        return [*lines, "Not run (section not selected).", ""]
    lines += [
        "Seconds per stage, total seconds (inside the worker process, after imports), peak "
        "resident memory of the process up to the end of the library's last stage (reading and "
        "the generic cleaning included), candidate pairs scored, and pairwise precision, recall "
        "and F1 of the pairs predicted at match probability 0.5 (`F1 clusters`: of all pairs "
        "inside the predicted clusters, for libraries that cluster, with their precision `P "
        "clusters` and recall `R clusters`: the person index is judged by these). **Bold**: "
        "best F1 and fastest total of the dataset.",
        "",
        "The synthetic data carries the generator's documented error profile "
        "(`docs/synthetic-data.md`, *How the rates were chosen*): NIK digit substitutions "
        "(1-3% of records) and adjacent transpositions (0.5-2%), most of which leave a valid "
        "NIK, as the numeric keying literature finds substitutions and then transpositions the "
        "most common keying errors; one-edit name typos and letter swaps in short names "
        "(Damerau: about 80% of misspellings are one edit); records with two or three errors "
        "at once (typo + year slip, title + old spelling + year slip, initials + day/month "
        "swap; about 2.4% of eligible records); exact duplicates from imports run twice "
        "(0.5-3% of a source); twins with NIKs one serial apart as hard negatives.",
        "",
    ]
    header = [
        "library",
        "records",
        "candidate pairs",
        *STAGES,
        "total s",
        "peak MiB",
        "precision",
        "recall",
        "F1",
        "P clusters",
        "R clusters",
        "F1 clusters",
    ]
    for files in datasets:
        sub = [r for r in runs if r.dataset == files.name]
        ok = [r for r in sub if r.status == "ok"]
        best_f1 = max((r.pairs.f1 for r in ok if r.pairs), default=None)
        best_cf1 = max((r.clusters.f1 for r in ok if r.clusters), default=None)
        fastest = min((r.total_s for r in ok if r.total_s is not None), default=None)
        rows = []
        for r in sub:
            if r.status != "ok":
                rows.append([r.library, _fmt_n(r.records), f"{r.status}: {r.note}"] + [""] * 14)
                continue
            stages = [_fmt_s(r.stages.get(s)) for s in STAGES]
            total = _fmt_s(r.total_s)
            if r.total_s is not None and r.total_s == fastest:
                total = f"**{total}**"
            f1 = _fmt_p(r.pairs.f1 if r.pairs else None)
            if r.pairs and best_f1 is not None and r.pairs.f1 == best_f1:
                f1 = f"**{f1}**"
            cf1 = _fmt_p(r.clusters.f1 if r.clusters else None)
            if r.clusters and best_cf1 is not None and r.clusters.f1 == best_cf1:
                cf1 = f"**{cf1}**"
            rows.append(
                [
                    r.library,
                    _fmt_n(r.records),
                    _fmt_n(r.candidate_pairs),
                    *stages,
                    total,
                    f"{r.peak_mib:.0f}" if r.peak_mib is not None else "-",
                    _fmt_p(r.pairs.precision if r.pairs else None),
                    _fmt_p(r.pairs.recall if r.pairs else None),
                    f1,
                    _fmt_p(r.clusters.precision if r.clusters else None),
                    _fmt_p(r.clusters.recall if r.clusters else None),
                    cf1,
                ]
            )
        true_pairs = next((r.pairs.true_pairs for r in ok if r.pairs), None)
        extra = f", {true_pairs:,} true pairs" if true_pairs is not None else ""
        lines += [f"### {_dataset_title(files)}{extra}", ""]
        lines += _md_table(header, rows)
        lines += [""]
    lines += ratio_section(datasets, runs)
    lines += caveats(datasets, runs, facts)
    return lines


def ratio_section(datasets: Sequence[DatasetFiles], runs: Sequence[Run]) -> list[str]:
    """migrant-records against each competitor: speed-up, memory ratio, F1 difference."""
    rows = []
    for files in datasets:
        by_lib = {r.library: r for r in runs if r.dataset == files.name}
        ours = by_lib.get(OURS)
        for lib, other in by_lib.items():
            if lib in (OURS, AUTO):
                continue
            if ours is None or ours.status != "ok" or other.status != "ok":
                why = other.status if ours is not None and ours.status == "ok" else "ours n/a"
                rows.append([files.name, lib, why, "", "", ""])
                continue
            speed = (other.total_s or 0) / ours.total_s if ours.total_s else float("nan")
            mem = (ours.peak_mib or 0) / other.peak_mib if other.peak_mib else float("nan")
            df1 = (ours.pairs.f1 if ours.pairs else 0) - (other.pairs.f1 if other.pairs else 0)
            dcf1 = ""
            if ours.clusters and other.clusters:
                dcf1 = f"{ours.clusters.f1 - other.clusters.f1:+.3f}"
            rows.append([files.name, lib, f"{speed:.2f}x", f"{mem:.2f}x", f"{df1:+.3f}", dcf1])
    lines = ["### migrant-records relative to each competitor", ""]
    lines += [
        "`speed-up`: competitor total seconds / migrant-records total seconds (above 1: "
        "migrant-records is faster). `memory`: migrant-records peak / competitor peak. "
        "`F1 diff`: migrant-records F1 minus the competitor's (pairs at 0.5; clusters where "
        "both cluster).",
        "",
    ]
    lines += _md_table(
        ["dataset", "competitor", "speed-up", "memory", "F1 diff", "F1 diff clusters"], rows
    )
    return [*lines, ""]


def caveats(
    datasets: Sequence[DatasetFiles], runs: Sequence[Run], facts: dict[str, dict[str, Any]]
) -> list[str]:
    """Caveats written from what happened in this run."""
    notes = []
    for r in runs:
        if r.status != "ok":
            notes.append(f"{r.library} on {r.dataset} was not measured ({r.status}): {r.note}.")
        elif r.caveat:
            notes.append(f"{r.library} on {r.dataset}: {r.caveat}.")
    splink = [r for r in runs if r.library == "splink" and r.status == "ok"]
    if splink:
        notes.append(
            "Splink blocks and compares inside `predict`, so its blocking and comparison "
            "seconds are part of `prediction`; its `training` includes the comparisons made "
            "for u sampling and EM (as does migrant-records' `training`, which compares "
            "random pairs for u)."
        )
    if any(r.library.startswith("migrant-records") and r.status == "ok" for r in runs):
        notes.append(
            "migrant-records folds exact copies (records equal on every identifying column) "
            "into one record before blocking, so their pairs are never scored and are missing "
            "from its pair columns (`precision`, `recall`, `F1`); its clusters give every copy "
            "its record's person, so the cluster columns count them. The person index is "
            "judged by the cluster columns."
        )
    rl_runs = [r for r in runs if r.library == "recordlinkage" and r.status == "ok"]
    if rl_runs:
        notes.append(
            "recordlinkage runs single-threaded (its `Compare` default), Splink's DuckDB and "
            "migrant-records' rapidfuzz use the machine's cores; recordlinkage does not "
            "cluster, so only its pairs are scored."
        )
    for files in datasets:
        fact = facts.get(files.name, {})
        if "date_parse_rate" in fact and fact["date_parse_rate"] < 0.99:
            notes.append(
                f"{files.name}: the generic preprocessing parsed "
                f"{fact['date_parse_rate']:.1%} of the non-empty birth dates (the rest, in "
                "formats like Excel serials or Indonesian month names, became missing for "
                "every library, migrant-records included; NIKs still carry a birth date that "
                "only migrant-records decodes)."
            )
    ours = [r for r in runs if r.library == OURS and r.status == "ok"]
    if ours:
        notes.append(
            "migrant-records' `prepare` includes its own standardisation (names, NIK, "
            "phones, dates, regions) on top of the generic cleaning all libraries share."
        )
    notes.append(
        "Timings are from one run on a shared machine; differences below about 10% are noise. "
        "Peak memory includes the Python interpreter and imported libraries."
    )
    lines = ["### Caveats", ""]
    lines += [f"- {n}" for n in notes]
    return [*lines, ""]


def write_report(
    out: Path,
    *,
    command: str,
    started: dt.datetime,
    seconds: float,
    micro: dict[str, dict[str, Any]],
    datasets: Sequence[DatasetFiles],
    runs: Sequence[Run],
    facts: dict[str, dict[str, Any]],
    cli: dict[str, Any] | None = None,
    load: str = "",
    kept: Sequence[Run] = (),
) -> None:
    """Write RESULTS.md (and the raw numbers next to it as JSON).

    The CLI section of an earlier report is kept when ``cli`` is ``None``, and so is the A/B
    section of ``benchmarks/ab.py``. ``kept``: the runs among ``runs`` taken from an earlier
    report (``--keep-earlier``), named under the date with their own date and command.
    """
    previous = out.read_text(encoding="utf-8") if out.exists() else ""
    previous_raw: dict[str, Any] = {}
    if out.with_suffix(".json").exists():
        previous_raw = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    lines = [
        "# Benchmark results",
        "",
        "Written by `benchmarks/run.py`; do not edit by hand. See `benchmarks/README.md` for "
        "what each section measures.",
        "",
        f"- Date: {started:%Y-%m-%d %H:%M} UTC",
        f"- Command: `{command}`",
        f"- Harness wall time: {seconds / 60:.1f} min",
        *([f"- Load: {load}"] if load else []),
        *_kept_lines(kept),
        "",
        "## Machine",
        "",
    ]
    lines += _md_table(["", ""], [[k, v] for k, v in machine().items()])
    lines += ["", "## Library versions", ""]
    lines += _md_table(["package", "version"], [[k, v] for k, v in versions().items()])
    lines += [""]
    lines += micro_section(micro)
    lines += comparison_section(datasets, runs, facts)
    lines += cli_bench.cli_section(cli) if cli else cli_bench.existing_section(previous)
    lines += cli_bench.existing_section(previous, *AB_MARKS)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
    raw = {
        "command": command,
        "date": started.isoformat(),
        "machine": machine(),
        "versions": versions(),
        "micro": micro,
        "datasets": [
            {k: getattr(f, k) for k in ("name", "task", "n_records", "n_left")} for f in datasets
        ],
        "facts": facts,
        "runs": [
            {
                **{k: v for k, v in r.__dict__.items() if k not in ("pairs", "clusters")},
                "pairs": None if r.pairs is None else r.pairs.__dict__,
                "clusters": None if r.clusters is None else r.clusters.__dict__,
            }
            for r in runs
        ],
        "cli": cli if cli else previous_raw.get("cli"),
    }
    out.with_suffix(".json").write_text(json.dumps(raw, indent=1, default=str), encoding="utf-8")


def _load_line() -> str:
    """The 1-minute load average now, as a sentence."""
    if not hasattr(os, "getloadavg"):
        return ""
    return f"1-minute load average at the start {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"


def _stamp(when: dt.datetime) -> str:
    return f"{when:%Y-%m-%d %H:%M} UTC"


def _kept_lines(kept: Sequence[Run]) -> list[str]:
    """Header lines naming the datasets kept from earlier runs, with their date and command."""
    groups: dict[tuple[str, str, str], list[str]] = {}
    for r in kept:
        names = groups.setdefault((r.date, r.command, r.load), [])
        if r.dataset not in names:
            names.append(r.dataset)
    return [
        f"- Kept from an earlier run (`--keep-earlier`): {', '.join(names)}, measured {date} "
        f"with `{command}`" + (f" ({load})" if load else "")
        for (date, command, load), names in groups.items()
    ]


def _dataset_order(name: str) -> tuple[int, int, str]:
    """FEBRL sets first, then synthetic data by size, then anything else."""
    if name.startswith("synth_") and name[len("synth_") :].isdigit():
        return (1, int(name[len("synth_") :]), name)
    return (0 if name.startswith("febrl") else 2, 0, name)


def _run_from_raw(item: dict[str, Any], date: str, command: str) -> Run:
    """A :class:`Run` back from the JSON of a report (older reports lack date and command)."""
    known = {f.name for f in dataclasses.fields(Run)} - {"pairs", "clusters"}
    run = Run(**{k: v for k, v in item.items() if k in known})
    run.pairs = Accuracy(**item["pairs"]) if item.get("pairs") else None
    run.clusters = Accuracy(**item["clusters"]) if item.get("clusters") else None
    run.date = run.date or date
    run.command = run.command or command
    return run


def earlier_comparison(
    raw_path: Path, measured: set[str], cache: Path
) -> tuple[list[DatasetFiles], list[Run], dict[str, dict[str, Any]]]:
    """Datasets, runs and facts of the report at ``raw_path`` not in ``measured``.

    Reports written before the JSON held its datasets and facts: the task is ``link`` for
    ``febrl4`` and ``dedupe`` otherwise, and the facts are computed again from the dataset
    rebuilt into ``cache`` when it has the same number of records.
    """
    if not raw_path.exists():
        return [], [], {}
    raw = json.loads(raw_path.read_text(encoding="utf-8"))
    when = raw.get("date", "")
    date = _stamp(dt.datetime.fromisoformat(when)) if when else ""
    runs = [
        _run_from_raw(item, date, str(raw.get("command", "")))
        for item in raw.get("runs", [])
        if item["dataset"] not in measured
    ]
    stored = {d["name"]: d for d in raw.get("datasets", [])}
    facts: dict[str, dict[str, Any]] = dict(raw.get("facts") or {})
    datasets = []
    for name in dict.fromkeys(r.dataset for r in runs):
        records = next(r.records for r in runs if r.dataset == name)
        info = stored.get(name) or {
            "name": name,
            "task": "link" if name == "febrl4" else "dedupe",
            "n_records": records,
            "n_left": records,
        }
        datasets.append(
            DatasetFiles(
                name=name,
                task=str(info["task"]),
                records_path=Path(),
                truth_path=Path(),
                n_records=int(info["n_records"]),
                n_left=int(info["n_left"]),
                build_seconds=0.0,
            )
        )
        if name not in facts:
            files = prepare_dataset(name, cache)
            if files.n_records == records:
                facts[name] = _dataset_facts(files)
    return datasets, runs, {k: v for k, v in facts.items() if k not in measured}


# --------------------------------------------------------------------------- main
def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _dataset_facts(files: DatasetFiles) -> dict[str, Any]:
    raw = read_records(files.records_path)["birth_date"]
    filled = raw.notna() & (raw.astype("string").str.strip() != "")
    parsed = iso_date(raw[filled]).notna()
    return {"date_parse_rate": float(parsed.mean()) if len(parsed) else 1.0}


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options (see ``--help``)."""
    p = argparse.ArgumentParser(
        prog="benchmarks/run.py",
        description="Benchmark migrant-records against recordlinkage and Splink; write RESULTS.md.",
    )
    p.add_argument("--quick", action="store_true", help="10k and 100k synthetic records only")
    p.add_argument(
        "--sections",
        default="micro,compare",
        help="comma-separated sections to run: micro, compare, cli (default: micro,compare)",
    )
    p.add_argument("--cli-inputs", type=Path, default=None, help="folder of CSV inputs (cli)")
    p.add_argument(
        "--cli-people",
        type=int,
        default=695_000,
        help="people generated into the cli inputs (695,000: about 1.07M records); generated "
        "into the cache when --cli-inputs is not given",
    )
    p.add_argument("--cli-seed", type=int, default=20260101, help="seed of those inputs")
    p.add_argument("--cli-baseline", type=Path, default=None, help="baseline src/ folder (cli)")
    p.add_argument(
        "--cli-current", type=Path, default=None, help="src/ folder of the code measured as 'after'"
    )
    p.add_argument("--cli-label", default="", help="what the baseline and current code are")
    p.add_argument(
        "--cli-splink",
        action="store_true",
        help="also run Splink (DuckDB) on the same CSV files (cli; needs the bench extra)",
    )
    p.add_argument(
        "--cli-concurrent",
        action="store_true",
        help="run the baseline and the current code at the same time (same load for both)",
    )
    p.add_argument(
        "--cli-rerender",
        action="store_true",
        help="no new measurement: render the last cli section again with the --cli-note notes",
    )
    p.add_argument(
        "--cli-note",
        action="append",
        default=[],
        help="a sentence for the cli section (load, Splink figure not rerun); repeatable",
    )
    p.add_argument(
        "--sizes",
        default=None,
        help="synthetic record counts, comma-separated (default 10000,100000; full adds 1000000)",
    )
    p.add_argument("--datasets", default=",".join(FEBRL), help="FEBRL sets (default: all four)")
    p.add_argument("--libraries", default=",".join(LIBRARIES), help="libraries to compare")
    p.add_argument("--out", type=Path, default=HERE / "RESULTS.md", help="report path")
    p.add_argument("--timeout", type=float, default=None, help="seconds per run (default 300/3600)")
    p.add_argument(
        "--max-pairs",
        type=int,
        default=20_000_000,
        help="skip recordlinkage when its blocking would produce more pairs than this",
    )
    p.add_argument("--cache", type=Path, default=None, help="folder for prepared datasets")
    p.add_argument(
        "--keep-earlier",
        action="store_true",
        help="compare: keep the datasets of the previous report (the JSON next to --out) that "
        "this run does not measure again, with their date and command",
    )
    p.add_argument(
        "--cli-drop-note",
        action="append",
        default=[],
        help="with --cli-rerender: drop the notes that start with this text (repeatable)",
    )
    return p.parse_args(argv)


def rerender_cli_section(args: argparse.Namespace) -> dict[str, Any]:
    """The last measured ``cli`` section (from the JSON next to ``--out``) with new notes."""
    raw_path = args.out.with_suffix(".json")
    raw = json.loads(raw_path.read_text(encoding="utf-8")) if raw_path.exists() else {}
    cli = raw.get("cli")
    if not cli:
        raise SystemExit(f"{raw_path} holds no cli section to render again; measure it first")
    notes = [
        n
        for n in cli.get("notes", [])
        if n not in args.cli_note and not any(n.startswith(d) for d in args.cli_drop_note)
    ]
    return {**cli, "notes": notes + list(args.cli_note)}


def run_cli_section(args: argparse.Namespace, cache: Path, timeout: float) -> dict[str, Any]:
    """The ``cli`` section: baseline (if given) and current code back-to-back on CSV files."""
    folder = args.cli_inputs
    people = args.cli_people
    seed = args.cli_seed
    if folder is None:
        folder = cache / f"cli_{people}"
        if not any(folder.glob("*.csv")):
            _log(f"generating {people:,} people into {folder}")
            subprocess.run(
                [
                    *(sys.executable, "-c", cli_bench.MAIN, "generate"),
                    *("--people", str(people), "--seed", str(seed), "--out", str(folder)),
                ],
                check=True,
            )
    files = cli_bench.input_files(folder)
    started = dt.datetime.now(dt.timezone.utc)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    runs: list[dict[str, Any]] = []
    variants: list[tuple[str, Path | None]] = []  # (label, src folder or the installed code)
    if args.cli_baseline is not None:
        variants.append(("before", args.cli_baseline))
    variants.append(("after" if args.cli_baseline is not None else "current", args.cli_current))

    truth = folder / "truth.csv"

    def one(label: str, src: Path | None) -> dict[str, Any]:
        _log(f"  cli {label} ...")
        result = cli_bench.run_cli(files, src=src, timeout=timeout, truth=truth)
        wall, rss = result.get("wall_s", 0.0), result.get("max_rss_mib", 0.0)
        _log(f"  cli {label}: {wall:.1f} s, {rss:.0f} MiB")
        return {"label": label, "code": str(src or "this checkout"), **result}

    if args.cli_concurrent and len(variants) > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(len(variants)) as pool:
            runs = list(pool.map(lambda v: one(*v), variants))
        how = "ran at the same time (each process saw the same load)"
    else:
        runs = [one(label, src) for label, src in variants]
        how = "ran back-to-back"
    splink = run_cli_splink(files, truth, timeout) if args.cli_splink else None
    notes = [
        "The machine is shared (2 cores, several other jobs): absolute seconds are inflated and "
        f"noisy; compare the runs of one table, which {how}."
        if load > 1.5
        else f"The machine was otherwise idle; the runs of this table {how}."
    ]
    if splink is not None:
        notes.append(
            "Splink reads the same CSV files, concatenated into one Parquet file beforehand "
            "(not timed), with the benchmark's generic cleaning and its Splink settings "
            "(`benchmarks/competitors.py`); its wall seconds and peak memory are those of its "
            "worker process, imports excluded."
        )
    if args.cli_label:
        notes.append(args.cli_label)
    return {
        "date": f"{started:%Y-%m-%d %H:%M}",
        "files": [p.name for p in files],
        "people": people,
        "seed": seed,
        "records": cli_bench.count_rows(files),
        "load": f"1-minute load average at the start {load:.1f} on {os.cpu_count()} cores.",
        "runs": runs,
        **({"splink": splink} if splink is not None else {}),
        "notes": notes + list(args.cli_note),
    }


def run_cli_splink(files: Sequence[Path], truth: Path, timeout: float) -> dict[str, Any]:
    """Splink on the CSV files of the ``cli`` section, in a worker process, with accuracy."""
    import splink

    with tempfile.TemporaryDirectory(prefix="mr-cli-splink-") as tmp:
        workdir = Path(tmp)
        frames = [pd.read_csv(f, dtype=str, keep_default_na=False, na_values=[""]) for f in files]
        records = pd.concat(frames, ignore_index=True)
        records_path = workdir / "records.parquet"
        records.to_parquet(records_path, index=False)
        keys = pd.read_csv(truth, dtype=str, usecols=["source", "record_id", "person_id"])
        aligned = records[["source", "record_id"]].merge(keys, how="left", validate="1:1")
        person = pd.factorize(aligned["person_id"].fillna("?" + aligned["record_id"]))[0]
        n = len(records)
        del frames, records
        spec = {
            "library": "splink",
            "dataset": "cli",
            "task": "dedupe",
            "n_left": n,
            "records_path": str(records_path),
            "max_pairs": 0,
        }
        _log("  cli splink ...")
        result, wall = _worker(spec, workdir, timeout)
    out: dict[str, Any] = {
        "code": f"splink {splink.__version__}",
        "status": result.get("status"),
        "wall_s": result.get("total_s"),
        "process_wall_s": wall,
        "max_rss_mib": result.get("peak_rss_mib"),
        "candidate_pairs": result.get("candidate_pairs"),
        "note": result.get("note", ""),
    }
    labels = (result.get("arrays") or {}).get("labels")
    if out["status"] == "ok" and labels is not None:
        acc = cluster_accuracy(person.astype(np.int64), labels)
        out["accuracy"] = {"precision": acc.precision, "recall": acc.recall, "f1": acc.f1}
        out["persons"] = len(np.unique(labels))
    _log(f"  cli splink: {out['status']}, {wall:.1f} s")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Run the selected sections and write the report."""
    args = parse_args(argv)
    started = dt.datetime.now(dt.timezone.utc)
    t0 = time.perf_counter()
    sections = {s.strip() for s in args.sections.split(",") if s.strip()}
    unknown = sections - {"micro", "compare", "cli"}
    if unknown:
        raise SystemExit(f"unknown section(s) {sorted(unknown)}: use micro, compare, cli")
    sizes = (
        [int(s) for s in args.sizes.split(",") if s.strip()]
        if args.sizes is not None
        else list(QUICK_SIZES if args.quick else FULL_SIZES)
    )
    febrl = [d.strip() for d in args.datasets.split(",") if d.strip()]
    libraries = [lib.strip() for lib in args.libraries.split(",") if lib.strip()]
    timeout = args.timeout or (300.0 if args.quick else 3600.0)
    command = "python benchmarks/run.py " + shlex.join(sys.argv[1:] if argv is None else argv)
    load = _load_line()

    with tempfile.TemporaryDirectory(prefix="mr-bench-") as tmp:
        workdir = Path(tmp)
        cache = args.cache or workdir / "data"
        micro: dict[str, dict[str, Any]] = {}
        if "micro" in sections:
            _log("micro-benchmarks")
            micro = run_micro(MICRO_MODULES, workdir, quick=args.quick, timeout=timeout)
        datasets: list[DatasetFiles] = []
        runs: list[Run] = []
        facts: dict[str, dict[str, Any]] = {}
        kept: list[Run] = []
        if "compare" in sections:
            for name in [*febrl, *(f"synth_{n}" for n in sizes)]:
                _log(f"dataset {name}")
                files = prepare_dataset(name, cache)
                datasets.append(files)
                facts[name] = _dataset_facts(files)
                runs += run_comparison(
                    files,
                    libraries,
                    workdir,
                    timeout=timeout,
                    max_pairs=args.max_pairs,
                    date=_stamp(started),
                    command=command.strip(),
                    load=load,
                )
            if args.keep_earlier:
                old = earlier_comparison(
                    args.out.with_suffix(".json"), {d.name for d in datasets}, cache
                )
                datasets = sorted([*old[0], *datasets], key=lambda d: _dataset_order(d.name))
                order = {d.name: k for k, d in enumerate(datasets)}
                kept = old[1]
                runs = sorted([*kept, *runs], key=lambda r: order[r.dataset])
                facts = {**old[2], **facts}
        cli: dict[str, Any] | None = None
        if "cli" in sections and args.cli_rerender:
            cli = rerender_cli_section(args)
        elif "cli" in sections:
            cli = run_cli_section(args, cache, timeout)
        if sections == {"cli"} and args.out.exists():
            assert cli is not None
            text = args.out.read_text(encoding="utf-8")
            args.out.write_text(
                cli_bench.replace_section(text, cli_bench.cli_section(cli)), encoding="utf-8"
            )
            raw_path = args.out.with_suffix(".json")
            raw = json.loads(raw_path.read_text(encoding="utf-8")) if raw_path.exists() else {}
            raw["cli"] = cli
            raw_path.write_text(json.dumps(raw, indent=1, default=str), encoding="utf-8")
            _log(f"updated the cli section of {args.out}")
            return 0
        write_report(
            args.out,
            command=command.strip(),
            started=started,
            seconds=time.perf_counter() - t0,
            micro=micro,
            datasets=datasets,
            runs=runs,
            facts=facts,
            cli=cli,
            load=load,
            kept=kept,
        )
    _log(f"wrote {args.out} in {(time.perf_counter() - t0) / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
