"""Clusters and person ids on Spark.

Edges at or above the threshold give connected components (:mod:`.components`). A component
whose records hold two trusted NIKs or two sexes may join records that cannot be one person;
each such component is clustered in one ``applyInPandas`` group by the pandas engine's own
``cluster_pairs`` (with the matcher's conflict attributes, record keys and match weights), which
splits it at true conflicts exactly as the pandas engine does. The other components are final
as they are and never leave Spark's rows. A giant component of that kind (over
``max_split_size`` records) is not gathered in one task: Spark first cuts its edges between
two records that conflict by themselves (the same ``nik_conflict`` rule) and recomputes
components. Person ids come from each cluster's smallest record key, as in the pandas engine.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pandas as pd

from migrant_records.spark import _stages
from migrant_records.spark.components import connected_components

__all__ = ["DEFAULT_MAX_SPLIT_SIZE", "cluster", "conflict_nodes"]

logger = logging.getLogger(__name__)

DEFAULT_MAX_SPLIT_SIZE = 100_000
"""Largest conflicting component split in one task (larger ones are cut in Spark first)."""


def conflict_nodes(records: Any, rule: Callable[[pd.DataFrame], pd.DataFrame]) -> Any:
    """``_node, _key``, the conflict attributes, ``_tnik`` and ``_sexc`` of every record.

    Args:
        records: Prepared records with ``_node``, ``source`` and ``record_id``.
        rule: The matcher's conflict rule (prepared records -> conflict attributes).
    """
    columns = [c for c in records.columns if c != "_node"]
    probe = _stages.conflict_frame(rule, records.limit(20).toPandas()[columns])
    attrs = [c for c in _stages.CONFLICT_TYPES if c in probe.columns]
    schema = ", ".join(
        ["_node long", "_key string"]
        + [f"`{c}` {_stages.CONFLICT_TYPES[c]}" for c in attrs]
        + ["_tnik string", "_sexc int"]
    )

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            frame = _stages.conflict_frame(rule, batch[columns].reset_index(drop=True))
            frame.insert(0, "_key", _stages.record_keys(batch["source"], batch["record_id"]))
            frame.insert(0, "_node", batch["_node"].to_numpy(dtype=np.int64))
            yield frame[["_node", "_key", *attrs, "_tnik", "_sexc"]]

    return records.mapInPandas(run, schema)


def _no_conflicts(records: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(index=pd.RangeIndex(len(records)))


def _attributes(nodes: Any) -> list[str]:
    return [c for c in _stages.CONFLICT_TYPES if c in nodes.columns]


def _cut_conflicting_edges(edges: Any, labels: Any, nodes: Any, giant: Any) -> Any:
    """Edges without those of a giant component whose two records conflict by themselves."""
    from pyspark.sql import functions as F

    names = {"_tnik": "nik", "_sexc": "sex", "nik_birth_date": "nik_birth_date"}
    names.update({"nik_district_code": "nik_district_code", "name": "name"})
    present = [c for c in names if c in nodes.columns]

    def side(suffix: str, end: str) -> Any:
        return nodes.select(
            F.col("_node").alias(end), *[F.col(c).alias(f"{names[c]}_{suffix}") for c in present]
        )

    in_giant = labels.join(giant, "comp").select(F.col("node").alias("a"))
    inside = edges.join(in_giant, "a").join(side("a", "a"), "a").join(side("b", "b"), "b")
    columns = inside.columns

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            cut = _stages.edge_conflicts(batch)
            yield batch.loc[cut, ["a", "b"]]

    cut = inside.select(*columns).mapInPandas(run, "a long, b long")
    return edges.join(cut, ["a", "b"], "left_anti").localCheckpoint(eager=True)


def cluster(
    records: Any,
    scored: Any,
    threshold: float,
    *,
    conflicts: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
    max_split_size: int = DEFAULT_MAX_SPLIT_SIZE,
) -> tuple[Any, dict[str, int]]:
    """Person id of every record.

    Args:
        records: Prepared records with ``_node`` (global node id), ``source`` and
            ``record_id``.
        scored: Pairs with ``a, b`` (node ids), ``match_probability`` and ``match_weight``.
        threshold: Pairs at or above it are joined.
        conflicts: The matcher's conflict rule (prepared records -> conflict attributes);
            ``None``: components are never split.
        max_split_size: A component that may have to be split is clustered in one task when
            it has at most this many records (exactly as the pandas engine clusters it). A
            larger one is first cut in Spark at every edge between two records that conflict
            by themselves, and its parts are components again.

    Returns:
        ``(clusters, stats)``: a DataFrame ``_node, source, record_id, person_id`` and
        ``rounds`` (propagation rounds), ``components`` (with two records or more),
        ``split_components`` (components split at conflicts), ``largest_component``,
        ``giant_cut_rounds``.
    """
    from pyspark.sql import functions as F

    edges = scored.where(
        (F.col("match_probability") >= threshold) & (F.col("a") != F.col("b"))
    ).select("a", "b", F.col("match_probability").alias("p"), F.col("match_weight").alias("w"))
    edges = edges.localCheckpoint(eager=True)
    labels, rounds = connected_components(edges)
    nodes = conflict_nodes(records, conflicts or _no_conflicts).localCheckpoint(eager=True)
    attrs = _attributes(nodes)
    cut_rounds = 0
    while True:
        members = nodes.join(labels.withColumnRenamed("node", "_node"), "_node")
        per_comp = (
            members.groupBy("comp")
            .agg(
                F.count(F.lit(1)).alias("size"),
                F.countDistinct("_tnik").alias("n_nik"),
                F.countDistinct(F.when(F.col("_sexc") >= 0, F.col("_sexc"))).alias("n_sex"),
            )
            .localCheckpoint(eager=True)
        )
        suspect = (F.col("n_nik") > 1) | (F.col("n_sex") > 1)
        giant = per_comp.where(suspect & (F.col("size") > max_split_size)).select("comp")
        if giant.limit(1).count() == 0:
            break
        kept = _cut_conflicting_edges(edges, labels, nodes, giant)
        if kept.count() == edges.count():
            logger.warning(
                "A component of more than %d records holds records that may conflict but no "
                "edge between two conflicting records; it is clustered in one task.",
                max_split_size,
            )
            break
        cut_rounds += 1
        edges = kept
        labels, more = connected_components(edges)
        rounds += more
    stats_row = per_comp.agg(
        F.count(F.lit(1)).alias("components"), F.max("size").alias("largest")
    ).collect()[0]
    bad = per_comp.where(suspect).select("comp")
    bad_nodes = (
        members.join(bad, "comp")
        .select("comp", F.col("_node").alias("node"), F.col("_key").alias("key"), *attrs)
        .localCheckpoint(eager=True)
    )
    bad_edges = (
        edges.join(labels.withColumnRenamed("node", "a"), "a")
        .join(bad, "comp")
        .select("comp", "a", "b", "p", "w")
        .localCheckpoint(eager=True)
    )

    def split(nodes_pdf: pd.DataFrame, edges_pdf: pd.DataFrame) -> pd.DataFrame:
        nodes_pdf = nodes_pdf.sort_values("node", kind="stable").reset_index(drop=True)
        sub = _stages.split_component(nodes_pdf, edges_pdf, threshold, attrs)
        return pd.DataFrame({"node": nodes_pdf["node"].to_numpy(), "sub": sub})

    subs = (
        bad_nodes.groupBy("comp")
        .cogroup(bad_edges.groupBy("comp"))
        .applyInPandas(split, "node long, sub long")
        .localCheckpoint(eager=True)
    )
    cluster_of = labels.join(subs, "node", "left").select(
        F.col("node").alias("_node"),
        F.col("comp"),
        F.when(F.col("sub").isNull(), F.col("comp").cast("string"))
        .otherwise(F.concat_ws(":", F.col("comp").cast("string"), F.col("sub").cast("string")))
        .alias("_cluster"),
    )
    n_split = int(
        cluster_of.where(F.col("_cluster").contains(":"))
        .groupBy("comp")
        .agg(F.countDistinct("_cluster").alias("parts"))
        .where(F.col("parts") > 1)
        .count()
    )
    assigned = nodes.join(cluster_of.drop("comp"), "_node", "left").withColumn(
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
        "split_components": n_split,
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
