"""Getting a Spark session: the caller's, the active one, or a new local one."""

from __future__ import annotations

import gc
import os
import shutil
import sys
from collections.abc import Mapping
from typing import Any

from migrant_records.errors import ConfigError

__all__ = ["DEFAULT_CONFIG", "get_session", "materialise", "release_unused"]

DEFAULT_CONFIG: dict[str, str] = {
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.adaptive.enabled": "true",
    "spark.sql.session.timeZone": "UTC",
    "spark.ui.showConsoleProgress": "false",
}
"""Settings of a session created here (a session you pass in is used as it is)."""


def _check_java() -> None:
    home = os.environ.get("JAVA_HOME")
    if home and os.path.exists(os.path.join(home, "bin", "java")):
        return
    if shutil.which("java") is None:
        raise ConfigError(
            "Spark needs a Java runtime (Java 17 or later) and none was found: install one "
            "(on Debian/Ubuntu: apt-get install openjdk-17-jre-headless) or set JAVA_HOME."
        )


def get_session(
    spark: Any | None = None,
    *,
    master: str = "local[*]",
    app_name: str = "migrant-records",
    config: Mapping[str, str] | None = None,
) -> Any:
    """The Spark session to run on.

    Args:
        spark: A session to use as it is (on a cluster: the one ``spark-submit`` or Databricks
            gives you).
        master: Master URL of a new session when there is neither ``spark`` nor an active
            session (``local[*]``: all cores of this machine).
        app_name: Application name of a new session.
        config: Extra settings of a new session, over :data:`DEFAULT_CONFIG`.

    Returns:
        A ``pyspark.sql.SparkSession``.

    Raises:
        ConfigError: PySpark is not installed or no Java runtime is found.
    """
    if spark is not None:
        return spark
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise ConfigError(
            "The Spark engine needs PySpark: pip install 'migrant-records[spark]'."
        ) from exc
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    _check_java()
    # Python workers run the same interpreter (and so see the same packages) as the driver.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.master(master).appName(app_name)
    for key, value in {**DEFAULT_CONFIG, **dict(config or {})}.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def materialise(df: Any) -> Any:
    """Compute ``df`` once and keep it (memory, spilling to disk), cutting its lineage.

    Later stages read the kept rows instead of recomputing the plan, and values that depend on
    partition order (such as record positions) stay fixed.
    """
    return df.localCheckpoint(eager=True)


def release_unused(spark: Any) -> None:
    """Let Spark delete the shuffle files and kept blocks that no DataFrame refers to any more.

    Spark removes them once the driver's garbage collector has dropped the objects that refer
    to them, which otherwise may take until the next periodic collection (30 minutes by
    default) while a large job fills the local disk. Collecting Python's proxies and then the
    driver JVM's heap between stages frees them right away. The JVM collects three times: the
    plan objects one collection frees still hold the shuffle's handle until a later one.
    """
    gc.collect()
    jvm = getattr(spark.sparkContext, "_jvm", None)
    if jvm is not None:
        for _ in range(3):
            jvm.System.gc()
