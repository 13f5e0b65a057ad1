"""The machine a benchmark runs on: CPU, memory, OS, library versions and the load.

Named in the header of ``benchmarks/RESULTS.md`` (``report.write_report``) and of the A/B
section (``benchmarks/ab.py``).
"""

from __future__ import annotations

import os
import platform
from importlib import metadata
from pathlib import Path

PACKAGES = ("migrant-records", "recordlinkage", "splink", "duckdb", "pandas", "numpy", "rapidfuzz")


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


def _load_line() -> str:
    """The 1-minute load average now, as a sentence."""
    if not hasattr(os, "getloadavg"):
        return ""
    return f"1-minute load average at the start {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
