"""Date parsing and combined birth place/date values."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migrant_records.standardize import parse_date, split_birth_place_date
from migrant_records.standardize.dates import DATE_REASONS

REF = "2025-06-01"
D = dt.date(1990, 5, 12)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1990-05-12", D),
        ("1990/05/12", D),
        ("12-05-1990", D),
        ("12/05/1990", D),
        ("12.05.1990", D),
        ("12/5/1990", D),
        ("19900512", D),
        ("12051990", D),
        ("12 Mei 1990", D),
        ("12-Mei-1990", D),
        ("12 MEI 1990", D),
        ("12 May 1990", D),
        ("May 12, 1990", D),
        ("12 Agt 1990", dt.date(1990, 8, 12)),
        ("12-Agustus-1990", dt.date(1990, 8, 12)),
        ("12 Agustus 1990", dt.date(1990, 8, 12)),
        ("3 Pebruari 1985", dt.date(1985, 2, 3)),
        ("3 Nopember 1985", dt.date(1985, 11, 3)),
        ("3 Sept. 1985", dt.date(1985, 9, 3)),
        ("32874", dt.date(1990, 1, 1)),  # Excel serial
        ("32874.0", dt.date(1990, 1, 1)),
        ("1990-05-12 00:00:00", D),
        ("12/05/90", D),
        ("01/01/03", dt.date(2003, 1, 1)),  # two-digit year: 03 <= 25 -> 2003
        ("2/3/90", dt.date(1990, 3, 2)),  # day first
        ("03/25/1990", dt.date(1990, 3, 25)),  # the only possible reading
    ],
)
def test_parse_date_formats(raw: str, expected: dt.date) -> None:
    row = parse_date(pd.Series([raw]), reference_date=REF).iloc[0]
    assert row["reason"] is None
    assert row["date"].date() == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (None, "missing"),
        ("", "missing"),
        ("-", "missing"),
        ("abc", "unparseable"),
        ("12 Foo 1990", "unparseable"),
        ("1990", "unparseable"),
        ("31-02-1990", "impossible"),
        ("31/13/1990", "impossible"),
        ("1850-01-01", "impossible"),
        ("2030-01-01", "future"),
        ("12 Mei 2090", "future"),
    ],
)
def test_parse_date_reasons(raw: str | None, reason: str) -> None:
    row = parse_date(pd.Series([raw], dtype=object), reference_date=REF).iloc[0]
    assert pd.isna(row["date"])
    assert row["reason"] == reason


def test_dayfirst_options_and_pivot() -> None:
    s = pd.Series(["2/3/90", "13/3/90", "3/3/90"])
    none = parse_date(s, dayfirst=None, reference_date=REF)
    assert none["reason"].tolist() == ["ambiguous", None, None]
    monthfirst = parse_date(s, dayfirst=False, reference_date=REF)
    assert monthfirst["date"].iloc[0].date() == dt.date(1990, 2, 3)
    pivot = parse_date(pd.Series(["01/01/20"]), pivot_year=10, reference_date=REF)
    assert pivot["date"].iloc[0].year == 1920


def test_alignment_and_dtype() -> None:
    out = parse_date(pd.Series(["12 Mei 1990", None], index=[9, 8]), reference_date=REF)
    assert out.index.tolist() == [9, 8]
    assert str(out["date"].dtype) == "datetime64[ns]"


@pytest.mark.parametrize(
    "raw",
    ["CILACAP, 12-05-1990", "Cilacap 12 Mei 1990", "CILACAP/12-05-1990", "Cilacap; 12/05/1990"],
)
def test_split_birth_place_date(raw: str) -> None:
    row = split_birth_place_date(pd.Series([raw]), reference_date=REF).iloc[0]
    assert row["place"].casefold() == "cilacap"
    assert row["date"].date() == D


def test_split_without_date_or_place() -> None:
    out = split_birth_place_date(pd.Series(["Kab. Cilacap", "12-05-1990", None]))
    assert out["place"].tolist() == ["Kab. Cilacap", None, None]
    assert out["reason"].tolist() == ["missing", None, "missing"]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.none(),
            st.text(max_size=25),
            st.from_regex(r"[0-9]{1,2}[/ -][0-9a-z]{1,9}[/ -][0-9]{2,4}"),
        ),
        max_size=8,
    )
)
def test_parse_date_never_raises(values: list[str | None]) -> None:
    out = parse_date(pd.Series(values, dtype=object), reference_date=REF)
    assert len(out) == len(values)
    assert (out["date"].isna() == out["reason"].notna()).all()
    assert out["reason"].dropna().isin(DATE_REASONS).all()
    split = split_birth_place_date(pd.Series(values, dtype=object), reference_date=REF)
    assert len(split) == len(values)
