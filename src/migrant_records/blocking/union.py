"""Union of blocking passes and the blocking report.

Example:
    >>> import pandas as pd
    >>> from migrant_records.blocking import ExactBlock, union_pairs
    >>> frame = pd.DataFrame({"nik_id": ["1", "1", None], "phone_e164": ["+62811", None, "+62811"]})
    >>> cand = union_pairs([ExactBlock("nik_id"), ExactBlock("phone_e164")], frame)
    >>> cand.left.tolist(), cand.right.tolist(), cand.pass_counts
    ([0, 0], [1, 2], {'nik_id': 1, 'phone_e164': 1})
"""

from __future__ import annotations

import html
import logging
import sys
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from migrant_records._fork import Background, worth_forking
from migrant_records.blocking._keys import key_cache
from migrant_records.blocking._pairs import in_sorted, sorted_unique
from migrant_records.blocking.base import (
    BaseStrategy,
    BlockingStrategy,
    BlockingWarning,
    BlockPairs,
)
from migrant_records.errors import ConfigError
from migrant_records.records import total_pairs as _total_pairs

__all__ = ["BlockingReport", "CandidatePairs", "blocking_report", "union_pairs"]

logger = logging.getLogger(__name__)


@dataclass
class CandidatePairs:
    """Candidate pairs of all blocking passes, deduplicated.

    Attributes:
        left: int64 row positions into the left frame, sorted by ``(left, right)``.
        right: int64 row positions into the right frame (the left frame when deduping).
        pass_counts: Pairs each pass produced (before deduplication across passes).
        new_counts: Pairs first produced by each pass (in pass order).
        largest_blocks: ``pass, key, size, pairs`` of the largest blocks of each pass.
        n_left: Rows of the left frame.
        n_right: Rows of the right frame (equal to ``n_left`` when deduping).
        link: Whether the pairs link two frames.
    """

    left: np.ndarray
    right: np.ndarray
    pass_counts: dict[str, int] = field(default_factory=dict)
    new_counts: dict[str, int] = field(default_factory=dict)
    largest_blocks: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["pass", "key", "size", "pairs"])
    )
    n_left: int = 0
    n_right: int = 0
    link: bool = False

    def __len__(self) -> int:
        return len(self.left)

    @property
    def total_pairs(self) -> int:
        """Number of record pairs without any blocking (the comparison space)."""
        return _total_pairs(self.n_left, self.n_right if self.link else None)


def _run_pass(
    strategy: BlockingStrategy, left: pd.DataFrame, right: pd.DataFrame | None
) -> BlockPairs:
    if isinstance(strategy, BaseStrategy):
        return strategy.block_pairs(left, right)
    i, j = strategy.pairs(left, right)
    i = np.asarray(i, dtype=np.int64)
    j = np.asarray(j, dtype=np.int64)
    if i.shape != j.shape:
        raise ConfigError(
            f"Blocking pass {strategy.name!r} returned arrays of different lengths "
            f"({len(i)} and {len(j)})."
        )
    if right is None:
        i, j = np.minimum(i, j), np.maximum(i, j)
        keep = i != j
        i, j = i[keep], j[keep]
    return BlockPairs(i, j)


def _progress(items: Sequence[BlockingStrategy], enabled: bool) -> Sequence[BlockingStrategy]:
    if not enabled or not sys.stderr.isatty():
        return items
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover - tqdm is a dependency
        return items
    return tqdm(items, desc="blocking", unit="pass")  # type: ignore[return-value]


def _merge_sorted(parts: Sequence[np.ndarray]) -> np.ndarray:
    """One sorted array of disjoint sorted key arrays (the stable sort merges the runs)."""
    if not parts:
        return np.empty(0, dtype=np.int64)
    return np.sort(np.concatenate(parts), kind="stable")


def _run_passes(
    strategies: Sequence[BlockingStrategy], left: pd.DataFrame, right: pd.DataFrame | None
) -> tuple[list[BlockPairs], list[str]]:
    """The passes' pairs, and the block-cap warnings they gave (to give them again)."""
    with warnings.catch_warnings(record=True) as caught, key_cache():
        warnings.simplefilter("always", BlockingWarning)
        results = [_run_pass(s, left, right) for s in strategies]
    return results, [str(w.message) for w in caught if issubclass(w.category, BlockingWarning)]


