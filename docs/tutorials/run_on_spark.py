"""Tutorial 6: the same matcher on Spark, with the same result as on one machine.

A saved matcher is applied to records in Parquet on a Spark session: standardisation,
blocking joins, comparison, scoring and clustering all run as Spark jobs, and the person
index comes back as Parquet. Here Spark runs locally on two cores; on a cluster only the
session changes.
"""

# --8<-- [start:data]
# %% Records in Parquet, and a matcher trained on them and saved.
import tempfile
from pathlib import Path

import migrant_records as mr
from migrant_records.spark import SparkMatcher, get_session

folder = Path(tempfile.mkdtemp(prefix="spark-tutorial-"))
records = mr.datasets.load_sample().records()
records.to_parquet(folder / "records.parquet", index=False)
matcher = mr.Matcher(progress=False).fit(records)
matcher.save(folder / "matcher.json")
print(len(records), "records written to", folder / "records.parquet")
# --8<-- [end:data]

# --8<-- [start:run]
# %% A Spark session (local here) and the saved matcher, run on the Parquet file.
spark = get_session(master="local[2]", config={"spark.sql.shuffle.partitions": "4"})
spark_matcher = SparkMatcher(mr.Matcher.load(folder / "matcher.json"), spark=spark)
result = spark_matcher.dedupe(str(folder / "records.parquet"), out=folder / "index")
print(result.summary())
print(result.blocking.pass_counts)
# --8<-- [end:run]

# --8<-- [start:read]
# %% The person index is Parquet: read it with Spark (or pandas, DuckDB, ...).
clusters = result.clusters()
clusters.groupBy("person_id").count().where("count > 1").orderBy("count", ascending=False).show(5)
pairs = result.pairs()
pairs.where("match_probability >= 0.5").select(
    "record_id_l", "record_id_r", "match_weight", "match_probability"
).show(5)
# --8<-- [end:read]

# --8<-- [start:check]
# %% The same persons as the pandas engine finds on one machine.
local = matcher.dedupe(records)
on_spark = clusters.toPandas()
merged = on_spark.merge(local.clusters, on=["source", "record_id"], suffixes=("_spark", "_local"))
assert len(merged) == len(records)
assert (merged["person_id_spark"] == merged["person_id_local"]).all()
print("same person ids for all", len(merged), "records")
# --8<-- [end:check]
