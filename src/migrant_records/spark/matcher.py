"""The :class:`SparkMatcher`: a configured or trained :class:`~migrant_records.Matcher` on Spark.

Example:
    >>> import migrant_records as mr
    >>> from migrant_records.spark import SparkMatcher
    >>> result = SparkMatcher(mr.Matcher()).dedupe(  # doctest: +SKIP
    ...     "records.parquet", out="person_index/"
    ... )
    >>> result.clusters().count()  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from migrant_records.errors import ConfigError, ModelError
from migrant_records.matcher import Matcher
from migrant_records.spark import _stages
from migrant_records.spark.blocking import DEFAULT_SPLIT_ROWS, SparkBlocking, block
from migrant_records.spark.cluster import DEFAULT_MAX_SPLIT_SIZE, cluster
from migrant_records.spark.compare import (
    DEFAULT_PAIRS_PER_PART,
    compare,
    compare_in_parts,
    pattern_counts,
    score,
    tf_frequencies,
)
from migrant_records.spark.session import get_session, release_unused
from migrant_records.spark.standardise import (
    collapse_copies,
    load_records,
    prepare_records,
    presence_frame,
    validate,
)

__all__ = ["SparkMatcher", "SparkResult"]

logger = logging.getLogger(__name__)


@dataclass
class SparkResult:
    """What a Spark run wrote and how it went.

    Attributes:
        out: The output folder: ``clusters/``, ``pairs/`` and ``rejects/`` (Parquet).
        n_records: Records accepted (dedupe: all; link: left plus right).
        n_rejects: Input rows rejected (see ``rejects/`` for the reasons).
        n_pairs: Candidate pairs compared.
        n_persons: Distinct person ids.
        blocking: Per-pass counts, largest and skipped blocks, split hot blocks.
        cluster_stats: Propagation rounds, components, components split at conflicts.
        timings: Seconds per stage.
        link: Whether two sides were linked.
        compare_parts: Parts the pairs were compared in (see ``pairs_per_part``).
    """

    out: Path
    n_records: int
    n_rejects: int
    n_pairs: int
    n_persons: int
    blocking: SparkBlocking
    cluster_stats: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    link: bool = False
    compare_parts: int = 1
    _spark: Any = None

    def clusters(self) -> Any:
        """``source, record_id, person_id`` of every accepted record (a Spark DataFrame)."""
        return self._spark.read.parquet(str(self.out / "clusters"))

    def pairs(self) -> Any:
        """Every candidate pair with its levels, match weight and probability (Spark)."""
        return self._spark.read.parquet(str(self.out / "pairs"))

    def rejects(self) -> Any:
        """Rejected input rows with their reasons (Spark)."""
        return self._spark.read.parquet(str(self.out / "rejects"))

    def summary(self) -> dict[str, Any]:
        """Headline numbers."""
        return {
            "records": self.n_records,
            "rejects": self.n_rejects,
            "candidate_pairs": self.n_pairs,
            "persons": self.n_persons,
            **self.cluster_stats,
        }


class SparkMatcher:
    """Run a :class:`~migrant_records.Matcher` on Spark DataFrames or Parquet files.

    The same configuration, comparators, model and clustering code as the pandas engine, run
    on partitions of a cluster: standardisation in groups, each blocking pass as a join (hot
    keys split over many tasks), comparison and scoring on batches of pairs, training from
    comparison patterns counted by Spark, connected components on DataFrames. Results are
    written as Parquet.

    An untrained matcher is trained on Spark: u from the same random pairs as the pandas
    engine, m by EM on the counts of comparison patterns that Spark aggregates, so the model
    equals the one the pandas engine trains on the same records. A trained matcher is used as
    it is.

    Args:
        matcher: The matcher (trained or not); ``None`` for the default one.
        spark: The Spark session; ``None`` uses the active one or starts ``local[*]``.
        split_rows: Blocks with more records than this are split into buckets whose pairs
            are produced by separate tasks.
        checkpoint_dir: Folder for Spark checkpoints (default: a folder inside the output).
        max_split_size: Components that join conflicting records are split in one task (as
            the pandas engine splits them) up to this many records; larger ones are first cut
            in Spark at edges between directly conflicting records.
        pairs_per_part: Candidate pairs compared in one part. Every pair carries one
            record's columns through a shuffle (about 250 bytes); comparing in parts of this
            many pairs, each part's shuffle files deleted before the next, bounds the local
            disk the comparison needs (about 5 GB at the default) whatever the number of pairs.
    """

    def __init__(
        self,
        matcher: Matcher | None = None,
        *,
        spark: Any | None = None,
        split_rows: int = DEFAULT_SPLIT_ROWS,
        checkpoint_dir: str | Path | None = None,
        max_split_size: int = DEFAULT_MAX_SPLIT_SIZE,
        pairs_per_part: int = DEFAULT_PAIRS_PER_PART,
    ) -> None:
        self.matcher = matcher if matcher is not None else Matcher(progress=False)
        if split_rows < 2:
            raise ConfigError(f"split_rows must be at least 2, got {split_rows}.")
        self.spark = spark
        self.split_rows = int(split_rows)
        self.checkpoint_dir = checkpoint_dir
        self.max_split_size = int(max_split_size)
        if pairs_per_part < 1:
            raise ConfigError(f"pairs_per_part must be at least 1, got {pairs_per_part}.")
        self.pairs_per_part = int(pairs_per_part)

    # ------------------------------------------------------------------ public API
    def dedupe(self, data: Any, *, out: str | Path | None = None) -> SparkResult:
        """Find records of the same person in one set of records.

        Args:
            data: Canonical records: a Spark DataFrame, a pandas DataFrame, or Parquet path(s)
                (any mix of sources; the ``source`` column says which).
            out: Output folder (default: a new temporary folder, removed again if the run
                fails).

        Returns:
            The :class:`SparkResult`.
        """
        return self._run(data, None, out)

    def link(self, left: Any, right: Any, *, out: str | Path | None = None) -> SparkResult:
        """Find records of the same person across two sets of records.

        Args:
            left: Records of the first dataset(s).
            right: Records of the second dataset(s).
            out: Output folder (default: a new temporary folder, removed again if the run
                fails).

        Returns:
            The :class:`SparkResult`; clusters cover both sides.
        """
        if self.matcher.one_to_one:
            raise ConfigError(
                "one_to_one linking is not available on Spark: it walks all pairs in one "
                "global order. Link with the pandas engine, or without one_to_one."
            )
        return self._run(left, right, out)

    # ------------------------------------------------------------------ pipeline
    def _run(self, data: Any, right_data: Any | None, out: str | Path | None) -> SparkResult:
        spark = get_session(self.spark)
        if out is not None:
            return self._run_in(spark, Path(out), data, right_data)
        out_dir = Path(tempfile.mkdtemp(prefix="mr-spark-"))
        try:
            return self._run_in(spark, out_dir, data, right_data)
        except BaseException:
            shutil.rmtree(out_dir, ignore_errors=True)  # a failed run leaves no folder behind
            raise

    def _run_in(self, spark: Any, out_dir: Path, data: Any, right_data: Any | None) -> SparkResult:
        out_dir.mkdir(parents=True, exist_ok=True)
        ckpt = Path(self.checkpoint_dir) if self.checkpoint_dir else out_dir / "_checkpoints"
        spark.sparkContext.setCheckpointDir(str(ckpt))
        timings: dict[str, float] = {}
        link = right_data is not None

        t0 = time.perf_counter()
        left_raw, left_rej = validate(load_records(spark, data))
        rejects = left_rej
        right_raw = None
        if right_data is not None:
            right_raw, right_rej = validate(load_records(spark, right_data))
            rejects = rejects.unionByName(right_rej)
        rejects.write.mode("overwrite").parquet(str(out_dir / "rejects"))
        left_raw, left_copies, n_copies = collapse_copies(left_raw)
        copies = [left_copies]
        if right_raw is not None:
            right_raw, right_copies, n_right_copies = collapse_copies(right_raw)
            copies.append(right_copies)
            n_copies += n_right_copies
        n_left = int(left_raw.count())
        n_right = int(right_raw.count()) if right_raw is not None else None
        timings["read"] = time.perf_counter() - t0
        logger.info("spark stage %s: %.1f s", "read", timings["read"])

        t0 = time.perf_counter()
        settings: dict[str, Any] = {
            "profile": self.matcher.profile,
            "min_year": self.matcher.min_year,
        }
        left = prepare_records(left_raw, n_left, **settings).localCheckpoint(eager=True)
        right = (
            prepare_records(right_raw, n_right or 0, **settings).localCheckpoint(eager=True)
            if right_raw is not None
            else None
        )
        timings["standardize"] = time.perf_counter() - t0
        logger.info("spark stage %s: %.1f s", "standardize", timings["standardize"])
        if n_left == 0 or (right is not None and n_right == 0):
            raise ConfigError("No records left to match after validation; see the rejects.")

        comparators, strategies = self._resolve(left, right)
        if right is not None:
            # a column one side lacks (a generic person column only it carries) is missing
            # on the other, as in the pandas engine's records of both sides
            left, right = _aligned(left, right), _aligned(right, left)
        _stages.check_strategies(strategies)

        t0 = time.perf_counter()
        from pyspark.sql import functions as F

        sides = left.withColumn("_side", F.lit(0).cast("byte"))
        if right is not None:
            sides = sides.unionByName(right.withColumn("_side", F.lit(1).cast("byte")))
        pairs, report = block(sides, strategies, link=link, split_rows=self.split_rows)
        if n_copies:
            report.pass_counts = {"exact_duplicates": n_copies, **report.pass_counts}
        timings["blocking"] = time.perf_counter() - t0
        logger.info("spark stage %s: %.1f s", "blocking", timings["blocking"])
        logger.info("blocking produced %d candidate pairs", report.n_pairs)
        release_unused(spark)  # blocking's shuffle files and kept blocks

        matcher = self.matcher
        use_tf = matcher.term_frequency
        t0 = time.perf_counter()
        both = left if right is None else left.unionByName(right)
        tf = tf_frequencies(both, comparators) if use_tf else None
        parts = compare_in_parts(
            out_dir / "_gamma",
            pairs,
            left,
            left if right is None else right,
            comparators,
            tf,
            n_pairs=report.n_pairs,
            pairs_per_part=self.pairs_per_part,
        )
        gamma = spark.read.parquet(str(out_dir / "_gamma"))
        timings["compare"] = time.perf_counter() - t0
        logger.info("spark stage %s: %.1f s (%d parts)", "compare", timings["compare"], parts)

        t0 = time.perf_counter()
        if matcher.model_ is None:
            self._train(spark, left, right, comparators, gamma, n_left, n_right)
        timings["train"] = time.perf_counter() - t0
        logger.info("spark stage %s: %.1f s", "train", timings["train"])

        t0 = time.perf_counter()
        scored = score(gamma, matcher.model_, comparators)
        offset = 0 if right is None else n_left
        keys_l = left.select(
            F.col("_pos").alias("i"),
            F.col("source").alias("source_l"),
            F.col("record_id").alias("record_id_l"),
        )
        keys_r = (left if right is None else right).select(
            F.col("_pos").alias("j"),
            F.col("source").alias("source_r"),
            F.col("record_id").alias("record_id_r"),
        )
        scored.join(keys_l, "i").join(keys_r, "j").write.mode("overwrite").parquet(
            str(out_dir / "pairs")
        )
        scored = spark.read.parquet(str(out_dir / "pairs"))
        release_unused(spark)
        timings["predict"] = time.perf_counter() - t0
        logger.info("spark stage %s: %.1f s", "predict", timings["predict"])

        t0 = time.perf_counter()
        nodes = left.withColumn("_node", F.col("_pos"))
        if right is not None:
            nodes = nodes.unionByName(right.withColumn("_node", F.col("_pos") + F.lit(offset)))
        edges = scored.select(
            F.col("i").alias("a"),
            (F.col("j") + F.lit(offset)).alias("b"),
            "match_probability",
            "match_weight",
        )
        clusters, stats = cluster(
            nodes,
            edges,
            matcher.threshold,
            conflicts=matcher._conflict_rule(),
            max_split_size=self.max_split_size,
        )
        clusters = clusters.orderBy("_node").drop("_node")
        copy_rows = [c for c in copies if c is not None]
        if copy_rows:
            # every exact copy gets its representative's person
            persons = clusters.select(
                F.concat_ws("|", F.col("source"), F.col("record_id")).alias("_rep"), "person_id"
            )
            for rows in copy_rows:
                clusters = clusters.unionByName(
                    rows.join(persons, "_rep").select("source", "record_id", "person_id")
                )
        clusters.write.mode("overwrite").parquet(str(out_dir / "clusters"))
        written = spark.read.parquet(str(out_dir / "clusters"))
        n_persons = int(written.select("person_id").distinct().count())
        timings["cluster"] = time.perf_counter() - t0
        logger.info("spark stage %s: %.1f s", "cluster", timings["cluster"])

        return SparkResult(
            out=out_dir,
            n_records=n_left + (n_right or 0) + n_copies,
            n_rejects=int(spark.read.parquet(str(out_dir / "rejects")).count()),
            n_pairs=report.n_pairs,
            n_persons=n_persons,
            blocking=report,
            cluster_stats=stats,
            timings=timings,
            link=link,
            compare_parts=parts,
            _spark=spark,
        )

    def _resolve(self, left: Any, right: Any | None) -> tuple[list[Any], list[Any]]:
        """Comparators and passes: the matcher's, or the defaults for the filled columns."""
        matcher = self.matcher
        if matcher.comparators_ is not None and matcher.blocking_ is not None:
            return list(matcher.comparators_), list(matcher.blocking_)
        columns = [c for c in left.columns if not c.startswith("_")]
        lp = presence_frame(left, columns)
        rp = presence_frame(right, columns) if right is not None else None
        return _stages.resolve(matcher, _typed(lp), None if rp is None else _typed(rp))

    def _train(
        self,
        spark: Any,
        left: Any,
        right: Any | None,
        comparators: list[Any],
        gamma: Any,
        n_left: int,
        n_right: int | None,
    ) -> None:
        """Train the matcher's model from pattern counts aggregated by Spark."""
        other = left if right is None else right

        def random_levels(n: int) -> tuple[np.ndarray, np.ndarray]:
            ri, rj = _stages.random_pairs_of(self.matcher, n_left, n_right, n)
            random = spark.createDataFrame(pd.DataFrame({"i": ri, "j": rj}))
            return pattern_counts(compare(random, left, other, comparators, None), comparators)

        cpat, ccount = pattern_counts(gamma, comparators)
        _stages.train(self.matcher, comparators, n_left, n_right, random_levels, cpat, ccount)
        if self.matcher.model_ is None:  # pragma: no cover - train always sets it
            raise ModelError("Training on Spark produced no model.")


def _aligned(frame: Any, other: Any) -> Any:
    """``frame`` with an empty column for each column only ``other`` has."""
    from pyspark.sql import functions as F

    for f in other.schema.fields:
        if f.name not in frame.columns:
            frame = frame.withColumn(f.name, F.lit(None).cast(f.dataType))
    return frame


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """The presence row with the dtypes the default pickers expect."""
    out = frame.copy()
    for column in ("dob", "nik_birth_date"):
        if column in out:
            out[column] = pd.to_datetime(out[column])
    return out
