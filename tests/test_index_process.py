"""The person index across processes: a crash mid-add, concurrent adders, the CLI."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

import migrant_records as mr
from migrant_records.cli import main
from migrant_records.index import PersonIndex
from migrant_records.synth import generate


@pytest.fixture(scope="module")
def months(tmp_path_factory):  # type: ignore[no-untyped-def]
    """Three batches of synthetic records as CSV files, and a matcher trained on them."""
    folder = tmp_path_factory.mktemp("months")
    records = generate(people=300, seed=17).records()
    records = records.sample(frac=1.0, random_state=2).reset_index(drop=True)
    paths = []
    for n, part in enumerate((records.iloc[:200], records.iloc[200:350], records.iloc[350:])):
        path = folder / f"month{n + 1}.csv"
        part.to_csv(path, index=False)
        paths.append(path)
    matcher = mr.Matcher(progress=False, u_sample_pairs=250_000)
    matcher.fit(records)
    model = matcher.save(folder / "model.json")
    return paths, model


def _script(body: str) -> str:
    return textwrap.dedent(body)


_ADD = """
import sys
from migrant_records.index import PersonIndex
with PersonIndex.open(sys.argv[1], timeout=120) as index:
    index.add(sys.argv[2])
print("done", flush=True)
"""

_ADD_THEN_HANG = """
import sys, time
import migrant_records.index.apply as apply
from migrant_records.index import PersonIndex
real = apply.assign_ids
def hang(*args, **kwargs):
    out = real(*args, **kwargs)
    print("middle of add", flush=True)
    time.sleep(120)
    return out
apply.assign_ids = hang
with PersonIndex.open(sys.argv[1]) as index:
    index.add(sys.argv[2])
"""


def _run(code: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _state(target: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    with PersonIndex.open(target) as index:
        return index.crosswalk(), index.persons(), index.history()


def test_a_process_killed_mid_add_leaves_the_index_as_it_was(index_target, months):  # type: ignore[no-untyped-def]
    paths, model = months
    matcher = mr.Matcher.load(model)
    with PersonIndex.create(index_target, matcher) as index:
        index.add(paths[0])
    before = _state(index_target)
    proc = _run(_ADD_THEN_HANG, index_target, str(paths[1]))
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip() == "middle of add", proc.stderr.read() if proc.stderr else ""
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    after = _state(index_target)
    for old, new in zip(before, after):
        pd.testing.assert_frame_equal(old, new)
    with PersonIndex.open(index_target) as index:  # and it still works
        changes = index.add(paths[1])
        assert changes.summary()["attach"] == 150


def test_two_processes_adding_at_once_both_land(index_target, months):  # type: ignore[no-untyped-def]
    paths, model = months
    matcher = mr.Matcher.load(model)
    PersonIndex.create(index_target, matcher).close()
    procs = [_run(_ADD, index_target, str(p)) for p in paths[1:]]
    outs = [p.communicate(timeout=300) for p in procs]
    for proc, (out, err) in zip(procs, outs):
        assert proc.returncode == 0, err
        assert out.strip() == "done"
    crosswalk, persons, history = _state(index_target)
    expected = sum(len(pd.read_csv(p)) for p in paths[1:])
    assert len(crosswalk) == expected
    assert not crosswalk.duplicated(["source", "record_id"]).any()
    assert set(crosswalk["person_id"]) <= set(
        persons.loc[persons["status"] == "active", "person_id"]
    )
    assert (history["event"] == "attach").sum() == expected


def test_a_busy_duckdb_index_fails_cleanly(tmp_path: Path, months) -> None:  # type: ignore[no-untyped-def]
    from migrant_records.index import IndexBusyError

    _, model = months
    target = str(tmp_path / "busy.duckdb")
    PersonIndex.create(target, mr.Matcher.load(model)).close()
    holder = _run(
        "import sys, time\nfrom migrant_records.index import PersonIndex\n"
        "index = PersonIndex.open(sys.argv[1])\nprint('open', flush=True)\ntime.sleep(60)\n",
        target,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "open"
    try:
        start = time.monotonic()
        with pytest.raises(IndexBusyError, match="in use by another process"):
            PersonIndex.open(target, timeout=1)
        assert time.monotonic() - start < 30
    finally:
        holder.kill()
        holder.wait(timeout=30)


def test_cli_create_add_lookup_remove_export_history(
    tmp_path: Path, months, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    paths, model = months
    target = str(tmp_path / "cli.duckdb")
    assert main(["index", "create", target, str(paths[0]), "--model", str(model)]) == 0
    assert "200 records" in capsys.readouterr().out
    changes = tmp_path / "changes.csv"
    assert main(["index", "add", target, str(paths[1]), "--changes", str(changes)]) == 0
    out = capsys.readouterr().out
    assert "records attached    150" in out
    events = pd.read_csv(changes)
    assert (events["event"] == "attach").sum() == 150
    report = tmp_path / "report.html"
    assert main(["index", "report", target, "--out", str(report)]) == 0
    out = capsys.readouterr().out
    assert "changes since last run: run 2 (add)" in out and "records attached    150" in out
    assert 'id="changes-attach"' in report.read_text(encoding="utf-8")
    first = pd.read_csv(paths[1], dtype=str).head(1)
    probe = tmp_path / "probe.csv"
    first.drop(columns=["source", "record_id"]).to_csv(probe, index=False)
    found = tmp_path / "found.csv"
    assert main(["index", "lookup", target, str(probe), "--out", str(found)]) == 0
    crosswalk = tmp_path / "crosswalk.csv"
    assert main(["index", "export", target, "--out", str(crosswalk)]) == 0
    cw = pd.read_csv(crosswalk, dtype=str)
    mine = cw.merge(first[["source", "record_id"]], on=["source", "record_id"])
    assert mine["person_id"].iloc[0] in pd.read_csv(found)["person_id"].tolist()
    keys = tmp_path / "keys.csv"
    first[["source", "record_id"]].to_csv(keys, index=False)
    capsys.readouterr()
    assert main(["index", "remove", target, str(keys)]) == 0
    assert "records erased      1" in capsys.readouterr().out
    assert main(["index", "export", target, "--out", str(crosswalk)]) == 0
    assert len(pd.read_csv(crosswalk)) == 349
    history = tmp_path / "history.csv"
    person = mine["person_id"].iloc[0]
    assert main(["index", "history", target, "--person", person, "--out", str(history)]) == 0
    assert "erase" in pd.read_csv(history)["event"].tolist()


def test_cli_errors_are_messages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["index", "add", str(tmp_path / "none.duckdb"), "x.csv"]) == 2
    assert "No index at" in capsys.readouterr().err
    assert main(["index", "create", str(tmp_path / "new.duckdb")]) == 2
    assert "--model" in capsys.readouterr().err
