from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from migrant_records.cluster import assign_person_ids, cluster_pairs, one_to_one
from migrant_records.errors import ConfigError


def same_cluster(labels: np.ndarray, a: int, b: int) -> bool:
    return bool(labels[a] == labels[b])


def test_connected_components_with_threshold() -> None:
    i = np.array([0, 1, 3, 5])
    j = np.array([1, 2, 4, 6])
    p = np.array([0.9, 0.8, 0.95, 0.3])
    labels = cluster_pairs(7, i, j, p, threshold=0.5)
    assert labels.dtype == np.int64
    assert labels.tolist() == [0, 0, 0, 1, 1, 2, 3]
    # labels are numbered by first record, independent of edge order
    again = cluster_pairs(7, i[::-1], j[::-1], p[::-1], threshold=0.5)
    assert again.tolist() == labels.tolist()


def test_no_pairs_gives_singletons_and_bad_input_raises() -> None:
    empty = np.array([], dtype=np.int64)
    assert cluster_pairs(3, empty, empty, np.array([])).tolist() == [0, 1, 2]
    assert cluster_pairs(0, empty, empty, np.array([])).tolist() == []
    with pytest.raises(ConfigError):
        cluster_pairs(2, np.array([0]), np.array([5]), np.array([0.9]))
    with pytest.raises(ConfigError):
        cluster_pairs(2, np.array([0]), np.array([1, 0]), np.array([0.9]))


def two_families() -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.DataFrame]:
    # family A: 0-1-2 (record 0 holds NIK A), family B: 3-4-5 (record 5 holds NIK B).
    # One wrong edge 2-3 joins them.
    i = np.array([0, 1, 0, 3, 4, 3, 2])
    j = np.array([1, 2, 2, 4, 5, 5, 3])
    p = np.array([0.99, 0.97, 0.95, 0.98, 0.99, 0.96, 0.7])
    conflicts = pd.DataFrame(
        {
            "nik_id": ["3201", None, None, None, None, "3305"],
            "nik_agrees_dob": [True, False, False, False, False, True],
            "sex": ["F", None, "F", None, "F", "F"],
        }
    )
    return i, j, p, conflicts


def test_two_families_joined_by_one_wrong_edge_are_split_at_it() -> None:
    i, j, p, conflicts = two_families()
    assert len(set(cluster_pairs(6, i, j, p).tolist())) == 1
    labels = cluster_pairs(6, i, j, p, conflicts=conflicts)
    assert labels.tolist() == [0, 0, 0, 1, 1, 1]


def test_nik_that_does_not_agree_with_dob_is_no_conflict() -> None:
    i, j, p, conflicts = two_families()
    conflicts = conflicts.assign(nik_agrees_dob=[True, False, False, False, False, False])
    labels = cluster_pairs(6, i, j, p, conflicts=conflicts)
    assert len(set(labels.tolist())) == 1


def test_sex_conflict_splits_and_nulls_are_ignored() -> None:
    # 0-1 strong, 1-2 weak; 0 is M, 2 is F, 1 unknown
    i = np.array([0, 1])
    j = np.array([1, 2])
    p = np.array([0.99, 0.6])
    labels = cluster_pairs(3, i, j, p, conflicts={"sex": np.array(["M", None, "f"])})
    assert labels.tolist() == [0, 0, 1]
    labels = cluster_pairs(3, i, j, p, conflicts={"sex": np.array(["M", None, "M"])})
    assert labels.tolist() == [0, 0, 0]


def test_cannot_link_stays_apart_with_a_third_record_linking_both() -> None:
    # 0 and 1 labelled "not a match", 2 links to both
    i = np.array([0, 1])
    j = np.array([2, 2])
    p = np.array([0.9, 0.95])
    labels = cluster_pairs(3, i, j, p, cannot_link=(np.array([0]), np.array([1])))
    assert not same_cluster(labels, 0, 1)
    # the weaker link (0-2) is the one cut
    assert same_cluster(labels, 1, 2)


