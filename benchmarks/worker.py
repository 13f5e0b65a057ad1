"""One benchmark spec in a fresh process: ``benchmarks/competitors.py SPEC.json``.

A fresh process per library and dataset (or per micro-benchmark module) makes every run start
cold and its peak resident memory its own. ``benchmarks/run.py`` calls :func:`_worker` for the
``compare``, ``micro`` and ``cli --cli-splink`` runs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent


def _worker(
    spec: dict[str, Any], workdir: Path, timeout: float, src: Path | None = None
) -> tuple[dict[str, Any], float]:
    """Run ``competitors.py`` on ``spec`` in a fresh process; the result dict and wall time.

    ``src``: a ``src/`` folder to import ``migrant_records`` from instead of the installed one.
    """
    tag = f"{spec.get('dataset', spec.get('module'))}.{spec['library']}".replace("/", "_")
    spec = {**spec, "out": str(workdir / tag)}
    spec_path = workdir / f"{tag}.spec.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    paths = [str(HERE), *([str(src)] if src is not None else [])]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([*paths, os.environ.get("PYTHONPATH", "")]),
    }
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, str(HERE / "competitors.py"), str(spec_path)],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            cwd=str(HERE.parent),
        )
    except subprocess.TimeoutExpired:
        return {"status": "timeout", "note": f"stopped after {timeout:.0f} s"}, timeout
    wall = time.perf_counter() - t0
    result_path = workdir / f"{tag}.json"
    if not result_path.exists():
        tail = (proc.stderr or "").strip().splitlines()[-1:] or [f"exit code {proc.returncode}"]
        return {"status": "error", "note": f"worker crashed: {tail[0][:300]}"}, wall
    result: dict[str, Any] = json.loads(result_path.read_text(encoding="utf-8"))
    npz = workdir / f"{tag}.npz"
    if npz.exists():
        with np.load(npz) as arrays:
            result["arrays"] = {k: arrays[k] for k in arrays.files}
    return result, wall
