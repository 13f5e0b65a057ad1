"""Benchmark the Spark engine against the pandas engine and Splink on one machine.

Each engine runs in a fresh process on the same Parquet file of synthetic records
(``benchmarks/data.py``, ``synth_<N>``); the parent samples the resident memory of the whole
process tree (Python, the Spark JVM and its Python workers) every 0.2 s for the peak.
Engines: ``pandas``, ``spark`` (this library's), ``splink`` (Splink on DuckDB) and
``splink-spark`` (Splink on Spark ``local[N]``, with the similarity jar its wheel ships).

Usage::

    python benchmarks/bench_spark.py --records 1000000 --engines pandas,spark,splink-spark
    python benchmarks/bench_spark.py --records 5000000 --engines spark --driver-memory 6g
    python benchmarks/bench_spark.py --skew

Results are appended as JSON lines to ``--log`` (``benchmarks/spark_results.jsonl``) and
summarised into ``benchmarks/SPARK_RESULTS.md`` after every run (``--report`` only rewrites
the summary).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent


def _spark(cores: int, driver_memory: str, local_dir: str, jars: str | None = None) -> Any:
    from migrant_records.spark import get_session

    config = {
        "spark.driver.memory": driver_memory,
        "spark.sql.shuffle.partitions": str(max(8, cores * 4)),
        "spark.local.dir": local_dir,
        "spark.ui.enabled": "true",
    }
    if jars:
        config["spark.jars"] = jars
    return get_session(master=f"local[{cores}]", config=config)


def worker(args: argparse.Namespace) -> dict[str, Any]:
    """Run one engine on ``args.data`` and return its timings."""
    import migrant_records as mr

    t0 = time.perf_counter()
    if args.worker == "pandas":
        records = pd.read_parquet(args.data)
        result = mr.Matcher(progress=False).dedupe(records)
        return {
            "seconds": time.perf_counter() - t0,
            "stages": {k: round(v, 1) for k, v in result.timings.items()},
            "pairs": len(result.candidates),
            "persons": int(result.clusters["person_id"].nunique()),
            "records": len(result.clusters),
        }
    if args.worker in ("splink", "splink-spark"):
        sys.path.insert(0, str(HERE))
        from competitors import run_splink, splink_spark_jar

        session = None
        if args.worker == "splink-spark":  # Splink's own Spark backend, its jar from its wheel
            session = _spark(args.cores, args.driver_memory, args.local_dir, splink_spark_jar())
            session.sparkContext.setLogLevel("ERROR")
            session.sparkContext.setCheckpointDir(str(Path(args.local_dir) / "splink-ckpt"))
        n = len(pd.read_parquet(args.data, columns=["record_id"]))
        res, _ = run_splink(
            {"records_path": args.data, "task": "dedupe", "n_left": n, "library": "splink"},
            spark=session,
        )
        return {"seconds": time.perf_counter() - t0, **{k: v for k, v in res.items()}}
    import logging

    from migrant_records.spark import SparkMatcher

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(message)s")
    logging.getLogger("migrant_records.spark").setLevel(logging.INFO)
    spark = _spark(args.cores, args.driver_memory, args.local_dir)
    spark.sparkContext.setLogLevel("ERROR")
    out = Path(tempfile.mkdtemp(prefix="bench-spark-", dir=args.local_dir))
    try:
        sres = SparkMatcher(mr.Matcher(progress=False), spark=spark).dedupe(args.data, out=out)
    finally:
        shutil.rmtree(out, ignore_errors=True)  # the Parquet output is not kept
    return {
        "seconds": time.perf_counter() - t0,
        "stages": {k: round(v, 1) for k, v in sres.timings.items()},
        "pairs": sres.n_pairs,
        "persons": sres.n_persons,
        "records": sres.n_records,
        "cluster": sres.cluster_stats,
        "split_blocks": sres.blocking.split_blocks,
        "compare_parts": sres.compare_parts,
    }


def skew(args: argparse.Namespace) -> dict[str, Any]:
    """One blocking key with 20% of the rows: task times of the pairing stage, split or not."""
    from migrant_records.blocking import ExactBlock
    from migrant_records.spark.blocking import block

    spark = _spark(args.cores, args.driver_memory, args.local_dir)
    spark.sparkContext.setLogLevel("ERROR")
    spark.sparkContext.setCheckpointDir(str(Path(args.local_dir) / "ckpt"))
    rng = np.random.default_rng(5)
    n = args.skew_rows
    city = np.array([f"c{k}" for k in rng.integers(0, n // 2, size=n)], dtype=object)
    city[rng.choice(n, size=n // 5, replace=False)] = "hot"
    frame = pd.DataFrame(
        {"city": city, "_pos": np.arange(n, dtype=np.int64), "_side": np.zeros(n, np.int8)}
    )
    records = spark.createDataFrame(frame)
    strategy = ExactBlock("city", max_block_size=None, name="city")
    out: dict[str, Any] = {"rows": n, "hot_rows": n // 5, "split_rows": max(2, n // 50)}
    # Python workers start on the first job: start them before measuring
    records.mapInPandas(lambda batches: batches, records.schema).count()
    # split: the hot block in about ten buckets (55 bucket pairs); not split: one bucket
    for label, split in (("split", max(2, n // 50)), ("not split", n)):
        group = f"skew-{label}"
        spark.sparkContext.setJobGroup(group, label)
        t0 = time.perf_counter()
        pairs, _ = block(
            records, [strategy], link=False, split_rows=split, pairs_per_task=args.pairs_per_task
        )
        count = pairs.count()
        seconds = time.perf_counter() - t0
        times = _busiest_stage(spark, group) or [0]
        out[label] = {
            "seconds": round(seconds, 1),
            "pairs": int(count),
            "tasks": len(times),
            "max_task_s": round(max(times) / 1000, 2),
            "median_task_s": round(float(np.median(times)) / 1000, 2),
            "max_task_share": round(max(times) / max(sum(times), 1), 3),
        }
    return out


def _busiest_stage(spark: Any, group: str, min_tasks: int = 8) -> list[int]:
    """Task run times (ms) of the busiest stage of ``group`` with at least ``min_tasks`` tasks
    (the pairing join; the small stages around it run a task or two)."""
    import urllib.request

    sc = spark.sparkContext
    base = f"{sc.uiWebUrl}/api/v1/applications/{sc.applicationId}"
    jobs = json.load(urllib.request.urlopen(f"{base}/jobs"))
    stages = {s for j in jobs if j.get("jobGroup") == group for s in j["stageIds"]}
    best: list[int] = []
    for stage in stages:
        try:
            tasks = json.load(
                urllib.request.urlopen(f"{base}/stages/{stage}/0/taskList?length=100000")
            )
        except OSError:
            continue
        times = [int(t["taskMetrics"]["executorRunTime"]) for t in tasks if "taskMetrics" in t]
        if len(times) >= min_tasks and sum(times) > sum(best):
            best = times
    return best


def _tree_rss(pid: int) -> int:
    import psutil

    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for p in procs:
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total


def launch(args: argparse.Namespace, engine: str, data: str) -> dict[str, Any]:
    """Run ``engine`` in a child process, sampling the tree's memory; return its result."""
    out = Path(tempfile.mkstemp(suffix=".json")[1])
    cmd = [
        sys.executable,
        __file__,
        "--worker",
        engine,
        "--data",
        data,
        "--json",
        str(out),
        "--cores",
        str(args.cores),
        "--driver-memory",
        args.driver_memory,
        "--local-dir",
        args.local_dir,
    ]
    import psutil

    def in_use() -> int:
        vm = psutil.virtual_memory()
        return int(vm.total - vm.available)

    def disk_used() -> int:
        return shutil.disk_usage(args.local_dir).used

    # A worker killed just before (the out-of-memory killer) is still being freed: wait until
    # the memory in use stops falling, or this run's rise would be measured from too high.
    settled = in_use()
    for _ in range(120):
        time.sleep(1)
        now = in_use()
        if now > settled - 2**26:
            break
        settled = now
    t0 = time.perf_counter()
    before, disk_before = in_use(), disk_used()
    child = subprocess.Popen(cmd)
    peak = peak_use = peak_disk = 0
    while child.poll() is None:
        peak = max(peak, _tree_rss(child.pid))
        peak_use = max(peak_use, in_use() - before)
        peak_disk = max(peak_disk, disk_used() - disk_before)
        time.sleep(0.2)
    code = child.returncode
    if code == 0:
        status = "ok"
    elif code < 0:
        # A signal: SIGKILL with no one sending it is the kernel's out-of-memory killer.
        status = f"killed ({signal.Signals(-code).name})"
    else:
        status = f"error (exit {code})"
    result: dict[str, Any] = {"engine": engine, "status": status}
    if out.stat().st_size:
        result.update(json.loads(out.read_text(encoding="utf-8")))
    out.unlink()
    result["wall_seconds"] = round(time.perf_counter() - t0, 1)
    result["peak_rss_gib"] = round(peak / 2**30, 2)
    # The tree's RSS counts pages shared by forked processes once per process; the rise of
    # the machine's memory in use (total less available) counts them once.
    result["peak_machine_gib"] = round(peak_use / 2**30, 2)
    # Spark's shuffle files, spills, checkpoints and output, on the disk of --local-dir
    result["peak_disk_gib"] = round(peak_disk / 2**30, 2)
    return result


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "-"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def report(log: Path, out: Path, cores: int) -> None:
    """Write the Markdown summary of the runs in ``log`` (latest run per engine and size)."""
    text = log.read_text(encoding="utf-8") if log.exists() else ""
    rows = [json.loads(line) for line in text.splitlines() if line]
    runs = {(r["dataset"], r["engine"]): r for r in rows if r.get("kind") == "run"}
    skews = [r for r in rows if r.get("kind") == "skew"]
    lines = [
        "<!-- Written by `python benchmarks/bench_spark.py --report` from the run log "
        "`benchmarks/spark_results.jsonl`; rerun the benchmark to change it. -->",
        "",
        "### Spark engine on one machine",
        "",
        "Each engine in a fresh process on the same Parquet file of synthetic records, zero "
        "configuration, training included. `peak GiB` is the resident memory of the whole "
        "process tree (for Spark: the JVM and its Python workers), which counts pages that "
        "forked processes share once per process; `machine GiB` (runs from 2026-11-29 08:30 "
        "on) is the rise of the machine's memory in use (total less available) over its value "
        "at the start, which counts them once but also counts any other job's growth. `disk GiB` "
        "(runs from 2026-11-29 11:15 on) is the peak rise of the used space of the disk that "
        "holds Spark's local folder and the output (shuffle files, spills, checkpoints, "
        "Parquet). Spark runs `local[2]`. The "
        "machine (2 cores, 24 GiB) was shared with other jobs: the load column is the 1-minute "
        "load average at the start, so compare engines within one run only.",
        "",
        "| dataset | engine | status | wall s | peak GiB | machine GiB | disk GiB | pairs "
        "| persons | stage seconds | date | load |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]

    def size(dataset: str) -> int:
        return int(dataset.split("_")[-1]) if dataset.startswith("synth_") else 0

    for (dataset, engine), r in sorted(runs.items(), key=lambda kv: (size(kv[0][0]), kv[0])):
        stages = ", ".join(f"{k} {float(v):.1f}" for k, v in (r.get("stages") or {}).items())
        pairs = r.get("pairs", r.get("candidate_pairs"))  # Splink: the pairs it scored
        lines.append(
            f"| {dataset} | {engine} | {r.get('status')} | {_fmt(r.get('wall_seconds'))} "
            f"| {_fmt(r.get('peak_rss_gib'), 2)} | {_fmt(r.get('peak_machine_gib'), 2)} "
            f"| {_fmt(r.get('peak_disk_gib'), 1)} | {_fmt(pairs)} "
            f"| {_fmt(r.get('persons'))} | {stages} | {r.get('date')} | {_fmt(r.get('load'))} |"
        )
    sizes = sorted({size(d) for d, _ in runs if d.startswith("synth_")})
    missing = [n for n in (1_000_000, 5_000_000) if n not in sizes]
    lines += [
        "",
        "Sizes measured: "
        + (", ".join(f"{n:,} records" for n in sizes) if sizes else "none yet")
        + "."
        + (
            " Not measured yet: "
            + " and ".join(f"{n:,}" for n in missing)
            + " records (the commands are in benchmarks/README.md; they need a quiet machine)."
            if missing
            else ""
        ),
    ]
    spark_runs = [
        r
        for (_, e), r in sorted(runs.items())
        if e == "spark" and r.get("status") == "ok" and r.get("stages")
    ]
    if spark_runs:
        r = max(spark_runs, key=lambda x: x.get("records") or 0)
        n, pairs = int(r["records"]), int(r["pairs"])
        compare_s = float(r["stages"].get("compare", 0.0)) or float("nan")
        rate = pairs / (compare_s * cores)
        per_record = pairs / n
        total_rate = n / (float(r["seconds"]) * cores)
        target = 100_000_000
        cluster_cores = 400
        hours = target / (total_rate * cluster_cores) / 3600
        lines += [
            "",
            "### Extrapolation to 100 million records",
            "",
            f"Measured on the largest Spark run above ({n:,} records on {cores} cores): "
            f"{per_record:.1f} candidate pairs per record, {_fmt(rate, 0)} pairs compared per "
            f"core-second, {_fmt(total_rate, 0)} records per core-second end to end "
            "(standardisation, blocking, comparison, training, scoring, clustering).",
            "",
            f"At 100 million records the pair count grows faster than the records (common "
            f"names fill their blocks up to the caps): at the measured {per_record:.1f} pairs "
            f"per record about {per_record * target / 1e9:.1f} billion pairs, at twice that "
            f"{2 * per_record * target / 1e9:.1f} billion. At the measured end-to-end rate a "
            f"cluster of {cluster_cores} cores needs about {hours:.1f} hours "
            f"({2 * hours:.1f} with twice the pairs per record). Memory per executor stays "
            "bounded: a standardisation group is 50,000 records, a comparison batch 10,000 "
            "pairs, and hot blocks are split. Local disk grows with the pairs unless they are "
            "compared in parts: comparison carries one record's comparator columns with every "
            "pair through a shuffle (the 10,000,000-record run before comparison in parts had "
            "written 53 GB of shuffle files for its 152 million pairs when it was stopped); "
            "in parts of `pairs_per_part` pairs (default 20 million), each part's shuffle "
            "files deleted before the next, the disk holds one part's at a time, next to the "
            "candidate pairs, the scored pairs and, while blocking runs, its pairing join"
            + (
                f" (this run: {r['compare_parts']} parts, disk use peaking at "
                f"{_fmt(r.get('peak_disk_gib'), 1)} GiB including checkpoints and output)."
                if r.get("compare_parts") and r.get("peak_disk_gib") is not None
                else "."
            ),
        ]
    notes = [r for r in rows if r.get("kind") == "note"]
    if notes:
        lines += ["", "### Notes", ""]
        lines += [f"- {r['date']}: {r['text']}" for r in notes]
    if skews:
        r = skews[-1]
        lines += [
            "",
            "### One blocking key with 20% of the rows",
            "",
            f"{_fmt(r['rows'])} records, {_fmt(r['hot_rows'])} of them share one key (an "
            "uncapped `ExactBlock`); split: in buckets of "
            f"{_fmt(r.get('split_rows'))} records (`split_rows`). Task times of the stage that "
            "produces the pairs (the pairing join), from "
            f"Spark's REST API ({r['date']}, load {_fmt(r.get('load'))}).",
            "",
            "| hot block | pairs | seconds | tasks | longest task s | median task s "
            "| longest task's share |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        for label in ("split", "not split"):
            v = r[label]
            lines.append(
                f"| {label} | {_fmt(v['pairs'])} | {_fmt(v['seconds'])} | {v['tasks']} "
                f"| {_fmt(v['max_task_s'], 2)} | {_fmt(v['median_task_s'], 2)} "
                f"| {_fmt(v['max_task_share'], 3)} |"
            )
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--records", type=int, default=1_000_000)
    p.add_argument("--engines", default="pandas,spark")
    p.add_argument("--cache", default="/tmp/benchcache")
    p.add_argument("--cores", type=int, default=2)
    p.add_argument("--driver-memory", default="8g")
    p.add_argument("--local-dir", default=tempfile.gettempdir())
    p.add_argument("--log", default=str(HERE / "spark_results.jsonl"))
    p.add_argument("--skew", action="store_true")
    p.add_argument("--skew-rows", type=int, default=100_000)
    p.add_argument(
        "--pairs-per-task", type=int, default=100_000, help="skew: pairs per pairing-join task"
    )
    p.add_argument("--report", action="store_true", help="only rewrite SPARK_RESULTS.md")
    p.add_argument("--note", help="add a dated note (what ran and what did not) to the log")
    p.add_argument("--worker")
    p.add_argument("--data")
    p.add_argument("--json")
    args = p.parse_args(argv)
    if args.worker:
        Path(args.json).write_text(json.dumps(worker(args), default=str), encoding="utf-8")
        return 0
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    if args.note:
        with open(args.log, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"kind": "note", "date": stamp, "text": args.note}) + "\n")
    if args.report or args.note:
        report(Path(args.log), HERE / "SPARK_RESULTS.md", args.cores)
        return 0
    load = os.getloadavg()[0]
    if args.skew:
        row = {"kind": "skew", "date": stamp, "load": load, **skew(args)}
        rows = [row]
    else:
        sys.path.insert(0, str(HERE))
        from data import prepare_dataset

        name = f"synth_{args.records}"
        path = Path(args.cache) / f"{name}.records.parquet"
        if not path.exists():
            prepare_dataset(name, Path(args.cache))
        rows = []
        for engine in args.engines.split(","):
            row = {"kind": "run", "date": stamp, "load": load, "dataset": name}
            row.update(launch(args, engine, str(path)))
            rows.append(row)
            print(json.dumps(row, default=str), flush=True)
    with open(args.log, "a", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, default=str) + "\n")
    if args.skew:
        print(json.dumps(rows[0], indent=1))
    report(Path(args.log), HERE / "SPARK_RESULTS.md", args.cores)
    return 0


if __name__ == "__main__":
    sys.exit(main())
