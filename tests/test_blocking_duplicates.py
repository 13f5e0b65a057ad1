"""Exact duplicates are always one person, however many copies there are."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from migrant_records import Matcher
from migrant_records.blocking import collapse_duplicates


def _copies(row: pd.DataFrame, n: int, prefix: str) -> pd.DataFrame:
    copies = pd.concat([row] * n, ignore_index=True)
    copies["record_id"] = [f"{prefix}-{k:05d}" for k in range(n)]
    return copies


def test_collapse_keeps_the_smallest_key_whatever_the_order() -> None:
    frame = pd.DataFrame(
        {
            "source": ["A", "A", "B", "A", "A"],
            "record_id": ["9", "1", "1", "5", "7"],
            "full_name": ["Siti", "Siti", "Siti", "Budi", "Siti"],
            "nik": ["1", "1", "1", None, "2"],
            "KET": ["x", "y", "z", "w", "v"],  # not identifying: copies may differ here
        }
    )
    kept, groups = collapse_duplicates(frame)
    # A|9, A|1 and B|1 are copies (the source does not say who a record is about)
    assert kept["record_id"].tolist() == ["1", "5", "7"]
    assert kept["source"].tolist() == ["A", "A", "A"]
    assert groups.n_collapsed == 2
    assert groups.rep.tolist() == [0, 0, 0, 1, 2]
    shuffled = frame.iloc[[3, 0, 4, 2, 1]].reset_index(drop=True)
    kept2, _ = collapse_duplicates(shuffled)
    assert sorted(kept2["record_id"] + kept2["source"]) == sorted(
        kept["record_id"] + kept["source"]
    )
    same, none = collapse_duplicates(frame.iloc[[1, 3, 4]])
    assert none.n_collapsed == 0 and len(same) == 3


@pytest.fixture(scope="module")
def sources(small_synth) -> list[pd.DataFrame]:  # type: ignore[no-untyped-def]
    return [frame.copy() for frame in small_synth.sources.values()]


def test_three_thousand_identical_copies_are_one_person(sources: list[pd.DataFrame]) -> None:
    row = sources[0].iloc[[0]]
    copies = _copies(row, 3000, "copy")
    result = Matcher(progress=False).dedupe([*sources, copies])
    clusters = result.clusters
    n_input = sum(len(s) for s in sources) + 3000
    assert len(clusters) == n_input
    assert not clusters.duplicated(["source", "record_id"]).any()
    is_copy = clusters["record_id"].str.startswith("copy-")
    assert clusters.loc[is_copy, "person_id"].nunique() == 1
    original = (clusters["source"] == row["source"].item()) & (
        clusters["record_id"] == row["record_id"].item()
    )
    assert clusters.loc[original, "person_id"].item() == clusters.loc[is_copy, "person_id"].iloc[0]
    assert result.pass_counts["exact_duplicates"] >= 3000
    # records and clusters stay aligned, pairs point at records that exist
    assert (result.records["record_id"].to_numpy() == clusters["record_id"].to_numpy()).all()
    assert int(result.pair_right.max()) < len(result.records)
    summary = result.summary()
    assert summary["records"] == n_input


def test_copies_give_the_same_person_ids_in_any_row_order(sources: list[pd.DataFrame]) -> None:
    row = sources[1].iloc[[3]]
    frame = pd.concat([sources[0], sources[1], _copies(row, 50, "dup")], ignore_index=True)
    first = Matcher(progress=False).dedupe(frame).clusters
    order = np.random.default_rng(0).permutation(len(frame))
    second = Matcher(progress=False).dedupe(frame.iloc[order]).clusters
    key = ["source", "record_id"]
    merged = first.merge(second, on=key, suffixes=("_a", "_b"))
    assert len(merged) == len(frame)
    assert (merged["person_id_a"] == merged["person_id_b"]).all()


def test_link_joins_every_copy_on_either_side(sources: list[pd.DataFrame]) -> None:
    left, right = sources[0], sources[1]
    row = left.iloc[[2]]
    left_all = pd.concat([left, _copies(row, 400, "lcopy")], ignore_index=True)
    right_copy = _copies(row, 3, "rcopy").assign(source=right["source"].iloc[0])
    right_all = pd.concat([right, right_copy], ignore_index=True)
    result = Matcher(progress=False).link(left_all, right_all)
    clusters = result.clusters
    assert len(clusters) == len(left_all) + len(right_all)
    copied = clusters["record_id"].str.contains("copy-") | (
        clusters["record_id"] == row["record_id"].item()
    )
    assert clusters.loc[copied, "person_id"].nunique() == 1
    assert result.n_left == len(left_all)


def test_a_label_about_a_copy_is_about_its_representative(sources: list[pd.DataFrame]) -> None:
    from migrant_records.blocking import relabel_copies

    base = pd.concat([sources[0], sources[1]], ignore_index=True)
    found = Matcher(progress=False).dedupe(base).clusters
    shared = found.loc[found["person_id"].duplicated(), "person_id"].iloc[0]
    pair = found[found["person_id"] == shared].head(2)  # two records of one person
    (src_a, rid_a), (src_b, rid_b) = pair[["source", "record_id"]].values.tolist()
    row = base[(base["source"] == src_a) & (base["record_id"] == rid_a)]
    frame = pd.concat([base, _copies(row, 3, "dup")], ignore_index=True)
    # a reviewer says a copy of A is not B: so A (and every copy of it) is not B
    label = pd.DataFrame(
        {
            "source_l": [src_a],
            "record_id_l": ["dup-00002"],
            "source_r": [src_b],
            "record_id_r": [rid_b],
            "is_match": [False],
        }
    )
    clusters = Matcher(progress=False).dedupe(frame, labels=label).clusters
    person = clusters.set_index(["source", "record_id"])["person_id"]
    assert person[(src_a, "dup-00002")] == person[(src_a, rid_a)]
    assert person[(src_a, rid_a)] != person[(src_b, rid_b)]
    _, groups = collapse_duplicates(frame)
    own = label.assign(source_r=src_a, record_id_r=rid_a)
    assert relabel_copies(own, groups).empty  # a record and its own copy: nothing to learn


def test_groups_are_records_equal_on_every_identifying_column() -> None:
    """Rows are grouped exactly when every column agrees (missing equals missing), whatever
    the mix of text, numbers, dates and missing values, and however many rows share a name."""
    rng = np.random.default_rng(7)
    n = 4000
    names = np.array(["siti", "budi", "siti aminah", None, "ani"], dtype=object)
    frame = pd.DataFrame(
        {
            "source": "A",
            "record_id": [str(i) for i in range(n)],
            "full_name": names[rng.integers(0, len(names), n)],
            "nik": np.array(["1", "2", None], dtype=object)[rng.integers(0, 3, n)],
            "birth_date": pd.to_datetime(
                np.array(["1990-01-02", "1991-05-06", None], dtype=object)[rng.integers(0, 3, n)]
            ),
            "phone": rng.integers(0, 3, n),
        }
    )
    kept, groups = collapse_duplicates(frame, ["full_name", "nik", "birth_date", "phone"])
    expected = frame.groupby(
        ["full_name", "nik", "birth_date", "phone"], dropna=False, sort=False
    ).ngroup()
    assert len(kept) == expected.nunique()
    # two rows share a representative exactly when they are in the same group
    rep = kept["record_id"].to_numpy()[groups.rep]
    same = pd.Series(rep).groupby(expected.to_numpy()).nunique()
    assert (same == 1).all()
    assert pd.Series(expected.to_numpy()).groupby(rep).nunique().eq(1).all()
