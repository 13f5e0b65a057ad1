"""The command line answers bad input with one line (what, which file, what to do), exit 2."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from migrant_records.cli import main


@pytest.fixture(scope="module")
def two_files(small_synth, tmp_path_factory) -> tuple[Path, Path]:  # type: ignore[no-untyped-def]
    """Two CSV files of synthetic records that share people (so there are pairs to score)."""
    folder = tmp_path_factory.mktemp("inputs")
    frames = list(small_synth.sources.values())
    a, b = folder / "a.csv", folder / "b.csv"
    frames[0].to_csv(a, index=False)
    frames[1].to_csv(b, index=False)
    return a, b


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(args)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _error_line(err: str) -> str:
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, err
    return lines[0]


def test_unreadable_input_file(
    two_files: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a, _ = two_files
    locked = tmp_path / "locked.csv"
    locked.write_bytes(a.read_bytes())
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == "locked.csv":  # what an unreadable file (chmod 000) raises
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    status, _, err = _run(["dedupe", str(locked), "--out", str(tmp_path / "out")], capsys)
    assert status == 2
    line = _error_line(err)
    assert "locked.csv" in line and "Permission denied" in line and "may read" in line


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root may read any file"
)
def test_really_unreadable_input_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    locked = tmp_path / "locked.csv"
    locked.write_text("SUMBER,NAMA\nK,Siti\n")
    locked.chmod(0)
    try:
        status, _, err = _run(["validate", str(locked)], capsys)
    finally:
        locked.chmod(0o600)
    assert status == 2
    line = _error_line(err)
    assert "locked.csv" in line and "Permission denied" in line


def test_out_is_an_existing_file(
    two_files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = two_files
    target = tmp_path / "out.txt"
    target.write_text("mine")
    status, _, err = _run(["dedupe", str(a), str(b), "--out", str(target)], capsys)
    assert status == 2
    line = _error_line(err)
    assert str(target) in line and "existing file" in line and "folder" in line
    assert target.read_text() == "mine"


def test_out_in_a_read_only_folder(
    two_files: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import migrant_records.io.output as output

    a, b = two_files
    readonly = tmp_path / "ro"
    readonly.mkdir()

    def refuse(*args: object, **kwargs: object) -> str:  # what a read-only folder raises
        raise PermissionError(13, "Permission denied", str(readonly / ".out.tmp-x"))

    monkeypatch.setattr(output.tempfile, "mkdtemp", refuse)
    status, _, err = _run(["dedupe", str(a), str(b), "--out", str(readonly / "out")], capsys)
    assert status == 2
    line = _error_line(err)
    assert "Permission denied" in line and str(readonly) in line and "may write" in line
    assert not (readonly / "out").exists()


def test_clusters_csv_is_a_folder(
    two_files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = two_files
    out = tmp_path / "out"
    (out / "clusters.csv").mkdir(parents=True)
    status, _, err = _run(["dedupe", str(a), str(b), "--out", str(out)], capsys)
    assert status == 2
    line = _error_line(err)
    assert "clusters.csv" in line and str(out) in line
    assert (out / "clusters.csv").is_dir()  # the user's folder is left alone


def test_model_file_that_is_not_utf8(
    two_files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = two_files
    model = tmp_path / "model.json"
    model.write_bytes(b'{"format": "\xff\xfe migrant"}')
    status, _, err = _run(
        ["dedupe", str(a), str(b), "--model", str(model), "--out", str(tmp_path / "o")], capsys
    )
    assert status == 2
    line = _error_line(err)
    assert str(model) in line and "not UTF-8" in line


def _truncated_xlsx(path: Path) -> None:
    pd.DataFrame({"NAMA": ["Siti", "Budi"], "NIK": ["1", "2"]}).to_excel(path, index=False)
    with zipfile.ZipFile(path) as z:
        members = {name: z.read(name) for name in z.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    members[sheet] = members[sheet][: len(members[sheet]) // 2]  # the sheet XML is cut short
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)


def test_truncated_xlsx(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "cut.xlsx"
    _truncated_xlsx(path)
    status, _, err = _run(["validate", str(path), "--source", "KP2MI"], capsys)
    assert status == 2
    line = _error_line(err)
    assert "cut.xlsx" in line and "damaged" in line and "Save As" in line


def test_a_bug_is_exit_1_without_traceback_and_debug_shows_it(
    two_files: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from migrant_records import matcher

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(matcher.Matcher, "dedupe", broken)
    a, _ = two_files
    status, _, err = _run(["dedupe", str(a), "--out", str(tmp_path / "o")], capsys)
    assert status == 1
    line = _error_line(err)
    assert "bug" in line and "--debug" in line and "boom" in line
    for args in (["--debug", "dedupe"], ["dedupe", "--debug"]):
        status = main([*args, str(a), "--out", str(tmp_path / "o")])
        err = capsys.readouterr().err
        assert status == 1 and "Traceback" in err and "RuntimeError: boom" in err


def test_header_only_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("SUMBER,ID,NAMA,NIK\n")
    status, _, err = _run(["dedupe", str(path), "--out", str(tmp_path / "o")], capsys)
    assert status == 2
    line = _error_line(err)
    assert "no records to match" in line and "empty.csv" in line and "no data rows" in line
    assert "comparator" not in line


def test_every_row_rejected(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("SUMBER,ID,NAMA,NIK\nK,1,,1\nK,2,123,2\nK,3,  ,3\n")
    out = tmp_path / "o"
    status, _, err = _run(["dedupe", str(path), "--out", str(out)], capsys)
    assert status == 2
    line = _error_line(err)
    assert "no records left after validation: 3 rejected" in line
    assert f"see {out / 'rejects.csv'}" in line and "comparator" not in line
    rejects = pd.read_csv(out / "rejects.csv")
    assert sorted(rejects["reason"]) == ["blank_full_name", "blank_full_name", "invalid_full_name"]


def test_empty_side_of_a_link(
    two_files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, _ = two_files
    empty = tmp_path / "right.csv"
    empty.write_text("SUMBER,ID,NAMA\n")
    status, _, err = _run(["link", str(a), str(empty), "--out", str(tmp_path / "o")], capsys)
    assert status == 2
    line = _error_line(err)
    assert "right input" in line and "right.csv" in line and "no data rows" in line


def test_names_only_file_gets_a_command_line_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "names.csv"
    path.write_text("SUMBER,ID,NAMA\nK,1,Siti Aminah\nK,2,Siti Aminah\nK,3,Budi\n")
    status, _, err = _run(["dedupe", str(path), "--out", str(tmp_path / "o")], capsys)
    assert status == 2
    line = _error_line(err)
    assert "blocking=" not in line and "Matcher(" not in line
    assert "NIK, phone or birth date" in line and "migrant-records validate" in line


def test_bad_participations_table(
    two_files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = two_files
    table = tmp_path / "p.csv"
    table.write_bytes(b"person,programme\n\xff\xfe,1\n")
    args = ["dedupe", str(a), str(b), "--participations", str(table)]
    status, _, err = _run([*args, "--out", str(tmp_path / "o")], capsys)
    assert status == 2
    assert "p.csv" in _error_line(err)


def test_two_files_of_one_source_without_ids(
    small_synth,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    frames = list(small_synth.sources.values())
    cols = ["full_name", "nik", "birth_date", "sex", "phone", "regency"]
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    # one source, no id column: ids used to be row numbers in both files
    frames[0][cols].assign(source="KP2MI").to_csv(a, index=False)
    frames[1][cols].assign(source="KP2MI").to_csv(b, index=False)
    n = len(frames[0]) + len(frames[1])
    for command in ("link", "dedupe"):
        out = tmp_path / command
        status, _, err = _run([command, str(a), str(b), "--out", str(out)], capsys)
        assert status == 0, err
        clusters = pd.read_csv(out / "clusters.csv", dtype=str)
        assert len(clusters) == n
        assert not clusters.duplicated(["source", "record_id"]).any()
        assert len(pd.read_csv(out / "rejects.csv")) == 0
        assert clusters["record_id"].str.fullmatch(r"[0-9a-f]{8}-\d+").all()
