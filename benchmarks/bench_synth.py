"""Benchmark the synthetic data generator: ``generate(people=1_000_000)``.

Reports the wall time, people and records per second, records per source, and the peak
resident memory of the process (and its growth during generation), then the time to write
the CSV files.

Run:
    python benchmarks/bench_synth.py          # 1,000,000 people
    python benchmarks/bench_synth.py --quick  # 100,000 people
"""

from __future__ import annotations

import gc
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

from migrant_records.synth import generate, write_dataset


def _peak_rss_mib() -> float:
    """Peak resident set size of this process so far (MiB, Linux ``ru_maxrss`` is KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(quick: bool = False, write: bool = False) -> dict[str, object]:
    """Time ``generate`` on 1,000,000 people (100,000 with ``quick``).

    Args:
        quick: Use 100,000 people.
        write: Also time ``write_dataset`` into a temporary folder.

    Returns:
        A dict of measurements (seconds, people/s, records, peak memory in MiB).
    """
    people = 100_000 if quick else 1_000_000
    generate(people=200, seed=0)  # load the region reference data once
    gc.collect()
    before = _peak_rss_mib()
    start = time.perf_counter()
    data = generate(people=people, seed=0)
    seconds = time.perf_counter() - start
    peak = _peak_rss_mib()
    records = sum(len(f) for f in data.sources.values())
    out: dict[str, object] = {
        "benchmark": "synth.generate",
        "people": people,
        "records": records,
        "records_per_source": {k: len(v) for k, v in data.sources.items()},
        "seconds": round(seconds, 2),
        "people_per_second": round(people / seconds),
        "records_per_second": round(records / seconds),
        "peak_rss_mib": round(peak, 1),
        "peak_rss_growth_mib": round(peak - before, 1),
    }
    if write:
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            paths = write_dataset(data, tmp)
            out["write_seconds"] = round(time.perf_counter() - start, 2)
            out["written_mib"] = round(sum(p.stat().st_size for p in paths) / 2**20, 1)
            out["files"] = [Path(p).name for p in paths]
    return out


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv, write="--write" in sys.argv), indent=2))
