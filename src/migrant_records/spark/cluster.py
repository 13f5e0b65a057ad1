"""Clusters and person ids on Spark.

Edges at or above the threshold give connected components (:mod:`.components`). Only the
components that join conflicting records (two different NIKs that agree with their birth
dates, or both sexes) are split, each in one ``applyInPandas`` group by the pandas clustering
code; the others are final as they are and never leave Spark's rows. A giant conflicting
component (over ``max_split_size`` records) is not gathered in one task: Spark first cuts
its edges between directly conflicting records and recomputes components. Person ids come
from each cluster's smallest record key, as in the pandas engine.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from migrant_records.spark import _stages
from migrant_records.spark.components import connected_components

__all__ = ["DEFAULT_MAX_SPLIT_SIZE", "cluster", "conflict_nodes"]

logger = logging.getLogger(__name__)

DEFAULT_MAX_SPLIT_SIZE = 100_000
"""Largest conflicting component split in one task (larger ones are cut in Spark first)."""

_CONFLICT_COLUMNS = ("nik_id", "nik_birth_date", "dob", "sex_norm", "nik_sex")


def conflict_nodes(records: Any) -> Any:
    """``_node, _key, nik_c, sex_c`` of every record (see ``_stages.conflict_attributes``)."""
    cols = [c for c in _CONFLICT_COLUMNS if c in records.columns]

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            attrs = _stages.conflict_attributes(batch[cols].reset_index(drop=True))
            keys = _stages.record_keys(batch["source"], batch["record_id"])
            yield pd.DataFrame(
                {
                    "_node": batch["_node"].to_numpy(dtype=np.int64),
                    "_key": keys,
                    "nik_c": attrs["nik_c"].to_numpy(dtype=object),
                    "sex_c": attrs["sex_c"].to_numpy(dtype=object),
                }
            )

    return records.select("_node", "source", "record_id", *cols).mapInPandas(
        run, "_node long, _key string, nik_c string, sex_c string"
    )


def _cut_conflicting_edges(edges: Any, labels: Any, nodes: Any, giant: Any) -> Any:
    """Edges without those that join two directly conflicting records of a giant component."""
    from pyspark.sql import functions as F

    attrs = nodes.select("_node", "nik_c", "sex_c")
    a = attrs.select(
        F.col("_node").alias("a"), F.col("nik_c").alias("nik_a"), F.col("sex_c").alias("sex_a")
    )
    b = attrs.select(
        F.col("_node").alias("b"), F.col("nik_c").alias("nik_b"), F.col("sex_c").alias("sex_b")
    )
    in_giant = labels.join(giant, "comp").select(F.col("node").alias("a"), F.lit(True).alias("_g"))
    marked = edges.join(a, "a").join(b, "b").join(in_giant, "a", "left")
    conflict = (
        F.col("nik_a").isNotNull() & F.col("nik_b").isNotNull() & (F.col("nik_a") != F.col("nik_b"))
    ) | (
        F.col("sex_a").isNotNull() & F.col("sex_b").isNotNull() & (F.col("sex_a") != F.col("sex_b"))
    )
    drop = F.coalesce(F.col("_g"), F.lit(False)) & conflict
    return marked.where(~drop).select("a", "b", "p").localCheckpoint(eager=True)


def cluster(
    records: Any, scored: Any, threshold: float, *, max_split_size: int = DEFAULT_MAX_SPLIT_SIZE
) -> tuple[Any, dict[str, int]]:
    """Person id of every record.

    Args:
        records: Records with ``_node`` (global node id), ``source``, ``record_id`` and the
            prepared conflict columns.
        scored: Pairs with ``a, b`` (node ids) and ``match_probability``.
        threshold: Pairs at or above it are joined.
        max_split_size: A component joining conflicting records is split in one task when it
            has at most this many records (exactly as the pandas engine splits it). A larger
            one is first cut in Spark at every edge between two records that conflict
            directly, and its parts are components again; the parts are then split as usual.

    Returns:
        ``(clusters, stats)``: a DataFrame ``_node, source, record_id, person_id`` and
        ``rounds`` (propagation rounds), ``components`` (with two records or more),
        ``split_components`` (components split at conflicts), ``largest_component``.
    """
    from pyspark.sql import functions as F

    edges = scored.where(
        (F.col("match_probability") >= threshold) & (F.col("a") != F.col("b"))
    ).select("a", "b", F.col("match_probability").alias("p"))
    edges = edges.localCheckpoint(eager=True)
    labels, rounds = connected_components(edges)
    nodes = conflict_nodes(records).localCheckpoint(eager=True)
    cut_rounds = 0
    while True:
        members = nodes.join(labels.withColumnRenamed("node", "_node"), "_node")
        per_comp = (
            members.groupBy("comp")
            .agg(
                F.count(F.lit(1)).alias("size"),
                F.countDistinct("nik_c").alias("n_nik"),
                F.countDistinct("sex_c").alias("n_sex"),
            )
            .localCheckpoint(eager=True)
        )
        giant = per_comp.where(
            ((F.col("n_nik") > 1) | (F.col("n_sex") > 1)) & (F.col("size") > max_split_size)
        ).select("comp")
        if giant.limit(1).count() == 0:
            break
        kept = _cut_conflicting_edges(edges, labels, nodes, giant)
        if kept.count() == edges.count():
            logger.warning(
                "A component of more than %d records joins conflicting records but has no "
                "edge between two conflicting records; it is split in one task.",
                max_split_size,
            )
            break
        cut_rounds += 1
        edges = kept
        labels, more = connected_components(edges)
        rounds += more
    stats_row = per_comp.agg(
        F.count(F.lit(1)).alias("components"),
        F.max("size").alias("largest"),
        F.sum(((F.col("n_nik") > 1) | (F.col("n_sex") > 1)).cast("int")).alias("bad"),
    ).collect()[0]
    bad = per_comp.where((F.col("n_nik") > 1) | (F.col("n_sex") > 1)).select("comp")
    bad_nodes = (
        members.join(bad, "comp")
        .select("comp", F.col("_node").alias("node"), F.col("_key").alias("key"), "nik_c", "sex_c")
        .localCheckpoint(eager=True)
    )
    bad_edges = (
        edges.join(labels.withColumnRenamed("node", "a"), "a")
        .join(bad, "comp")
        .select("comp", "a", "b", "p")
        .localCheckpoint(eager=True)
    )

    def split(nodes_pdf: pd.DataFrame, edges_pdf: pd.DataFrame) -> pd.DataFrame:
        nodes_pdf = nodes_pdf.sort_values("node", kind="stable").reset_index(drop=True)
        sub = _stages.split_component(nodes_pdf, edges_pdf, threshold)
        return pd.DataFrame({"node": nodes_pdf["node"].to_numpy(), "sub": sub})

    subs = (
        bad_nodes.groupBy("comp")
        .cogroup(bad_edges.groupBy("comp"))
        .applyInPandas(split, "node long, sub long")
    )
    cluster_of = labels.join(subs, "node", "left").select(
        F.col("node").alias("_node"),
        F.when(F.col("sub").isNull(), F.col("comp").cast("string"))
        .otherwise(F.concat_ws(":", F.col("comp").cast("string"), F.col("sub").cast("string")))
        .alias("_cluster"),
    )
    assigned = nodes.join(cluster_of, "_node", "left").withColumn(
        "_cluster", F.coalesce(F.col("_cluster"), F.concat(F.lit("s"), F.col("_node")))
    )
    ids = _person_ids(assigned.groupBy("_cluster").agg(F.min("_key").alias("_min_key")))
    clusters = (
        assigned.join(ids, "_cluster")
        .join(records.select("_node", "source", "record_id"), "_node")
        .select("_node", "source", "record_id", "person_id")
    )
    stats = {
        "rounds": int(rounds),
        "components": int(stats_row["components"] or 0),
        "split_components": int(stats_row["bad"] or 0),
        "largest_component": int(stats_row["largest"] or 0),
        "giant_cut_rounds": cut_rounds,
    }
    return clusters, stats


def _person_ids(min_keys: Any) -> Any:
    """``_cluster, person_id`` from each cluster's smallest key, lengthening colliding ids."""
    from pyspark.sql import functions as F

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            ids = _stages.person_ids(batch["_min_key"].to_numpy(dtype=object))
            yield pd.DataFrame(
                {"_cluster": batch["_cluster"], "_min_key": batch["_min_key"], "person_id": ids}
            )

    first = min_keys.mapInPandas(run, "_cluster string, _min_key string, person_id string")
    first = first.localCheckpoint(eager=True)
    clashes = (
        first.groupBy(F.substring("person_id", 1, 13).alias("_short"))
        .count()
        .where(F.col("count") > 1)
    )
    colliding = first.join(
        clashes, F.substring(first["person_id"], 1, 13) == clashes["_short"]
    ).select("_cluster", "_min_key")
    if colliding.limit(1).count() == 0:
        return first.select("_cluster", "person_id")
    fixed_keys = colliding.toPandas()
    fixed = pd.DataFrame(
        {
            "_cluster": fixed_keys["_cluster"],
            "_fixed": _stages.person_ids(fixed_keys["_min_key"].to_numpy(dtype=object)),
        }
    )
    spark = min_keys.sparkSession
    patch = spark.createDataFrame(fixed, "_cluster string, _fixed string")
    return first.join(patch, "_cluster", "left").select(
        "_cluster", F.coalesce("_fixed", "person_id").alias("person_id")
    )
