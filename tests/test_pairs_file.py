"""pairs.parquet: the probability floor, every pair on request, ids as in the records."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from migrant_records.errors import ConfigError
from migrant_records.pairs_file import DEFAULT_PAIRS_FLOOR, write_pairs


def _key(frame: pd.DataFrame) -> pd.Series:
    cols = ["source_l", "record_id_l", "source_r", "record_id_r"]
    return frame[cols].astype(str).agg("|".join, axis=1)


def test_default_floor_keeps_exactly_the_pairs_at_or_above_it(small_result, tmp_path: Path):
    paths = small_result.write(tmp_path)
    written = pd.read_parquet(paths["pairs"])
    expected = small_result.pairs[small_result.match_probability >= DEFAULT_PAIRS_FLOOR]
    assert 0 < len(written) < len(small_result.pairs)
    assert sorted(_key(written)) == sorted(_key(expected))
    assert (written["match_probability"] >= DEFAULT_PAIRS_FLOOR).all()
    # every pair the result joins is in the file
    assert len(written) >= len(small_result.matches())


def test_all_pairs_equal_the_pairs_table(small_result, tmp_path: Path):
    paths = small_result.write(tmp_path, pairs_floor=None)
    written = pd.read_parquet(paths["pairs"])
    table = small_result.pairs
    assert list(written.columns) == list(table.columns)
    assert len(written) == len(table)
    assert (_key(written).to_numpy() == _key(table).to_numpy()).all()
    np.testing.assert_array_equal(written["match_weight"], table["match_weight"])
    for col in [c for c in table.columns if c.startswith("gamma_")]:
        np.testing.assert_array_equal(written[col].to_numpy(), table[col].to_numpy())


def test_ids_are_dictionary_encoded(small_result, tmp_path: Path):
    import pyarrow.parquet as pq

    paths = small_result.write(tmp_path, pairs_floor=0.0)
    schema = pq.read_schema(paths["pairs"])
    for col in ("source_l", "record_id_l", "source_r", "record_id_r"):
        assert str(schema.field(col).type).startswith("dictionary")


def test_floor_outside_zero_one_is_refused(tmp_path: Path):
    records = pd.DataFrame({"source": ["a", "a"], "record_id": ["1", "2"]})
    with pytest.raises(ConfigError, match="between 0 and 1"):
        write_pairs(
            tmp_path / "p.parquet",
            records,
            np.array([0]),
            np.array([1]),
            weight=np.array([1.0]),
            probability=np.array([0.5]),
            gamma=np.zeros((1, 0), dtype=np.int8),
            comparator_names=[],
            floor=1.5,
        )


def test_cli_pairs_floor_and_all_pairs(small_synth, tmp_path: Path):
    from migrant_records.cli import main

    files = []
    for name, frame in list(small_synth.sources.items())[:3]:
        path = tmp_path / f"{name}.csv"
        frame.to_csv(path, index=False)
        files.append(str(path))
    counts = {}
    runs = {"default": [], "all": ["--all-pairs"], "half": ["--pairs-floor", "0.5"]}
    for tag, extra in runs.items():
        out = tmp_path / tag
        assert main(["dedupe", *files, "--out", str(out), "--no-progress", *extra]) == 0
        pairs = pd.read_parquet(out / "pairs.parquet")
        counts[tag] = len(pairs)
        if tag == "half":
            assert (pairs["match_probability"] >= 0.5).all()
    assert counts["all"] > counts["default"] >= counts["half"] > 0
    both = ["--all-pairs", "--pairs-floor", "0.2"]
    assert main(["dedupe", *files, "--out", str(tmp_path / "x"), "--no-progress", *both]) == 2
