"""The same matcher on Apache Spark: :class:`SparkMatcher` runs a configured or trained
:class:`~migrant_records.Matcher` on Spark DataFrames or Parquet files and writes clusters and
pairs as Parquet. Needs the ``spark`` extra (PySpark, Java 17).

Example:
    >>> import migrant_records as mr
    >>> from migrant_records.spark import SparkMatcher
    >>> result = SparkMatcher(mr.Matcher()).dedupe("records.parquet")  # doctest: +SKIP
"""

from __future__ import annotations

from migrant_records.spark.blocking import DEFAULT_SPLIT_ROWS, SparkBlocking
from migrant_records.spark.matcher import SparkMatcher, SparkResult
from migrant_records.spark.session import get_session

__all__ = ["DEFAULT_SPLIT_ROWS", "SparkBlocking", "SparkMatcher", "SparkResult", "get_session"]
