"""A lookup's one-record shortcuts give what the general (many-record) code gives: block
keys, the join of kept keys with the stored rows, term-frequency values, and whole lookups
of awkward records (typos, no NIK, odd dates, titles); a refused record is refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import migrant_records as mr
from migrant_records.errors import MigrantRecordsError
from migrant_records.index import PersonIndex
from migrant_records.index import _engine as engine
from migrant_records.index.candidates import _joined
from migrant_records.index.keys import block_keys
from migrant_records.index.lookup import _stacked
from migrant_records.index.rows import FewRecords
from migrant_records.index.tf import _few_values, _values
from migrant_records.synth import generate


@pytest.fixture(scope="module")
def synth_records() -> pd.DataFrame:
    data = generate(people=400, seed=57)
    return data.records().sample(frac=1.0, random_state=2).reset_index(drop=True)


@pytest.fixture(scope="module")
def matcher(synth_records: pd.DataFrame) -> mr.Matcher:
    m = mr.Matcher(progress=False, u_sample_pairs=200_000)
    m.dedupe(synth_records)
    return m


def _awkward(records: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Records with keying errors the matcher was not built around."""
    rng = np.random.default_rng(seed)
    out = records.copy().reset_index(drop=True)
    for i in range(len(out)):
        name = str(out.at[i, "full_name"])
        kind = i % 6
        if kind == 0 and len(name) > 3:  # two letters swapped
            k = int(rng.integers(0, len(name) - 2))
            out.at[i, "full_name"] = name[:k] + name[k + 1] + name[k] + name[k + 2 :]
        elif kind == 1:  # no NIK
            out.at[i, "nik"] = None
        elif kind == 2:  # a title and an old spelling
            out.at[i, "full_name"] = "Hj. " + name.upper().replace("U", "OE") + ", S.Pd"
        elif kind == 3:  # a date the other way round, or nonsense
            out.at[i, "birth_date"] = "31/02/1990" if i % 2 else "1990-13-45"
        elif kind == 4:  # a NIK keying error that keeps 16 digits, and no phone
            nik = out.at[i, "nik"]
            if isinstance(nik, str) and len(nik) == 16:
                out.at[i, "nik"] = nik[:10] + nik[11] + nik[10] + nik[12:]
            out.at[i, "phone"] = None
        else:  # place and date of birth in one cell, no date
            out.at[i, "birth_place"] = f"{out.at[i, 'birth_place']}, 05-09-1988"
            out.at[i, "birth_date"] = None
    return out


def test_block_keys_of_one_record_equal_its_keys_among_many(synth_records, matcher):  # type: ignore[no-untyped-def]
    prepared = engine.prepare(_awkward(synth_records.iloc[:120]), matcher)
    assert matcher.blocking_ is not None
    together = block_keys(matcher.blocking_, prepared)
    for pos in range(len(prepared)):
        alone = block_keys(matcher.blocking_, prepared.iloc[[pos]].reset_index(drop=True))
        expected = together[together["pos"] == pos]
        assert alone["key"].tolist() == expected["key"].tolist()
        assert alone["pass"].tolist() == expected["pass"].tolist()


def test_kept_keys_join_the_stored_rows_as_a_frame_merge_does() -> None:
    rng = np.random.default_rng(5)
    kept = pd.DataFrame(
        {
            "pass": rng.integers(0, 9, 40),
            "pos": rng.integers(0, 3, 40),
            "key": rng.integers(0, 30, 40),
        }
    )
    stored = pd.DataFrame({"key": rng.integers(0, 30, 300), "rid": np.arange(300)})
    expected = kept.merge(stored, on="key")[["pass", "pos", "rid"]]
    got = _joined(kept, stored["key"].to_numpy(np.int64), stored["rid"].to_numpy(np.int64))
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    none = _joined(kept.iloc[:0], stored["key"].to_numpy(np.int64), stored["rid"].to_numpy())
    assert none.empty


def _few(frame: pd.DataFrame, dtypes: dict[str, str]) -> FewRecords:
    """``frame``'s rows as a database hands them back: objects, ``None`` for missing."""
    values = {}
    for name in frame.columns:
        arr = frame[name].to_numpy(dtype=object, copy=True)
        arr[pd.isna(arr)] = None
        if dtypes[name].startswith("datetime64"):
            arr = np.array([None if v is None else v.to_pydatetime() for v in arr], dtype=object)
        values[name] = arr
    return FewRecords(
        np.arange(len(frame), dtype=np.int64), frame["pid"].to_numpy(object), values, dtypes
    )


