"""The Spark engine gives the pandas engine's results: same partition, same probabilities.

All tests share one ``local[2]`` session with few shuffle partitions.
"""

from __future__ import annotations

import json
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pyspark")

import migrant_records as mr
from migrant_records.blocking import BaseStrategy, ExactBlock, union_pairs
from migrant_records.errors import ConfigError, SchemaError


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A checkpoint folder for the tests that run Spark stages outside a ``SparkMatcher``."""
    return str(tmp_path_factory.mktemp("checkpoints"))


@pytest.fixture(scope="module")
def spark(checkpoints: str, tmp_path_factory: pytest.TempPathFactory) -> Any:
    from migrant_records.spark import get_session

    session = get_session(
        master="local[2]",
        config={
            # shuffle files in a folder of these tests' own
            "spark.local.dir": str(tmp_path_factory.mktemp("spark-local")),
            "spark.sql.shuffle.partitions": "4",
            "spark.default.parallelism": "4",
            "spark.ui.enabled": "true",
        },
    )
    session.sparkContext.setLogLevel("ERROR")
    session.sparkContext.setCheckpointDir(checkpoints)
    return session


def _groups(clusters: pd.DataFrame) -> set[tuple[tuple[str, str], ...]]:
    keys = list(zip(clusters["source"].astype(str), clusters["record_id"].astype(str)))
    by_person: dict[str, list[tuple[str, str]]] = {}
    for person, key in zip(clusters["person_id"].tolist(), keys):
        by_person.setdefault(person, []).append(key)
    return {tuple(sorted(v)) for v in by_person.values()}


def _pair_table(result: mr.MatchResult) -> pd.DataFrame:
    pairs = result.pairs
    keys = ["source_l", "record_id_l", "source_r", "record_id_r"]
    table = pairs[keys].astype(str)
    table["p_pandas"] = pairs["match_probability"].to_numpy()
    return table


def _assert_same(result: mr.MatchResult, spark_result: Any) -> None:
    clusters = spark_result.clusters().toPandas()
    assert len(clusters) == len(result.clusters)
    assert _groups(clusters) == _groups(result.clusters)
    # person ids are the pandas engine's too
    merged_ids = clusters.merge(result.clusters, on=["source", "record_id"])
    assert (merged_ids["person_id_x"] == merged_ids["person_id_y"]).all()
    pairs = spark_result.pairs().toPandas()
    expected = _pair_table(result)
    assert len(pairs) == len(expected)
    merged = expected.merge(
        pairs, on=["source_l", "record_id_l", "source_r", "record_id_r"], how="outer"
    )
    assert merged["p_pandas"].notna().all() and merged["match_probability"].notna().all()
    np.testing.assert_allclose(merged["match_probability"], merged["p_pandas"], rtol=0, atol=1e-9)


def test_dedupe_sample_trained_on_spark_equals_pandas(spark: Any, tmp_path: Path) -> None:
    from migrant_records.spark import SparkMatcher

    records = mr.datasets.load_sample().records()
    pandas_matcher = mr.Matcher(progress=False)
    expected = pandas_matcher.dedupe(records)
    spark_matcher = mr.Matcher(progress=False)
    # compared in parts of 40 pairs: trained and scored from the parts' levels together
    result = SparkMatcher(spark_matcher, spark=spark, pairs_per_part=40).dedupe(
        records, out=tmp_path / "out"
    )
    assert result.compare_parts == -(-result.n_pairs // 40) > 1
    # trained on Spark from aggregated pattern counts: the very same model
    a, b = pandas_matcher.model_, spark_matcher.model_
    assert a.prior_ == b.prior_
    for ma, mb in zip(a.m_, b.m_):
        np.testing.assert_array_equal(ma, mb)
    for ua, ub in zip(a.u_, b.u_):
        np.testing.assert_array_equal(ua, ub)
    _assert_same(expected, result)
    assert result.blocking.pass_counts == expected.candidates.pass_counts
    assert result.n_records == len(records)
    assert result.n_persons == expected.clusters["person_id"].nunique()
    assert (tmp_path / "out" / "clusters").is_dir()
    # the same output folder again, in one part: the earlier run's parts are replaced
    again = SparkMatcher(spark_matcher, spark=spark).dedupe(records, out=tmp_path / "out")
    assert again.compare_parts == 1
    _assert_same(expected, again)


def test_dedupe_synthetic_20000_people_equals_pandas(spark: Any, tmp_path: Path) -> None:
    from migrant_records.spark import SparkMatcher
    from migrant_records.synth import generate

    data = generate(people=20_000, seed=11)
    records = pd.concat(list(data.sources.values()), ignore_index=True)
    matcher = mr.Matcher(progress=False)
    expected = matcher.dedupe(records)
    # the trained matcher, saved and loaded, scores on Spark
    saved = mr.Matcher.load(matcher.save(tmp_path / "model.json"))
    result = SparkMatcher(saved, spark=spark).dedupe(records, out=tmp_path / "out")
    _assert_same(expected, result)
    assert result.cluster_stats["split_components"] > 0  # conflict splitting was exercised


def test_nik_carried_by_several_people_is_suspect_on_spark(spark: Any, tmp_path: Path) -> None:
    """A NIK typed into the records of four clearly different women (a family card number,
    say) identifies nobody: both engines compare it as "different (invalid or suspect)"."""
    from migrant_records.spark import SparkMatcher

    records = mr.datasets.load_sample().records()
    shared = records.loc[0, "nik"]
    records.loc[[2, 4, 11], "nik"] = shared  # KHOTIJAH, NUR AMINAH, AMINAH; row 0 EUIS ROHMAH
    carriers = set(records.loc[[0, 2, 4, 11], "record_id"])
    matcher = mr.Matcher(progress=False)
    expected = matcher.dedupe(records)
    result = SparkMatcher(matcher, spark=spark).dedupe(records, out=tmp_path / "out")
    for pairs in (expected.pairs, result.pairs().toPandas()):
        among = pairs["record_id_l"].astype(str).isin(carriers) & pairs["record_id_r"].astype(
            str
        ).isin(carriers)
        assert among.sum() >= 3  # the NIK blocking pass pairs them
        assert (pairs.loc[among, "gamma_nik"] == 1).all()
    _assert_same(expected, result)


def test_link_equals_pandas(spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from migrant_records.spark import SparkMatcher

    records = mr.datasets.load_sample().records()
    sources = records["source"].unique()
    left = records[records["source"] == sources[0]].reset_index(drop=True)
    right = records[records["source"] != sources[0]].reset_index(drop=True)
    matcher = mr.Matcher(progress=False)
    expected = matcher.link(left, right)
    import migrant_records.spark.compare as spark_compare

    released = []
    release = spark_compare.release_unused
    monkeypatch.setattr(spark_compare, "release_unused", lambda s: (released.append(1), release(s)))
    result = SparkMatcher(matcher, spark=spark, pairs_per_part=25).link(
        left, right, out=tmp_path / "out"
    )
    assert result.link and result.compare_parts > 1
    assert len(released) == result.compare_parts  # each part's shuffle released before the next
    clusters = result.clusters().toPandas()
    assert _groups(clusters) == _groups(expected.clusters)
    pairs = result.pairs().toPandas()
    exp = _pair_table(expected)
    assert len(pairs) == len(exp)
    merged = exp.merge(pairs, on=["source_l", "record_id_l", "source_r", "record_id_r"])
    assert len(merged) == len(exp)
    np.testing.assert_allclose(merged["match_probability"], merged["p_pandas"], rtol=0, atol=1e-9)


def test_rejects_and_errors(spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from migrant_records.spark import SparkMatcher

    records = mr.datasets.load_sample().records().head(300).copy()
    records.loc[5, "full_name"] = "  "
    records = pd.concat([records, records.iloc[[7]]], ignore_index=True)  # repeated id
    matcher = mr.Matcher.load(
        mr.Matcher(progress=False).fit(records.drop(index=[5, 300])).save(tmp_path / "m.json")
    )
    result = SparkMatcher(matcher, spark=spark).dedupe(records, out=tmp_path / "out")
    rejects = result.rejects().toPandas().sort_values("row")
    assert rejects["reason"].tolist() == ["blank_full_name", "duplicate_record_id"]
    assert rejects["row"].tolist() == [6, 301]
    # every input row is either clustered once or rejected
    assert result.n_records + result.n_rejects == len(records)
    assert result.clusters().count() == result.n_records
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    with pytest.raises(SchemaError, match="full_name"):
        SparkMatcher(matcher, spark=spark).dedupe(records.drop(columns=["full_name"]))
    assert not list(scratch.iterdir()), "a failed run without `out` leaves its folder behind"
    with pytest.raises(ConfigError, match="one_to_one"):
        SparkMatcher(mr.Matcher(one_to_one=True), spark=spark).link(records, records)
    with pytest.raises(ConfigError, match="pairs_per_part"):
        SparkMatcher(matcher, spark=spark, pairs_per_part=0)


def _shuffle_files(spark: Any) -> set[Path]:
    local = spark.sparkContext.getConf().get("spark.local.dir", tempfile.gettempdir())
    dirs = [d for root in local.split(",") for d in Path(root).glob("blockmgr-*")]
    return {f for d in dirs for f in d.rglob("shuffle_*.data")}


def test_released_shuffle_files_are_deleted(spark: Any) -> None:
    """Between stages the engine releases what no DataFrame refers to any more: the shuffle
    files of a finished join are deleted from the local disk, not kept until the run ends."""
    import time

    from pyspark.sql import functions as F

    from migrant_records.spark.session import release_unused

    release_unused(spark)
    before = _shuffle_files(spark)
    counted = spark.range(50_000).groupBy((F.col("id") % 97).alias("k")).count()
    counted = counted.join(spark.range(97).withColumnRenamed("id", "k"), "k")
    assert counted.count() == 97
    made = _shuffle_files(spark) - before
    assert made, "the join wrote shuffle files"
    del counted
    release_unused(spark)
    deadline = time.monotonic() + 30
    while made & _shuffle_files(spark) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not made & _shuffle_files(spark)


def _task_times(spark: Any, group: str) -> list[list[int]]:
    """Executor run time of each task, per stage of the jobs in ``group`` (Spark's REST API)."""
    sc = spark.sparkContext
    base = f"{sc.uiWebUrl}/api/v1/applications/{sc.applicationId}"
    jobs = json.load(urllib.request.urlopen(f"{base}/jobs?status=succeeded"))
    stages = {s for j in jobs if j.get("jobGroup") == group for s in j["stageIds"]}
    out = []
    for stage in sorted(stages):
        tasks = json.load(urllib.request.urlopen(f"{base}/stages/{stage}/0/taskList?length=100000"))
        out.append([int(t["taskMetrics"]["executorRunTime"]) for t in tasks])
    return out


def test_hot_key_is_split_over_tasks(spark: Any) -> None:
    """One key holds 20% of the rows: its pairs are produced by many tasks, none doing most."""
    from migrant_records.spark.blocking import block

    rng = np.random.default_rng(3)
    n = 6000
    city = np.array([f"c{k}" for k in rng.integers(0, 3000, size=n)], dtype=object)
    city[rng.choice(n, size=n // 5, replace=False)] = "hot"
    frame = pd.DataFrame({"city": city})
    strategy = ExactBlock("city", max_block_size=None, name="city")
    expected_i, expected_j = strategy.pairs(frame)
    order = np.lexsort((expected_j, expected_i))
    expected_i, expected_j = expected_i[order], expected_j[order]
    records = spark.createDataFrame(
        frame.assign(_pos=np.arange(n, dtype=np.int64), _side=np.zeros(n, dtype=np.int8))
    )
    spark.sparkContext.setJobGroup("skew-test", "hot key")
    pairs, report = block(records, [strategy], link=False, split_rows=100, pairs_per_task=50_000)
    got = pairs.toPandas().sort_values(["i", "j"])
    spark.sparkContext.setJobGroup("other", "other")
    assert got["i"].tolist() == expected_i.tolist()
    assert got["j"].tolist() == expected_j.tolist()
    assert report.split_blocks == 1
    assert report.largest_blocks.iloc[0]["key"] == "city=hot"
    # the stage that produced the pairs (the pairing join runs at least 8 tasks)
    stages = [times for times in _task_times(spark, "skew-test") if len(times) >= 8]
    assert stages
    busiest = max(stages, key=sum)
    assert max(busiest) < 0.5 * sum(busiest)


class _FirstLetter(BaseStrategy):
    """A user strategy that only gives a key per record."""

    name = "first_letter"
    max_block_size = 3

    def keys(self, frame: pd.DataFrame) -> pd.Series:
        return frame["city"].str[:1]


def test_cap_skips_blocks_as_pandas(spark: Any) -> None:
    import sys

    from pyspark import cloudpickle

    from migrant_records.spark.blocking import block

    # executors cannot import this test module: ship the user strategy by value
    cloudpickle.register_pickle_by_value(sys.modules[__name__])

    frame = pd.DataFrame({"city": ["a"] * 5 + ["b"] * 3 + [None, "", "c", "cc"]})
    strategies = [ExactBlock("city", max_block_size=4, name="city"), _FirstLetter()]
    records = spark.createDataFrame(
        frame.assign(_pos=np.arange(len(frame)), _side=np.zeros(len(frame), dtype=np.int8))
    )
    pairs, report = block(records, strategies, link=False)
    got = sorted(map(tuple, pairs.toPandas()[["i", "j"]].to_numpy().tolist()))
    expected = union_pairs(strategies, frame)
    assert got == sorted(zip(expected.left.tolist(), expected.right.tolist()))
    assert got == [(5, 6), (5, 7), (6, 7), (10, 11)]
    assert report.pass_counts == expected.pass_counts
    skipped = report.skipped_blocks
    assert skipped[skipped["pass"] == "city"]["key"].tolist() == ["city=a"]
    assert skipped[skipped["pass"] == "city"]["size"].tolist() == [5]


def test_components_follow_long_chains(spark: Any, checkpoints: str) -> None:
    from migrant_records.spark.components import connected_components

    n = 200
    a = np.arange(n - 1)
    edges = pd.DataFrame({"a": a, "b": a + 1})
    edges = pd.concat([edges, pd.DataFrame({"a": [500, 502], "b": [501, 501]})])
    spark.sparkContext.setCheckpointDir(checkpoints)
    labels, rounds = connected_components(spark.createDataFrame(edges.astype("int64")))
    got = labels.toPandas().set_index("node")["comp"]
    assert (got.loc[np.arange(n)] == 0).all()
    assert (got.loc[[500, 501, 502]] == 500).all()
    assert rounds < 20  # pointer jumping: far fewer rounds than the chain is long


@pytest.mark.parametrize("max_split_size", [100_000, 2])
def test_conflicting_component_split_at_weakest_link(
    spark: Any, checkpoints: str, max_split_size: int
) -> None:
    """Six records chained, sexes M M M F F F: the chain is cut between the two sexes, in one
    task as by the pandas engine, or first in Spark when the component counts as giant."""
    from migrant_records.cluster import cluster_pairs, conflict_attributes
    from migrant_records.spark.cluster import cluster

    sexes = ["M", "M", "M", "F", "F", "F"]
    records = pd.DataFrame(
        {
            "_node": np.arange(6, dtype=np.int64),
            "source": "s",
            "record_id": [f"r{k}" for k in range(6)],
            "sex_norm": sexes,
        }
    )
    p = np.array([0.99, 0.97, 0.8, 0.95, 0.9])
    weight = np.log2(p / (1 - p))
    edges = pd.DataFrame(
        {"a": np.arange(5), "b": np.arange(1, 6), "match_probability": p, "match_weight": weight}
    )
    spark.sparkContext.setCheckpointDir(checkpoints)
    clusters, stats = cluster(
        spark.createDataFrame(records),
        spark.createDataFrame(edges.astype({"a": "int64", "b": "int64"})),
        0.5,
        conflicts=conflict_attributes,
        max_split_size=max_split_size,
    )
    got = clusters.toPandas().sort_values("_node")
    expected = cluster_pairs(
        6, np.arange(5), np.arange(1, 6), p, conflicts={"sex": np.array(sexes, dtype=object)}
    )
    assert got.groupby("person_id")["_node"].apply(tuple).sort_values().tolist() == [
        (0, 1, 2),
        (3, 4, 5),
    ]
    assert expected.tolist() == [0, 0, 0, 1, 1, 1]
    assert stats["giant_cut_rounds"] == (1 if max_split_size == 2 else 0)
