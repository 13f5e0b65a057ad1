"""Validating and standardising a few records gives what doing it on many records gives.

One-record calls (a registration desk's lookup) take shortcuts: Arrow kernels run once on
all columns laid end to end (:mod:`migrant_records.io._joined`), and the standardised frame
is built with one 2-D block for its text columns. These tests lock that the shortcuts change
nothing: records and rejects of one-row frames are those of the whole frame, standardised
rows are those of the whole frame standardised, and switching the shortcuts off gives the
same frames.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from migrant_records.inputs import collect_inputs
from migrant_records.io import _joined, read_records
from migrant_records.standardize import standardize
from migrant_records.synth import generate

REF = "2025-06-01"


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    """Synthetic records with rows every check rejects and a NUL in a passed-through column."""
    frame = generate(people=60, seed=11).records().iloc[:70].reset_index(drop=True)
    frame = frame.astype(object)
    frame.loc[3, "full_name"] = "Siti\x00Aminah"
    frame.loc[5, "address"] = "x" * 600
    frame.loc[7, "full_name"] = "  "
    frame.loc[9, "full_name"] = "1234"
    frame.loc[11, "record_id"] = None
    frame.loc[13, "source"] = None
    frame.at[15, "nik"] = ["3301010509900001"]
    frame["note"] = ["ok\x00" if i % 9 == 0 else f"n{i}" for i in range(len(frame))]
    frame["count"] = np.arange(len(frame), dtype=np.int64)
    return frame


def _rejects_by_row(rejects: pd.DataFrame) -> pd.DataFrame:
    # text columns compared as objects: on pandas 3 a concat of one-row rejects (some with
    # no reject, whose empty text columns are ``object``) gives ``object`` where the whole
    # frame's rejects have ``str``; the values are what must agree
    out = rejects.sort_values(["row", "reason"], kind="stable").reset_index(drop=True)
    for c in out.columns:
        if pd.api.types.is_string_dtype(out[c]):
            out[c] = out[c].astype(object).where(out[c].notna(), None)
    return out


def test_one_row_frames_validate_as_the_whole_frame(raw: pd.DataFrame) -> None:
    whole = read_records(raw)
    assert set(whole.rejects["reason"]) >= {
        "invalid_text:full_name",
        "too_long:address",
        "blank_full_name",
        "invalid_full_name",
        "blank_record_id",
        "blank_source",
        "invalid_type:nik",
    }
    records, rejects = [], []
    for i in range(len(raw)):
        one = read_records(raw.iloc[[i]])
        records.append(one.records)
        part = one.rejects.copy()
        part["row"] = i + 1  # a one-row frame's row is 1
        rejects.append(part)
    assert_frame_equal(pd.concat(records, ignore_index=True), whole.records, check_exact=True)
    assert_frame_equal(
        _rejects_by_row(pd.concat(rejects, ignore_index=True)),
        _rejects_by_row(whole.rejects),
        check_exact=True,
    )


def test_joining_columns_for_one_kernel_call_changes_no_batch(
    raw: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert raw.size <= _joined.JOIN_MAX_CELLS  # the default joins this frame's columns
    for frame in (raw, raw.iloc[[3]], raw.iloc[[20]]):
        joined = read_records(frame, source="KP2MI")
        with monkeypatch.context() as m:
            m.setattr(_joined, "JOIN_MAX_CELLS", 0)
            apart = read_records(frame, source="KP2MI")
        assert_frame_equal(joined.records, apart.records, check_exact=True)
        assert_frame_equal(joined.rejects, apart.rejects, check_exact=True)
        assert joined.notes == apart.notes
        assert joined.info == apart.info
        assert joined.mapping == apart.mapping
        assert joined.row_numbers.tolist() == apart.row_numbers.tolist()


def _standardised(frame: pd.DataFrame, roles: dict[str, str]) -> pd.DataFrame:
    out = standardize(frame, profile="indonesia", reference_date=REF, person_columns=roles)
    del out.attrs["standardize_timings"]
    return out


def test_one_row_at_a_time_standardises_as_the_whole_frame(raw: pd.DataFrame) -> None:
    records, _ = collect_inputs(raw)
    whole = standardize(records, profile="indonesia", reference_date=REF)
    roles = whole.attrs["person_columns"]
    rows = [_standardised(records.iloc[[i]], roles) for i in range(len(records))]
    together = pd.concat(rows)
    assert list(together.columns) == list(whole.columns)
    assert_frame_equal(together, whole, check_exact=True)
    for row in rows:
        assert row.attrs == {
            "profile": "indonesia",
            "person_columns": roles,
            "renamed_columns": {},
        }


def test_standardised_columns_are_copies_of_the_input(raw: pd.DataFrame) -> None:
    """Input columns are copied into the result (a change of one leaves the other as it
    was), with the same values; an input column a derived one needs is renamed."""
    records, _ = collect_inputs(raw)
    records = records.assign(dob=records["birth_date"], score=np.linspace(0, 1, len(records)))
    for frame in (records, records.iloc[[4]], records.iloc[[8, 2]]):
        frame = frame.copy()
        out = _standardised(frame, {})
        assert out.attrs["renamed_columns"] == {"dob": "input_dob"}
        assert_frame_equal(
            out[["full_name", "score"]].reset_index(drop=True),
            frame[["full_name", "score"]].reset_index(drop=True),
        )
        assert_frame_equal(
            out[["input_dob"]].set_axis(["dob"], axis=1).reset_index(drop=True),
            frame[["dob"]].reset_index(drop=True),
        )
        out.iloc[0, out.columns.get_loc("score")] = -1.0
        out.iloc[0, out.columns.get_loc("full_name")] = "changed"
        assert frame["score"].iloc[0] != -1.0
        assert frame["full_name"].iloc[0] != "changed"
