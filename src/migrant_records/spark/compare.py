"""Comparison and scoring on Spark: the pandas comparators and model on batches of pairs.

Pairs are joined with the columns their comparators read, then each batch of rows (one
pair per row, left columns and right columns side by side) is compared with the same
comparator objects as the pandas engine inside ``mapInPandas``: no Python loop per pair.

Every pair row carries one side's columns through a shuffle, so the comparison's shuffle
files grow with the number of pairs (about 250 bytes a pair on benchmark data).
:func:`compare_in_parts` compares the pairs in parts and releases each part's shuffle files
before the next: the local disk holds one part's at a time.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from migrant_records.compare import Comparator
from migrant_records.compare.base import comparator_columns
from migrant_records.spark import _stages
from migrant_records.spark.session import materialise, release_unused

__all__ = [
    "DEFAULT_PAIRS_PER_PART",
    "compare",
    "compare_in_parts",
    "gamma_columns",
    "pattern_counts",
    "score",
    "tf_frequencies",
]

DEFAULT_PAIRS_PER_PART = 20_000_000
"""Candidate pairs compared in one part by default (about 5 GB of shuffle files)."""


def gamma_columns(comparators: Sequence[Comparator]) -> list[str]:
    """Spark column of each comparator's level (``gamma_<name>``)."""
    return [f"gamma_{c.name}" for c in comparators]


def _tf_name(name: str) -> str:
    return f"tf_{name}"


def tf_frequencies(prepared: Any, comparators: Sequence[Comparator]) -> dict[str, Any]:
    """Per term-frequency column: a DataFrame ``_tfv, _tfn`` (value, count) and the total.

    Counts run over all records (both sides when linking), like the pandas engine's.
    """
    from pyspark.sql import functions as F

    out: dict[str, Any] = {}
    for name, column in _stages.tf_columns(comparators).items():
        if column not in prepared.columns:
            continue

        def values(batches: Iterator[pd.DataFrame], column: str = column) -> Iterator[pd.DataFrame]:
            for batch in batches:
                yield pd.DataFrame({"_tfv": _stages.tf_values(batch[column].astype(object))})

        counted = (
            prepared.select(column)
            .mapInPandas(values, "_tfv string")
            .where(F.col("_tfv").isNotNull())
            .groupBy("_tfv")
            .agg(F.count(F.lit(1)).alias("_tfn"))
        )
        out[name] = materialise(counted)  # counted once, read by every part
    return out


def compare(
    pairs: Any,
    left: Any,
    right: Any,
    comparators: Sequence[Comparator],
    tf: dict[str, Any] | None,
) -> Any:
    """Comparison levels (and term frequencies) of every pair.

    Args:
        pairs: ``i, j`` positions into ``left`` and ``right``.
        left: Prepared left records with ``_pos`` (dedupe: the records).
        right: Prepared right records with ``_pos`` (dedupe: the records again).
        comparators: The comparators.
        tf: From :func:`tf_frequencies` (``None``: no term-frequency adjustment).

    Returns:
        ``i, j``, one ``gamma_<name>`` byte column per comparator and a ``tf_<name>`` float
        column per term-frequency comparator.
    """
    from pyspark.sql import functions as F

    tf = tf or {}
    needed: list[str] = []
    for comp in comparators:
        for col in comparator_columns(comp):
            if col not in needed and col in left.columns:
                needed.append(col)
    tf_cols = _stages.tf_columns(comparators)
    for name, col in tf_cols.items():
        if name in tf and col not in needed:
            needed.append(col)
    totals: dict[str, int] = {}
    lsel = [F.col("_pos").alias("i")] + [F.col(c).alias(f"{c}__l") for c in needed]
    rsel = [F.col("_pos").alias("j")] + [F.col(c).alias(f"{c}__r") for c in needed]
    lrec = left.select(*lsel)
    rrec = right.select(*rsel)
    for name, counted in tf.items():
        # a term's count belongs to the left record: joined to the records, not to the
        # pairs, it adds no shuffle of the (many more, and wide) pair rows
        col = tf_cols[name]
        totals[name] = int(counted.agg(F.sum("_tfn")).collect()[0][0] or 0)
        lrec = (
            lrec.join(counted, F.col(f"{col}__l") == F.col("_tfv"), "left")
            .withColumnRenamed("_tfn", f"_tfn_{name}")
            .drop("_tfv")
        )
    wide = pairs.join(lrec, "i").join(rrec, "j")
    gcols = gamma_columns(comparators)
    schema = ", ".join(
        ["i long", "j long"]
        + [f"`{g}` byte" for g in gcols]
        + [f"`{_tf_name(name)}` float" for name in tf]
    )
    names_l = {f"{c}__l": c for c in needed}
    names_r = {f"{c}__r": c for c in needed}
    tf_names = list(tf)

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            lf = batch[list(names_l)].rename(columns=names_l)
            rf = batch[list(names_r)].rename(columns=names_r)
            gamma = _stages.candidate_gamma(comparators, lf, rf)
            out = {"i": batch["i"].to_numpy(), "j": batch["j"].to_numpy()}
            for k, g in enumerate(gcols):
                out[g] = gamma[:, k]
            for name in tf_names:
                col = tf_cols[name]
                count = batch[f"_tfn_{name}"].to_numpy(dtype=np.float64, na_value=np.nan)
                freq = pd.Series(count / max(totals[name], 1))
                out[_tf_name(name)] = _stages.pair_tf(lf[col], rf[col], freq)
            yield pd.DataFrame(out)

    return wide.mapInPandas(run, schema)


