"""Benchmark of the person index: incremental add and lookup against a full re-run.

Usage::

    python benchmarks/bench_index.py --records 1000000 --batch 10000 --lookups 1000 --workdir DIR
    python benchmarks/bench_index.py --correctness --records 20000

``--workdir`` names a folder with room for the data and the index (about 2 GiB at a million
records; a temporary folder inside it is removed at the end). The million-record speed run
takes about a quarter of an hour on an idle 2-CPU machine and needs the machine to itself.

Speed (default mode): draws ``records + batch`` synthetic records, trains a matcher and
dedupes the first ``records`` (the one-shot run that builds the index), creates a DuckDB
index from that result, then in fresh processes (so that peak memory is each step's own):

1. adds the ``batch`` remaining records to the index (time, peak memory);
2. re-runs ``dedupe`` on all ``records + batch`` records with the same trained matcher (what
   a month costs without the index; time, peak memory);
3. looks up ``lookups`` single records of the batch, one call each (median, p95 latency).

Correctness (``--correctness``): the same records added in 12 monthly batches to an empty
index versus one ``dedupe`` of everything with the same trained matcher: pairwise agreement
of the two partitions (F1 of one's same-person pairs against the other's) and the pairwise F1
of each against the synthetic truth.

Lookups only (``--lookups-only``): re-measures step 3 against an index built before, without
building anything: ``--index`` names the index (a DuckDB file or a PostgreSQL URL) and
``--batch-file`` a Parquet file of records to look up (the speed run looks up records of the
batch it has just added; a kept index holds them too, so a re-measurement asks the same).
``--keep`` makes the speed run leave ``persons.duckdb`` and ``batch.parquet`` in
``--workdir`` (in ``bench-<records>/``) for such a re-measurement::

    python benchmarks/bench_index.py --records 1000000 --workdir DIR --keep
    python benchmarks/bench_index.py --lookups-only --records 1000000 --lookups 1000 \
        --index DIR/bench-1000000/persons.duckdb --batch-file DIR/bench-1000000/batch.parquet

Results are appended to ``benchmarks/INDEX_RESULTS.md`` with the machine and load.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "INDEX_RESULTS.md"
RECORDS_PER_PERSON = 1.54


def _peak_mib() -> float:
    """Peak resident memory of this process since it started (VmHWM).

    ``ru_maxrss`` would not do: Linux carries it over from the parent through fork and exec.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return float(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _draw(n: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    from migrant_records.synth import generate

    data = generate(people=int(n / RECORDS_PER_PERSON) + 1, seed=seed)
    records = data.records().sample(frac=1.0, random_state=seed).reset_index(drop=True)
    return records.iloc[:n].reset_index(drop=True), data.truth


# ------------------------------------------------------------------ steps (own processes)
def step_add(args: argparse.Namespace) -> dict[str, float]:
    from migrant_records.index import PersonIndex

    batch = pd.read_parquet(args.batch_file)
    start = time.perf_counter()
    with PersonIndex.open(args.index) as index:
        changes = index.add(batch)
    seconds = time.perf_counter() - start
    summary = changes.summary()
    return {
        "add_s": seconds,
        "add_peak_mib": _peak_mib(),
        "attached": summary["attach"],
        "new": summary["new"],
        "merges": summary["merge"],
        "splits": summary["split"],
    }


def step_rerun(args: argparse.Namespace) -> dict[str, float]:
    from migrant_records.matcher import Matcher

    records = pd.concat(
        [pd.read_parquet(args.base_file), pd.read_parquet(args.batch_file)], ignore_index=True
    )
    matcher = Matcher.load(args.model)
    matcher.progress = False
    start = time.perf_counter()
    matcher.dedupe(records)
    return {"rerun_s": time.perf_counter() - start, "rerun_peak_mib": _peak_mib()}


def step_lookup(args: argparse.Namespace) -> dict[str, float]:
    from migrant_records.index import PersonIndex

    batch = pd.read_parquet(args.batch_file).drop(columns=["source", "record_id"])
    probes = batch.sample(n=min(args.lookups, len(batch)), random_state=1)
    times = []
    with PersonIndex.open(args.index) as index:
        index.lookup(probes.iloc[0].to_dict())  # warm-up
        for _, row in probes.iterrows():
            start = time.perf_counter()
            index.lookup(row.to_dict(), k=5)
            times.append(time.perf_counter() - start)
    arr = np.array(times) * 1000
    return {
        "lookup_median_ms": float(np.median(arr)),
        "lookup_p95_ms": float(np.percentile(arr, 95)),
        "lookups": len(arr),
    }


def _files(args: argparse.Namespace) -> dict[str, object]:
    return {"index": args.index, "batch_file": args.batch_file}


def _in_process(step: str, **kwargs: object) -> dict[str, float]:
    argv = [sys.executable, __file__, "--step", step]
    for key, value in kwargs.items():
        argv += [f"--{key.replace('_', '-')}", str(value)]
    out = subprocess.run(argv, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"step {step} failed:\n{out.stderr[-3000:]}")
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


# ------------------------------------------------------------------ modes
def speed(args: argparse.Namespace, work: Path) -> dict[str, object]:
    from migrant_records.index import PersonIndex
    from migrant_records.matcher import Matcher

    _log(f"drawing {args.records + args.batch} records")
    records, _ = _draw(args.records + args.batch, seed=args.seed)
    base, batch = records.iloc[: args.records], records.iloc[args.records :]
    base.to_parquet(work / "base.parquet")
    batch.to_parquet(work / "batch.parquet")
    del records
    _log("one-shot dedupe of the base records (trains the matcher)")
    matcher = Matcher(progress=False)
    start = time.perf_counter()
    result = matcher.dedupe(base)
    dedupe_s = time.perf_counter() - start
    model = matcher.save(work / "model.json")
    _log(f"dedupe took {dedupe_s:.1f} s; creating the index")
    start = time.perf_counter()
    target = work / "persons.duckdb"
    PersonIndex.create(target, matcher, result).close()
    create_s = time.perf_counter() - start
    del result, base
    size_mib = target.stat().st_size / 2**20
    _log(f"index created in {create_s:.1f} s ({size_mib:.0f} MiB); adding the batch")
    files = {"index": target, "batch_file": work / "batch.parquet"}
    out: dict[str, object] = {"dedupe_base_s": dedupe_s, "create_s": create_s}
    out["index_mib"] = size_mib
    out.update(_in_process("add", **files))
    _log(f"add: {out['add_s']:.1f} s; lookups")
    out.update(_in_process("lookup", lookups=args.lookups, **files))
    _log(f"lookup median {out['lookup_median_ms']:.1f} ms; re-running dedupe on everything")
    out.update(
        _in_process(
            "rerun", model=model, base_file=work / "base.parquet", batch_file=files["batch_file"]
        )
    )
    _log(f"re-run: {out['rerun_s']:.1f} s")
    return _with_comparison(out, args.records)


def _with_comparison(out: dict[str, object], records: int) -> dict[str, object]:
    """Put the add step's time and peak memory next to the full re-run's, with the targets."""
    add_s, rerun_s = float(out["add_s"]), float(out["rerun_s"])  # type: ignore[arg-type]
    add_mib = float(out["add_peak_mib"])  # type: ignore[arg-type]
    rerun_mib = float(out["rerun_peak_mib"])  # type: ignore[arg-type]
    median = float(out["lookup_median_ms"])  # type: ignore[arg-type]
    first = ["dedupe_base_s", "create_s", "index_mib", "attached", "new", "merges", "splits"]
    table: dict[str, object] = {k: out[k] for k in first}
    table.update(
        {
            "add_s": add_s,
            "rerun_s": rerun_s,
            "add_over_rerun_time": add_s / rerun_s,
            "add_peak_mib": add_mib,
            "rerun_peak_mib": rerun_mib,
            "add_over_rerun_memory": add_mib / rerun_mib,
            "lookup_median_ms": median,
            "lookup_p95_ms": out["lookup_p95_ms"],
            "lookups": out["lookups"],
        }
    )
    if records >= 1_000_000:  # the targets are set for an index of a million records
        table["target add_s < 15"] = "met" if add_s < 15 else "not met"
        table["target lookup_median_ms < 50"] = "met" if median < 50 else "not met"
    return table


def _pairs(clusters: pd.DataFrame) -> pd.DataFrame:
    key = clusters["source"].astype(str) + "|" + clusters["record_id"].astype(str)
    frame = pd.DataFrame({"key": key, "person": clusters["person_id"].to_numpy()})
    pairs = frame.merge(frame, on="person")
    pairs = pairs[pairs["key_x"] < pairs["key_y"]]
    return pairs[["key_x", "key_y"]]


def correctness(args: argparse.Namespace, work: Path) -> dict[str, object]:
    from migrant_records.evaluate import pairwise_metrics
    from migrant_records.index import PersonIndex
    from migrant_records.matcher import Matcher

    records, truth = _draw(args.records, seed=args.seed)
    matcher = Matcher(progress=False)
    one_shot = matcher.dedupe(records)
    index = PersonIndex.create(work / "monthly.duckdb", matcher)
    start = time.perf_counter()
    for part in np.array_split(np.arange(len(records)), 12):
        index.add(records.iloc[part])
    monthly_s = time.perf_counter() - start
    crosswalk = index.crosswalk()
    index.close()
    mine, theirs = _pairs(crosswalk), _pairs(one_shot.clusters)
    common = len(mine.merge(theirs, on=["key_x", "key_y"]))
    agreement = 2 * common / max(len(mine) + len(theirs), 1)
    f1_index = pairwise_metrics(crosswalk, truth).f1
    f1_once = pairwise_metrics(one_shot.clusters, truth).f1
    return {
        "records": len(records),
        "monthly_add_s": monthly_s,
        "pairwise_agreement": agreement,
        "f1_index": f1_index,
        "f1_one_shot": f1_once,
        "f1_difference": abs(f1_index - f1_once),
    }


def _machine() -> str:
    load = os.getloadavg()
    return (
        f"{os.cpu_count()} CPUs, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} "
        f"at start (a shared machine), Python {sys.version.split()[0]}"
    )


def _write(mode: str, args: argparse.Namespace, machine: str, data: dict[str, object]) -> None:
    lines = [
        f"\n## {mode}: {args.records:,} records"
        + (f" + batch of {args.batch:,}" if mode == "speed" else ""),
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {machine}.",
        "",
        "| measure | value |",
        "| --- | --- |",
    ]
    for key, value in data.items():
        text = f"{value:.4f}" if isinstance(value, float) else str(value)
        lines.append(f"| {key} | {text} |")
    if not RESULTS.exists():
        RESULTS.write_text(
            "# Person index benchmark results\n\nWritten by `benchmarks/bench_index.py` "
            "(see its docstring for what each number means).\n",
            encoding="utf-8",
        )
    with RESULTS.open("a", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark (or one of its steps)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--records", type=int, default=1_000_000)
    p.add_argument("--batch", type=int, default=10_000)
    p.add_argument("--lookups", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--correctness", action="store_true")
    p.add_argument("--workdir", help="folder for the data and the index (default: temporary)")
    p.add_argument(
        "--lookups-only",
        action="store_true",
        help="only time lookups against --index, probing records of --batch-file",
    )
    p.add_argument(
        "--keep",
        action="store_true",
        help="leave the index and the batch in --workdir/bench-<records>/ (speed run)",
    )
    p.add_argument("--step", choices=["add", "rerun", "lookup"], help=argparse.SUPPRESS)
    p.add_argument("--index", help="the index to look up in (with --lookups-only)")
    p.add_argument("--batch-file", help="Parquet records to look up (with --lookups-only)")
    p.add_argument("--base-file", help=argparse.SUPPRESS)
    p.add_argument("--model", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.step:
        step = {"add": step_add, "rerun": step_rerun, "lookup": step_lookup}[args.step]
        result = step(args)
        # also next to the index, so that an interrupted run keeps what it measured
        target = Path(args.index or args.model).with_suffix(".steps.jsonl")
        with target.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps({"step": args.step, **result}) + "\n")
        print(json.dumps(result))
        return 0
    machine = _machine()
    if args.lookups_only:
        if not args.index or not args.batch_file:
            p.error("--lookups-only needs --index and --batch-file")
        data = dict(_in_process("lookup", lookups=args.lookups, **_files(args)))
        _write(f"lookups only ({args.index})", args, machine, data)
        print(json.dumps(data, indent=2))
        return 0
    if args.keep:
        if not args.workdir or args.correctness:
            p.error("--keep needs --workdir (and a speed run)")
        work = Path(args.workdir) / f"bench-{args.records}"
        work.mkdir(parents=True, exist_ok=True)
        data = speed(args, work)
        _write("speed", args, machine, data)
        print(json.dumps(data, indent=2))
        return 0
    with tempfile.TemporaryDirectory(dir=args.workdir) as folder:
        work = Path(folder)
        if args.correctness:
            data = correctness(args, work)
            _write("correctness (12 monthly batches vs one-shot dedupe)", args, machine, data)
        else:
            data = speed(args, work)
            _write("speed", args, machine, data)
    print(json.dumps(data, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
