"""Property: whatever the files look like, every row ends in the clusters or the rejects.

Random small frames of people (some recorded several times, some rows broken) are written as
CSV (random encoding and delimiter), XLSX or Parquet with a random id layout, and run through
``migrant-records dedupe`` (or ``link`` of two of the files). The command never shows a
traceback; when it succeeds, accepted + rejected rows equal the input rows, every accepted
record is in the clusters exactly once, and every broken row is among the rejects; when a
side holds only broken rows it says so in one line and writes the rejects.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migrant_records.cli import main

PEOPLE = [
    ("Siti Aminah", "3201014101900001", "1990-01-01", "P", "081234567801", "KAB. BOGOR"),
    ("José Núñez", "3201021205910002", "1991-05-12", "L", "081234567802", "KAB. BOGOR"),
    ("Wayan Sudirta", "5103011507880003", "1988-07-15", "L", "081234567803", "KAB. BADUNG"),
    ("Ni Luh Putu Ayu", "5103014408920004", "1992-08-04", "P", "081234567804", "KAB. BADUNG"),
    ("Nur \u201cUcok\u201d Rohani", "5202065101970005", "1997-01-11", "P", None, "LOMBOK TENGAH"),
    ("Bambang Œmar", "3578012003850006", "1985-03-20", "L", "081234567806", "KOTA SURABAYA"),
    ("Dewi Lestari", "3273014506930007", None, "P", "081234567807", "KOTA BANDUNG"),
    ("Agus Salim", "1371011010800008", "1980-10-10", "L", "081234567808", None),
]
COLUMNS = ("full_name", "nik", "birth_date", "sex", "phone", "regency")
HEADERS = {
    "full_name": ["NAMA LENGKAP", "full_name", "Nama"],
    "nik": ["NIK", "NO KTP", "nik"],
    "birth_date": ["TGL LAHIR", "birth_date"],
    "sex": ["JK", "sex"],
    "phone": ["NO HP", "phone"],
    "regency": ["KAB/KOTA", "regency"],
}
JUNK_NAMES = ["", "   ", "12345", "-"]


def _variant(name: str, k: int) -> str:
    """A keying variant of a name that keeps the NIK: upper case, a dropped letter."""
    return [name, name.upper(), name[:-1], name.lower()][k % 4]


@st.composite
def _inputs(draw: st.DrawFn) -> dict[str, object]:
    n_people = draw(st.integers(2, 6))
    people = draw(st.permutations(PEOPLE))[:n_people]
    rows: list[dict[str, object]] = []
    for p, person in enumerate(people):
        copies = draw(st.integers(1, 3)) if p >= 2 else draw(st.integers(2, 3))
        for k in range(copies):
            row = dict(zip(COLUMNS, person))
            # the first two people always appear twice with a keying variant: pairs to score
            exact = draw(st.booleans()) if p >= 2 else False
            if k and not exact:
                row["full_name"] = _variant(str(person[0]), k)
            rows.append(row)
    n_junk = draw(st.integers(0, 3))
    for _ in range(n_junk):
        row = dict(zip(COLUMNS, draw(st.sampled_from(PEOPLE))))
        row["full_name"] = draw(st.sampled_from(JUNK_NAMES))
        rows.append(row)
    order = draw(st.permutations(range(len(rows))))
    frame = pd.DataFrame([rows[k] for k in order], columns=list(COLUMNS))
    frame.insert(0, "SUMBER", draw(st.sampled_from(["KP2MI", "BPS"])))
    n_files = draw(st.integers(1, 3))
    cuts = sorted(draw(st.lists(st.integers(1, len(frame) - 1), max_size=n_files - 1)))
    files = []
    for part in [frame.iloc[a:b] for a, b in zip([0, *cuts], [*cuts, len(frame)])]:
        if part.empty:
            continue
        files.append(
            {
                "frame": part.reset_index(drop=True),
                "format": draw(st.sampled_from(["csv", "csv", "xlsx", "parquet"])),
                "encoding": draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"])),
                "sep": draw(st.sampled_from([",", ";", "\t", "|"])),
                "ids": draw(st.sampled_from(["none", "unique", "row_numbers", "repeated"])),
                "headers": {c: draw(st.sampled_from(HEADERS[c])) for c in COLUMNS},
                "unused_list": draw(st.booleans()),
            }
        )
    link = len(files) >= 2 and draw(st.booleans())
    if link:  # link the first two files; the others are not read
        files = files[:2]
    frames = [f["frame"] for f in files]
    n_rows = sum(len(f) for f in frames)  # type: ignore[arg-type]
    n_junk = sum(int(f["full_name"].isin(JUNK_NAMES).sum()) for f in frames)  # type: ignore[index]
    return {
        "files": files,
        "n_rows": n_rows,
        "n_junk": n_junk,
        "command": "link" if link else "dedupe",
    }


def _write(spec: dict[str, object], folder: Path, k: int) -> Path:
    frame = spec["frame"].copy()  # type: ignore[attr-defined]
    ids = spec["ids"]
    if ids == "unique":
        frame.insert(1, "ID", [f"F{k}-{i}" for i in range(len(frame))])
    elif ids == "row_numbers":  # numbered 1..n in every file: collides across files
        frame.insert(1, "NO", [str(i + 1) for i in range(len(frame))])
    elif ids == "repeated":  # an id used twice inside the file
        frame.insert(1, "ID", [f"R{min(i, 1)}" if i < 3 else f"R{i}" for i in range(len(frame))])
    frame = frame.rename(columns=spec["headers"])  # type: ignore[arg-type]
    fmt = spec["format"]
    if fmt == "parquet":
        if spec["unused_list"]:
            frame["TAGS"] = [["a", str(i)] for i in range(len(frame))]
        path = folder / f"in{k}.parquet"
        frame.to_parquet(path, index=False)
    elif fmt == "xlsx":
        path = folder / f"in{k}.xlsx"
        frame.to_excel(path, index=False)
    else:
        path = folder / f"in{k}.csv"
        frame.to_csv(path, index=False, sep=str(spec["sep"]), encoding=str(spec["encoding"]))
    return path


@pytest.mark.filterwarnings("ignore")
@settings(
    max_examples=12,
    derandomize=True,  # the same examples on every run and machine
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
@given(inputs=_inputs())
def test_dedupe_and_link_keep_every_row_and_never_show_a_traceback(
    inputs: dict[str, object], capsys: pytest.CaptureFixture[str]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = inputs["files"]
        paths = [_write(spec, folder, k) for k, spec in enumerate(files)]  # type: ignore[arg-type]
        out = folder / "out"
        capsys.readouterr()
        command = str(inputs["command"])
        status = main([command, *map(str, paths), "--out", str(out), "--no-progress"])
        err = capsys.readouterr().err
        assert "Traceback" not in err
        if status == 2:  # a side (or every file) held only broken rows: refused, rejects kept
            errors = [line for line in err.splitlines() if line.startswith("error: ")]
            assert len(errors) == 1, err
            assert errors[0].startswith("error: no records left after validation"), err
            assert (out / "rejects.csv").exists()
            return
        assert status == 0, err
        clusters = pd.read_csv(out / "clusters.csv", dtype=str, keep_default_na=False)
        rejects = pd.read_csv(out / "rejects.csv", dtype=str, keep_default_na=False)
        assert len(clusters) + len(rejects) == inputs["n_rows"]
        assert not clusters.duplicated(["source", "record_id"]).any()
        assert len(rejects) >= inputs["n_junk"]  # type: ignore[operator]
        reasons = set(rejects["reason"]) if len(rejects) else set()
        assert reasons <= {"blank_full_name", "invalid_full_name", "duplicate_record_id"}
