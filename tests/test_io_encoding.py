"""Text encodings of CSV files: read right, or refused with a message that says what to do."""

from __future__ import annotations

import codecs
from pathlib import Path

import pandas as pd
import pytest

from migrant_records.errors import InputFileError
from migrant_records.io import detect_encoding, read_records

ROWS = [
    ("NO", "NAMA LENGKAP", "NIK", "KETERANGAN"),
    ("1", "Siti Aminah", "3201014101900001", "PURNA"),
    ("2", "José Núñez", "3201021205910002", "café"),
    ("3", "Wayan Sudirta", "3201021205910003", ""),
]


def _text(rows: list[tuple[str, ...]], sep: str = ",") -> str:
    return "\r\n".join(sep.join(r) for r in rows) + "\r\n"


def _check(path: Path, encoding: str) -> pd.DataFrame:
    batch = read_records(path, source="KP2MI")
    assert batch.info["encoding"] == encoding
    assert batch.n_input == 3 and batch.n_records == 3 and batch.n_rejected == 0
    records = batch.records
    assert records["full_name"].tolist() == ["Siti Aminah", "José Núñez", "Wayan Sudirta"]
    assert records["nik"].tolist()[0] == "3201014101900001"
    for column in records.columns:
        values = records[column].dropna().astype(str)
        assert not values.str.contains("\x00").any(), column
    return records


@pytest.mark.parametrize(
    ("codec", "bom", "expected"),
    [
        ("utf-8", b"", "utf-8"),
        ("utf-8", codecs.BOM_UTF8, "utf-8-sig"),
        ("utf-16-le", codecs.BOM_UTF16_LE, "utf-16-le"),
        ("utf-16-be", codecs.BOM_UTF16_BE, "utf-16-be"),
        ("utf-16-le", b"", "utf-16-le"),
    ],
)
def test_unicode_files_with_and_without_bom(
    tmp_path: Path, codec: str, bom: bytes, expected: str
) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(bom + _text(ROWS).encode(codec))
    _check(path, expected)


def test_excel_unicode_text_is_utf16_tab_separated(tmp_path: Path) -> None:
    # Excel's "Unicode Text (*.txt)": UTF-16 LE with a BOM, tab-separated
    path = tmp_path / "export.txt"
    path.write_bytes(_text(ROWS, "\t").encode("utf-16"))
    records = _check(path, "utf-16-le")
    assert records["KETERANGAN"].tolist() == ["PURNA", "café", None]


def test_windows_1252_is_not_read_as_latin1(tmp_path: Path) -> None:
    rows = [*ROWS, ("4", "\u201cUcok\u201d Œmar", "3201021205910004", "naïve \u2013 ok")]
    path = tmp_path / "in.csv"
    path.write_bytes(_text(rows).encode("cp1252"))
    batch = read_records(path, source="KP2MI")
    assert batch.info["encoding"] == "cp1252"
    names = batch.records["full_name"].tolist()
    assert names[3] == "\u201cUcok\u201d Œmar"
    assert batch.records["KETERANGAN"].tolist()[3] == "naïve \u2013 ok"
    for value in names:
        assert not any("\x80" <= ch <= "\x9f" for ch in value)  # no C1 control characters


def test_latin1_without_windows_characters_reads_the_same(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(_text(ROWS).encode("latin-1"))
    _check(path, "latin-1")


def test_mixed_encodings_are_refused_with_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_bytes(_text(ROWS).encode("utf-8") + "4,Andrés,3201,\r\n".encode("latin-1"))
    with pytest.raises(InputFileError, match=r"mixed\.csv: mixes two text encodings.*UTF-8"):
        read_records(path, source="KP2MI")


def test_bytes_undefined_in_windows_1252_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_bytes(b"NAMA,NIK\r\nSiti\x81,1\r\n")
    with pytest.raises(InputFileError, match=r"odd\.csv: .*0x81.*cannot be told.*CSV UTF-8"):
        read_records(path, source="KP2MI")


def test_binary_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(b"NAMA,NIK\r\n\x00\x01\xff\xfe\x00\x9c\x00\x00abc\xff\r\n")
    with pytest.raises(InputFileError, match=r"data\.csv: holds NUL bytes"):
        read_records(path, source="KP2MI")


def test_nul_character_in_a_utf8_value_rejects_only_that_row(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(b"NAMA,NIK,KET\r\nSiti,1,a\x00b\r\nBu\x00di,2,x\r\nWayan,3,\r\n")
    batch = read_records(path, source="KP2MI")
    assert batch.records["full_name"].tolist() == ["Siti", "Wayan"]
    assert batch.records["KET"].tolist() == ["ab", None]  # removed from an unused column, noted
    assert any("NUL" in note for note in batch.notes)
    assert batch.rejects[["row", "reason"]].values.tolist() == [[2, "invalid_text:full_name"]]


def test_an_encoding_can_be_given(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes("NAMA,NIK\r\nŁukasz Šimon,1\r\n".encode("cp1250"))
    batch = read_records(path, source="KP2MI", encoding="cp1250")
    assert batch.records["full_name"].tolist() == ["Łukasz Šimon"]
    with pytest.raises(InputFileError, match="unknown encoding"):
        read_records(path, source="KP2MI", encoding="no-such-codec")


def test_detect_encoding_on_bytes() -> None:
    assert detect_encoding(b"plain ascii") == "utf-8"
    assert detect_encoding("Ñoman".encode("latin-1")) == "latin-1"
    assert detect_encoding("\u20ac 5".encode("cp1252")) == "cp1252"
    assert detect_encoding("NAMA".encode("utf-16-be")) == "utf-16-be"
