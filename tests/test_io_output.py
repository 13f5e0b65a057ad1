"""The output folder is replaced all at once: a killed run leaves the previous output or none."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from migrant_records.errors import OutputError
from migrant_records.io import atomic_output_dir, check_output_dir

# Runs the command line with MatchResult.write slowed down: after writing its files into the
# temporary folder it announces itself (so the test can kill it there) and waits.
_SLOW_WRITER = """
import pathlib, sys, time
import migrant_records.result as result

marker = pathlib.Path(sys.argv[1])
real_write = result.MatchResult.write

def slow_write(self, out, **options):
    paths = real_write(self, out, **options)
    marker.write_text(str(out))
    time.sleep(120)
    return paths

result.MatchResult.write = slow_write
from migrant_records.cli import main
sys.exit(main(sys.argv[2:]))
"""


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _kill_mid_write(args: list[str], tmp_path: Path) -> None:
    marker = tmp_path / "writing"
    marker.unlink(missing_ok=True)
    script = tmp_path / "slow_cli.py"
    script.write_text(_SLOW_WRITER)
    proc = subprocess.Popen(
        [sys.executable, str(script), str(marker), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 300
        while not marker.exists():
            assert proc.poll() is None, "the run ended before writing its output"
            assert time.monotonic() < deadline, "the run never reached the output"
            time.sleep(0.1)
        partial = Path(marker.read_text())
        assert partial.is_dir() and any(partial.iterdir())  # files half-way written
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()


def test_killed_while_writing_leaves_the_previous_output_or_none(
    small_synth,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    frames = list(small_synth.sources.values())
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    frames[0].to_csv(a, index=False)
    frames[1].to_csv(b, index=False)
    out = tmp_path / "out"

    # killed on its first run: no output folder at all, not a partial one
    _kill_mid_write(["dedupe", str(a), "--out", str(out)], tmp_path)
    assert not out.exists()

    from migrant_records.cli import main

    assert main(["dedupe", str(a), str(b), "--out", str(out)]) == 0
    before = _snapshot(out)
    assert {"clusters.csv", "pairs.parquet", "rejects.csv", "model.json"} <= set(before)

    # killed while writing a different result: the previous complete output is untouched
    _kill_mid_write(["dedupe", str(a), "--out", str(out)], tmp_path)
    assert _snapshot(out) == before

    # the next complete run replaces it as a whole
    assert main(["dedupe", str(a), "--out", str(out)]) == 0
    after = _snapshot(out)
    assert after["clusters.csv"] != before["clusters.csv"]


def test_atomic_output_dir_replaces_or_leaves_alone(tmp_path: Path) -> None:
    out = tmp_path / "res"
    with atomic_output_dir(out) as tmp:
        (tmp / "clusters.csv").write_text("one")
    assert (out / "clusters.csv").read_text() == "one"
    with pytest.raises(RuntimeError), atomic_output_dir(out) as tmp:
        (tmp / "clusters.csv").write_text("two")
        raise RuntimeError("failed half-way")
    assert (out / "clusters.csv").read_text() == "one"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["res"]  # no temporary left
    with atomic_output_dir(out) as tmp:
        (tmp / "model.json").write_text("{}")
    assert sorted(p.name for p in out.iterdir()) == ["model.json"]


def test_output_folder_with_other_files_is_not_replaced(tmp_path: Path) -> None:
    (tmp_path / "data.csv").write_text("precious")
    with pytest.raises(OutputError, match=r"not outputs of migrant-records \(data\.csv\)"):
        check_output_dir(tmp_path)
    with pytest.raises(OutputError, match="existing file"):
        check_output_dir(tmp_path / "data.csv")
    assert (tmp_path / "data.csv").read_text() == "precious"
