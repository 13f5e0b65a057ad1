"""Blocking on Spark: every pass is a join on its key, with caps and hot-key splitting.

Each pass turns records into ``(group, key)`` rows (an :class:`~migrant_records.blocking.ExactBlock`
pass is one group; a :class:`~migrant_records.blocking.QGramLSH` pass one group per band, plus
one for equal values). Block sizes are counted in Spark and blocks over the pass's cap are
skipped, as the pandas engine skips them, and listed in the report. A block that is kept but
large (a hot key) is split into buckets of at most ``split_rows`` records; each pair of buckets
is one join key, so the pairs of one hot block are spread over many tasks instead of one.
Pairs found by several passes are counted once.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from migrant_records.blocking import BlockingStrategy, QGramLSH
from migrant_records.spark import _stages

__all__ = ["DEFAULT_SPLIT_ROWS", "SparkBlocking", "block"]

DEFAULT_SPLIT_ROWS = 2_000
"""Blocks with more records than this are split into buckets (pairs of buckets = tasks)."""


@dataclass
class _Group:
    pass_index: int
    kind: str  # "exact", "band", "value"
    cap: int | None
    cap_records: bool  # link: cap on records in the block (LSH bands) instead of pairs
    distinct_values: bool  # pairs must differ in the LSH value


@dataclass
class SparkBlocking:
    """What blocking did on Spark.

    Attributes:
        pass_counts: Pairs each pass produced (distinct within the pass).
        new_counts: Pairs first produced by each pass (in pass order).
        largest_blocks: ``pass, key, size, pairs`` of the largest kept blocks of each pass.
        skipped_blocks: ``pass, key, size, pairs`` of blocks over the cap (not compared).
        split_blocks: Number of kept blocks split into buckets because they were hot.
        n_pairs: Distinct candidate pairs.
    """

    pass_counts: dict[str, int] = field(default_factory=dict)
    new_counts: dict[str, int] = field(default_factory=dict)
    largest_blocks: pd.DataFrame = field(default_factory=pd.DataFrame)
    skipped_blocks: pd.DataFrame = field(default_factory=pd.DataFrame)
    split_blocks: int = 0
    n_pairs: int = 0


def _groups(strategies: Sequence[BlockingStrategy]) -> list[_Group]:
    groups: list[_Group] = []
    for p, s in enumerate(strategies):
        if _stages.exact_items(s) is not None:
            groups.append(_Group(p, "exact", getattr(s, "max_block_size", None), False, False))
        elif isinstance(s, QGramLSH):
            for _ in range(s.bands):
                groups.append(_Group(p, "band", s.max_block_size, True, not s.same_value_pairs))
            if s.same_value_pairs:
                groups.append(_Group(p, "value", s.max_block_size, False, False))
    return groups


def _key_rows(
    strategies: Sequence[BlockingStrategy], groups: list[_Group], columns: list[str]
) -> Any:
    """The mapInPandas function turning a batch of prepared records into key rows."""
    first_group: dict[int, int] = {}
    for g, grp in enumerate(groups):
        first_group.setdefault(grp.pass_index, g)

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            frame = batch.reset_index(drop=True)
            pos = frame["_pos"].to_numpy(dtype=np.int64)
            side = frame["_side"].to_numpy(dtype=np.int8)
            parts: list[pd.DataFrame] = []

            def emit(g: int, keys: np.ndarray, values: np.ndarray | None) -> None:
                _emit(parts, g, keys, values, pos, side)  # noqa: B023 - used right away

            for p, s in enumerate(strategies):
                g0 = first_group[p]
                items = _stages.exact_items(s)
                if items is not None:
                    emit(g0, _stages.key_strings(items, frame), None)
                elif isinstance(s, QGramLSH):
                    band_keys, values = _stages.lsh_band_keys(s, frame)
                    for band in range(s.bands):
                        emit(g0 + band, band_keys[:, band], values)
                    if s.same_value_pairs:
                        emit(g0 + s.bands, _stages.key_strings([s.column, *s.within], frame), None)
            if parts:
                out = pd.concat(parts, ignore_index=True)
                out["_val"] = out["_val"].astype(object)
                yield out

    return run


def _emit(
    parts: list[pd.DataFrame],
    g: int,
    keys: np.ndarray,
    values: np.ndarray | None,
    pos: np.ndarray,
    side: np.ndarray,
) -> None:
    ok = pd.notna(keys)
    if not ok.any():
        return
    parts.append(
        pd.DataFrame(
            {
                "_g": np.full(int(ok.sum()), g, dtype=np.int32),
                "_key": keys[ok],
                "_pos": pos[ok],
                "_side": side[ok],
                "_val": None if values is None else values[ok],
            }
        )
    )


def block(
    prepared: Any,
    strategies: Sequence[BlockingStrategy],
    *,
    link: bool,
    split_rows: int = DEFAULT_SPLIT_ROWS,
    pairs_per_task: int = 2_000_000,
) -> tuple[Any, SparkBlocking]:
    """Candidate pairs of all passes on Spark.

    Args:
        prepared: Prepared records with ``_pos`` and ``_side`` (0 left, 1 right; dedupe: 0).
        strategies: The blocking passes.
        link: Pairs only across the two sides.
        split_rows: Hot blocks are split into buckets of about this many records.
        pairs_per_task: Pairs produced by one task of the pairing join, on average.

    Returns:
        ``(pairs, report)``: a DataFrame of distinct ``i, j`` (``i < j`` when deduping; left
        and right positions when linking) and what blocking did.
    """
    from pyspark.sql import functions as F

    _stages.check_strategies(strategies)
    spark = prepared.sparkSession
    groups = _groups(strategies)
    names = [s.name for s in strategies]
    columns = list(prepared.columns)
    keys = prepared.mapInPandas(
        _key_rows(strategies, groups, columns),
        "_g int, _key string, _pos long, _side byte, _val string",
    )
    info = spark.createDataFrame(
        pd.DataFrame(
            {
                "_g": np.arange(len(groups), dtype=np.int32),
                "_p": [g.pass_index for g in groups],
                "_cap": [float(g.cap) if g.cap is not None else np.nan for g in groups],
                "_cap_records": [g.cap_records for g in groups],
                "_distinct": [g.distinct_values for g in groups],
            }
        )
    ).withColumn("_cap", F.col("_cap").cast("long"))
    keys = keys.localCheckpoint(eager=True)

    sizes = keys.groupBy("_g", "_key").agg(
        F.count(F.when(F.col("_side") == 0, 1)).alias("_nl"),
        F.count(F.when(F.col("_side") == 1, 1)).alias("_nr"),
    )
    sizes = sizes.join(F.broadcast(info), "_g")
    n = F.col("_nl") + F.col("_nr")
    if link:
        npairs = F.col("_nl") * F.col("_nr")
        over = F.when(F.col("_cap_records"), n > F.col("_cap")).otherwise(
            npairs > F.col("_cap") * (F.col("_cap") - 1) / 2
        )
    else:
        npairs = F.col("_nl") * (F.col("_nl") - 1) / 2
        over = F.col("_nl") > F.col("_cap")
    sizes = sizes.withColumn("_pairs", npairs.cast("long")).withColumn(
        "_over", F.coalesce(over, F.lit(False))
    )
    sizes = sizes.where(F.col("_pairs") > 0).localCheckpoint(eager=True)

    report = SparkBlocking()
    skipped = (
        sizes.where("_over")
        .select(
            F.col("_p"),
            F.col("_key"),
            (F.col("_nl") + F.col("_nr")).alias("size"),
            F.col("_pairs").alias("pairs"),
        )
        .toPandas()
    )
    report.skipped_blocks = _describe(skipped, names)
    kept = sizes.where(~F.col("_over"))
    if link:
        kept = kept.withColumn("_bl", F.ceil(F.col("_nl") / split_rows).cast("int")).withColumn(
            "_br", F.ceil(F.col("_nr") / split_rows).cast("int")
        )
    else:
        kept = kept.withColumn("_bl", F.ceil(F.col("_nl") / split_rows).cast("int")).withColumn(
            "_br", F.col("_bl")
        )
    totals = kept.agg(
        F.sum(((F.col("_bl") > 1) | (F.col("_br") > 1)).cast("long")).alias("split"),
        F.sum("_pairs").alias("pairs"),
    ).collect()[0]
    report.split_blocks = int(totals["split"] or 0)
    # The pairing join is partitioned explicitly by bucket pair: its input is small next to
    # its output, so partitions sized by input (adaptive coalescing) would put many hot
    # bucket pairs back into one task.
    n_tasks = max(
        int(spark.sparkContext.defaultParallelism) * 2,
        math.ceil(int(totals["pairs"] or 0) / pairs_per_task),
    )
    top = _top_blocks(kept)
    report.largest_blocks = _describe(top, names)

    members = keys.join(kept.select("_g", "_key", "_p", "_bl", "_br", "_distinct"), ["_g", "_key"])
    bucket_l = F.pmod(F.xxhash64(F.col("_pos")), F.col("_bl")).cast("int")
    bucket_r = F.pmod(F.xxhash64(F.col("_pos")), F.col("_br")).cast("int")
    if link:
        left = members.where(F.col("_side") == 0).select(
            "_g",
            "_key",
            "_p",
            "_distinct",
            bucket_l.alias("_x"),
            F.explode(F.sequence(F.lit(0), F.col("_br") - 1)).alias("_y"),
            F.col("_pos").alias("i"),
            F.col("_val").alias("_vl"),
        )
        right = members.where(F.col("_side") == 1).select(
            "_g",
            "_key",
            F.explode(F.sequence(F.lit(0), F.col("_bl") - 1)).alias("_x"),
            bucket_r.alias("_y"),
            F.col("_pos").alias("j"),
            F.col("_val").alias("_vr"),
        )
        pairs = _join(left, right, n_tasks)
    else:
        left = members.select(
            "_g",
            "_key",
            "_p",
            "_distinct",
            bucket_l.alias("_x"),
            F.explode(F.sequence(bucket_l, F.col("_bl") - 1)).alias("_y"),
            F.col("_pos").alias("_a"),
            F.col("_val").alias("_vl"),
        )
        right = members.select(
            "_g",
            "_key",
            F.explode(F.sequence(F.lit(0), bucket_l)).alias("_x"),
            bucket_l.alias("_y"),
            F.col("_pos").alias("_b"),
            F.col("_val").alias("_vr"),
        )
        joined = _join(left, right, n_tasks)
        keep = (F.col("_x") < F.col("_y")) | (F.col("_a") < F.col("_b"))
        pairs = joined.where(keep).select(
            "*", F.least("_a", "_b").alias("i"), F.greatest("_a", "_b").alias("j")
        )
    distinct_ok = ~F.col("_distinct") | (
        F.col("_vl").isNotNull() & F.col("_vr").isNotNull() & (F.col("_vl") != F.col("_vr"))
    )
    per_pass = (
        pairs.where(distinct_ok).select("_p", "i", "j").distinct().localCheckpoint(eager=True)
    )
    counts = per_pass.groupBy("_p").count().toPandas()
    report.pass_counts = {name: 0 for name in names}
    for p, c in zip(counts["_p"].tolist(), counts["count"].tolist()):
        report.pass_counts[names[int(p)]] = int(c)
    candidates = per_pass.groupBy("i", "j").agg(F.min("_p").alias("_first")).checkpoint(eager=True)
    first = candidates.groupBy("_first").count().toPandas()
    report.new_counts = {name: 0 for name in names}
    for p, c in zip(first["_first"].tolist(), first["count"].tolist()):
        report.new_counts[names[int(p)]] = int(c)
    report.n_pairs = int(sum(report.new_counts.values()))
    return candidates.select("i", "j"), report


def _join(left: Any, right: Any, n_tasks: int) -> Any:
    on = ["_g", "_key", "_x", "_y"]
    return left.repartition(n_tasks, *on).join(right.repartition(n_tasks, *on), on)


def _top_blocks(kept: Any, k: int = 5) -> pd.DataFrame:
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    window = Window.partitionBy("_p").orderBy(F.col("_pairs").desc(), F.col("_key"))
    return (
        kept.withColumn("_rank", F.row_number().over(window))
        .where(F.col("_rank") <= k)
        .select(
            "_p",
            "_key",
            (F.col("_nl") + F.col("_nr")).alias("size"),
            F.col("_pairs").alias("pairs"),
        )
        .toPandas()
    )


def _describe(frame: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    if len(frame) == 0:
        return pd.DataFrame(
            {
                "pass": pd.Series([], dtype=object),
                "key": pd.Series([], dtype=object),
                "size": pd.Series([], dtype="int64"),
                "pairs": pd.Series([], dtype="int64"),
            }
        )
    out = pd.DataFrame(
        {
            "pass": [names[int(p)] for p in frame["_p"].tolist()],
            "key": [str(k).replace(_stages.KEY_SEP, ", ") for k in frame["_key"].tolist()],
            "size": frame["size"].astype("int64").to_numpy(),
            "pairs": frame["pairs"].astype("int64").to_numpy(),
        }
    )
    return out.sort_values(["pass", "pairs"], ascending=[True, False], kind="stable").reset_index(
        drop=True
    )
