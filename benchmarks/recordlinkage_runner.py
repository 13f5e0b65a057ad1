"""recordlinkage on one dataset, inside the worker process of ``benchmarks/competitors.py``.

Configuration: ``Index().block(...)`` on a few keys (union), ``Compare`` with Jaro-Winkler
(0.85) on names, Levenshtein (0.85) on the address and exact agreement elsewhere (binary
features), ``ECMClassifier`` fitted on the candidate pairs, matches where ``prob >= 0.5``.
On synthetic data, while the keys would produce more than ``max_pairs`` pairs in all (at
1M records; not at 10k or 100k), the widest key that has a tighter form takes it (``dob``
-> ``dob + regency``, ``full_name + regency`` and ``last_name + village`` -> ``+
birth_year``), as a user would tighten the keys that blow up; the result's ``caveat`` says
which. Runs whose blocking would still produce more than ``max_pairs`` pairs are skipped.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from data import competitor_frame
from stage_clock import Result, _Clock, _prepare

#: Tighter forms of the synthetic keys, for runs where the usual keys would be too wide.
RL_TIGHTER: dict[tuple[str, ...], list[str]] = {
    ("dob",): ["dob", "regency"],
    ("full_name", "regency"): ["full_name", "regency", "birth_year"],
    ("last_name", "village"): ["last_name", "village", "birth_year"],
}


def _rl_block_keys(
    frame: pd.DataFrame, max_pairs: int | None = None
) -> tuple[list[list[str]], str]:
    """recordlinkage's blocking keys for ``frame`` and a caveat (empty: the usual keys).

    Synthetic data: ``dob``, ``nik``, ``phone``, ``full_name + regency``, ``last_name +
    village``. While these would produce more than ``max_pairs`` pairs in all (they do at 1M
    records, not at 100k), the widest key that has a tighter form (:data:`RL_TIGHTER`) takes
    it, one key at a time.
    """
    if "soc_sec_id" in frame:  # FEBRL: the keys of the recordlinkage examples
        keys = [["first_name"], ["last_name"], ["dob"], ["soc_sec_id"]]
    else:
        keys = [["dob"], ["nik"], ["phone"], ["full_name", "regency"], ["last_name", "village"]]
    keys = [k for k in keys if all(c in frame and frame[c].notna().any() for c in k)]
    if max_pairs is None or "soc_sec_id" in frame:
        return keys, ""
    counts = [_block_pair_count(frame, k, None) for k in keys]
    changes = []
    while sum(counts) > max_pairs:
        open_ = [n for n, k in enumerate(keys) if tuple(k) in RL_TIGHTER]
        tighter = [n for n in open_ if all(c in frame for c in RL_TIGHTER[tuple(keys[n])])]
        if not tighter:
            break
        n = max(tighter, key=lambda m: counts[m])
        new = RL_TIGHTER[tuple(keys[n])]
        new_count = _block_pair_count(frame, new, None)
        changes.append(
            f"{'+'.join(keys[n])} ({counts[n]:,} pairs) became {'+'.join(new)} ({new_count:,})"
        )
        keys[n], counts[n] = list(new), new_count
    if not changes:
        return keys, ""
    caveat = (
        f"blocking keys tightened, widest first, until they produce at most {max_pairs:,} "
        f"pairs (the --max-pairs cap): {'; '.join(changes)}; up to {sum(counts):,} pairs in "
        f"all with the keys {', '.join('+'.join(k) for k in keys)}"
    )
    return keys, caveat


def _block_pair_count(frame: pd.DataFrame, keys: list[str], n_left: int | None) -> int:
    """Pairs one exact blocking key produces (rows with a missing key part drop out)."""
    sub = frame[keys].dropna()
    if n_left is None:
        sizes = sub.groupby(keys, sort=False).size().to_numpy(np.int64)
        return int((sizes * (sizes - 1) // 2).sum())
    side = np.where(sub.index.to_numpy() < n_left, "l", "r")
    counts = (
        sub.assign(_side=side).groupby([*keys, "_side"], sort=False).size().unstack(fill_value=0)
    )
    if "l" not in counts or "r" not in counts:
        return 0
    return int((counts["l"].to_numpy(np.int64) * counts["r"].to_numpy(np.int64)).sum())


def run_recordlinkage(spec: dict[str, Any]) -> tuple[Result, dict[str, np.ndarray]]:
    """recordlinkage: block, compare (binary features), ECM, matches at 0.5."""
    import recordlinkage as rl

    clock = _Clock()
    records = _prepare(spec, clock)
    frame = clock.time("prepare", lambda: competitor_frame(records))
    link = spec["task"] == "link"
    n_left = int(spec["n_left"])
    keys, caveat = _rl_block_keys(frame, None if link else int(spec["max_pairs"]))
    upper = sum(_block_pair_count(frame, k, n_left if link else None) for k in keys)
    if upper > int(spec["max_pairs"]):
        return {
            "status": "skipped",
            "note": f"blocking would produce up to {upper:,} pairs "
            f"(cap {int(spec['max_pairs']):,})" + (f"; {caveat}" if caveat else ""),
        }, {}
    data = frame.set_index("unique_id")
    left = data.iloc[:n_left] if link else data
    right = data.iloc[n_left:] if link else None

    def index() -> pd.MultiIndex:
        indexer = rl.Index()
        for k in keys:
            indexer.block(k if len(k) > 1 else k[0])
        return indexer.index(left) if right is None else indexer.index(left, right)

    pairs = clock.time("blocking", index)
    comp = rl.Compare()
    names = ("first_name", "last_name", "full_name", "mother_name")
    for col in data.columns:
        if col in ("source_dataset", "birth_year"):
            continue
        if col in names:
            comp.string(col, col, method="jarowinkler", threshold=0.85, label=col)
        elif col == "address":
            comp.string(col, col, method="levenshtein", threshold=0.85, label=col)
        else:
            comp.exact(col, col, label=col)
    features = clock.time(
        "comparison",
        lambda: comp.compute(pairs, left) if right is None else comp.compute(pairs, left, right),
    )
    ecm = rl.ECMClassifier(binarize=None)
    clock.time("training", lambda: ecm.fit(features))
    prob = clock.time("prediction", lambda: np.asarray(ecm.prob(features), dtype=np.float64))
    keep = prob >= 0.5
    i = features.index.get_level_values(0).to_numpy(np.int64)[keep]
    j = features.index.get_level_values(1).to_numpy(np.int64)[keep]
    result = {
        "status": "ok",
        "stages": clock.stages,
        "total_s": clock.total(),
        "peak_rss_mib": clock.peak_mib,
        "candidate_pairs": len(features),
        "note": f"blocking keys {['+'.join(k) for k in keys]}; {features.shape[1]} binary features",
        **({"caveat": caveat} if caveat else {}),
    }
    return result, {"pair_i": i, "pair_j": j}
