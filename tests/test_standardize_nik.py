"""NIK cleaning, validation, decoding and suspect detection."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migrant_records.standardize import flag_repeated_nik, parse_nik
from migrant_records.standardize.nik import NIK_COLUMNS, NIK_REASONS

REF = "2025-06-01"


def one(value: object) -> pd.Series:
    return parse_nik(pd.Series([value], dtype=object), reference_date=REF).iloc[0]


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("3301010509900001", None),
        ("'3301010509900001", None),  # Excel text marker
        ("3301 0105 0990 0001", None),
        ("33.01.01.050990.0001", None),
        ("3301-010509-900001", None),
        ("3301010509900001.0", None),  # came through a float
        (None, "missing"),
        ("", "missing"),
        ("  ", "missing"),
        ("3.301010e+15", "scientific_notation"),
        ("3301O10509900001", "non_digit"),
        ("330101050990001", "length"),
        ("33010105099000011", "length"),
        ("1111111111111111", "dummy"),
        ("1234567890123456", "dummy"),
        ("6543210987654321", "dummy"),
        ("9901010509900001", "province"),
        ("3399010509900001", "regency"),
        ("3301990509900001", "district"),
        ("3301010009900001", "day"),
        ("3301013509900001", "day"),
        ("3301017209900001", "day"),
        ("3301010513900001", "month"),
        ("3301013102900001", "date"),
        ("3301012902010001", "date"),  # 29 Feb 2001 does not exist
        ("3301010101300001", None),  # 1930 (30 > 25)
        ("3301010112250001", "date"),  # 2025-12-01 is after the reference date
        ("3301010509900000", "serial"),
    ],
)
def test_reasons(raw: object, reason: str | None) -> None:
    row = one(raw)
    assert row["reason"] == reason
    assert bool(row["valid"]) is (reason is None)


def test_decoding_female_day_and_century_pivot() -> None:
    out = parse_nik(
        pd.Series(["3301014509900001", "3301010101030001", "9501015206990002"]),
        reference_date=REF,
    )
    assert out["sex"].tolist() == ["F", "M", "F"]
    assert [d.date() for d in out["birth_date"]] == [
        dt.date(1990, 9, 5),
        dt.date(2003, 1, 1),  # a worker born 2003, not 1903
        dt.date(1999, 6, 12),
    ]
    assert out["province_code"].tolist() == ["33", "33", "95"]  # Papua Pegunungan (2022)
    assert out["regency_code"].tolist()[0] == "33.01"
    assert out["district_code"].tolist()[0] == "33.01.01"
    assert out["birth_date"].dtype == np.dtype("datetime64[ns]")


def test_invalid_is_kept_with_digits_and_no_decoding() -> None:
    row = one("3301-0105-1390-0001")
    assert row["nik"] == "3301010513900001"
    assert row["reason"] == "month"
    assert pd.isna(row["birth_date"]) and row["sex"] is None and row["district_code"] is None


def test_alignment_columns_and_dummy_suspect() -> None:
    s = pd.Series(["1111111111111111", None, "3301010509900001"], index=[5, 6, 7])
    out = parse_nik(s, reference_date=REF)
    assert list(out.columns) == list(NIK_COLUMNS)
    assert out.index.tolist() == [5, 6, 7]
    assert out["suspect"].tolist() == [True, False, False]
    assert out["valid"].dtype == bool


def test_numeric_input() -> None:
    out = parse_nik(pd.Series([3301010509900001, 3301010509900001.0]), reference_date=REF)
    assert out["valid"].tolist() == [True, True]


def test_flag_repeated_nik() -> None:
    nik = pd.Series(["3301010101900001"] * 4 + ["3301010101900002"] * 3 + [None])
    names = pd.Series(
        [
            "budi santoso",
            "siti aminah",
            "agus salim",
            "budi santosa",
            "joko susilo",
            "joko susila",
            "joko susilo",
            "x",
        ]
    )
    assert flag_repeated_nik(nik, names).tolist() == [True] * 4 + [False] * 4
    assert flag_repeated_nik(nik, names, min_people=4).tolist() == [False] * 8


def test_reason_codes_documented() -> None:
    assert set(NIK_REASONS) >= {
        "missing",
        "non_digit",
        "length",
        "province",
        "regency",
        "district",
        "day",
        "month",
        "date",
        "serial",
        "dummy",
        "scientific_notation",
    }


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.text(max_size=24), st.from_regex(r"[0-9]{16}")), max_size=8)
)
def test_parse_nik_never_raises(values: list[str | None]) -> None:
    out = parse_nik(pd.Series(values, dtype=object), reference_date=REF)
    assert len(out) == len(values)
    assert (out["valid"] == out["reason"].isna()).all()
    assert out["reason"].dropna().isin(NIK_REASONS).all()


def test_nik_in_scientific_notation_identifies_nobody() -> None:
    """A spreadsheet's "3.30101E+15" stands for every NIK of a district: two such records
    neither share a NIK nor agree on one."""
    from migrant_records.compare import Nik
    from migrant_records.standardize import standardize

    frame = pd.DataFrame(
        {
            "source": ["a", "a", "a"],
            "record_id": ["1", "2", "3"],
            "full_name": ["Siti Aminah", "Budi Santoso", "Dewi Lestari"],
            "nik": ["3.30101E+15", "3.30101E+15", "3301014101900001"],
        }
    )
    out = standardize(frame)
    assert out["nik_digits"].iloc[:2].isna().all()
    assert out["nik_reason"].iloc[0] == "scientific_notation"
    assert out["nik_digits"].iloc[2] == "3301014101900001"
    levels = Nik().compare(out, out, np.array([0]), np.array([1]))
    assert levels.tolist() == [-1]  # missing, not "exact"
