"""Records on Spark: reading, record positions, validation and standardisation per group."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from migrant_records.errors import SchemaError
from migrant_records.spark import _stages
from migrant_records.standardize import DEFAULT_MIN_YEAR
from migrant_records.standardize.core import profile_evidence

__all__ = [
    "add_positions",
    "collapse_copies",
    "load_records",
    "prepare_records",
    "presence_frame",
    "validate",
]

REQUIRED = ("source", "record_id", "full_name")
REJECT_COLUMNS = ("source", "row", "record_id", "column", "value", "reason")

#: Records standardised together in one group (one pandas frame in one task).
GROUP_ROWS = 50_000


def load_records(spark: Any, data: Any) -> Any:
    """A Spark DataFrame of canonical records from a DataFrame (Spark or pandas) or Parquet.

    Args:
        spark: The session.
        data: A Spark DataFrame, a pandas DataFrame, or one or more Parquet paths.

    Raises:
        SchemaError: A required column is missing.
    """
    from pyspark.sql import DataFrame
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType, StructField, StructType

    if isinstance(data, DataFrame):
        df = data
    elif isinstance(data, pd.DataFrame):
        text = data.astype(object).where(data.notna(), None)  # type: ignore[call-overload]
        text = text.map(lambda v: v if v is None or isinstance(v, str) else str(v))
        schema = StructType([StructField(str(c), StringType(), True) for c in text.columns])
        df = spark.createDataFrame(text, schema=schema)
    elif isinstance(data, (str, Path)) or (
        isinstance(data, Sequence) and all(isinstance(p, (str, Path)) for p in data)
    ):
        paths = [str(data)] if isinstance(data, (str, Path)) else [str(p) for p in data]
        df = spark.read.parquet(*paths)
    else:
        raise SchemaError(
            f"The Spark engine reads a Spark DataFrame, a pandas DataFrame or Parquet paths; "
            f"got {type(data).__name__}."
        )
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise SchemaError(
            f"The records lack the column(s) {missing}; columns present: {df.columns[:40]}. "
            "Read and map the files with migrant_records.io (or `migrant-records validate`) "
            "and pass the canonical records."
        )
    internal = [c for c in df.columns if c.startswith("_")]
    if internal:
        raise SchemaError(
            f"Columns {internal} start with '_', which the Spark engine reserves for its own "
            "columns; rename them."
        )
    return df.select([F.col(c).cast("string").alias(c) for c in df.columns])


def add_positions(df: Any, name: str) -> Any:
    """Add consecutive positions ``0 .. n-1`` in the DataFrame's partition order.

    The frame is checkpointed first, so the positions stay the same however often later
    stages read it.
    """
    from pyspark.sql import functions as F

    tagged = df.select(
        "*",
        F.spark_partition_id().alias("_pid"),
        F.monotonically_increasing_id().alias("_mid"),
    ).localCheckpoint(eager=True)
    counts = tagged.groupBy("_pid").count().toPandas().sort_values("_pid")
    offsets = np.concatenate([[0], np.cumsum(counts["count"].to_numpy())[:-1]]).astype(np.int64)
    spark = df.sparkSession
    table = spark.createDataFrame(
        pd.DataFrame({"_pid": counts["_pid"].astype("int32"), "_offset": offsets})
    )
    local = F.col("_mid") - F.shiftleft(F.col("_pid").cast("long"), 33)
    return (
        tagged.join(F.broadcast(table), "_pid")
        .withColumn(name, (F.col("_offset") + local).cast("long"))
        .drop("_pid", "_mid", "_offset")
    )


def validate(df: Any) -> tuple[Any, Any]:
    """Split records into accepted ones (with positions ``_pos``) and rejects.

    Rejected, as by the pandas readers: a blank ``source`` / ``record_id`` / ``full_name``, and
    a ``(source, record_id)`` seen on an earlier row (``duplicate_record_id``).

    Returns:
        ``(records, rejects)``; ``rejects`` has the columns of ``Batch.rejects``.
    """
    from pyspark.sql import functions as F

    rows = add_positions(df, "_row")

    def blank(c: str) -> Any:
        return F.col(c).isNull() | (F.trim(F.col(c)) == "")

    reason = (
        F.when(blank("source"), F.lit("blank_source"))
        .when(blank("record_id"), F.lit("blank_record_id"))
        .when(blank("full_name"), F.lit("blank_full_name"))
    )
    column = (
        F.when(blank("source"), F.lit("source"))
        .when(blank("record_id"), F.lit("record_id"))
        .when(blank("full_name"), F.lit("full_name"))
    )
    checked = rows.withColumn("_reason", reason).withColumn("_column", column)
    first = (
        checked.where(F.col("_reason").isNull())
        .groupBy("source", "record_id")
        .agg(F.min("_row").alias("_first"))
    )
    checked = checked.join(first, ["source", "record_id"], "left").withColumn(
        "_reason",
        F.when(
            F.col("_reason").isNull() & (F.col("_row") != F.col("_first")),
            F.lit("duplicate_record_id"),
        ).otherwise(F.col("_reason")),
    )
    checked = checked.withColumn(
        "_column", F.coalesce(F.col("_column"), F.when(F.col("_reason").isNotNull(), "record_id"))
    ).localCheckpoint(eager=True)
    rejects = checked.where(F.col("_reason").isNotNull()).select(
        F.col("source"),
        (F.col("_row") + 1).alias("row"),
        F.col("record_id"),
        F.col("_column").alias("column"),
        F.expr(
            "CASE _column WHEN 'source' THEN source WHEN 'record_id' THEN record_id "
            "ELSE full_name END"
        ).alias("value"),
        F.col("_reason").alias("reason"),
    )
    accepted = (
        checked.where(F.col("_reason").isNull())
        .drop("_reason", "_column", "_first")
        .orderBy("_row")
    )
    records = add_positions(accepted.drop("_row"), "_pos")
    return records, rejects


def collapse_copies(records: Any) -> tuple[Any, Any, int]:
    """Keep one record of each group of exact copies, as the pandas engine does.

    Records equal on every identifying column (missing equals missing) are one person; the
    one with the smallest ``source|record_id`` key stands for the group and the others get
    its person id at the end.

    Returns:
        ``(kept, copies, n_copies)``: the kept records with fresh consecutive ``_pos`` (in
        input order), a DataFrame ``source, record_id, _rep`` (the representative's key) of
        the copies (``None`` when there are none), and their number.
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    columns = _stages.identifying_columns(records.columns)
    if "full_name" not in columns:
        return records, None, 0
    key = F.concat_ws("|", F.col("source"), F.col("record_id"))
    tagged = (
        records.withColumn("_k", key)
        .withColumn("_rep", F.min("_k").over(Window.partitionBy(*columns)))
        .localCheckpoint(eager=True)
    )
    n_copies = int(tagged.where(F.col("_k") != F.col("_rep")).count())
    if n_copies == 0:
        return records, None, 0
    copies = tagged.where(F.col("_k") != F.col("_rep")).select("source", "record_id", "_rep")
    kept = tagged.where(F.col("_k") == F.col("_rep")).drop("_k", "_rep").orderBy("_pos")
    return add_positions(kept.drop("_pos"), "_pos"), copies, n_copies


def _spark_type(dtype: Any) -> Any:
    from pyspark.sql import types as T

    if pd.api.types.is_bool_dtype(dtype):
        return T.BooleanType()
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return T.TimestampNTZType()
    if pd.api.types.is_integer_dtype(dtype):
        return T.LongType()
    if pd.api.types.is_float_dtype(dtype):
        return T.DoubleType()
    return T.StringType()


#: Values of each column that person column recognition reads (its e-mail sample).
PROBE_ROWS = 200


def _probe(records: Any, columns: list[str]) -> pd.DataFrame:
    """Each column's first :data:`PROBE_ROWS` non-missing values in record order."""

    def firsts(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            batch = batch.sort_values("_pos", kind="stable")
            for c in columns:
                values = batch[["_pos", c]].dropna().head(PROBE_ROWS)
                yield pd.DataFrame(
                    {"_pos": values["_pos"].to_numpy(), "_col": c, "_val": values[c].to_numpy()}
                )

    rows = records.mapInPandas(firsts, "_pos long, _col string, _val string").toPandas()
    probe: dict[str, list[Any]] = {}
    for c in columns:
        kept = rows[rows["_col"] == c].sort_values("_pos", kind="stable").head(PROBE_ROWS)
        values = kept["_val"].tolist()
        probe[c] = values + [None] * (PROBE_ROWS - len(values))
    return pd.DataFrame(probe, dtype=object)


def _evidence(records: Any) -> tuple[int, int, int, int]:
    """``profile_evidence`` summed over the partitions."""
    from pyspark.sql import functions as F

    columns = [c for c in ("nik", "phone") if c in records.columns]

    def count(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            n, nik, phone, phone_id = profile_evidence(batch)
            yield pd.DataFrame({"n": [n], "nik": [nik], "phone": [phone], "phone_id": [phone_id]})

    row = (
        records.select("_pos", *columns)
        .mapInPandas(count, "n long, nik long, phone long, phone_id long")
        .agg(*[F.sum(c).alias(c) for c in ("n", "nik", "phone", "phone_id")])
        .collect()[0]
    )
    return (
        int(row["n"] or 0),
        int(row["nik"] or 0),
        int(row["phone"] or 0),
        int(row["phone_id"] or 0),
    )


def prepare_records(
    records: Any, n_records: int, *, profile: str = "auto", min_year: int = DEFAULT_MIN_YEAR
) -> Any:
    """Standardise the records on Spark (``_pos`` kept), in groups of whole NIKs.

    Records are grouped so that all records with one valid NIK are standardised together (the
    check for NIKs carried by several different people looks across records), in input order
    inside each group. The name profile and the generic person columns are decided once on
    all records, as ``standardize`` decides them: the result equals standardising all records
    at once.
    """
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    columns = [c for c in records.columns if not c.startswith("_")]
    profile, roles = _stages.side_profile(
        profile, _probe(records, columns), lambda: _evidence(records)
    )
    settings: dict[str, Any] = {"profile": profile, "min_year": min_year, "person_columns": roles}
    sample = records.limit(50).toPandas()
    probe = _stages.prepare(sample.drop(columns=["_pos"]), **settings)
    derived = [c for c in probe.columns if c not in sample.columns]
    fields = list(records.schema.fields) + [
        T.StructField(c, _spark_type(probe[c].dtype), True) for c in derived
    ]
    schema = T.StructType(fields)
    out_columns = [f.name for f in fields]
    n_groups = max(1, math.ceil(n_records / GROUP_ROWS))

    def nik_key(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            nik = batch["nik"] if "nik" in batch else pd.Series(None, index=batch.index)
            key = _stages.nik_partition_key(nik.astype(object))
            yield pd.DataFrame({"_pos": batch["_pos"].to_numpy(), "_nik": key.to_numpy()})

    keys = records.select("_pos", *(["nik"] if "nik" in records.columns else [])).mapInPandas(
        nik_key, "_pos long, _nik string"
    )
    group = F.pmod(
        F.xxhash64(F.coalesce(F.col("_nik"), F.col("_pos").cast("string"))), F.lit(n_groups)
    )
    keyed = records.join(keys.withColumn("_grp", group).drop("_nik"), "_pos")

    def standardise(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.sort_values("_pos", kind="stable").drop(columns=["_grp"])
        pos = frame["_pos"].to_numpy()
        prepared = _stages.prepare(frame.drop(columns=["_pos"]).reset_index(drop=True), **settings)
        prepared["_pos"] = pos
        return prepared[out_columns]

    return keyed.groupBy("_grp").applyInPandas(standardise, schema)


def presence_frame(prepared: Any, columns: Sequence[str]) -> pd.DataFrame:
    """One row holding, per column, its largest value: which columns are filled at all.

    The pandas engine picks default comparators and blocking passes from the columns that hold
    some non-empty value; this row answers that question for data on Spark.
    """
    from pyspark.sql import functions as F

    cols = [c for c in columns if c in prepared.columns]
    if not cols:
        return pd.DataFrame(index=[0])
    row = prepared.agg(*[F.max(F.col(c)).alias(c) for c in cols]).toPandas()
    return row
