"""The same results on pandas 2 and pandas 3.

pandas 3 infers its ``str`` dtype (missing values as ``NaN``) for text and always copies on
write, so arrays read from a frame are read-only. These tests run the pipeline with that
behaviour switched on and off in whichever pandas is installed (pandas 2 can switch both on,
pandas 3 can still switch string inference off) and require identical results, with the
library's text columns ``object`` with ``None`` either way. `make test` runs them on both
pandas lines.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import migrant_records as mr
from migrant_records._pandas import object_column, object_frame
from migrant_records.standardize import DERIVED_COLUMNS, DIAGNOSTIC_COLUMNS, standardize
from migrant_records.synth import SOURCES, generate, write_dataset

PANDAS_MAJOR = int(pd.__version__.split(".")[0])
DERIVED = [*DERIVED_COLUMNS, *DIAGNOSTIC_COLUMNS]


@contextlib.contextmanager
def pandas3_behaviour(on: bool) -> Iterator[None]:
    """Text inferred as ``str`` (and, on pandas 2, copy-on-write) on or off."""
    options: list[object] = ["future.infer_string", on]
    if PANDAS_MAJOR < 3:
        options += ["mode.copy_on_write", on]
    with warnings.catch_warnings():
        # pandas 3 deprecates switching string inference; the switch still works
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        with pd.option_context(*options):
            yield


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("synth")
    paths = write_dataset(generate(people=250, seed=21), out)
    return [p for p in paths if p.stem in SOURCES]


def _run(files: list[Path]) -> tuple[mr.MatchResult, pd.DataFrame, pd.DataFrame]:
    frames = [pd.read_csv(p, dtype=str, keep_default_na=False, na_values=[""]) for p in files]
    result = mr.dedupe(frames, progress=False)
    prepared = standardize(pd.concat(frames, ignore_index=True), reference_date="2025-06-30")
    return result, result.golden_records(), prepared


@pytest.fixture(scope="module")
def both(files: list[Path]) -> dict[bool, tuple[mr.MatchResult, pd.DataFrame, pd.DataFrame]]:
    runs = {}
    for on in (False, True):
        with pandas3_behaviour(on):
            runs[on] = _run(files)
    return runs


def test_the_input_frames_really_differ_between_the_two_behaviours(files: list[Path]) -> None:
    with pandas3_behaviour(True):
        inferred = pd.read_csv(files[0], dtype=str).dtypes.iloc[0]
    with pandas3_behaviour(False):
        legacy = pd.read_csv(files[0], dtype=str).dtypes.iloc[0]
    assert inferred != legacy and legacy == np.dtype(object)


def test_same_persons_pairs_and_golden_records_either_way(both) -> None:  # type: ignore[no-untyped-def]
    (r0, g0, p0), (r1, g1, p1) = both[False], both[True]
    # identifiers never miss a value: they take pandas' own string dtype, with equal values
    assert r0.clusters.astype(str).equals(r1.clusters.astype(str))
    ids = ["source_l", "record_id_l", "source_r", "record_id_r"]
    assert r0.pairs[ids].astype(str).values.tolist() == r1.pairs[ids].astype(str).values.tolist()
    assert len(r0.pairs) > 100
    np.testing.assert_array_equal(r0.pairs["match_weight"], r1.pairs["match_weight"])
    pd.testing.assert_frame_equal(g0, g1, check_column_type=False)
    pd.testing.assert_frame_equal(p0[DERIVED], p1[DERIVED], check_column_type=False)


def test_text_columns_are_object_with_none_under_pandas3_behaviour(both) -> None:  # type: ignore[no-untyped-def]
    _, golden, prepared = both[True]
    for frame in (prepared[DERIVED], golden):
        for c in frame.columns:
            if frame[c].dtype.kind in "biufcmM" or str(frame[c].dtype) == "boolean":
                continue
            assert frame[c].dtype == object, c
            values = frame[c].to_numpy()
            assert all(v is None for v in values[pd.isna(values)]), c
    assert golden["nik"].isna().any() and prepared["nik_id"].isna().any()


def test_object_frame_keeps_object_arrays_and_none() -> None:
    with pandas3_behaviour(True):
        frame = object_frame(
            {"text": np.array(["a", None], dtype=object), "flag": np.array([True, False])},
            pd.Index([10, 20]),
        )
        column = object_column(pd.Series(["x", None], dtype="string"))
    assert frame["text"].dtype == object and frame["text"].tolist() == ["a", None]
    assert frame["flag"].dtype == bool and list(frame.index) == [10, 20]
    assert column.dtype == object and column.tolist() == ["x", None]


@pytest.mark.parametrize("rows", [1, 7, 1_000, 1_001])
def test_object_frame_equals_the_frame_pandas_builds(rows: int) -> None:
    """Small frames built from their arrays directly and large ones built by pandas hold
    the same columns, dtypes, values and index as ``pd.DataFrame`` of the same columns
    (object arrays kept as ``object``); scalars and Series are taken as pandas takes them."""
    rng = np.random.default_rng(rows)
    text = np.array(rng.choice(["siti", "budi", None], rows), dtype=object)
    columns = {
        "text": text,
        "count": rng.integers(0, 9, rows),
        "score": rng.random(rows),
        "flag": rng.random(rows) > 0.5,
        "dob": np.array(rng.integers(0, 20_000, rows), dtype="datetime64[D]").astype(
            "datetime64[ns]"
        ),
        "year": pd.array(rng.choice([1990, None], rows), dtype="Int64"),
    }
    index = pd.RangeIndex(5, 5 + rows)
    expected = pd.DataFrame(
        {**columns, "text": pd.Series(text, index=index, dtype=object)}, index=index
    )
    got = object_frame(columns, index)
    pd.testing.assert_frame_equal(got, expected)
    assert got["text"].dtype == object
    with_scalar = object_frame({"text": text, "source": "KP2MI"})
    assert with_scalar["source"].tolist() == ["KP2MI"] * rows
    assert with_scalar["text"].dtype == object
