"""Key columns factorised once for all passes give the same pairs as each pass on its own."""

from __future__ import annotations

import numpy as np
import pandas as pd

from migrant_records.blocking import ExactBlock, default_blocking, union_pairs
from migrant_records.blocking._keys import key_cache, key_codes
from migrant_records.standardize import standardize


def _pair_set(i: np.ndarray, j: np.ndarray) -> set[tuple[int, int]]:
    return set(zip(i.tolist(), j.tolist()))


def test_union_with_shared_keys_equals_passes_run_alone(small_synth):
    frame = standardize(small_synth.records().reset_index(drop=True))
    passes = default_blocking(frame)
    assert len(passes) > 5
    cand = union_pairs(passes, frame)
    alone: set[tuple[int, int]] = set()
    for strategy in passes:
        i, j = strategy.pairs(frame)  # no cache outside union_pairs
        counted = cand.pass_counts[strategy.name]
        assert len(i) == counted, strategy.name
        alone |= _pair_set(i, j)
    assert _pair_set(cand.left, cand.right) == alone


def test_link_with_shared_keys_equals_passes_run_alone(small_synth):
    records = standardize(small_synth.records().reset_index(drop=True))
    left = records.iloc[::2].reset_index(drop=True)
    right = records.iloc[1::2].reset_index(drop=True)
    passes = default_blocking(left, right)
    cand = union_pairs(passes, left, right)
    alone: set[tuple[int, int]] = set()
    for strategy in passes:
        alone |= _pair_set(*strategy.pairs(left, right))
    assert _pair_set(cand.left, cand.right) == alone


def test_cache_tells_frames_and_transforms_apart():
    a = pd.DataFrame({"k": ["x1", "x2", "y1", ""]})
    b = pd.DataFrame({"k": ["y1", "y1", "x1", None]})
    with key_cache():
        ka = key_codes(["k"], [a]).codes.tolist()
        kb = key_codes(["k"], [b]).codes.tolist()
        first = key_codes([("k", slice(0, 1))], [a]).codes.tolist()
        again = key_codes(["k"], [a]).codes.tolist()
    assert ka == [0, 1, 2, -1]  # empty string: no key
    assert kb == [0, 0, 1, -1]
    assert first == [0, 0, 1, -1]
    assert again == ka
    # the same calls without the cache agree
    assert key_codes(["k"], [b]).codes.tolist() == kb
    assert key_codes([("k", slice(0, 1))], [a]).codes.tolist() == first


def test_exact_block_results_unchanged_inside_and_outside_cache(small_synth):
    frame = standardize(small_synth.records().reset_index(drop=True))
    block = ExactBlock([("name_key", "first"), "dob"], name="first_dob")
    outside = _pair_set(*block.pairs(frame))
    with key_cache():
        ExactBlock(["name_key", "dob"], name="warm").pairs(frame)  # fills the cache
        inside = _pair_set(*block.pairs(frame))
    assert inside == outside and len(inside) > 0