def compare_in_parts(
    path: Path,
    pairs: Any,
    left: Any,
    right: Any,
    comparators: Sequence[Comparator],
    tf: dict[str, Any] | None,
    *,
    n_pairs: int,
    pairs_per_part: int = DEFAULT_PAIRS_PER_PART,
) -> int:
    """Compare the pairs in parts and write their levels to Parquet at ``path``.

    The pairs are split by the hash of their left record into about ``n_pairs /
    pairs_per_part`` parts; each part joins only its left records, is written, and has its
    shuffle files released before the next part starts. The rows written are those of
    :func:`compare` on all pairs at once.

    Returns:
        The number of parts.
    """
    spark = pairs.sparkSession
    parts = max(1, math.ceil(n_pairs / max(int(pairs_per_part), 1)))
    for k in range(parts):
        part_pairs, part_left = pairs, left
        if parts > 1:
            part_pairs = pairs.where(_part_of("i", parts) == k)
            part_left = left.where(_part_of("_pos", parts) == k)
        gamma = compare(part_pairs, part_left, right, comparators, tf)
        gamma.write.mode("overwrite" if k == 0 else "append").parquet(str(path))
        del gamma, part_pairs, part_left
        release_unused(spark)
    return parts


def _part_of(column: str, parts: int) -> Any:
    """The part (``0 .. parts-1``) of a record position, the same for pairs and records."""
    from pyspark.sql import functions as F

    return F.pmod(F.xxhash64(F.col(column).cast("long")), F.lit(parts))


def pattern_counts(gamma: Any, comparators: Sequence[Comparator]) -> tuple[np.ndarray, np.ndarray]:
    """Distinct comparison patterns and how many pairs have each, aggregated by Spark."""
    gcols = gamma_columns(comparators)
    counted = gamma.groupBy(*gcols).count().toPandas()
    patterns = counted[gcols].to_numpy(dtype=np.int8).reshape(-1, len(gcols))
    return patterns, counted["count"].to_numpy(dtype=np.float64)


def score(gamma: Any, model: Any, comparators: Sequence[Comparator]) -> Any:
    """``i, j``, the levels, ``match_weight`` and ``match_probability`` of every pair."""
    gcols = gamma_columns(comparators)
    tf_present = [c for c in gamma.columns if c.startswith("tf_")]
    by_name = {_tf_name(c.name): c.name for c in comparators}
    schema = ", ".join(
        ["i long", "j long"]
        + [f"`{g}` byte" for g in gcols]
        + ["match_weight double", "match_probability double"]
    )

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            g = batch[gcols].to_numpy(dtype=np.int8).reshape(-1, len(gcols))
            tf = {
                by_name[c]: batch[c].to_numpy(dtype=np.float32, na_value=np.nan) for c in tf_present
            }
            weight, prob = _stages.score(model, g, tf or None)
            out = batch[["i", "j", *gcols]].copy()
            out["match_weight"] = weight
            out["match_probability"] = prob
            yield out

    return gamma.mapInPandas(run, schema)
