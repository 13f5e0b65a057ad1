"""``standardize``: the prepared-frame contract."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from migrant_records.errors import SchemaError
from migrant_records.standardize import DERIVED_COLUMNS, DIAGNOSTIC_COLUMNS, standardize

REF = "2025-06-01"

DTYPES = {
    "nik_valid": np.dtype(bool),
    "nik_suspect": np.dtype(bool),
    "nik_birth_date": np.dtype("datetime64[ns]"),
    "dob": np.dtype("datetime64[ns]"),
    "birth_year": np.dtype("float64"),
}


@pytest.fixture()
def records() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source": ["kp2mi", "kemendes", "bps", "bps", "bps", "bps"],
            "record_id": ["1", "2", "3", "4", "5", "6"],
            "nik": [
                "3301010509900001",
                "'3301-0105-0990-0001",
                None,
                "3301010101800009",
                "3301010101800009",
                "3301010101800009",
            ],
            "full_name": [
                "MOCH. DJOKO SOESILO, S.Pd",
                "Muhammad Joko Susilo",
                "Siti Aminah binti Saleh",
                "Budi Santoso",
                "Agus Salim",
                "Rina Wati",
            ],
            "sex": ["L", "laki-laki", "P", "L", "L", "P"],
            "birth_date": ["05-09-1990", None, "12 Mei 1985", None, None, "x"],
            "birth_place": ["Cilacap", "CILACAP, 05-09-1990", "Kab. Banyumas", None, None, None],
            "phone": ["0812 3456 7890", None, "+852 9123 4567", None, None, None],
            "address": ["Jl. Merdeka No.5 RT 003 RW 02", None, None, None, None, None],
            "district": ["Kroya", None, None, None, None, None],
            "regency": ["Kab. Cilacap", None, "Malang", None, None, None],
            "province": [None, None, "Jawa Timur", None, None, None],
            "extra": [1, 2, 3, 4, 5, 6],
        },
        index=[10, 20, 30, 40, 50, 60],
    )


def test_contract_columns_dtypes_and_rows(records: pd.DataFrame) -> None:
    out = standardize(records, reference_date=REF)
    assert out.index.equals(records.index)
    assert list(out.columns) == [*records.columns, *DERIVED_COLUMNS, *DIAGNOSTIC_COLUMNS]
    pd.testing.assert_frame_equal(out[records.columns], records)
    for col in DERIVED_COLUMNS:
        assert out[col].dtype == DTYPES.get(col, np.dtype(object)), col


def test_values(records: pd.DataFrame) -> None:
    out = standardize(records, reference_date=REF)
    assert out.loc[10, "name_norm"] == out.loc[20, "name_norm"] == "muhammad joko susilo"
    assert out.loc[30, "name_patronym"] == "saleh"
    assert out.loc[20, "nik_digits"] == "3301010509900001"
    assert out.loc[20, "nik_id"] == "3301010509900001"
    assert out.loc[30, "nik_reason"] == "missing" and not out.loc[30, "nik_valid"]
    assert str(out["dob"].dt.date[20]) == "1990-09-05"  # from the combined birth place
    assert out.loc[20, "birth_place_norm"] == "cilacap"
    assert out.loc[30, "birth_place_norm"] == "banyumas"
    assert out.loc[30, "birth_year"] == 1985.0
    assert out.loc[60, "dob_reason"] == "unparseable"
    assert out.loc[10, "phone_e164"] == "+6281234567890"
    assert out.loc[30, "phone_country"] == "HK"
    assert out.loc[10, "district_code"] == "33.01.06"
    assert out.loc[30, "region_reason"] == "ambiguous_regency"
    assert out.loc[20, "district_code"] == "33.01.01"  # filled from the NIK: no address
    assert out.loc[20, "region_reason"] == "from_nik"
    assert out.loc[10, "address_norm"] == "jalan merdeka no 5 rt 3 rw 2"
    assert out.loc[30, "sex_norm"] == "F" and out.loc[10, "nik_sex"] == "M"


def test_repeated_nik_is_suspect(records: pd.DataFrame) -> None:
    out = standardize(records, reference_date=REF)
    assert out.loc[[40, 50, 60], "nik_suspect"].all()
    assert out.loc[[40, 50, 60], "nik_valid"].all()
    assert out.loc[[40, 50, 60], "nik_id"].isna().all()
    assert not out.loc[[10, 20], "nik_suspect"].any()


def test_idempotent(records: pd.DataFrame) -> None:
    once = standardize(records, reference_date=REF)
    twice = standardize(once, reference_date=REF)
    pd.testing.assert_frame_equal(once, twice)


def test_minimal_frame_and_errors() -> None:
    out = standardize(pd.DataFrame({"full_name": ["Budi", None]}), reference_date=REF)
    assert out["name_norm"].tolist() == ["budi", None]
    assert out["nik_reason"].tolist() == ["missing", "missing"]
    assert out["province_code"].isna().all()
    with pytest.raises(SchemaError, match="full_name"):
        standardize(pd.DataFrame({"name": ["x"]}))
    with pytest.raises(SchemaError, match="DataFrame"):
        standardize(["x"])  # type: ignore[arg-type]


def test_mother_name_is_normalised_like_the_name() -> None:
    frame = pd.DataFrame(
        {"full_name": ["Budi", "Hj. Siti Aminah"], "mother_name": ["Hj. Siti Aminah", None]},
        index=[5, 3],
    )
    out = standardize(frame, reference_date=REF)
    assert out["mother_norm"].tolist() == ["siti aminah", None]
    assert out["name_norm"].tolist() == ["budi", "siti aminah"]
    assert out.index.tolist() == [5, 3]


def test_empty_frame() -> None:
    out = standardize(pd.DataFrame({"full_name": pd.Series([], dtype=object)}), reference_date=REF)
    assert len(out) == 0 and set(DERIVED_COLUMNS) <= set(out.columns)


def test_parallel_standardising_gives_the_same_frame(  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch, dying_background
) -> None:
    """Regions and addresses resolved in a forked process give the frame one process gives,
    and a second process that dies is redone in the caller."""
    import migrant_records._fork as fork_module
    import migrant_records.standardize.core as core
    from migrant_records.synth import generate

    records = generate(people=400, seed=5, reference_date="2025-06-30").records()
    monkeypatch.setattr(fork_module, "PARALLEL_MIN_RECORDS", 1)
    one = standardize(records, reference_date="2025-06-30")
    if not fork_module.can_fork():
        pytest.skip("no fork or a single core here: standardize(parallel=True) runs serially")
    two = standardize(records, reference_date="2025-06-30", parallel=True)
    pd.testing.assert_frame_equal(one, two)
    assert two["village_code"].notna().any()

    monkeypatch.setattr(core, "Background", dying_background)
    again = standardize(records, reference_date="2025-06-30", parallel=True)
    pd.testing.assert_frame_equal(one, again)


def test_the_callers_frame_is_never_written_into() -> None:
    """standardize reads the input's columns without copying them first: it must leave the
    caller's frame exactly as it was, renamed columns and re-standardising included."""
    from migrant_records.synth import generate

    records = generate(people=800, seed=2, reference_date="2025-06-30").records()
    records["dob"] = records["birth_date"]  # named like a derived column: set aside
    before = records.copy(deep=True)
    prepared = standardize(records, reference_date="2025-06-30")
    pd.testing.assert_frame_equal(records, before)
    assert "input_dob" in prepared.columns and "dob" in records.columns
    kept = prepared.copy(deep=True)
    standardize(prepared, reference_date="2025-06-30")
    pd.testing.assert_frame_equal(prepared, kept)


def test_string_dtype_columns_standardise_as_object_columns(small_synth) -> None:  # type: ignore[no-untyped-def]
    """A frame read with pandas' ``string`` dtype (``pd.NA`` for missing values, as
    ``pd.read_parquet`` can give) is standardised as the same frame of ``object`` columns."""
    plain = small_synth.records().head(3000).reset_index(drop=True)
    plain = plain.astype(object).where(plain.notna(), None)
    typed = plain.astype("string")
    assert typed["address"].isna().any()  # the missing-address check meets pd.NA
    got = standardize(typed, progress=False, reference_date=REF)
    want = standardize(plain, progress=False, reference_date=REF)
    assert list(got.columns) == list(want.columns)
    for column in want.columns:
        left = got[column].astype(object).where(got[column].notna(), None)
        right = want[column].astype(object).where(want[column].notna(), None)
        assert left.tolist() == right.tolist(), column
