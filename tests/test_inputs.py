"""Inputs: record ids that cannot collide, unused columns that never reject, empty inputs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from migrant_records.errors import NoRecordsError
from migrant_records.inputs import collect_inputs, collect_link_inputs
from migrant_records.io import read_many, read_records


def test_unused_list_and_struct_parquet_columns_never_reject(tmp_path: Path) -> None:
    table = pa.table(
        {
            "NAMA": ["Siti", "Budi", "Wayan"],
            "NIK": ["3201014101900001", "3201021205910002", None],
            "tags": pa.array([["a", "b"], [], None], type=pa.list_(pa.string())),
            "meta": pa.array(
                [{"k": 1, "v": "x"}, {"k": 2, "v": None}, None],
                type=pa.struct([("k", pa.int64()), ("v", pa.string())]),
            ),
        }
    )
    path = tmp_path / "in.parquet"
    pq.write_table(table, path)
    batch = read_records(path, source="BPS")
    assert batch.n_rejected == 0 and batch.n_records == 3
    assert batch.records["tags"].tolist() == ['["a", "b"]', "[]", None]
    assert batch.records["meta"].tolist()[0] == '{"k": 1, "v": "x"}'
    assert any("'tags'" in note and "JSON" in note for note in batch.notes)


def test_a_list_in_a_used_column_still_rejects_its_row(tmp_path: Path) -> None:
    table = pa.table({"NAMA": ["Siti", "Budi"], "HP": pa.array([["0812"], None])})
    path = tmp_path / "in.parquet"
    pq.write_table(table, path)
    batch = read_records(path, source="BPS")
    assert batch.rejects[["row", "reason"]].values.tolist() == [[1, "invalid_type:phone"]]


def test_generated_ids_name_the_file_and_the_row(tmp_path: Path) -> None:
    a = pd.DataFrame({"NAMA": ["Siti", "Budi"]})
    b = pd.DataFrame({"NAMA": ["Wayan", "Made"]})
    pa_, pb = tmp_path / "a.csv", tmp_path / "b.csv"
    a.to_csv(pa_, index=False)
    b.to_csv(pb, index=False)
    ra, rb = read_records(pa_, source="K"), read_records(pb, source="K")
    ida, idb = ra.records["record_id"].tolist(), rb.records["record_id"].tolist()
    assert ida[0].endswith("-1") and ida[1].endswith("-2")
    assert not set(ida) & set(idb)
    # stable: the same content gives the same ids, whatever the file is called
    copy = tmp_path / "renamed.csv"
    copy.write_bytes(pa_.read_bytes())
    assert read_records(copy, source="K").records["record_id"].tolist() == ida
    # the same records as a DataFrame get stable ids too
    assert read_records(a, source="K").records["record_id"].tolist() == (
        read_records(a.copy(), source="K").records["record_id"].tolist()
    )


def test_colliding_ids_across_files_are_renamed_and_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # both exports number their rows 1..n in a "NO" column, which maps to record_id
    a = pd.DataFrame({"NO": ["1", "2", "3"], "NAMA": ["Siti", "Budi", "Wayan"]})
    b = pd.DataFrame({"NO": ["1", "2", "3"], "NAMA": ["Made", "Ayu", "Komang"]})
    pa_, pb = tmp_path / "2023.csv", tmp_path / "2024.csv"
    a.to_csv(pa_, index=False)
    b.to_csv(pb, index=False)
    with caplog.at_level("WARNING"):
        batch = read_many([pa_, pb], source="KP2MI")
    assert batch.n_records == 6 and batch.n_rejected == 0  # no file rejected
    ids = batch.records["record_id"].tolist()
    tag = batch.info["inputs"][1]["digest"]
    assert ids == ["1", "2", "3", f"1@{tag}", f"2@{tag}", f"3@{tag}"]
    assert "2024.csv: 3 record id(s) already used by " in caplog.text
    assert "2023.csv" in caplog.text
    # the same file given twice: still every row kept, ids still unique
    twice = read_many([pa_, pa_], source="KP2MI")
    assert twice.n_records == 6 and not twice.records["record_id"].duplicated().any()


def test_link_sides_never_share_a_key() -> None:
    left = pd.DataFrame({"ID": ["1", "2"], "NAMA": ["Siti", "Budi"], "SUMBER": ["K", "K"]})
    right = pd.DataFrame({"ID": ["2", "3"], "NAMA": ["Made", "Ayu"], "SUMBER": ["K", "K"]})
    lrec, rrec, rejects = collect_link_inputs(left, right)
    keys = pd.concat([lrec, rrec])[["source", "record_id"]]
    assert len(lrec) == 2 and len(rrec) == 2 and len(rejects) == 0
    assert not keys.duplicated().any()


def test_no_records_left_says_why() -> None:
    with pytest.raises(NoRecordsError, match="no records to match: DataFrame has no data rows"):
        collect_inputs(pd.DataFrame({"NAMA": [], "SUMBER": []}, dtype=object))
    bad = pd.DataFrame({"NAMA": ["", "12"], "SUMBER": ["K", "K"]})
    with pytest.raises(NoRecordsError, match=r"after validation .*: 2 rejected") as info:
        collect_inputs(bad)
    assert len(info.value.rejects) == 2
    with pytest.raises(NoRecordsError, match="the right input"):
        collect_link_inputs(pd.DataFrame({"NAMA": ["Siti"], "SUMBER": ["K"]}), bad)
