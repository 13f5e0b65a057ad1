"""CSV files written fast are byte for byte what pandas writes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from migrant_records.io.writers import write_csv

_TEXT = st.one_of(
    st.none(),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
    st.sampled_from(["bps_survey", "R0001", "P60513a42cd7d", "a,b", 'say "hi"', "two\nlines"]),
)


@given(rows=st.lists(st.tuples(_TEXT, _TEXT, _TEXT), max_size=30))
def test_the_bytes_are_those_of_to_csv(tmp_path_factory, rows) -> None:  # type: ignore[no-untyped-def]
    frame = pd.DataFrame(rows, columns=["source", "record_id", "person_id"], dtype=object)
    folder: Path = tmp_path_factory.mktemp("csv")
    write_csv(frame, folder / "fast.csv")
    frame.to_csv(folder / "pandas.csv", index=False)
    assert (folder / "fast.csv").read_bytes() == (folder / "pandas.csv").read_bytes()


def test_plain_text_columns_take_the_fast_path_and_read_back(tmp_path: Path) -> None:
    n = 5000
    frame = pd.DataFrame(
        {
            "source": ["kp2mi"] * n,
            "record_id": [f"R{i}" for i in range(n)],
            "person_id": [f"P{i // 2}" if i % 7 else None for i in range(n)],
        }
    )
    write_csv(frame, tmp_path / "clusters.csv")
    back = pd.read_csv(tmp_path / "clusters.csv", dtype=str, keep_default_na=False)
    assert back["record_id"].tolist() == frame["record_id"].tolist()
    assert (back["person_id"] == "").sum() == frame["person_id"].isna().sum()
    frame.to_csv(tmp_path / "pandas.csv", index=False)
    assert (tmp_path / "clusters.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()