@pytest.mark.parametrize(
    "query_drop, stored_drop",
    [
        ((), ()),
        (("job",), ()),
        ((), ("job",)),
        (("flag",), ()),
        ((), ("dob", "flag")),
        (None, None),  # the query's dates in seconds
    ],
)
def test_query_and_stored_records_stack_as_a_frame_concat_does(
    query_drop: tuple[str, ...] | None, stored_drop: tuple[str, ...] | None
) -> None:
    """Same columns, a text column on one side only, a date or boolean column on one side
    only, dates of another unit: the lookup's stacked frame equals ``pd.concat`` of the
    query and stored frames."""
    query = pd.DataFrame(
        {
            "name": pd.Series(["siti aminah"], dtype=object),
            "job": pd.Series([None], dtype=object),
            "dob": pd.to_datetime(["1990-05-09"]).astype("datetime64[ns]"),
            "flag": [True],
        }
    )
    stored = pd.DataFrame(
        {
            "name": pd.Series(["siti aminah", None, "budi"], dtype=object),
            "job": pd.Series(["tki", "petani", None], dtype=object),
            "dob": pd.to_datetime(["1990-05-09", None, "1985-01-02"]).astype("datetime64[ns]"),
            "flag": [False, True, False],
        }
    )
    dtypes = {"name": "object", "job": "object", "dob": "datetime64[ns]", "flag": "bool"}
    if query_drop is None:
        query["dob"] = query["dob"].astype("datetime64[s]")
    query = query.drop(columns=list(query_drop or ()))
    stored = stored.drop(columns=list(stored_drop or ()))
    few = _few(stored.assign(pid=["P1", "P2", "P3"]), {**dtypes, "pid": "object"})
    few.values.pop("pid")
    expected = pd.concat([query, stored], ignore_index=True)
    pd.testing.assert_frame_equal(_stacked(query, list(query.columns), few), expected)


def test_few_term_frequency_values_equal_the_general_path() -> None:
    series = pd.Series(["siti", None, "  ", "", "budi", "siti", float("nan"), pd.NA, "ani "])
    got = _few_values(series)
    assert got is not None
    assert got.tolist() == pd.unique(_values(series)).tolist()
    assert _few_values(pd.Series([1.0, "x"], dtype=object)) is None  # left to the general path


def test_awkward_one_record_lookups_equal_a_lookup_of_the_frame(  # type: ignore[no-untyped-def]
    tmp_path, synth_records, matcher, assert_lookups_agree
):
    with PersonIndex.create(tmp_path / "p.duckdb", matcher) as index:
        index.add(synth_records.iloc[:600])
        probes = _awkward(synth_records.iloc[560:620], seed=1)
        probes = probes.drop(columns=["source", "record_id"]).reset_index(drop=True)
        together = assert_lookups_agree(index, probes)
        assert together["query"].nunique() > 30
        with pytest.raises(MigrantRecordsError, match="invalid_full_name"):
            index.lookup({"full_name": "1234", "nik": "3301010509900001"})


def test_lookup_scores_equal_scores_of_the_whole_stored_records(  # type: ignore[no-untyped-def]
    tmp_path, synth_records, matcher
):
    """A lookup reads only the columns scoring needs, a few rows as tuples, and term
    frequencies from its cache; scoring the same pairs on every stored column, read as a
    frame, with frequencies counted by query, gives the same probabilities."""
    from migrant_records.index.rows import STORE_COLUMNS, read_records
    from migrant_records.index.tf import frequencies

    with PersonIndex.create(tmp_path / "p.duckdb", matcher) as index:
        index.add(synth_records.iloc[:600])
        probes = _awkward(synth_records.iloc[560:600], seed=3)
        probes = probes.drop(columns=["source", "record_id"]).reset_index(drop=True)
        checked = 0
        for q in range(len(probes)):
            found = index.lookup(probes.iloc[q].to_dict(), k=3)
            if found.empty:
                continue
            one = probes.iloc[[q]].assign(source="query", record_id="0")
            raw, _ = mr.inputs.collect_inputs(one)
            prepared = engine.prepare(raw, index.matcher)
            backend = index._backend
            backend.begin(write=False)
            try:
                keys = found[["source", "record_id"]].drop_duplicates()
                stored = pd.concat(
                    [
                        read_records(
                            backend, "source = ? AND record_id = ?", [s, r]
                        )  # every column, as a frame
                        for s, r in keys.itertuples(index=False)
                    ],
                    ignore_index=True,
                )
                local = pd.concat(
                    [prepared, stored.drop(columns=list(STORE_COLUMNS))], ignore_index=True
                )
                freq = frequencies(backend, index.matcher, local)  # counted by query
            finally:
                backend.rollback()
            j = np.arange(1, len(local))
            scored = engine.score_pairs(index.matcher, local, np.zeros_like(j), j, freq)
            expected = dict(
                zip(zip(stored["source"], stored["record_id"]), scored.probability.tolist())
            )
            for row in found.itertuples(index=False):
                assert row.probability == pytest.approx(
                    expected[(row.source, row.record_id)], abs=1e-12
                )
                checked += 1
        assert checked >= 30
