"""Thresholded string scoring on coded values equals scoring every pair directly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from migrant_records.compare import StringSimilarity
from migrant_records.compare.base import similarity, string_pairs
from migrant_records.compare.text import ValueCodes, scores_at_least


def _pool(rng: np.random.Generator, n: int) -> np.ndarray:
    """Names with typos, reordered tokens, non-ASCII letters, a long value and an empty one."""
    base = ["sumiati", "siti aminah", "joko susilo", "ni luh putu ayu", "dewi", "kurniawan"]
    out = list(base)
    letters = list("abcdefghijklmnopqrstuvwxyz é")
    for _ in range(n):
        w = list(base[rng.integers(0, len(base))])
        for _ in range(rng.integers(0, 4)):
            k = rng.integers(0, len(w) + 1)
            op = rng.integers(0, 3)
            if op == 0:
                w.insert(k, letters[rng.integers(0, len(letters))])
            elif op == 1 and k < len(w):
                del w[k]
            elif k < len(w) - 1:
                w[k], w[k + 1] = w[k + 1], w[k]
        out.append("".join(w))
    # long values, an empty one, short ones, a lone surrogate (bytes decoded with
    # surrogateescape) and a character outside the Basic Multilingual Plane
    out += ["x" * 300, "x" * 299 + "y", "", "ab", "ba", "a", "ab\udc80cd", "ab\udc80ce", "siti 𝐚"]
    return np.array(out, dtype=object)


@pytest.mark.parametrize("method", ["jaro_winkler", "jaro", "levenshtein", "indel", "qgram"])
@pytest.mark.parametrize("cutoff", [0.5, 0.8, 0.88, 0.95])
def test_scores_at_least_are_exact_above_the_cutoff(method: str, cutoff: float) -> None:
    rng = np.random.default_rng(11)
    pool = _pool(rng, 400)
    a = pool[rng.integers(0, len(pool), 20_000)]
    b = pool[rng.integers(0, len(pool), 20_000)]
    direct = similarity(a, b, method)
    coded = ValueCodes.from_strings(np.concatenate([a, b]), empty_is_missing=False)
    ca, cb = coded.codes[: len(a)], coded.codes[len(a) :]
    got = scores_at_least(coded, coded, ca, cb, method, cutoff)
    above = direct >= cutoff
    np.testing.assert_allclose(got[above], direct[above], rtol=1e-6)
    assert (got[~above] < cutoff).all()
    # the bound really skips work: most random pairs are far below a high cutoff
    assert above.sum() < len(a)


def test_scores_at_least_on_two_code_spaces() -> None:
    rng = np.random.default_rng(2)
    pool = _pool(rng, 300)
    left = ValueCodes.from_strings(pool[rng.integers(0, len(pool), 3_000)])
    right = ValueCodes.from_strings(pool[rng.integers(0, len(pool), 2_000)])
    ok_l = np.flatnonzero(left.codes >= 0)
    ok_r = np.flatnonzero(right.codes >= 0)
    i = ok_l[rng.integers(0, len(ok_l), 10_000)]
    j = ok_r[rng.integers(0, len(ok_r), 10_000)]
    ca, cb = left.codes[i], right.codes[j]
    got = scores_at_least(left, right, ca, cb, "jaro_winkler", 0.88)
    direct = similarity(left.values[ca], right.values[cb], "jaro_winkler")
    above = direct >= 0.88
    np.testing.assert_allclose(got[above], direct[above], rtol=1e-6)
    assert (got[~above] < 0.88).all()


def test_value_codes_mark_empty_strings_missing() -> None:
    coded = ValueCodes.from_strings(np.array(["b", "", "a", "b", ""], dtype=object))
    assert coded.codes.tolist() == [0, -1, 1, 0, -1]
    assert coded.values.tolist() == ["b", "a"]


def test_string_similarity_links_two_frames_like_plain_scoring() -> None:
    rng = np.random.default_rng(4)
    pool = [*_pool(rng, 200), None]
    # object columns: pandas 3 str columns cannot hold the lone surrogates of the pool
    left = pd.DataFrame(
        {"name_norm": [pool[k] for k in rng.integers(0, len(pool), 700)]}, dtype=object
    )
    right = pd.DataFrame(
        {"name_norm": [pool[k] for k in rng.integers(0, len(pool), 500)]}, dtype=object
    )
    i = rng.integers(0, 700, 30_000)
    j = rng.integers(0, 500, 30_000)
    comp = StringSimilarity("name_norm", thresholds=(0.95, 0.88))
    a, b, null = string_pairs(left, right, "name_norm", i, j)
    expected = np.zeros(len(a), dtype=np.int8)
    scores = similarity(a, b, "jaro_winkler")
    expected[scores >= 0.88] = 1
    expected[scores >= 0.95] = 2
    expected[a == b] = 3
    expected[null] = -1
    np.testing.assert_array_equal(comp.compare(left, right, i, j), expected)


def test_default_comparators_give_the_same_levels_across_two_frames_as_within_one(
    small_synth,
) -> None:
    """Linking codes each side on its own; the levels must not depend on that."""
    from migrant_records.compare import compare_pairs, default_comparators
    from migrant_records.standardize import standardize

    both = standardize(small_synth.records().reset_index(drop=True))
    n_left = len(both) // 2
    left = both.iloc[:n_left].reset_index(drop=True)
    right = both.iloc[n_left:].reset_index(drop=True)
    rng = np.random.default_rng(8)
    # random pairs plus every pair of records of the same person across the two halves
    person = small_synth.truth.set_index(["source", "record_id"])["person_id"]
    pid = person.reindex(pd.MultiIndex.from_frame(both[["source", "record_id"]])).to_numpy()
    same = pd.DataFrame({"p": pid[:n_left], "i": np.arange(n_left)}).merge(
        pd.DataFrame({"p": pid[n_left:], "j": np.arange(len(right))}), on="p"
    )
    i = np.concatenate([rng.integers(0, n_left, 20_000), same["i"].to_numpy()])
    j = np.concatenate([rng.integers(0, len(right), 20_000), same["j"].to_numpy()])
    comps = default_comparators(both)
    linked = compare_pairs(comps, left, right, i, j)
    within = compare_pairs(comps, both, both, i, j + n_left)
    np.testing.assert_array_equal(linked, within)
    assert (linked.max(axis=0) == [len(c.labels) - 1 for c in comps]).all()
