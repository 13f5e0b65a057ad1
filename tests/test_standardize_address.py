"""Address normalisation."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from migrant_records.standardize import normalize_address


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Jl. Merdeka No.5 RT 003 RW 02", "jalan merdeka no 5 rt 3 rw 2"),
        ("JLN MAWAR GG. III", "jalan mawar gang iii"),
        ("Ds. Sukamaju Kec. Kroya Kab. Cilacap", "desa sukamaju kecamatan kroya kabupaten cilacap"),
        ("RT.003/RW.002", "rt 3 rw 2"),
        ("RT/RW 003/002 Dsn. Krajan", "rt 3 rw 2 dusun krajan"),
        ("rt 01/02", "rt 1 rw 2"),
        ("Jalan Raya", "jalan raya"),
        ("   ", None),
        (None, None),
    ],
)
def test_normalize_address(raw: str | None, expected: str | None) -> None:
    assert normalize_address(pd.Series([raw], dtype=object)).iloc[0] == expected


@given(st.lists(st.one_of(st.none(), st.text(max_size=30)), max_size=8))
def test_never_raises(values: list[str | None]) -> None:
    out = normalize_address(pd.Series(values, dtype=object))
    assert len(out) == len(values)
