"""Benchmark ingestion: ``read_records`` on a large canonical CSV and on a DataFrame.

Builds a realistic canonical CSV (1,000,000 rows by default, 200,000 with ``quick``) with a
few deliberately bad rows, then times reading it from the file and from an all-string
DataFrame, reporting rows per second and peak memory.

Run:
    python benchmarks/bench_ingest.py          # 1M rows
    python benchmarks/bench_ingest.py --quick  # 200k rows
"""

from __future__ import annotations

import gc
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from migrant_records.io import read_records
from migrant_records.schemas import CANONICAL_COLUMNS

_FIRST = np.array(
    [
        "Siti",
        "Nur",
        "Ahmad",
        "Muhammad",
        "Dewi",
        "Sri",
        "Wayan",
        "Made",
        "Putu",
        "Agus",
        "Budi",
        "Rina",
        "Yuliana",
        "Kadek",
        "Eko",
        "Slamet",
        "Suparman",
        "Lestari",
        "Wulan",
        "Fitri",
        "Indah",
        "Ratna",
        "Joko",
        "Bambang",
        "Hendra",
        "Rudi",
        "Tri",
        "Dwi",
    ]
)
_LAST = np.array(
    [
        "Aminah",
        "Hidayat",
        "Santoso",
        "Wijaya",
        "Lestari",
        "Rahayu",
        "Saputra",
        "Kusuma",
        "Setiawan",
        "Pratama",
        "Sari",
        "Nurhayati",
        "Susanti",
        "Wati",
        "Purnomo",
        "Gunawan",
        "Haryanto",
        "Suryani",
        "Handayani",
        "Fauzi",
    ]
)
_PLACES = np.array(
    [
        "Indramayu",
        "Cirebon",
        "Cilacap",
        "Kendal",
        "Lombok",
        "Timur",
        "Blitar",
        "Malang",
        "Ponorogo",
        "Tulungagung",
        "Banyuwangi",
        "Sumbawa",
        "Karawang",
        "Subang",
        "Cianjur",
    ]
)
_PROVINCES = np.array(["JAWA BARAT", "JAWA TENGAH", "JAWA TIMUR", "NUSA TENGGARA BARAT"])


def build_frame(rows: int, seed: int = 0) -> pd.DataFrame:
    """Build an all-string canonical frame with realistic values and a few bad rows.

    Args:
        rows: Number of rows.
        seed: Random seed.

    Returns:
        The frame (canonical columns, strings).
    """
    rng = np.random.default_rng(seed)
    n = rows
    first = rng.choice(_FIRST, n)
    last = rng.choice(_LAST, n)
    names = np.char.add(np.char.add(first, " "), last)
    day = rng.integers(1, 29, n)
    month = rng.integers(1, 13, n)
    year = rng.integers(1965, 2005, n)
    female = rng.random(n) < 0.6
    nik_day = np.where(female, day + 40, day)
    nik = [
        f"{p:02d}{k:02d}{c:02d}{d:02d}{m:02d}{y % 100:02d}{s:04d}"
        for p, k, c, d, m, y, s in zip(
            rng.choice([32, 33, 35, 52], n),
            rng.integers(1, 30, n),
            rng.integers(1, 40, n),
            nik_day,
            month,
            year,
            rng.integers(1, 9999, n),
        )
    ]
    frame = pd.DataFrame(
        {
            "source": "KP2MI",
            "record_id": [f"P{i:08d}" for i in range(n)],
            "nik": nik,
            "full_name": names,
            "sex": np.where(female, "P", "L"),
            "birth_date": [f"{d:02d}-{m:02d}-{y}" for d, m, y in zip(day, month, year)],
            "birth_place": rng.choice(_PLACES, n),
            "phone": [f"08{v:010d}" for v in rng.integers(10**9, 10**10, n)],
            "passport_no": [f"C{v:07d}" for v in rng.integers(0, 10**7, n)],
            "address": [
                f"JL. MERDEKA NO. {v} RT 0{v % 9 + 1}/RW 0{v % 7 + 1}"
                for v in rng.integers(1, 300, n)
            ],
            "village": rng.choice(["SUKAMAJU", "MEKARSARI", "SIDOREJO", "KARANGANYAR"], n),
            "district": rng.choice(["KEDUNGWUNI", "JATIBARANG", "SUMBER", "PATROL"], n),
            "regency": rng.choice(_PLACES, n),
            "province": rng.choice(_PROVINCES, n),
            "mother_name": np.char.add("Ibu ", rng.choice(_LAST, n)),
        },
        columns=list(CANONICAL_COLUMNS),
    )
    # a few bad rows: blank names, digit-only names, duplicate ids, over-long address
    bad = rng.choice(n, size=min(n, 40), replace=False)
    frame.loc[bad[:10], "full_name"] = ""
    frame.loc[bad[10:20], "full_name"] = "12345"
    good = np.setdiff1d(np.arange(min(n, 100)), bad)[:10]
    frame.loc[bad[20 : 20 + len(good)], "record_id"] = frame.loc[good, "record_id"].to_numpy()
    frame.loc[bad[30:], "address"] = "X" * 600
    return frame


def _rss_mib() -> float:
    try:
        with open("/proc/self/statm") as handle:
            pages = int(handle.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):  # not Linux: fall back to the process peak
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(fn: Callable[[], Any]) -> tuple[float, float, float, Any]:
    """Run ``fn``; return (wall s, CPU s, peak RSS growth in MiB sampled every 10 ms, result)."""
    base = _rss_mib()
    peak = base
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _rss_mib())
            time.sleep(0.01)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    start, cpu_start = time.perf_counter(), time.process_time()
    result = fn()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    done.set()
    thread.join()
    peak = max(peak, _rss_mib())
    return seconds, cpu, peak - base, result


def run(quick: bool = False) -> dict[str, object]:
    """Time ``read_records`` on a CSV file and on a DataFrame.

    Args:
        quick: Use 200,000 rows instead of 1,000,000.

    Returns:
        Rows, wall seconds, CPU seconds (all threads), rows per second and peak
        resident-memory growth (MiB, includes the returned records) for both paths, plus
        record and reject counts.
    """
    rows = 200_000 if quick else 1_000_000
    frame = build_frame(rows)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "records.csv"
        frame.to_csv(path, index=False)
        size_mb = path.stat().st_size / 2**20
        gc.collect()
        csv_s, csv_cpu, csv_mem, batch = _timed(lambda: read_records(path))
    gc.collect()
    df_s, df_cpu, df_mem, batch_df = _timed(lambda: read_records(frame))
    assert batch.n_records + batch.n_rejected == rows
    return {
        "rows": rows,
        "csv_mb": round(size_mb, 1),
        "csv_seconds": round(csv_s, 2),
        "csv_rows_per_s": int(rows / csv_s),
        "csv_cpu_seconds": round(csv_cpu, 2),
        "csv_peak_rss_growth_mib": round(csv_mem, 1),
        "frame_seconds": round(df_s, 2),
        "frame_rows_per_s": int(rows / df_s),
        "frame_cpu_seconds": round(df_cpu, 2),
        "frame_peak_rss_growth_mib": round(df_mem, 1),
        "records": batch.n_records,
        "rejected": batch.n_rejected,
        "rejects_by_reason": batch.rejects_by_reason(),
        "frame_records": batch_df.n_records,
    }


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv[1:]), indent=2))
