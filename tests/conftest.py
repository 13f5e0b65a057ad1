"""Shared fixtures: small synthetic ministry data with ground truth."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

os.environ.setdefault("MPLBACKEND", "Agg")

# Property tests assert behaviour, not speed: on a busy machine one example can take longer
# than Hypothesis's default 200 ms deadline, which would fail a correct test.
settings.register_profile("project", deadline=None)
settings.load_profile("project")


@pytest.fixture(scope="session")
def small_synth():  # type: ignore[no-untyped-def]
    """About 400 people across the ministry sources, with truth (built once per session)."""
    from migrant_records.synth import generate

    return generate(people=400, seed=7)


@pytest.fixture(scope="session")
def small_result(small_synth):  # type: ignore[no-untyped-def]
    """A zero-configuration dedupe of ``small_synth`` (built once per session)."""
    import migrant_records as mr

    return mr.dedupe(list(small_synth.sources.values()), progress=False)


@pytest.fixture(params=["duckdb", "postgres"])
def index_target(request, tmp_path):  # type: ignore[no-untyped-def]
    """Where to create a person index: a DuckDB file, or a fresh schema on PostgreSQL.

    ``make test`` starts a PostgreSQL server (tools/with_postgres.py) and passes its URL in
    ``MR_TEST_POSTGRES_URL``; without one the PostgreSQL variant skips and says why.
    """
    if request.param == "duckdb":
        return str(tmp_path / "persons.duckdb")
    url = os.environ.get("MR_TEST_POSTGRES_URL")
    if not url:
        why = os.environ.get(
            "MR_TEST_POSTGRES_SKIP",
            "MR_TEST_POSTGRES_URL is not set; run the tests with `make test` (or "
            "`python tools/with_postgres.py python -m pytest`) to start a PostgreSQL server",
        )
        pytest.skip(f"PostgreSQL index tests skipped: {why}")
    import uuid

    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as con:
        con.execute(f"CREATE SCHEMA {schema}")  # type: ignore[arg-type]
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture
def dying_background():  # type: ignore[no-untyped-def]
    """A stand-in for ``migrant_records._fork.Background`` whose forked child dies at once
    (exit status 3): the caller must redo the child's work itself."""
    import migrant_records._fork as fork_module

    parent = os.getpid()

    def make(func, *, fork=True):  # type: ignore[no-untyped-def]
        def run():  # type: ignore[no-untyped-def]
            if os.getpid() != parent:
                os._exit(3)
            return func()

        return fork_module.Background(run, fork=fork)

    return make


@pytest.fixture
def assert_lookups_agree():  # type: ignore[no-untyped-def]
    """Check that each probe looked up alone gives what the lookup of all probes gives it."""
    import pandas as pd

    def check(index, probes, k=3):  # type: ignore[no-untyped-def]
        together = index.lookup(probes, k=k)
        for q in range(len(probes)):
            alone = index.lookup(probes.iloc[q].to_dict(), k=k)
            expected = together[together["query"] == q].drop(columns="query")
            pd.testing.assert_frame_equal(
                alone.drop(columns="query").reset_index(drop=True),
                expected.reset_index(drop=True),
                check_dtype=False,
            )
        return together

    return check
