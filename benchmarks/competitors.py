"""One library on one dataset, in its own process: migrant-records, recordlinkage, Splink.

``benchmarks/run.py`` starts ``python benchmarks/competitors.py SPEC.json`` once per library
and dataset, so that every run starts cold and its peak resident memory
(``VmHWM`` of ``/proc/self/status``, read when the library's last stage ends, before the
harness turns the output into arrays for scoring) is its own. The worker writes
``<out>.json`` (status, seconds per stage, candidate pairs, peak memory, notes) and
``<out>.npz`` (predicted matched
pairs at probability 0.5 as record positions, and cluster labels per record where the library
clusters). Accuracy is computed by the harness from those arrays, the same way for every
library.

Stages (seconds): ``prepare`` (read the dataset, generic cleaning, and the library's own
preparation), ``blocking``, ``comparison``, ``training``, ``prediction``, ``clustering``.
A stage a library does not separate is missing (Splink blocks and compares inside
``predict``).

Configurations:

- recordlinkage: blocking keys, binary features and ECM (``recordlinkage_runner.py``).
- Splink 5 on DuckDB (2 threads, no progress bar): comparison templates (``NameComparison``,
  ``DateOfBirthComparison``, ``LevenshteinAtThresholds``, ``ExactMatch`` with term
  frequencies on places), several prediction blocking rules, the prior from deterministic
  rules, u by random sampling, m by EM on two training blocking rules; predictions at 0.5
  and ``cluster_pairwise_predictions_at_threshold``.
- migrant-records: ``migrant_records.dedupe`` with no configuration on the synthetic data,
  ``migrant_records.link`` for FEBRL 4, and a ``Matcher`` with explicit comparators (the
  FEBRL extra columns) for FEBRL 1-3.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from data import competitor_frame
from recordlinkage_runner import run_recordlinkage
from stage_clock import Result, _Clock, _peak_rss_mib, _prepare

LIBRARIES = ("migrant-records", "migrant-records-auto", "recordlinkage", "splink")
THREADS = 2


# --------------------------------------------------------------------------- Splink
def _splink_settings(frame: pd.DataFrame, link: bool) -> tuple[Any, list[Any], list[Any]]:
    """``(settings, deterministic rules, EM training rules)`` for the columns present."""
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    has = {c for c in frame.columns if frame[c].notna().any()}
    comparisons: list[Any] = [cl.NameComparison("first_name"), cl.NameComparison("last_name")]
    comparisons.append(cl.DateOfBirthComparison("dob", input_is_string=True))
    if "soc_sec_id" in has:
        comparisons.append(cl.DamerauLevenshteinAtThresholds("soc_sec_id", [2]))
    if "nik" in has:
        comparisons.append(cl.LevenshteinAtThresholds("nik", [1, 2]))
    if "phone" in has:
        comparisons.append(cl.ExactMatch("phone"))
    if "sex" in has:
        comparisons.append(cl.ExactMatch("sex"))
    if "mother_name" in has:
        comparisons.append(cl.NameComparison("mother_name"))
    if "postcode" in has:
        comparisons.append(cl.ExactMatch("postcode").configure(term_frequency_adjustments=True))
    if "village" in has:
        comparisons.append(cl.ExactMatch("village").configure(term_frequency_adjustments=True))
    if "regency" in has:
        comparisons.append(cl.ExactMatch("regency").configure(term_frequency_adjustments=True))
    if "birth_place" in has:
        comparisons.append(cl.ExactMatch("birth_place").configure(term_frequency_adjustments=True))
    if "address" in has:
        comparisons.append(cl.LevenshteinAtThresholds("address", [3, 8]))
    blocking: list[Any]
    if "soc_sec_id" in has:
        blocking = [  # the keys recordlinkage blocks on
            block_on("first_name"),
            block_on("last_name"),
            block_on("dob"),
            block_on("soc_sec_id"),
        ]
        deterministic = [block_on("soc_sec_id", "dob"), block_on("first_name", "last_name", "dob")]
    else:
        blocking = [
            block_on("nik"),
            block_on("dob"),
            block_on("phone"),
            block_on("full_name", "regency"),
            block_on("last_name", "village"),
        ]
        deterministic = [block_on("nik", "dob"), block_on("first_name", "last_name", "dob")]
    # EM: each rule trains the comparisons it does not block on. First name + last name is
    # too coarse on Indonesian names (siti, nur, sri ...), so synthetic data trains on NIK.
    second = block_on("first_name", "last_name") if "soc_sec_id" in has else block_on("nik")
    training = [block_on("dob"), second]
    settings = SettingsCreator(
        link_type="link_only" if link else "dedupe_only",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=blocking,
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )
    return settings, deterministic, training


def run_splink(spec: dict[str, Any], spark: Any = None) -> tuple[Result, dict[str, np.ndarray]]:
    """Splink 5: templates, u sampling, EM, predict at 0.5, clustering.

    On DuckDB by default; on Spark when ``spark`` (a session whose ``spark.jars`` holds
    Splink's similarity jar, :func:`splink_spark_jar`) is given.
    """
    import duckdb
    from splink import DuckDBAPI, Linker

    logging.getLogger("splink").setLevel(logging.ERROR)
    clock = _Clock()
    records = _prepare(spec, clock)
    link = spec["task"] == "link"
    n_left = int(spec["n_left"])
    con = duckdb.connect()

    def sql(query: str) -> pd.DataFrame:
        if spark is not None:
            return spark.sql(query).toPandas()
        return con.execute(query).df()

    def setup() -> tuple[Any, list[Any], list[Any]]:
        frame = competitor_frame(records)
        db_api: Any
        if spark is not None:
            from splink import SparkAPI

            db_api = SparkAPI(spark_session=spark)
        else:
            con.execute(f"SET threads TO {THREADS}")
            con.execute("SET enable_progress_bar = false")
            db_api = DuckDBAPI(connection=con)
        settings, deterministic, training = _splink_settings(frame, link)
        if link:
            tables: Any = [
                db_api.register(frame.iloc[:n_left].reset_index(drop=True), table_name="left_"),
                db_api.register(frame.iloc[n_left:].reset_index(drop=True), table_name="right_"),
            ]
        else:
            tables = db_api.register(frame, table_name="records")
        linker = Linker(tables, settings, log_level=logging.ERROR)
        return linker, deterministic, training

    linker, deterministic, training = clock.time("prepare", setup)
    big = len(records) > 200_000

    def train() -> None:
        linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.7)
        linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
        for rule in training:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, max_pairs=5e6 if big else None
            )

    clock.time("training", train)
    predictions = clock.time("prediction", lambda: linker.inference.predict())
    table = predictions.physical_name
    n_pairs = int(sql(f"SELECT count(*) AS n FROM {table}")["n"].iloc[0])
    matched = clock.time(
        "prediction",
        lambda: sql(f"SELECT unique_id_l, unique_id_r FROM {table} WHERE match_probability >= 0.5"),
    )

    def cluster() -> pd.DataFrame:
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_probability=0.5
        )
        return sql(f"SELECT unique_id, cluster_id FROM {clusters.physical_name}")

    clusters = clock.time("clustering", cluster)
    labels = np.arange(len(records), dtype=np.int64)
    codes, _ = pd.factorize(clusters["cluster_id"])
    labels[clusters["unique_id"].to_numpy(np.int64)] = codes + len(records)
    result = {
        "status": "ok",
        "stages": clock.stages,
        "total_s": clock.total(),
        "peak_rss_mib": clock.peak_mib,
        "candidate_pairs": n_pairs,
        "persons": len(np.unique(labels)),
        "note": "blocking and comparison run inside predict",
    }
    arrays = {
        "pair_i": matched["unique_id_l"].to_numpy(np.int64),
        "pair_j": matched["unique_id_r"].to_numpy(np.int64),
        "labels": labels,
    }
    return result, arrays


def splink_spark_jar() -> str:
    """Splink's Spark similarity functions (a jar inside the ``splink`` wheel)."""
    from splink.backends.spark import similarity_jar_location

    return str(similarity_jar_location())


# --------------------------------------------------------------------------- migrant-records
def _febrl_blocking() -> list[Any]:
    """Blocking passes for FEBRL: the keys the competitors block on, plus two name passes."""
    from migrant_records.blocking import ExactBlock

    return [
        ExactBlock("given_name"),
        ExactBlock("surname"),
        ExactBlock("dob"),
        ExactBlock("soc_sec_id"),
        ExactBlock(["name_key", "birth_year"]),
        ExactBlock(["name_sorted", "dob"]),
    ]


def _febrl_comparators() -> list[Any]:
    from migrant_records.compare import (
        Address,
        BirthDate,
        Exact,
        PersonName,
        StringSimilarity,
    )

    return [
        PersonName(),
        BirthDate(),
        Address(),
        StringSimilarity("village", thresholds=(0.9,)),
        Exact("postcode"),
        Exact("state"),
        StringSimilarity("soc_sec_id", method="levenshtein", thresholds=(0.7,)),
    ]


def run_migrant_records(spec: dict[str, Any]) -> tuple[Result, dict[str, np.ndarray]]:
    """migrant-records: ``dedupe`` / ``link`` (zero configuration) or a FEBRL ``Matcher``."""
    import migrant_records

    try:
        from migrant_records.api import dedupe, link
        from migrant_records.matcher import Matcher
    except ImportError as exc:
        return {"status": "not available", "note": f"engine not importable: {exc}"}, {}
    clock = _Clock()
    records = _prepare(spec, clock)
    n_left = int(spec["n_left"])
    name = str(spec["dataset"])
    auto = bool(spec.get("zero_config")) or not name.startswith("febrl")
    if spec["task"] == "link":
        left = records.iloc[:n_left].reset_index(drop=True)
        right = records.iloc[n_left:].reset_index(drop=True)
        if auto:
            result = link(left, right, progress=False)
        else:
            matcher = Matcher(_febrl_blocking(), _febrl_comparators(), progress=False)
            result = matcher.link(left, right)
    elif auto:
        result = dedupe(records, progress=False)
    else:
        result = Matcher(_febrl_blocking(), _febrl_comparators(), progress=False).dedupe(records)
    how = "zero configuration" if auto else "Matcher with the FEBRL blocking keys and comparators"
    timings = dict(result.timings)
    clock.add("prepare", timings.get("read", 0.0) + timings.get("standardize", 0.0))
    for ours, stage in (
        ("blocking", "blocking"),
        ("compare", "comparison"),
        ("train", "training"),
        ("predict", "prediction"),
        ("cluster", "clustering"),
    ):
        if ours in timings:
            clock.add(stage, timings[ours])
    total = clock.total()

    keys = records["source"].astype(str) + "|" + records["record_id"].astype(str)
    position = pd.Series(np.arange(len(records), dtype=np.int64), index=keys.to_numpy())
    out_keys = result.records["source"].astype(str) + "|" + result.records["record_id"].astype(str)
    out_pos = position.reindex(out_keys.to_numpy()).to_numpy()
    prob = np.asarray(result.match_probability, dtype=np.float64)
    keep = prob >= 0.5
    i = out_pos[np.asarray(result.pair_left)[keep]]
    j = out_pos[np.asarray(result.pair_right)[keep]]
    ok = ~(np.isnan(i) | np.isnan(j))
    clusters = result.clusters
    ckeys = clusters["source"].astype(str) + "|" + clusters["record_id"].astype(str)
    cpos = position.reindex(ckeys.to_numpy()).to_numpy()
    labels = np.arange(len(records), dtype=np.int64)
    codes, _ = pd.factorize(clusters["person_id"])
    found = ~np.isnan(cpos)
    labels[cpos[found].astype(np.int64)] = codes[found] + len(records)
    out = {
        "status": "ok",
        "stages": clock.stages,
        "total_s": total,
        "peak_rss_mib": clock.peak_mib,
        "candidate_pairs": len(result.pair_left),
        "note": f"{how}; version {migrant_records.__version__}",
    }
    arrays = {
        "pair_i": i[ok].astype(np.int64),
        "pair_j": j[ok].astype(np.int64),
        "labels": labels,
    }
    return out, arrays


# --------------------------------------------------------------------------- micro-benchmarks
def run_micro(spec: dict[str, Any]) -> tuple[Result, dict[str, np.ndarray]]:
    """Import ``benchmarks/<module>.py`` and call its ``run(quick)``."""
    import importlib

    t0 = time.perf_counter()
    module = importlib.import_module(str(spec["module"]))
    data = module.run(quick=bool(spec["quick"]))
    return {"status": "ok", "data": data, "total_s": time.perf_counter() - t0}, {}


def run_migrant_records_auto(spec: dict[str, Any]) -> tuple[Result, dict[str, np.ndarray]]:
    """migrant-records with no configuration at all (``dedupe`` / ``link``), also on FEBRL."""
    return run_migrant_records({**spec, "zero_config": True})


RUNNERS: dict[str, Callable[[dict[str, Any]], tuple[Result, dict[str, np.ndarray]]]] = {
    "migrant-records": run_migrant_records,
    "migrant-records-auto": run_migrant_records_auto,
    "recordlinkage": run_recordlinkage,
    "splink": run_splink,
    "micro": run_micro,
}


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, (pd.Timestamp, Path)):
        return str(obj)
    return repr(obj)


def main(argv: list[str]) -> int:
    """Worker entry point: ``competitors.py SPEC.json`` (see the module docs)."""
    spec = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    out = Path(spec["out"])
    os.environ.setdefault("OMP_NUM_THREADS", str(THREADS))
    warnings.simplefilter("ignore")
    logging.basicConfig(level=logging.WARNING)
    baseline = _peak_rss_mib()
    try:
        result, arrays = RUNNERS[spec["library"]](spec)
    except Exception as exc:  # a failing library is a result, not a crash of the harness
        result = {
            "status": "error",
            "note": f"{type(exc).__name__}: {exc}".splitlines()[0][:300],
            "traceback": traceback.format_exc(),
        }
        arrays = {}
    if result.get("peak_rss_mib") is None:
        result["peak_rss_mib"] = _peak_rss_mib()
    result["baseline_rss_mib"] = baseline
    if arrays:
        np.savez(Path(f"{out}.npz"), **arrays)  # type: ignore[arg-type]
    Path(f"{out}.json").write_text(
        json.dumps(result, default=_json_default, indent=1), encoding="utf-8"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
