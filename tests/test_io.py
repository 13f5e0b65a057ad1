"""Tests for migrant_records.io: readers, header detection, validation and rejects."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migrant_records.cli import main
from migrant_records.cli.reports import validation_text
from migrant_records.errors import ConfigError, InputFileError, SchemaError
from migrant_records.io import (
    HEADER_ALIASES,
    REJECT_COLUMNS,
    Batch,
    detect_mapping,
    read_many,
    read_records,
    validate_file,
    write_rejects,
)
from migrant_records.schemas import CANONICAL_COLUMNS

DATA = Path(__file__).parent / "data"


def _check_invariant(batch: Batch) -> None:
    """Every input row is in records once or in rejects once."""
    assert list(batch.records.columns[: len(CANONICAL_COLUMNS)]) == list(CANONICAL_COLUMNS)
    assert isinstance(batch.records.index, pd.RangeIndex)
    assert list(batch.rejects.columns) == list(REJECT_COLUMNS)
    assert batch.rejects["row"].is_unique
    assert len(batch.records) + batch.rejects["row"].nunique() == batch.n_input
    assert not batch.records.duplicated(["source", "record_id"]).any()
    assert len(batch.row_numbers) == len(batch.records)
    all_rows = set(batch.row_numbers.tolist()) | set(batch.rejects["row"].tolist())
    assert len(all_rows) == batch.n_input


# --------------------------------------------------------------------------- headers


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (
            # SISKOP2MI-style export
            [
                "NO",
                "NAMA PMI",
                "NIK",
                "JENIS KELAMIN",
                "TEMPAT LAHIR",
                "TANGGAL LAHIR",
                "NO HP",
                "NO PASPOR",
                "ALAMAT",
                "DESA/KELURAHAN",
                "KECAMATAN",
                "KABUPATEN/KOTA",
                "PROVINSI",
                "NAMA IBU KANDUNG",
                "NEGARA TUJUAN",
            ],
            {
                "NO": "record_id",
                "NAMA PMI": "full_name",
                "NIK": "nik",
                "JENIS KELAMIN": "sex",
                "TEMPAT LAHIR": "birth_place",
                "TANGGAL LAHIR": "birth_date",
                "NO HP": "phone",
                "NO PASPOR": "passport_no",
                "ALAMAT": "address",
                "DESA/KELURAHAN": "village",
                "KECAMATAN": "district",
                "KABUPATEN/KOTA": "regency",
                "PROVINSI": "province",
                "NAMA IBU KANDUNG": "mother_name",
            },
        ),
        (
            # village programme sheet, lower case and odd punctuation
            [
                "No.",
                "Nama Lengkap",
                "No. KTP",
                "L/P",
                "Tempat/Tgl Lahir",
                "No. Telp",
                "Desa/Kel",
                "Kec.",
                "Kab/Kota",
                "Prov",
            ],
            {
                "No.": "record_id",
                "Nama Lengkap": "full_name",
                "No. KTP": "nik",
                "L/P": "sex",
                "Tempat/Tgl Lahir": "birth_place",
                "No. Telp": "phone",
                "Desa/Kel": "village",
                "Kec.": "district",
                "Kab/Kota": "regency",
                "Prov": "province",
            },
        ),
        (
            # cooperative ministry: ids, TTL, WhatsApp, snake_case
            [
                "id_peserta",
                "nama_peserta",
                "nomor_induk_kependudukan",
                "jk",
                "ttl",
                "wa",
                "kelurahan",
                "kota",
                "nama_ibu",
                "sumber",
            ],
            {
                "id_peserta": "record_id",
                "nama_peserta": "full_name",
                "nomor_induk_kependudukan": "nik",
                "jk": "sex",
                "ttl": "birth_place",
                "wa": "phone",
                "kelurahan": "village",
                "kota": "regency",
                "nama_ibu": "mother_name",
                "sumber": "source",
            },
        ),
        (
            # English headers and the canonical names themselves
            [
                "Record ID",
                "Full Name",
                "Gender",
                "Date of Birth",
                "Phone",
                "Passport",
                "mother_name",
                "source",
            ],
            {
                "Record ID": "record_id",
                "Full Name": "full_name",
                "Gender": "sex",
                "Date of Birth": "birth_date",
                "Phone": "phone",
                "Passport": "passport_no",
                "mother_name": "mother_name",
                "source": "source",
            },
        ),
    ],
)
def test_detect_mapping_real_header_sets(headers: list[str], expected: dict[str, str]) -> None:
    assert detect_mapping(headers) == expected


def test_detect_mapping_prefers_specific_alias_and_passes_others() -> None:
    mapping = detect_mapping(
        ["NO", "ID PESERTA", "NAMA", "NAMA LENGKAP", "HP", "NO. HP", "NAMA IBU"]
    )
    assert mapping == {
        "ID PESERTA": "record_id",
        "NAMA LENGKAP": "full_name",
        "NO. HP": "phone",
        "NAMA IBU": "mother_name",
    }


def test_header_aliases_cover_the_documented_headers() -> None:
    for header in ("NAMA", "NO KTP", "TTL", "KAB/KOTA", "NAMA IBU KANDUNG", "NO. PASPOR", "SUMBER"):
        assert header in HEADER_ALIASES
    assert HEADER_ALIASES["NOMOR INDUK KEPENDUDUKAN"] == "nik"
    assert set(HEADER_ALIASES.values()) == set(CANONICAL_COLUMNS)


# --------------------------------------------------------------------------- reading files


def test_sample_csv_with_bom_semicolons_and_indonesian_headers() -> None:
    batch = read_records(DATA / "kp2mi_sample.csv", source="KP2MI")
    _check_invariant(batch)
    assert batch.info["delimiter"] == ";"
    assert batch.info["encoding"] == "utf-8-sig"  # UTF-8 with a byte-order mark
    assert batch.n_input == 7
    recs = batch.records.set_index("record_id")
    assert recs.loc["1", "nik"] == "0012345678901234"  # leading zeros kept as text
    assert recs.loc["7", "nik"] == "'3201024506920007"  # invalid-looking NIK is not dropped
    # combined TTL kept whole in birth_place and copied to birth_date
    assert recs.loc["1", "birth_place"] == "INDRAMAYU, 12-05-1991"
    assert recs.loc["1", "birth_date"] == "INDRAMAYU, 12-05-1991"
    assert recs.loc["2", "KETERANGAN"] is None  # empty string -> missing
    assert recs.loc["1", "KETERANGAN"] == "PURNA"
    assert batch.records.columns[-1] == "KETERANGAN"
    rejects = batch.rejects.set_index("row")
    assert rejects.loc[3, "reason"] == "blank_full_name"
    assert rejects.loc[5, "reason"] == "duplicate_record_id"
    assert rejects.loc[5, "value"] == "4"
    assert rejects.loc[6, "reason"] == "invalid_full_name"
    assert batch.summary()["rejects_by_reason"] == {
        "blank_full_name": 1,
        "duplicate_record_id": 1,
        "invalid_full_name": 1,
    }


@pytest.mark.parametrize("copies", [1, 400])  # 8 names or 3,200: both sides of _FEW_NAMES
def test_a_name_without_any_letter_is_refused_in_every_script(copies: int) -> None:
    names = ["SITI AMINAH", "12345", "Тарас", "عبد الله", "---", "李娜", "٣٤٥", "ñ."]
    no_letter = {"12345", "---", "٣٤٥"}
    frame = pd.DataFrame({"full_name": names * copies, "record_id": range(8 * copies)})
    batch = read_records(frame, source="S")
    _check_invariant(batch)
    refused = batch.rejects.loc[batch.rejects["reason"] == "invalid_full_name", "value"]
    assert sorted(refused.unique()) == sorted(no_letter)
    assert len(refused) == 3 * copies
    assert set(batch.records["full_name"]) == set(names) - no_letter


def test_latin1_tab_file_falls_back_and_keeps_accents() -> None:
    batch = read_records(DATA / "kemendes_latin1.tsv", source="KEMENDES")
    _check_invariant(batch)
    assert batch.info["encoding"] == "latin-1"
    assert batch.info["delimiter"] == "\t"
    assert batch.records["full_name"].tolist()[:2] == ["José Sánchez Nurdin", "Ñoman Périz"]
    assert batch.records["record_id"].tolist() == ["DME-001", "DME-002", "DME-003"]
    assert batch.records.loc[2, "nik"] is None


def _bad_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "No": ["1", "2", "3", "4", "2", "6", "7", "8"],
            "Nama Lengkap": [
                "Siti Aminah",
                "Budi",
                "",
                "  ",
                "Budi Lagi",
                "0812-555",
                "Dewi",
                "Rina",
            ],
            "NIK": [
                "0012345678901234",
                "3201021205910002",
                "1",
                "2",
                "3",
                "not a nik",
                "007",
                "x" * 501,
            ],
            "Alamat": ["Jl. A", "Jl. B", "", "", "", "", "A" * 600, "Jl. C"],
        }
    )


EXPECTED_BAD = {
    3: "blank_full_name",
    4: "blank_full_name",
    5: "duplicate_record_id",
    6: "invalid_full_name",
    7: "too_long:address",
    8: "too_long:nik",
}


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet", "frame"])
def test_rows_invariant_for_every_reader(fmt: str, tmp_path: Path) -> None:
    frame = _bad_frame()
    src: Path | pd.DataFrame = frame
    if fmt != "frame":
        src = tmp_path / f"in.{fmt}"
        if fmt == "csv":
            frame.to_csv(src, index=False)
        elif fmt == "xlsx":
            frame.to_excel(src, index=False)
        else:
            frame.to_parquet(src, index=False)
    batch = read_records(src, source="BPS")
    _check_invariant(batch)
    assert batch.n_input == 8
    assert dict(zip(batch.rejects["row"], batch.rejects["reason"])) == EXPECTED_BAD
    assert batch.records["record_id"].tolist() == ["1", "2"]
    assert batch.records["nik"].tolist() == ["0012345678901234", "3201021205910002"]
    assert (batch.rejects["source"] == "BPS").all()
    assert batch.rejects.loc[batch.rejects["row"] == 8, "column"].item() == "nik"


def test_numeric_nik_cells_keep_their_digits(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "NAMA": ["Siti", "Budi", "Made"],
            "NIK": [3201021205910002, 5108011508850001, 3301010101900001],
            "NO HP": [np.nan, 81234567890.0, 81300000000.0],
            "TGL LAHIR": pd.to_datetime(pd.Series(["1991-05-12", None, "1985-08-15"])),
        }
    )
    path = tmp_path / "numeric.xlsx"
    frame.to_excel(path, index=False)
    for src in (frame, path, tmp_path / "numeric.parquet"):
        if isinstance(src, Path) and src.suffix == ".parquet":
            frame.to_parquet(src)
        batch = read_records(src, source="KP2MI")
        _check_invariant(batch)
        assert batch.records["nik"].tolist() == [
            "3201021205910002",
            "5108011508850001",
            "3301010101900001",
        ]
        assert batch.records["phone"].tolist() == [None, "81234567890", "81300000000"]
        assert batch.records["birth_date"].tolist() == ["1991-05-12", None, "1985-08-15"]


def test_csv_leading_zeros_and_whitespace(tmp_path: Path) -> None:
    path = tmp_path / "zeros.csv"
    path.write_text(
        "record_id,full_name,nik,phone\n001,  Siti  ,0012345678901234,081234\n002,Budi,   ,\n",
        encoding="utf-8",
    )
    batch = read_records(path, source="K")
    assert batch.records["record_id"].tolist() == ["001", "002"]
    assert batch.records["full_name"].tolist() == ["Siti", "Budi"]
    assert batch.records["nik"].tolist() == ["0012345678901234", None]
    assert batch.records["phone"].tolist() == ["081234", None]
    assert all(batch.records[c].dtype == object for c in batch.records.columns)


def test_malformed_csv_rows_are_rejected_not_dropped(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text(
        'id|nama|nik\n1|Siti|001\n2|Budi|002|extra|fields\n3|"Made\nWayan"|003\n4|Ayu\n\n5|Ni|005\n',
        encoding="utf-8",
    )
    batch = read_records(path, source="K")
    _check_invariant(batch)
    assert batch.info["delimiter"] == "|"
    assert batch.n_input == 5
    assert batch.rejects[["row", "reason"]].values.tolist() == [[2, "malformed_row"]]
    assert batch.records["record_id"].tolist() == ["1", "3", "4", "5"]
    assert batch.records["full_name"].tolist()[1] == "Made\nWayan"
    assert batch.records["nik"].tolist()[2] is None  # short row padded with missing


def test_xlsx_title_rows_sheet_choice_and_row_numbers(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Rekap"
    ws.append(["DATA PMI PURNA KABUPATEN CILACAP 2024"])
    ws.append([])
    ws.append(["NO", "NAMA", "NIK"])
    ws.append([1, "Siti", "0012345678901234"])
    ws.append([None, None, None])
    ws.append([2, None, "3301010101900001"])
    other = book.create_sheet("Lain")
    other.append(["NAMA PESERTA", "NO KTP"])
    other.append(["Budi", "3201021205910002"])
    path = tmp_path / "rekap.xlsx"
    book.save(path)

    batch = read_records(path, source="KEMENDES")
    _check_invariant(batch)
    assert batch.info["header_row"] == 3
    assert batch.records["nik"].tolist() == ["0012345678901234"]
    # the blank row is skipped; row numbers follow the sheet (header row + row)
    assert batch.rejects[["row", "reason"]].values.tolist() == [[3, "blank_full_name"]]

    lain = read_records(path, source="KEMENDES", sheet="Lain")
    assert lain.records["full_name"].tolist() == ["Budi"]
    # generated from a digest of the file and the row number
    assert re.fullmatch(r"[0-9a-f]{8}-1", lain.records["record_id"].item())
    assert any("generated" in note for note in lain.notes)
    assert read_records(path, source="X", sheet=1).records["nik"].tolist() == ["3201021205910002"]
    with pytest.raises(ConfigError, match="Rekap, Lain"):
        read_records(path, source="X", sheet="Nope")


def test_dataframe_non_scalar_cells_are_rejected_with_column() -> None:
    frame = pd.DataFrame(
        {
            "id": ["1", "2", "3"],
            "full_name": ["Siti", "Budi", "Made"],
            "phone": ["0812", ["0813", "0814"], {"hp": 1}],
        }
    )
    batch = read_records(frame, source="K")
    _check_invariant(batch)
    assert batch.records["record_id"].tolist() == ["1"]
    assert batch.rejects["reason"].tolist() == ["invalid_type:phone", "invalid_type:phone"]
    assert batch.rejects["column"].tolist() == ["phone", "phone"]
    assert batch.rejects["value"].iloc[0] == '["0813", "0814"]'  # JSON text of the list
    assert frame["phone"].iloc[0] == "0812"  # input not modified


def test_source_column_is_used_and_blank_cells_filled() -> None:
    frame = pd.DataFrame(
        {"SUMBER": ["KP2MI", "", "BPS"], "ID": ["1", "1", "1"], "NAMA": ["A", "B", "C"]}
    )
    batch = read_records(frame, source="KEMENKOP")
    assert batch.records["source"].tolist() == ["KP2MI", "KEMENKOP", "BPS"]
    assert batch.source_name == "BPS, KEMENKOP, KP2MI"
    no_fill = read_records(frame)
    _check_invariant(no_fill)
    assert no_fill.rejects[["row", "reason"]].values.tolist() == [[2, "blank_source"]]


def test_explicit_mapping(tmp_path: Path) -> None:
    batch = read_records(
        DATA / "custom_headers.csv",
        source="MC",
        mapping=json.loads((DATA / "mapping.json").read_text()),
    )
    assert batch.mapping == {"NOMOR": "record_id", "NAMA ANAK": "full_name", "NIK": "nik"}
    assert batch.records["full_name"].tolist() == ["Rahmat Hidayat", "Nur Aini"]
    assert batch.records["NAMA"].tolist() == ["Ayah Hidayat", "Ayah Aini"]  # passed through
    with pytest.raises(ConfigError, match="not a canonical column") as info:
        read_records(DATA / "custom_headers.csv", source="MC", mapping={"NAMA ANAK": "child"})
    assert "full_name" in str(info.value)  # lists the valid targets


def test_explicit_mapping_onto_existing_canonical_header_keeps_both() -> None:
    frame = pd.DataFrame({"full_name": ["A"], "phone": ["1"], "HP BARU": ["2"]})
    batch = read_records(frame, source="K", mapping={"HP BARU": "phone"})
    assert batch.records.loc[0, "phone"] == "2"
    assert batch.records.loc[0, "phone_input"] == "1"


# --------------------------------------------------------------------------- errors


def test_missing_required_columns_message() -> None:
    frame = pd.DataFrame({"NOMOR": ["1"], "NAMA ANAK": ["Siti"], "KET": ["x"]})
    with pytest.raises(SchemaError) as info:
        read_records(frame, source="K")
    message = str(info.value)
    assert "full_name" in message
    assert "'NAMA ANAK'" in message and "'KET'" in message  # columns found
    assert "mapping=" in message
    with pytest.raises(SchemaError, match="source") as info2:
        read_records(pd.DataFrame({"NAMA": ["Siti"]}))
    assert "source=" in str(info2.value)


def test_unknown_format_and_missing_file(tmp_path: Path) -> None:
    odd = tmp_path / "data.json"
    odd.write_text("{}")
    with pytest.raises(InputFileError) as info:
        read_records(odd, source="K")
    assert "data.json" in str(info.value)
    assert "CSV" in str(info.value) and "XLSX" in str(info.value) and "Parquet" in str(info.value)
    with pytest.raises(InputFileError, match="not found") as info2:
        read_records(tmp_path / "nope.csv", source="K")
    assert "nope.csv" in str(info2.value)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    with pytest.raises(InputFileError, match=r"broken\.xlsx"):
        read_records(broken, source="K")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(InputFileError, match="empty"):
        read_records(empty, source="K")
    with pytest.raises(InputFileError, match="DataFrame"):
        read_records(123, source="K")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- batch helpers


def test_summary_and_html() -> None:
    batch = read_records(_bad_frame(), source="BPS")
    summary = batch.summary()
    assert summary["input_rows"] == 8
    assert summary["records"] == 2
    assert summary["rejected_rows"] == 6
    assert summary["rejects_by_reason"]["blank_full_name"] == 2
    assert summary["mapping"]["Nama Lengkap"] == "full_name"
    html = batch._repr_html_()
    assert "<table>" in html and "blank_full_name" in html and "too_long:address" in html


def test_read_many_keeps_ids_unique_across_inputs(tmp_path: Path) -> None:
    a = pd.DataFrame({"ID": ["1", "2"], "NAMA": ["Siti", "Budi"], "KET": ["x", "y"]})
    b_path = tmp_path / "b.csv"
    pd.DataFrame({"ID": ["2", "3", "3"], "NAMA": ["Budi", "Wayan", "Ayu"]}).to_csv(
        b_path, index=False
    )
    batch = read_many([a, b_path], source="KEMENDES")
    assert batch.n_input == 5
    assert len(batch.records) + len(batch.rejects) == 5
    # b.csv's id 2 is a's id too: renamed with b's digest, not rejected; its repeated 3 is
    tag = batch.info["inputs"][1]["digest"]
    assert batch.records["record_id"].tolist() == ["1", "2", f"2@{tag}", "3"]
    assert batch.records["KET"].tolist() == ["x", "y", None, None]
    assert batch.rejects[["row", "reason"]].values.tolist() == [[3, "duplicate_record_id"]]
    assert any("already used by DataFrame" in note for note in batch.notes)
    per_source = read_many([a, b_path], source=["A", "B"])
    assert len(per_source.records) == 4
    assert per_source.source_name == "A, B"
    with pytest.raises(ConfigError, match="2 inputs"):
        read_many([a, b_path], source=["A"])


def test_write_rejects_and_validate_file(tmp_path: Path) -> None:
    batch = read_records(_bad_frame(), source="BPS")
    out = write_rejects(batch, tmp_path / "sub" / "rejects.csv")
    back = pd.read_csv(out, dtype=str)
    assert back["reason"].tolist() == list(EXPECTED_BAD.values())
    write_rejects(batch, tmp_path / "rejects.parquet")
    assert len(pd.read_parquet(tmp_path / "rejects.parquet")) == 6

    src = tmp_path / "kp2mi.csv"
    src.write_bytes((DATA / "kp2mi_sample.csv").read_bytes())
    report = validate_file(str(src), "KP2MI")
    default = tmp_path / "kp2mi.rejects.csv"
    assert report.rejects_path == default and len(pd.read_csv(default)) == 3
    assert report.batch.mapping["NAMA LENGKAP"] == "full_name"
    assert (report.batch.n_input, report.batch.n_records) == (7, 4)
    text = validation_text(report)
    assert "NAMA LENGKAP" in text and "-> full_name" in text
    assert "rows read:      7" in text
    assert "records:        4" in text
    assert "duplicate_record_id" in text
    assert f"rejects written to {default}" in text

    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps({"NAMA ANAK": "full_name", "NOMOR": "record_id"}))
    custom = validate_file(str(DATA / "custom_headers.csv"), "MC", str(mapping))
    assert custom.rejects_path is None and custom.batch.n_rejected == 0
    assert "no rejects" in validation_text(custom)
    asked = validate_file(
        str(DATA / "custom_headers.csv"), "MC", str(mapping), str(tmp_path / "r.csv")
    )
    assert asked.rejects_path == tmp_path / "r.csv" and asked.rejects_path.exists()
    bad_mapping = tmp_path / "bad.json"
    bad_mapping.write_text("[1, 2]")
    with pytest.raises(ConfigError, match="JSON object"):
        validate_file(str(src), "KP2MI", str(bad_mapping))


def test_validate_command_prints_the_whole_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rejects = tmp_path / "r.csv"
    status = main(["validate", str(DATA / "kemendes_latin1.tsv"), "--source", "DME"])
    assert status == 0
    assert capsys.readouterr().out == (
        f"input:          {DATA / 'kemendes_latin1.tsv'}\n"
        "read as:        csv, delimiter tab, encoding latin-1\n"
        "source:         DME\n"
        "header mapping:\n"
        "  ID PESERTA   -> record_id\n"
        "  NAMA PESERTA -> full_name\n"
        "  NIK          -> nik\n"
        "  JK           -> sex\n"
        "  TGL. LAHIR   -> birth_date\n"
        "  TEMPAT LAHIR -> birth_place\n"
        "  TELEPON      -> phone\n"
        "  DESA         -> village\n"
        "  KECAMATAN    -> district\n"
        "  KABUPATEN    -> regency\n"
        "  PROVINSI     -> province\n"
        "rows read:      3\n"
        "records:        3\n"
        "rejected rows:  0\n"
        "no rejects; nothing written\n"
    )
    src = tmp_path / "kp2mi.csv"
    src.write_bytes((DATA / "kp2mi_sample.csv").read_bytes())
    assert main(["validate", str(src), "--source", "KP2MI", "--rejects", str(rejects)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-5:] == [
        "rejected rows:  3",
        "  blank_full_name                1",
        "  duplicate_record_id            1",
        "  invalid_full_name              1",
        f"rejects written to {rejects}",
    ]
    assert main(["validate", str(src)]) == 2  # no source column and no --source
    assert "required column(s) missing: source" in capsys.readouterr().err


# --------------------------------------------------------------------------- properties

_headers = st.sampled_from(
    ["NAMA", "full_name", "NIK", "ID", "record_id", "JK", "TTL", "KET", "ALAMAT", "x", "NAMA"]
)
_cells = st.one_of(
    st.none(),
    st.just(""),
    st.just("  "),
    st.text(max_size=12),
    st.sampled_from(["1", "2", "001", "Siti", "Budi", "12345", "-", "a" * 600]),
)


@st.composite
def _frames(draw: st.DrawFn) -> pd.DataFrame:
    headers = draw(st.lists(_headers, min_size=1, max_size=6))
    if not any(h in ("NAMA", "full_name") for h in headers):
        headers.append("NAMA")
    n = draw(st.integers(0, 25))
    data = {
        f"{h}" if i == headers.index(h) else f"{h} ": draw(st.lists(_cells, min_size=n, max_size=n))
        for i, h in enumerate(headers)
    }
    return pd.DataFrame(data)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_frames())
def test_arbitrary_string_frames_never_lose_rows(frame: pd.DataFrame) -> None:
    batch = read_records(frame, source="K")
    _check_invariant(batch)
    assert batch.n_input == len(frame)
    for c in ("source", "record_id", "full_name"):
        assert batch.records[c].map(lambda v: isinstance(v, str) and v.strip() == v != "").all()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(frame=_frames(), sep=st.sampled_from([",", ";", "\t", "|"]))
def test_arbitrary_frames_round_trip_through_csv(
    frame: pd.DataFrame, sep: str, tmp_path: Path
) -> None:
    path = tmp_path / "prop.csv"
    # "\r\n" endings make the writer quote any cell holding a line break
    frame.to_csv(path, index=False, sep=sep, lineterminator="\r\n")
    batch = read_records(path, source="K")
    _check_invariant(batch)
    assert batch.n_input == len(frame)
