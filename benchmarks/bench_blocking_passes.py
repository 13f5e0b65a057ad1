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
from typing import Any

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


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv[1:]), indent=1, default=str))
