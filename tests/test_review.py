"""Review sheets: uncertain pairs side by side, and reading the reviewer's labels back."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from migrant_records.errors import ConfigError, InputFileError, SchemaError
from migrant_records.explain.review import LABEL_FALSE, LABEL_TRUE, read_labels, review_sheet

PROBS = [0.95, 0.5, 0.35, 0.7, 0.2, 0.55]


def records() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source": ["A"] * 7,
            "record_id": [str(i) for i in range(7)],
            "full_name": [f"Name {i}" for i in range(7)],
            "nik": [f"32010141019000{i:02d}" for i in range(7)],
            "birth_date": ["1990-01-01"] * 7,
            "name_norm": [f"name {i}" for i in range(7)],
        }
    )


def pairs() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source_l": pd.Categorical(["A"] * 6),
            "record_id_l": ["0", "0", "1", "2", "3", "4"],
            "source_r": ["A"] * 6,
            "record_id_r": ["1", "2", "3", "4", "5", "6"],
            "match_weight": [4.2, 0.0, -0.9, 1.2, -2.0, 0.3],
            "match_probability": PROBS,
            "gamma_name": [3, 2, 1, 2, 0, 2],
        }
    )


def test_sheet_orders_most_uncertain_first(tmp_path: Path) -> None:
    sheet = review_sheet(pairs(), records(), tmp_path / "review.csv")
    assert list(sheet["match_probability"]) == [0.5, 0.55, 0.35, 0.7]
    assert list(sheet.columns) == [
        "source_l",
        "record_id_l",
        "source_r",
        "record_id_r",
        "match_probability",
        "match_weight",
        "full_name_l",
        "full_name_r",
        "nik_l",
        "nik_r",
        "birth_date_l",
        "birth_date_r",
        "is_match",
        "note",
    ]
    first = sheet.iloc[0]
    assert (first["record_id_l"], first["record_id_r"]) == ("0", "2")
    assert (first["full_name_l"], first["full_name_r"]) == ("Name 0", "Name 2")
    assert first["nik_r"] == "3201014101900002"
    assert (sheet["is_match"] == "").all()
    written = pd.read_csv(tmp_path / "review.csv", dtype=str)
    assert list(written["record_id_r"]) == ["2", "6", "3", "4"]


def test_bounds_columns_and_limit(tmp_path: Path) -> None:
    sheet = review_sheet(
        pairs(), records(), tmp_path / "r.csv", low=0.6, high=1.0, columns=["full_name"], limit=1
    )
    assert list(sheet["match_probability"]) == [0.7]
    assert "nik_l" not in sheet.columns and "full_name_l" in sheet.columns


def test_sheet_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\.csv or \.xlsx"):
        review_sheet(pairs(), records(), tmp_path / "r.txt")
    with pytest.raises(ConfigError, match="salary"):
        review_sheet(pairs(), records(), tmp_path / "r.csv", columns=["salary"])
    with pytest.raises(ConfigError, match="low"):
        review_sheet(pairs(), records(), tmp_path / "r.csv", low=0.9, high=0.1)
    with pytest.raises(SchemaError, match="match_probability"):
        review_sheet(pairs().drop(columns="match_probability"), records(), tmp_path / "r.csv")


def test_csv_round_trip_with_many_spellings(tmp_path: Path) -> None:
    path = tmp_path / "review.csv"
    review_sheet(pairs(), records(), path, low=0.0, high=1.0)
    sheet = pd.read_csv(path, dtype=str, keep_default_na=False)
    sheet["is_match"] = ["Ya", " no ", "", "MATCH", "tidak", "1"]
    sheet.to_csv(path, index=False)
    labels = read_labels(path)
    assert list(labels.columns) == [
        "source_l",
        "record_id_l",
        "source_r",
        "record_id_r",
        "is_match",
    ]
    assert labels["is_match"].dtype == bool
    assert list(labels["is_match"]) == [True, False, True, False, True]
    assert len(labels) == 5  # the blank row is skipped


def test_xlsx_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "review.xlsx"
    sheet = review_sheet(pairs(), records(), path, low=0.0, high=1.0)
    sheet["is_match"] = [1, 0, None, "y", "n", "non-match"]
    sheet.to_excel(path, index=False)
    labels = read_labels(path)
    assert list(labels["is_match"]) == [True, False, True, False, False]
    assert labels["record_id_l"].tolist()[0] == "0"


def test_bad_label_names_row_and_value(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    pd.DataFrame(
        {
            "source_l": ["A", "A", "A"],
            "record_id_l": ["1", "2", "3"],
            "source_r": ["A", "A", "A"],
            "record_id_r": ["4", "5", "6"],
            "is_match": ["y", "n", "maybe"],
        }
    ).to_csv(path, index=False)
    with pytest.raises(SchemaError, match=r"row 4.*'maybe'"):
        read_labels(path)


def test_missing_column_and_blank_key(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    pd.DataFrame({"source_l": ["A"], "record_id_l": ["1"], "is_match": ["y"]}).to_csv(
        path, index=False
    )
    with pytest.raises(SchemaError, match="source_r, record_id_r"):
        read_labels(path)
    pd.DataFrame(
        {
            "source_l": ["A", "A"],
            "record_id_l": ["1", ""],
            "source_r": ["A", "A"],
            "record_id_r": ["4", "5"],
            "is_match": ["y", "n"],
        }
    ).to_csv(path, index=False)
    with pytest.raises(SchemaError, match=r"row 3: record_id_l is blank"):
        read_labels(path)


def test_missing_or_unknown_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="does not exist"):
        read_labels(tmp_path / "nope.csv")
    other = tmp_path / "labels.json"
    other.write_text("{}")
    with pytest.raises(InputFileError, match="extension"):
        read_labels(other)


@given(
    word=st.sampled_from(sorted(LABEL_TRUE | LABEL_FALSE)),
    upper=st.lists(st.booleans(), min_size=12, max_size=12),
    pad=st.sampled_from(["", " ", "  "]),
)
def test_label_spellings_parse_case_insensitively(word: str, upper: list[bool], pad: str) -> None:
    from migrant_records.explain.review import _parse_label

    spelled = "".join(c.upper() if u else c for c, u in zip(word, upper + [False] * 20))
    assert _parse_label(pad + spelled + pad) is (word in LABEL_TRUE)


@given(st.text(min_size=1, max_size=8))
def test_unknown_labels_are_rejected(text: str) -> None:
    from migrant_records.explain.review import _parse_label

    folded = text.strip().casefold()
    if not folded or folded == "nan" or folded in LABEL_TRUE | LABEL_FALSE:
        return
    with pytest.raises(ValueError):
        _parse_label(text)
