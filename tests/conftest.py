"""Shared fixtures: small synthetic ministry data with ground truth."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


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