def _pass_results(
    strategies: Sequence[BlockingStrategy], left: pd.DataFrame, right: pd.DataFrame | None
) -> Iterator[BlockPairs]:
    """Each pass's pairs, in pass order.

    On a large input every other built-in pass runs in a forked second process (see
    :mod:`migrant_records._fork`) while this one runs the rest: the passes are independent.
    Within a process each key column is factorised once for all its passes.
    """
    n = len(left) + (0 if right is None else len(right))
    parallel = (
        len(strategies) > 1
        and all(isinstance(s, BaseStrategy) for s in strategies)
        and worth_forking(n)
    )
    if not parallel:
        with key_cache():
            for strategy in strategies:
                yield _run_pass(strategy, left, right)
        return
    background = Background(lambda: _run_passes(strategies[1::2], left, right))
    try:
        with key_cache():
            mine = [_run_pass(s, left, right) for s in strategies[0::2]]
        theirs, messages = background.result()
    finally:
        background.cancel()
    for message in messages:
        warnings.warn(message, BlockingWarning, stacklevel=2)
    for k in range(len(strategies)):
        yield (mine if k % 2 == 0 else theirs)[k // 2]


def _iter_passes(
    strategies: Sequence[BlockingStrategy],
    left: pd.DataFrame,
    right: pd.DataFrame | None,
    progress: bool,
) -> Iterator[tuple[BlockingStrategy, BlockPairs, np.ndarray]]:
    """Run each pass; yield it with its pairs and its new encoded pair keys (sorted)."""
    if not strategies:
        raise ConfigError("Blocking needs at least one pass (strategy).")
    names = [s.name for s in strategies]
    if len(set(names)) != len(names):
        raise ConfigError(f"Blocking pass names must be unique, got {names}; pass name=... .")
    n_right = len(left) if right is None else len(right)
    base = np.int64(max(n_right, 1))
    seen = np.empty(0, dtype=np.int64)
    results = _pass_results(strategies, left, right)
    for strategy in _progress(strategies, progress):
        result = next(results)
        keys = sorted_unique(result.left * base + result.right)
        if len(seen):
            keys = keys[~in_sorted(keys, seen)]
            seen = _merge_sorted([seen, keys]) if len(keys) else seen
        else:
            seen = keys
        logger.info(
            "blocking pass %s: %d pairs, %d new", strategy.name, len(result.left), len(keys)
        )
        yield strategy, result, keys


def union_pairs(
    strategies: Sequence[BlockingStrategy],
    left: pd.DataFrame,
    right: pd.DataFrame | None = None,
    *,
    progress: bool = False,
) -> CandidatePairs:
    """Run every blocking pass and merge their pairs without duplicates.

    Args:
        strategies: The passes, in order (``new_counts`` credits the first pass to find a pair).
        left: The prepared frame (dedupe) or the left frame (link).
        right: The right prepared frame when linking.
        progress: Show a progress bar on a terminal.

    Returns:
        The deduplicated pairs, sorted by ``(left, right)``, with per-pass counts.

    Raises:
        ConfigError: When no pass is given or two passes share a name.
    """
    n_left = len(left)
    n_right = n_left if right is None else len(right)
    base = np.int64(max(n_right, 1))
    all_new: list[np.ndarray] = []
    pass_counts: dict[str, int] = {}
    new_counts: dict[str, int] = {}
    blocks: list[dict[str, object]] = []
    for strategy, result, new in _iter_passes(strategies, left, right, progress):
        pass_counts[strategy.name] = len(result.left)
        new_counts[strategy.name] = len(new)
        all_new.append(new)
        for key, size, npairs in result.largest:
            blocks.append({"pass": strategy.name, "key": key, "size": size, "pairs": npairs})
    seen = _merge_sorted(all_new)
    largest = pd.DataFrame(blocks, columns=["pass", "key", "size", "pairs"])
    if len(largest):
        largest = largest.astype({"size": "int64", "pairs": "int64"})
    return CandidatePairs(
        left=seen // base,
        right=seen % base,
        pass_counts=pass_counts,
        new_counts=new_counts,
        largest_blocks=largest,
        n_left=n_left,
        n_right=n_right,
        link=right is not None,
    )


@dataclass
class BlockingReport:
    """How blocking performs, computed before any comparison runs.

    Attributes:
        passes: One row per pass: ``pass``, ``pairs`` (produced), ``new`` (first found by this
            pass), ``cumulative`` (distinct pairs after this pass) and, with truth,
            ``true_pairs_new`` and ``pair_completeness`` (cumulative recall).
        largest_blocks: ``pass, key, size, pairs`` of the largest blocks.
        total_candidates: Distinct candidate pairs of all passes.
        total_pairs: Pairs without blocking.
        reduction_ratio: ``1 - total_candidates / total_pairs``.
        pair_completeness: Share of true matching pairs that are candidates (``None``
            without truth).
        true_pairs: Number of true matching pairs (``None`` without truth).
        missed_examples: Up to 20 true pairs that no pass found (row positions).
    """

    passes: pd.DataFrame
    largest_blocks: pd.DataFrame
    total_candidates: int
    total_pairs: int
    reduction_ratio: float
    pair_completeness: float | None = None
    true_pairs: int | None = None
    missed_examples: pd.DataFrame | None = None

    def to_frame(self) -> pd.DataFrame:
        """The per-pass table with a final ``total`` row."""
        total = {
            "pass": "total",
            "pairs": int(self.passes["pairs"].sum()) if len(self.passes) else 0,
            "new": self.total_candidates,
            "cumulative": self.total_candidates,
        }
        if self.pair_completeness is not None:
            total["pair_completeness"] = self.pair_completeness
            total["true_pairs_new"] = (
                int(self.passes["true_pairs_new"].sum()) if len(self.passes) else 0
            )
        return pd.concat([self.passes, pd.DataFrame([total])], ignore_index=True)

    def summary(self) -> dict[str, float | int | None]:
        """Headline numbers as a dict."""
        return {
            "total_candidates": self.total_candidates,
            "total_pairs": self.total_pairs,
            "reduction_ratio": self.reduction_ratio,
            "pair_completeness": self.pair_completeness,
            "true_pairs": self.true_pairs,
        }

    def _repr_html_(self) -> str:
        head = (
            f"<p><b>Blocking</b>: {self.total_candidates:,} candidate pairs of "
            f"{self.total_pairs:,} (reduction ratio {self.reduction_ratio:.6f})"
        )
        if self.pair_completeness is not None:
            head += (
                f", pair completeness {self.pair_completeness:.4f} "
                f"of {self.true_pairs or 0:,} true pairs"
            )
        head += "</p>"
        return (
            head
            + self.to_frame().to_html(index=False, float_format=lambda v: f"{v:.4f}")
            + "<p>Largest blocks</p>"
            + self.largest_blocks.to_html(index=False, escape=True)
        )

    def __repr__(self) -> str:
        return f"BlockingReport({html.unescape(str(self.summary()))})"


def _true_pair_keys(
    true_match: np.ndarray | tuple[np.ndarray, np.ndarray] | Sequence[np.ndarray],
    n_left: int,
    n_right: int,
    link: bool,
) -> np.ndarray:
    """Encoded ``i * n_right + j`` keys of all pairs with the same entity id."""
    if link:
        if not isinstance(true_match, (tuple, list)) or len(true_match) != 2:
            raise ConfigError("For link blocking_report needs true_match=(left_ids, right_ids).")
        lid = pd.Series(np.asarray(true_match[0], dtype=object))
        rid = pd.Series(np.asarray(true_match[1], dtype=object))
        if len(lid) != n_left or len(rid) != n_right:
            raise ConfigError("true_match arrays must have one entity id per row of each frame.")
        codes, _ = pd.factorize(pd.concat([lid, rid], ignore_index=True))
        lc, rc = codes[:n_left], codes[n_left:]
        from migrant_records.blocking._pairs import cross_pairs

        i, j, _ = cross_pairs(lc.astype(np.int64), rc.astype(np.int64), None)
    else:
        ids = pd.Series(np.asarray(true_match, dtype=object))
        if len(ids) != n_left:
            raise ConfigError(
                f"true_match has {len(ids)} ids but the frame has {n_left} rows; give one "
                "entity id per row."
            )
        codes, _ = pd.factorize(ids)
        from migrant_records.blocking._pairs import dedupe_pairs

        i, j, _ = dedupe_pairs(codes.astype(np.int64), None)
    return np.sort(i * np.int64(max(n_right, 1)) + j)


def blocking_report(
    strategies: Sequence[BlockingStrategy],
    left: pd.DataFrame,
    right: pd.DataFrame | None = None,
    *,
    true_match: np.ndarray
    | pd.Series
    | Sequence[object]
    | tuple[np.ndarray, np.ndarray]
    | None = None,
) -> BlockingReport:
    """Pairs per pass, largest blocks and (with truth) pair completeness, before comparison.

    Args:
        strategies: The blocking passes.
        left: The prepared frame (or left frame when linking).
        right: The right prepared frame when linking.
        true_match: Entity ids aligned to the rows of ``left`` (dedupe), or a pair of arrays
            ``(left_ids, right_ids)`` (link). Missing ids count as singletons.

    Returns:
        The report.

    Example:
        >>> import pandas as pd
        >>> from migrant_records.blocking import ExactBlock, blocking_report
        >>> frame = pd.DataFrame({"nik_id": ["1", "1", "2", None]})
        >>> report = blocking_report([ExactBlock("nik_id")], frame, true_match=[7, 7, 8, 8])
        >>> report.pair_completeness
        0.5
    """
    n_left = len(left)
    n_right = n_left if right is None else len(right)
    link = right is not None
    base = np.int64(max(n_right, 1))
    truth_keys: np.ndarray | None = None
    if true_match is not None:
        truth_keys = _truth(true_match, n_left, n_right, link)
    rows: list[dict[str, object]] = []
    blocks: list[dict[str, object]] = []
    cumulative = 0
    true_found = 0
    all_new: list[np.ndarray] = []
    for strategy, result, new in _iter_passes(strategies, left, right, False):
        cumulative += len(new)
        row: dict[str, object] = {
            "pass": strategy.name,
            "pairs": len(result.left),
            "new": len(new),
            "cumulative": cumulative,
        }
        if truth_keys is not None:
            hits = int(in_sorted(truth_keys, new).sum()) if len(new) else 0
            true_found += hits
            row["true_pairs_new"] = hits
            row["pair_completeness"] = true_found / len(truth_keys) if len(truth_keys) else 1.0
        rows.append(row)
        all_new.append(new)
        for key, size, npairs in result.largest:
            blocks.append({"pass": strategy.name, "key": key, "size": size, "pairs": npairs})
    columns = ["pass", "pairs", "new", "cumulative"]
    if truth_keys is not None:
        columns += ["true_pairs_new", "pair_completeness"]
    passes = pd.DataFrame(rows, columns=columns)
    n_total = _total_pairs(n_left, n_right if link else None)
    rr = 1.0 - cumulative / n_total if n_total else 0.0
    report = BlockingReport(
        passes=passes,
        largest_blocks=pd.DataFrame(blocks, columns=["pass", "key", "size", "pairs"]),
        total_candidates=cumulative,
        total_pairs=n_total,
        reduction_ratio=rr,
    )
    if truth_keys is not None:
        cand_keys = _merge_sorted(all_new)
        hit = in_sorted(truth_keys, cand_keys)
        report.true_pairs = len(truth_keys)
        report.pair_completeness = float(hit.mean()) if len(truth_keys) else 1.0
        missed = truth_keys[~hit][:20]
        report.missed_examples = pd.DataFrame({"left": missed // base, "right": missed % base})
    return report


def _truth(true_match: object, n_left: int, n_right: int, link: bool) -> np.ndarray:
    """Encoded keys of the true matching pairs; missing ids are singletons."""

    def ids_of(values: object, side: str = "") -> np.ndarray:
        ids = pd.Series(np.asarray(values, dtype=object))
        missing = ids.isna().to_numpy()
        if missing.any():
            ids[missing] = [("__singleton__", side, int(k)) for k in np.flatnonzero(missing)]
        return ids.to_numpy()

    if link:
        if not isinstance(true_match, (tuple, list)) or len(true_match) != 2:
            raise ConfigError("For link, blocking_report needs true_match=(left_ids, right_ids).")
        return _true_pair_keys(
            (ids_of(true_match[0], "l"), ids_of(true_match[1], "r")), n_left, n_right, True
        )
    return _true_pair_keys(ids_of(true_match), n_left, n_right, False)
