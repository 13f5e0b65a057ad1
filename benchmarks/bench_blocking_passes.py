"""Pair completeness of each default blocking pass on the synthetic ministry data.

Generates the synthetic data (``migrant_records.synth.generate``, its documented error
profile), standardises it, and runs :func:`migrant_records.blocking.blocking_report` with the
ground truth: per pass, the candidate pairs, the new pairs it adds, the true pairs among
those, and the cumulative pair completeness after it. ``run(quick=True)`` uses about 10,000
records, otherwise about 100,000.

Run alone: ``python benchmarks/bench_blocking_passes.py [--quick]`` (prints JSON).
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from migrant_records.blocking import BlockingWarning, blocking_report, default_blocking
from migrant_records.standardize import standardize
from migrant_records.synth import generate

RECORDS_PER_PERSON = 1.54


def run(quick: bool = False) -> dict[str, Any]:
    """Per-pass pair completeness on synthetic data (about 10k records quick, else 100k)."""
    people = round((10_000 if quick else 100_000) / RECORDS_PER_PERSON)
    data = generate(people=people, seed=0)
    records = data.records()
    truth = data.truth.set_index(["source", "record_id"])["person_id"]
    person = truth.reindex(list(zip(records["source"], records["record_id"]))).to_numpy()
    t = time.perf_counter()
    frame = standardize(records.reset_index(drop=True), reference_date="2026-01-01")
    standardize_s = time.perf_counter() - t
    return _report(frame, person, standardize_s)


def run_folder(folder: Path) -> dict[str, Any]:
    """Per-pass pair completeness on the CSV files of a ``migrant-records generate`` folder."""
    from migrant_records.pipeline import prepare_inputs

    skip = {"truth", "programmes", "participations", "placements", "people"}
    files = sorted(p for p in folder.glob("*.csv") if p.stem not in skip)
    frames = [pd.read_csv(f, dtype=str, keep_default_na=False, na_values=[""]) for f in files]
    t = time.perf_counter()
    frame = prepare_inputs(pd.concat(frames, ignore_index=True), collapse_copies=True).left
    standardize_s = time.perf_counter() - t
    truth = pd.read_csv(folder / "truth.csv", dtype=str)
    person = frame[["source", "record_id"]].merge(truth, how="left")["person_id"].to_numpy()
    return _report(frame, person, standardize_s)


def _report(frame: pd.DataFrame, person: np.ndarray, standardize_s: float) -> dict[str, Any]:
    passes = default_blocking(frame)
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BlockingWarning)
        report = blocking_report(passes, frame, true_match=person)
    return {
        "records": len(frame),
        "standardize_seconds": round(standardize_s, 2),
        "blocking_seconds": round(time.perf_counter() - t, 2),
        "candidate_pairs": report.total_candidates,
        "pair_completeness": round(report.pair_completeness or 0.0, 5),
        "passes": report.passes.to_dict(orient="records"),
    }


def markdown(result: dict[str, Any]) -> str:
    """The per-pass table as in ``docs/blocking.md``."""
    lines = [
        "| pass | candidate pairs | new pairs | true pairs among the new "
        "| pair completeness after it |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for row in result["passes"]:
        lines.append(
            f"| `{row['pass']}` | {row['pairs']:,} | {row['new']:,} "
            f"| {row['true_pairs_new']:,} | {row['pair_completeness']:.4f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    out = run_folder(Path(args[0])) if args else run(quick="--quick" in sys.argv[1:])
    print(markdown(out) if "--markdown" in sys.argv[1:] else json.dumps(out, indent=1, default=str))
