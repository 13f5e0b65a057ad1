"""Phone numbers to E.164."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migrant_records.standardize import normalize_phone
from migrant_records.standardize.phone import PHONE_COLUMNS, PHONE_REASONS


@pytest.mark.parametrize(
    ("raw", "e164", "country", "reason"),
    [
        ("081234567890", "+6281234567890", "ID", None),
        ("0812-3456-7890", "+6281234567890", "ID", None),
        ("0812.3456.7890", "+6281234567890", "ID", None),
        ("(0812) 3456 7890", "+6281234567890", "ID", None),
        ("+62 812 3456 7890", "+6281234567890", "ID", None),
        ("+62 0812 3456 7890", "+6281234567890", "ID", None),
        ("6281234567890", "+6281234567890", "ID", None),
        ("0062 812 3456 7890", "+6281234567890", "ID", None),
        ("81234567890", "+6281234567890", "ID", None),
        ("'081234567890", "+6281234567890", "ID", None),
        ("0812 3456 7890 / 0813 1111 2222", "+6281234567890", "ID", None),
        ("021-7654321", "+62217654321", "ID", None),
        ("+852 9123 4567", "+85291234567", "HK", None),
        ("00852 9123 4567", "+85291234567", "HK", None),
        ("+886 912 345 678", "+886912345678", "TW", None),
        ("+60 12-345 6789", "+60123456789", "MY", None),
        ("+65 9123 4567", "+6591234567", "SG", None),
        ("+966 50 123 4567", "+966501234567", "SA", None),
        ("+82 10-1234-5678", "+821012345678", "KR", None),
        ("+81 90-1234-5678", "+819012345678", "JP", None),
        ("+60 11 889 5187", "+60118895187", "MY", None),  # possible length, new range
        (None, None, None, "missing"),
        ("-", None, None, "missing"),
        ("tidak ada", None, None, "missing"),
        ("abc", None, None, "not_a_number"),
        ("12345", None, None, "too_short"),
        ("0812345678901234567", None, None, "invalid"),
    ],
)
def test_normalize_phone_table(
    raw: str | None, e164: str | None, country: str | None, reason: str | None
) -> None:
    row = normalize_phone(pd.Series([raw], dtype=object)).iloc[0]
    assert (row["e164"], row["country"], row["reason"]) == (e164, country, reason)


def test_numeric_and_alignment() -> None:
    out = normalize_phone(pd.Series([81234567890.0, None], index=[4, 2]))
    assert list(out.columns) == list(PHONE_COLUMNS)
    assert out.index.tolist() == [4, 2]
    assert out["e164"].tolist() == ["+6281234567890", None]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(st.none(), st.text(max_size=25), st.from_regex(r"\+?[0-9 \-]{6,16}")), max_size=8
    )
)
def test_normalize_phone_never_raises(values: list[str | None]) -> None:
    out = normalize_phone(pd.Series(values, dtype=object))
    assert len(out) == len(values)
    assert (out["e164"].isna() == out["reason"].notna()).all()
    assert out["reason"].dropna().isin(PHONE_REASONS).all()
    assert out["e164"].dropna().str.fullmatch(r"\+[0-9]{7,15}").all()


@st.composite
def _written_numbers(draw: st.DrawFn) -> str:
    """Indonesian-looking numbers (prefix, 8, operator digit, 6-12 digits) with separators."""
    prefix = draw(st.sampled_from(["", "0", "62", "+62", "0062", "620", "+620", "00", "6"]))
    body = (
        "8"
        + draw(st.sampled_from("0123456789"))
        + draw(st.text("0123456789", min_size=6, max_size=12))
    )
    out = ""
    for ch in prefix + body:
        out += draw(st.sampled_from(["", "", "", " ", "-", "(", ")", "  ", "."])) + ch
    return out + draw(st.sampled_from(["", " ", ".0", "-"]))


@given(
    st.one_of(
        st.text(alphabet="0123456789+-() .", min_size=1, max_size=22),
        st.text(alphabet="0812+-() .'\t\u00a0\u2003\x1c", min_size=1, max_size=16),
        _written_numbers(),
    )
)
@settings(max_examples=600)
def test_plain_numbers_read_as_the_separator_regex_reads_them(text: str) -> None:
    """The shortcut for numbers written with digits, spaces, dashes and parentheses gives
    exactly what the full separator-tolerant regex (and the slow path behind it) gives."""
    from migrant_records.standardize import phone as ph

    stripped = text.strip().lstrip("'")
    first = ph._FIRST.split(stripped, maxsplit=1)[0]
    first = ph._FLOAT.sub("", first)
    match = ph._FAST_ID.match(first)
    if match is not None:
        expected = "+62" + ph._NOT_DIGIT.sub("", match.group(1))
    elif stripped:
        expected = ph._slow(first, "ID")[0]
    else:
        expected = None
    assert normalize_phone(pd.Series([text], dtype=object))["e164"].iloc[0] == expected
