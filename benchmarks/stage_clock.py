"""Seconds per stage and peak memory of a benchmark worker process (``competitors.py``).

:class:`_Clock` sums the seconds of each stage and reads the peak resident memory when the
library's last stage ends; :func:`_prepare` is the timed ``prepare`` stage that every library
shares (reading the dataset and the generic cleaning).
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from data import generic_clean, read_records

Result = dict[str, Any]


def _peak_rss_mib() -> float:
    """Peak resident memory of this process image (``VmHWM``), in MiB.

    ``ru_maxrss`` is not used: Linux carries the parent's peak over ``fork`` + ``exec``.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class _Clock:
    """Seconds per stage, accumulated."""

    def __init__(self) -> None:
        self.stages: dict[str, float] = {}
        self.start = time.perf_counter()
        self.peak_mib: float | None = None

    def add(self, stage: str, seconds: float) -> None:
        self.stages[stage] = self.stages.get(stage, 0.0) + float(seconds)

    def time(self, stage: str, func: Callable[[], Any]) -> Any:
        t0 = time.perf_counter()
        out = func()
        self.add(stage, time.perf_counter() - t0)
        return out

    def total(self) -> float:
        """Seconds since the start; also records the peak memory so far (the library's work
        ends here, before the harness's own bookkeeping for accuracy)."""
        self.peak_mib = _peak_rss_mib()
        return time.perf_counter() - self.start


def _prepare(spec: dict[str, Any], clock: _Clock) -> pd.DataFrame:
    """Read the dataset and apply the generic cleaning (timed as ``prepare``)."""
    return clock.time(  # type: ignore[no-any-return]
        "prepare", lambda: generic_clean(read_records(Path(spec["records_path"])))
    )
