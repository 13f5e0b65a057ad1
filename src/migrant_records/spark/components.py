"""Connected components of a graph held as a Spark DataFrame of edges (no graphframes).

Min-label propagation with pointer jumping: every node starts with the smallest id among
itself and its neighbours; each round, both ends of an edge take the smaller of their two
labels, then every node takes its label's label (which halves the distance to the smallest
node of a chain). Rounds stop when no label changes. Each round's labels are checkpointed
(every few rounds to the checkpoint folder), so the plan stays short however many rounds
run. Nothing is collected to the driver or to one executor: a giant component is as many
rows as it has nodes, spread over all tasks.
"""

from __future__ import annotations

import logging
from typing import Any

from migrant_records.errors import MigrantRecordsError

__all__ = ["connected_components"]

logger = logging.getLogger(__name__)


def connected_components(
    edges: Any, *, max_rounds: int = 100, reliable_every: int = 4
) -> tuple[Any, int]:
    """Label every node that has an edge with the smallest node id of its component.

    Args:
        edges: DataFrame with long columns ``a`` and ``b`` (one row per edge, any direction).
        max_rounds: Safety bound on propagation rounds.
        reliable_every: Every this many rounds the labels are checkpointed to the checkpoint
            folder (surviving a lost executor); other rounds keep them on the executors.

    Returns:
        ``(labels, rounds)``: a DataFrame ``node, comp`` and the number of rounds run.

    Raises:
        MigrantRecordsError: The labels did not settle within ``max_rounds`` rounds.
    """
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    both = edges.select("a", "b").union(edges.select(F.col("b").alias("a"), F.col("a").alias("b")))
    both = both.where(F.col("a") != F.col("b")).distinct().localCheckpoint(eager=True)
    labels = (
        both.groupBy(F.col("a").alias("node"))
        .agg(F.min("b").alias("comp"))
        .withColumn("comp", F.least("node", "comp"))
        .localCheckpoint(eager=True)
    )
    for rounds in range(1, max_rounds + 1):
        # propagate along edges: a node takes the smallest label among its neighbours
        neighbour = both.join(labels.withColumnRenamed("node", "b"), "b").select(
            F.col("a").alias("node"), F.col("comp")
        )
        merged = labels.union(neighbour).groupBy("node").agg(F.min("comp").alias("comp"))
        # pointer jumping: take the label of the label
        parent = merged.select(F.col("node").alias("comp"), F.col("comp").alias("up"))
        jumped = (
            merged.join(parent, "comp", "left")
            .select("node", F.least(F.col("comp"), F.coalesce("up", "comp")).alias("comp"))
            .persist(StorageLevel.MEMORY_AND_DISK)
        )
        # every few rounds a reliable checkpoint (to the checkpoint folder), else a local one
        if rounds % reliable_every == 0:
            jumped = jumped.checkpoint(eager=True)
        else:
            jumped = jumped.localCheckpoint(eager=True)
        changed = (
            jumped.join(labels.withColumnRenamed("comp", "old"), "node")
            .where(F.col("comp") != F.col("old"))
            .limit(1)
            .count()
        )
        labels = jumped
        logger.info("connected components: round %d", rounds)
        if changed == 0:
            return labels, rounds
    raise MigrantRecordsError(f"Connected components did not settle within {max_rounds} rounds.")
