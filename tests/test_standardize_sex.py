"""Sex codes."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from migrant_records.standardize import normalize_sex


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("L", "M"),
        ("l", "M"),
        ("LK", "M"),
        ("Laki-laki", "M"),
        ("laki laki", "M"),
        ("LAKI-LAKI", "M"),
        ("Pria", "M"),
        ("male", "M"),
        ("M", "M"),
        ("1", "M"),
        (1, "M"),
        ("1.0", "M"),
        ("P", "F"),
        ("PR", "F"),
        ("Perempuan", "F"),
        ("WANITA", "F"),
        ("female", "F"),
        ("F", "F"),
        ("2", "F"),
        (2.0, "F"),
        ("x", None),
        ("3", None),
        (None, None),
        ("", None),
    ],
)
def test_normalize_sex(raw: object, expected: str | None) -> None:
    assert normalize_sex(pd.Series([raw], dtype=object)).iloc[0] == expected


def test_alignment() -> None:
    out = normalize_sex(pd.Series(["L", "P"], index=[3, 1]))
    assert out.index.tolist() == [3, 1] and out.tolist() == ["M", "F"]


@given(st.lists(st.one_of(st.none(), st.text(max_size=12)), max_size=8))
def test_never_raises(values: list[str | None]) -> None:
    out = normalize_sex(pd.Series(values, dtype=object))
    assert out.dropna().isin(["M", "F"]).all()
