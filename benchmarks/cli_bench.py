"""End-to-end command-line benchmark: ``migrant-records dedupe`` on CSV files, as a user runs it.

Each run is one fresh process under ``/usr/bin/time -v`` (wall clock and maximum resident set
size), from the CSV files to ``clusters.csv`` and ``pairs.parquet``. The stage seconds come from
the run's own ``time:`` line. A baseline source tree (``--cli-baseline``, e.g. an unpacked
``git archive`` of an earlier commit) runs on the same files right before the current code, so
both figures share the machine's load at that moment.

Used by ``run.py --sections cli``; on its own::

    python benchmarks/cli_bench.py DIR_WITH_CSVS [--baseline OLD/src]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

MARK_BEGIN = "<!-- section:cli -->"
MARK_END = "<!-- /section:cli -->"
ROW_TITLE = "1M records, end to end, CLI"

_TIME = Path("/usr/bin/time")
MAIN = "import sys; from migrant_records.cli import main; sys.exit(main())"


#: Files of ``migrant-records generate`` that are not worker records.
NOT_RECORDS = ("truth", "programmes", "participations", "placements", "people")


def input_files(folder: Path) -> list[Path]:
    """The worker-record CSV files of a ``migrant-records generate`` folder (one per source)."""
    files = sorted(p for p in folder.glob("*.csv") if p.stem not in NOT_RECORDS)
    if not files:
        raise SystemExit(f"no CSV input files in {folder}: run `migrant-records generate` first")
    return files


def count_rows(files: Sequence[Path]) -> int:
    """Data rows of the CSV files (the pyarrow reader handles quoted line breaks)."""
    import pyarrow.csv as pacsv

    total = 0
    for path in files:
        opts = pacsv.ConvertOptions(column_types={}, include_columns=[])
        total += pacsv.read_csv(path, convert_options=opts).num_rows
    return total


def _parse_time_v(text: str) -> dict[str, float]:
    out: dict[str, float] = {}
    m = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", text)
    if m:
        h = float(m.group(1) or 0)
        out["wall_s"] = h * 3600 + float(m.group(2)) * 60 + float(m.group(3))
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    if m:
        out["max_rss_mib"] = int(m.group(1)) / 1024
    for key, label in (("user_s", "User time"), ("sys_s", "System time")):
        m = re.search(label + r" \(seconds\): ([\d.]+)", text)
        if m:
            out[key] = float(m.group(1))
    return out


def _parse_stdout(text: str) -> dict[str, Any]:
    out: dict[str, Any] = {"stages": {}}
    for line in text.splitlines():
        if line.startswith("time:"):
            for part in line.split(":", 1)[1].split(","):
                name, _, value = part.strip().rpartition(" ")
                if name and value.endswith("s"):
                    out["stages"][name] = float(value[:-1])
        for key in ("candidate pairs", "persons", "records"):
            if line.startswith(key + ":"):
                out[key.replace(" ", "_")] = int(line.split(":", 1)[1].split()[0])
    return out


def cluster_scores(clusters: Path, truth: Path) -> dict[str, float]:
    """Pairwise precision, recall and F1 of the pairs inside ``clusters.csv`` against truth.

    Both files hold ``source, record_id`` and ``person_id``; a record missing from the
    clusters (rejected) counts as its own person.
    """
    import numpy as np
    import pandas as pd

    keys = ["source", "record_id", "person_id"]
    true = pd.read_csv(truth, dtype=str, usecols=keys)
    got = pd.read_csv(clusters, dtype=str, usecols=keys)
    both = true.merge(got, on=["source", "record_id"], how="left", suffixes=("_t", "_p"))
    missing = both["person_id_p"].isna()
    both.loc[missing, "person_id_p"] = "unclustered:" + both.loc[missing, "record_id"]

    def comb2(counts: Any) -> int:
        c = np.asarray(counts, dtype=np.int64)
        return int((c * (c - 1) // 2).sum())

    tp = comb2(both.groupby(["person_id_p", "person_id_t"], sort=False).size())
    predicted = comb2(both.groupby("person_id_p", sort=False).size())
    actual = comb2(both.groupby("person_id_t", sort=False).size())
    precision = tp / predicted if predicted else 1.0
    recall = tp / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def run_cli(
    files: Sequence[Path],
    *,
    src: Path | None = None,
    extra: Sequence[str] = (),
    timeout: float = 3600.0,
    truth: Path | None = None,
) -> dict[str, Any]:
    """One ``dedupe`` run in a fresh process; wall, peak memory and stage seconds.

    Args:
        files: The input CSV files.
        src: Source folder to import ``migrant_records`` from (``None``: the installed one).
        extra: More command-line options.
        timeout: Seconds before the run is stopped.
        truth: ``truth.csv`` of the generated files: adds the clusters' pairwise accuracy.
    """
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(src), env.get("PYTHONPATH", "")])
    out_dir = Path(tempfile.mkdtemp(prefix="mr-cli-"))
    cmd = [sys.executable, "-c", MAIN, "dedupe", *map(str, files)]
    cmd += ["--out", str(out_dir / "out"), "--no-progress", *extra]
    if _TIME.exists():
        cmd = [str(_TIME), "-v", *cmd]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        shutil.rmtree(out_dir, ignore_errors=True)
        return {"status": "timeout", "wall_s": timeout}
    wall = time.perf_counter() - t0
    result: dict[str, Any] = {"status": "ok" if proc.returncode == 0 else "error"}
    result.update(_parse_stdout(proc.stdout))
    result["wall_s"] = wall
    result.update(_parse_time_v(proc.stderr))
    if proc.returncode != 0:
        tail = (proc.stderr or "").strip().splitlines()
        last = f"exit {proc.returncode}"
        result["note"] = next((t for t in reversed(tail) if "Error" in t), last)
    sizes = {p.name: p.stat().st_size for p in (out_dir / "out").glob("*") if p.is_file()}
    result["output_mib"] = {k: round(v / 2**20, 1) for k, v in sorted(sizes.items())}
    clusters = out_dir / "out" / "clusters.csv"
    if truth is not None and truth.exists() and clusters.exists():
        result["accuracy"] = cluster_scores(clusters, truth)
    staged = sum(result["stages"].values())
    result["stages"]["start-up + write"] = max(result["wall_s"] - staged, 0.0)
    shutil.rmtree(out_dir, ignore_errors=True)
    return result


def _f(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}"


def _scores(accuracy: dict[str, float] | None) -> list[str]:
    if not accuracy:
        return ["-", "-", "-"]
    return [f"{accuracy[k]:.3f}" for k in ("precision", "recall", "f1")]


def cli_section(data: dict[str, Any]) -> list[str]:
    """Markdown of the CLI section (between markers so a ``cli``-only run can replace it)."""
    runs: list[dict[str, Any]] = data.get("runs", [])
    n = data.get("records") or 0
    title = ROW_TITLE if n >= 900_000 else f"{n:,} records, end to end, CLI"
    lines = [MARK_BEGIN, f"## {title}", ""]
    lines += [
        f"`migrant-records dedupe` on the {len(data.get('files', []))} CSV files written by "
        f"`migrant-records generate --people {_f(data.get('people'))} --seed "
        f"{data.get('seed', '-')}` ({_f(data.get('records'))} records), each run a fresh "
        "process under `/usr/bin/time -v`, from the CSV files to `clusters.csv` and "
        "`pairs.parquet`. Measured "
        f"{data.get('date', '-')} UTC; {data.get('load', '')}",
        "",
    ]
    header = ["run", "code", "wall s", "max RSS MiB", "user s", "sys s", "pairs", "persons"]
    header += ["pairs.parquet MiB", "P clusters", "R clusters", "F1 clusters"]
    lines += ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for r in runs:
        lines.append(
            "| "
            + " | ".join(
                [
                    str(r.get("label")),
                    str(r.get("code", "")),
                    _f(r.get("wall_s")),
                    _f(r.get("max_rss_mib"), 0),
                    _f(r.get("user_s")),
                    _f(r.get("sys_s")),
                    _f(r.get("candidate_pairs")),
                    _f(r.get("persons")),
                    _f((r.get("output_mib") or {}).get("pairs.parquet")),
                    *_scores(r.get("accuracy")),
                ]
            )
            + " |"
        )
    splink = data.get("splink")
    if splink:
        lines.append(
            "| splink (DuckDB) | "
            + " | ".join(
                [
                    str(splink.get("code", "")),
                    _f(splink.get("wall_s")) if splink.get("status") == "ok" else "-",
                    _f(splink.get("max_rss_mib"), 0),
                    "-",
                    "-",
                    _f(splink.get("candidate_pairs")),
                    _f(splink.get("persons")),
                    "-",
                    *_scores(splink.get("accuracy")),
                ]
            )
            + " |"
        )
    stage_names: list[str] = []
    for r in runs:
        for name in r.get("stages", {}):
            if name not in stage_names:
                stage_names.append(name)
    if runs and stage_names:
        lines += ["", "Stage seconds (the run's own timings; the rest is start-up and writing):"]
        lines += [""]
        head = ["stage", *[str(r.get("label")) for r in runs]]
        lines += ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
        for name in stage_names:
            vals = [_f(r.get("stages", {}).get(name)) for r in runs]
            lines.append("| " + " | ".join([name, *vals]) + " |")
    for note in data.get("notes", []):
        lines += ["", note]
    return [*lines, "", MARK_END, ""]


def replace_section(
    text: str, section: Sequence[str], begin: str = MARK_BEGIN, end_mark: str = MARK_END
) -> str:
    """``text`` with its section between ``begin`` and ``end_mark`` (default: the CLI
    section) replaced by ``section``, or ``section`` appended when it has none."""
    block = "\n".join(section).rstrip() + "\n"
    start, end = text.find(begin), text.find(end_mark)
    if start >= 0 and end > start:
        return text[:start] + block + text[end + len(end_mark) :].lstrip("\n")
    return text.rstrip() + "\n\n" + block


def existing_section(text: str, begin: str = MARK_BEGIN, end_mark: str = MARK_END) -> list[str]:
    """The section between ``begin`` and ``end_mark`` (default: the CLI section) of an earlier
    report (empty when it has none)."""
    start, end = text.find(begin), text.find(end_mark)
    if start < 0 or end < start:
        return []
    return [*text[start : end + len(end_mark)].splitlines(), ""]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the current code (and a baseline) once on a folder of CSV files; print JSON."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("folder", type=Path)
    p.add_argument("--baseline", type=Path, default=None)
    args = p.parse_args(argv)
    files = input_files(args.folder)
    runs = []
    if args.baseline is not None:
        runs.append({"label": "before", **run_cli(files, src=args.baseline)})
    runs.append({"label": "after", **run_cli(files)})
    print(json.dumps(runs, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