def test_splitting_leaves_other_components_alone() -> None:
    i, j, p, conflicts = two_families()
    # add an unrelated pair 6-7 and a singleton 8
    i2 = np.concatenate([i, [6]])
    j2 = np.concatenate([j, [7]])
    p2 = np.concatenate([p, [0.9]])
    extra = pd.DataFrame({"nik_id": [None] * 3, "nik_agrees_dob": [False] * 3, "sex": ["M"] * 3})
    labels = cluster_pairs(9, i2, j2, p2, conflicts=pd.concat([conflicts, extra]))
    assert labels.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 3]


def test_split_is_deterministic_under_ties_with_keys() -> None:
    # chain 0-1-2 with equal probabilities, 0 and 2 conflict: which link is cut is decided by
    # keys, so relabelling rows does not change the partition of keys.
    keys = np.array(["a|1", "a|2", "a|3"], dtype=object)
    conf = {"sex": np.array(["M", None, "F"])}
    labels = cluster_pairs(
        3, np.array([0, 1]), np.array([1, 2]), np.array([0.8, 0.8]), conflicts=conf, keys=keys
    )
    perm = np.array([2, 0, 1])  # new row r holds old record perm[r]
    inv = np.argsort(perm)
    labels_p = cluster_pairs(
        3,
        inv[np.array([0, 1])],
        inv[np.array([1, 2])],
        np.array([0.8, 0.8]),
        conflicts={"sex": conf["sex"][perm]},
        keys=keys[perm],
    )
    groups = {frozenset(keys[labels == c]) for c in set(labels.tolist())}
    groups_p = {frozenset(keys[perm][labels_p == c]) for c in set(labels_p.tolist())}
    assert groups == groups_p
    assert len(groups) == 2


def test_large_input_is_fast() -> None:
    import time

    rng = np.random.default_rng(0)
    n = 200_000
    i = rng.integers(0, n, n)
    j = rng.integers(0, n, n)
    p = rng.random(n)
    t0 = time.perf_counter()
    labels = cluster_pairs(n, i, j, p, threshold=0.5)
    assert time.perf_counter() - t0 < 5
    assert labels.shape == (n,)
    # every kept edge joins one cluster
    keep = p >= 0.5
    assert (labels[i[keep]] == labels[j[keep]]).all()


def test_one_to_one_greedy() -> None:
    i = np.array([0, 0, 1, 1, 2])
    j = np.array([0, 1, 0, 1, 2])
    p = np.array([0.9, 0.85, 0.88, 0.6, 0.4])
    keep = one_to_one(i, j, p, threshold=0.5)
    # 0-0 best; then 1-0 and 0-1 blocked; 1-1 kept; 2-2 under threshold
    assert keep.tolist() == [True, False, False, True, False]
    # each record at most once, against a plain greedy loop on random data
    rng = np.random.default_rng(1)
    i = rng.integers(0, 300, 3000)
    j = rng.integers(0, 300, 3000)
    p = np.round(rng.random(3000), 2)  # many ties
    keep = one_to_one(i, j, p, threshold=0.3)
    order = np.lexsort((j, i, -p))
    expected = np.zeros(3000, dtype=bool)
    used_i: set[int] = set()
    used_j: set[int] = set()
    for k in order:
        if p[k] >= 0.3 and i[k] not in used_i and j[k] not in used_j:
            expected[k] = True
            used_i.add(int(i[k]))
            used_j.add(int(j[k]))
    assert (keep == expected).all()


def test_person_ids_are_stable_and_independent_of_row_order() -> None:
    labels = np.array([5, 5, 9, 9, 9, 1])
    keys = np.array(["kp2mi|7", "desa|3", "bps|1", "bps|2", "kp2mi|1", "desa|9"], dtype=object)
    ids = assign_person_ids(labels, keys)
    assert ids[0] == ids[1] and ids[2] == ids[3] == ids[4]
    assert len(set(ids.tolist())) == 3
    assert all(x.startswith("P") and len(x) == 13 for x in ids)
    perm = np.array([4, 2, 5, 0, 3, 1])
    ids_p = assign_person_ids(labels[perm] + 100, keys[perm])
    assert (ids_p == ids[perm]).all()
    # the id comes from the smallest key only: dropping a bigger member keeps it
    assert assign_person_ids(np.array([0, 0]), np.array(["bps|1", "bps|2"]))[0] == ids[2]
