"""Clusters and person ids on Spark.

Edges at or above the threshold give connected components (:mod:`.components`). Only the
components that join conflicting records (two different NIKs that agree with their birth
dates, or both sexes) are split, each in one ``applyInPandas`` group by the pandas clustering
code; the others are final as they are and never leave Spark's rows. Person ids come from
each cluster's smallest record key, as in the pandas engine.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from migrant_records.spark import _stages
from migrant_records.spark.components import connected_components

__all__ = ["cluster", "conflict_nodes"]

_CONFLICT_COLUMNS = ("nik_id", "nik_birth_date", "dob", "sex_norm", "nik_sex")


def conflict_nodes(records: Any) -> Any:
    """``_node, _key, nik_c, sex_c`` of every record (see ``_stages.conflict_attributes``)."""
    cols = [c for c in _CONFLICT_COLUMNS if c in records.columns]

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            attrs = _stages.conflict_attributes(batch[cols].reset_index(drop=True))
            keys = batch["source"].astype(str) + "|" + batch["record_id"].astype(str)
            yield pd.DataFrame(
                {
                    "_node": batch["_node"].to_numpy(dtype=np.int64),
                    "_key": keys.to_numpy(dtype=object),
                    "nik_c": attrs["nik_c"].to_numpy(dtype=object),
                    "sex_c": attrs["sex_c"].to_numpy(dtype=object),
                }
            )

    return records.select("_node", "source", "record_id", *cols).mapInPandas(
        run, "_node long, _key string, nik_c string, sex_c string"
    )


def cluster(records: Any, scored: Any, threshold: float) -> tuple[Any, dict[str, int]]:
    """Person id of every record.

    Args:
        records: Records with ``_node`` (global node id), ``source``, ``record_id`` and the
            prepared conflict columns.
        scored: Pairs with ``a, b`` (node ids) and ``match_probability``.
        threshold: Pairs at or above it are joined.

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
