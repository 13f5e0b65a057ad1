"""One-to-one pair selection and stable person ids."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from migrant_records.errors import ConfigError

__all__ = ["assign_person_ids", "one_to_one"]

logger = logging.getLogger(__name__)


def one_to_one(
    i: np.ndarray, j: np.ndarray, probability: np.ndarray, threshold: float = 0.5
) -> np.ndarray:
    """Keep each left and each right record in at most one pair, best pairs first.

    Equivalent to walking the pairs from the most to the least probable (ties: smaller ``i``,
    then smaller ``j``) and keeping a pair when neither record is taken yet. It runs in rounds:
    every pair that is the best remaining pair for both its records is kept, then pairs that
    touch a kept record are dropped; a handful of rounds suffices in practice.

    Args:
        i: Left row positions.
        j: Right row positions.
        probability: Match probability per pair.
        threshold: Pairs below this are never kept.

    Returns:
        Boolean mask over the pairs: True for kept pairs.

    Example:
        >>> one_to_one(np.array([0, 0, 1]), np.array([0, 1, 0]), np.array([0.9, 0.8, 0.7])).tolist()
        [True, False, False]
    """
    ii = np.asarray(i, dtype=np.int64)
    jj = np.asarray(j, dtype=np.int64)
    p = np.asarray(probability, dtype=np.float64)
    if not (len(ii) == len(jj) == len(p)):
        raise ConfigError("i, j and probability must have the same length.")
    keep = np.zeros(len(p), dtype=bool)
    cand = np.flatnonzero(p >= threshold)
    if not len(cand):
        return keep
    # Global order: probability descending, then i, then j.
    cand = cand[np.lexsort((jj[cand], ii[cand], -p[cand]))]
    rounds = 0
    while len(cand):
        rounds += 1
        ci, cj = ii[cand], jj[cand]
        # First occurrence in global order = best remaining pair of that record.
        _, fi = np.unique(ci, return_index=True)
        _, fj = np.unique(cj, return_index=True)
        best_i = np.zeros(len(cand), dtype=bool)
        best_i[fi] = True
        best_j = np.zeros(len(cand), dtype=bool)
        best_j[fj] = True
        take = best_i & best_j
        chosen = cand[take]
        keep[chosen] = True
        used_i = np.isin(ci, ii[chosen])
        used_j = np.isin(cj, jj[chosen])
        cand = cand[~(used_i | used_j)]
    logger.debug("one_to_one kept %d pairs in %d round(s)", int(keep.sum()), rounds)
    return keep


def _hash_ids(keys: list[str], n_hex: int) -> list[str]:
    b2 = hashlib.blake2b
    return ["P" + b2(k.encode("utf-8")).hexdigest()[:n_hex] for k in keys]


def assign_person_ids(labels: np.ndarray, keys: Sequence[str] | np.ndarray) -> np.ndarray:
    """Stable person id for each record from its cluster's smallest record key.

    The id is ``"P"`` followed by the first 12 hex characters of the BLAKE2b hash of the
    smallest key in the cluster (keys are ``"source|record_id"``). The same clusters give the
    same ids whatever the row order, and a person keeps the id as long as their smallest
    record stays in their cluster. In the rare case that two clusters' 12-character ids
    collide, those clusters get 20 characters instead.

    Args:
        labels: Cluster label per record.
        keys: Unique key per record.

    Returns:
        ``object`` array of person id strings, one per record.

    Example:
        >>> ids = assign_person_ids(np.array([0, 0, 1]), ["a|1", "a|2", "b|1"])
        >>> ids[0] == ids[1] != ids[2]
        True
    """
    lab = np.asarray(labels)
    key_arr = np.asarray(keys, dtype=object)
    if lab.shape[0] != key_arr.shape[0]:
        raise ConfigError(f"labels has {lab.shape[0]} values but keys has {key_arr.shape[0]}.")
    if lab.shape[0] == 0:
        return np.empty(0, dtype=object)
    if np.issubdtype(lab.dtype, np.integer):
        uniq, codes = np.unique(lab, return_inverse=True)
        codes = codes.reshape(-1)
    else:
        codes, uniq = pd.factorize(lab)
    if pd.api.types.infer_dtype(key_arr, skipna=False) == "string":
        str_keys = key_arr
    else:
        str_keys = np.array([str(k) for k in key_arr.tolist()], dtype=object)
    min_key_arr = np.empty(len(uniq), dtype=object)
    size = np.bincount(codes, minlength=len(uniq))
    single = size[codes] == 1
    min_key_arr[codes[single]] = str_keys[single]  # a singleton's key is its own minimum
    multi = np.flatnonzero(~single)
    if len(multi):
        multi = multi[np.argsort(codes[multi], kind="stable")]
        group, start = np.unique(codes[multi], return_index=True)
        bounds = np.append(start, len(multi)).tolist()
        member_keys = str_keys[multi].tolist()
        min_key_arr[group] = [
            min(member_keys[bounds[g] : bounds[g + 1]]) for g in range(len(group))
        ]
    min_key = min_key_arr.tolist()
    ids = np.array(_hash_ids(min_key, 12), dtype=object)
    dup = pd.Series(ids).duplicated(keep=False).to_numpy()
    if dup.any():
        logger.info("%d person id(s) collided; lengthening them", int(dup.sum()))
        ids[dup] = _hash_ids([k for k, d in zip(min_key, dup) if d], 20)
    out: np.ndarray = ids[codes]
    return out
