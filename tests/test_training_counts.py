"""A Fellegi-Sunter model trained on counted patterns equals one trained pair by pair."""

from __future__ import annotations

import numpy as np

from migrant_records.model import FellegiSunter, Training
from migrant_records.model._patterns import aggregate


def _bundle(gamma: np.ndarray, counts: np.ndarray | None, random: np.ndarray) -> Training:
    return Training(
        gamma=gamma,
        counts=counts,
        comparator_names=["name", "nik", "dob"],
        level_labels=[["else", "fuzzy", "exact"], ["else", "exact"], ["else", "year", "exact"]],
        n_left=5_000,
        random_levels=lambda n: random[:n],
    )


def test_counts_train_the_same_model() -> None:
    rng = np.random.default_rng(0)
    # candidates: matches agree on most comparators, non-matches on few; some nulls
    match = rng.random(20_000) < 0.3
    gamma = np.where(
        match[:, None],
        rng.choice([1, 2, 2, 2], size=(20_000, 3)),
        rng.choice([0, 0, 1, -1], size=(20_000, 3)),
    ).astype(np.int8)
    gamma[:, 1] = np.minimum(gamma[:, 1], 1)
    random = rng.choice([0, 0, 0, 1, -1], size=(300_000, 3)).astype(np.int8)
    patterns, counts = aggregate(gamma, [3, 2, 3])
    one_by_one = FellegiSunter(u_sample_pairs=250_000).fit(_bundle(gamma, None, random))
    counted = FellegiSunter(u_sample_pairs=250_000).fit(_bundle(patterns, counts, random))
    assert _bundle(patterns, counts, random).n_pairs == len(gamma)
    assert one_by_one.prior_ == counted.prior_
    for a, b in zip(one_by_one.m_, counted.m_):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(one_by_one.u_, counted.u_):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(one_by_one.score(gamma)[1], counted.score(gamma)[1])
