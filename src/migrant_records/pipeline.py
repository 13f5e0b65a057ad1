"""The matching stages as plain functions over small typed values.

Each stage takes what the one before it returned and returns one small value, so a stage can
be run, timed, tested or replaced on its own (and run on one partition of another engine):

``prepare_inputs`` -> :class:`Inputs` -> ``find_candidates`` -> :class:`Candidates` ->
``compare_candidates`` (comparison levels) -> ``training_bundle`` / ``model.fit`` ->
``score_candidates`` -> :class:`Scores` -> ``cluster_records`` (the clusters table).

:class:`~migrant_records.Matcher` wires them; the person index and other engines reuse them.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from migrant_records._fork import Background, worth_forking
from migrant_records._pandas import range_indexed
from migrant_records.blocking import (
    BlockingStrategy,
    BlockingWarning,
    DuplicateGroups,
    collapse_duplicates,
    default_blocking,
    relabel_copies,
    union_pairs,
)
from migrant_records.cluster import assign_person_ids, cluster_pairs, one_to_one
from migrant_records.compare import Comparator, compare_pairs, default_comparators
from migrant_records.errors import ConfigError, NoBlockingPassError
from migrant_records.inputs import InputLike, collect_inputs, collect_link_inputs
from migrant_records.labels import LabelPositions, align_labels, label_positions
from migrant_records.model import (
    FellegiSunter,
    Training,
    sample_random_pairs,
    term_frequencies,
    tf_for_pairs,
)
from migrant_records.model.sampling import u_sample_size
from migrant_records.records import record_key
from migrant_records.standardize import DEFAULT_MIN_YEAR, standardize

__all__ = [
    "Candidates",
    "Inputs",
    "RandomAhead",
    "Scores",
    "choose_blocking",
    "choose_comparators",
    "cluster_records",
    "compare_candidates",
    "find_candidates",
    "no_candidates_message",
    "pair_term_frequencies",
    "prepare_inputs",
    "random_pair_levels",
    "reviewer_labels",
    "score_candidates",
    "start_random_levels",
    "training_bundle",
]


@dataclass(frozen=True)
class Inputs:
    """Prepared (standardised) records of one or two sides, and the rejected rows.

    Attributes:
        left: The prepared records (dedupe) or the left ones (link); row position = record
            number used by pairs.
        right: The right prepared records for a link, else ``None``.
        rejects: Input rows rejected by validation, with reasons.
    """

    left: pd.DataFrame
    right: pd.DataFrame | None
    rejects: pd.DataFrame
    copies: tuple[DuplicateGroups, DuplicateGroups | None] | None = None
    """Exact copies folded into one record (left, right) when ``prepare_inputs`` collapsed
    them; :func:`~migrant_records.blocking.expand_duplicates` puts them back."""

    @property
    def other(self) -> pd.DataFrame:
        """The frame the second record of a pair comes from (``left`` for a dedupe)."""
        return self.left if self.right is None else self.right

    @property
    def records(self) -> pd.DataFrame:
        """All records, left rows then right rows."""
        if self.right is None:
            return self.left
        return pd.concat([self.left, self.right], ignore_index=True)

    @property
    def offset(self) -> int:
        """Position of the first right record in :attr:`records` (0 for a dedupe)."""
        return 0 if self.right is None else len(self.left)


@dataclass(frozen=True)
class Candidates:
    """Candidate pairs from blocking.

    Attributes:
        left: ``int64`` row positions into ``Inputs.left``.
        right: ``int64`` row positions into ``Inputs.other``.
        pass_counts: New pairs found by each blocking pass.
        largest_blocks: The largest blocks per pass.
        warnings: Oversized blocks that were skipped, one message each.
    """

    left: np.ndarray
    right: np.ndarray
    pass_counts: dict[str, int] = field(default_factory=dict)
    largest_blocks: pd.DataFrame = field(default_factory=pd.DataFrame)
    warnings: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.left)


@dataclass(frozen=True)
class Scores:
    """Match weight and probability per candidate pair, reviewer labels applied.

    Attributes:
        weight: Match weight (log2 odds) per pair, from the model.
        probability: Match probability per pair (1 / 0 where a reviewer said so).
    """

    weight: np.ndarray
    probability: np.ndarray


def _prepare(frame: pd.DataFrame, progress: bool, profile: str, min_year: int) -> pd.DataFrame:
    return standardize(
        range_indexed(frame),  # standardize copies what it keeps
        progress=progress,
        profile=profile,
        min_year=min_year,
        parallel=True,
    )


def prepare_inputs(
    data: InputLike | Iterable[InputLike],
    right: InputLike | Iterable[InputLike] | None = None,
    *,
    progress: bool = False,
    timings: dict[str, float] | None = None,
    collapse_copies: bool = False,
    profile: str = "auto",
    min_year: int = DEFAULT_MIN_YEAR,
) -> Inputs:
    """Read, validate and standardise one side (dedupe) or two (link).

    ``(source, record_id)`` is unique over both sides (see
    :func:`~migrant_records.inputs.collect_link_inputs`).

    Args:
        data: The records (dedupe) or the left ones (link).
        right: The right records for a link.
        progress: Show progress bars.
        timings: Filled with the seconds spent reading and standardising.
        collapse_copies: Fold records equal on every identifying column into one before
            standardising (:func:`~migrant_records.blocking.collapse_duplicates`); the groups
            are kept in :attr:`Inputs.copies`, and the result must be expanded with
            :func:`~migrant_records.blocking.expand_duplicates`.
        profile: Name standardisation profile (``auto``, ``indonesia``, ``generic``; see
            :func:`~migrant_records.standardize.standardize`).
        min_year: Earliest plausible birth year.

    Raises:
        NoRecordsError: No record is left on a side after validation.
    """
    import time

    t0 = time.perf_counter()
    right_raw: pd.DataFrame | None = None
    if right is None:
        left_raw, rejects = collect_inputs(data)
    else:
        left_raw, right_raw, rejects = collect_link_inputs(data, right)
    copies = None
    if collapse_copies:
        left_raw, left_copies = collapse_duplicates(left_raw)
        right_copies = None
        if right_raw is not None:
            right_raw, right_copies = collapse_duplicates(right_raw)
        if left_copies.n_collapsed or (right_copies is not None and right_copies.n_collapsed):
            copies = (left_copies, right_copies)
    if timings is not None:
        timings["read"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    left = _prepare(left_raw, progress, profile, min_year)
    prepared_right = None if right_raw is None else _prepare(right_raw, progress, profile, min_year)
    del left_raw, right_raw  # the prepared frames hold every input column
    if timings is not None:
        timings["standardize"] = time.perf_counter() - t0
    return Inputs(left, prepared_right, rejects, copies)


def choose_comparators(given: Sequence[Comparator] | None, inputs: Inputs) -> list[Comparator]:
    """The given comparators, or the defaults for the prepared columns present.

    Raises:
        ConfigError: Two comparators share a name, or none applies.
    """
    comps = default_comparators(inputs.left, inputs.right) if given is None else list(given)
    names = [c.name for c in comps]
    if len(set(names)) != len(names):
        raise ConfigError(f"Comparator names must be unique, got {names}.")
    if not comps:
        raise ConfigError(
            "No comparator applies to these records: they have no filled identifying "
            f"column (columns found: {list(inputs.left.columns)[:20]}). Fill full_name "
            "and birth_date (or nik), or give comparators=[...]."
        )
    return comps


def choose_blocking(
    given: Sequence[BlockingStrategy] | None, inputs: Inputs
) -> list[BlockingStrategy]:
    """The given blocking passes, or the defaults for the prepared columns present.

    Raises:
        NoBlockingPassError: No pass applies.
    """
    passes = default_blocking(inputs.left, inputs.right) if given is None else list(given)
    if not passes:
        raise NoBlockingPassError(
            "No blocking pass applies to these records: fill full_name together with "
            "birth_date, nik or phone, or give blocking=[...]."
        )
    return passes


def find_candidates(
    strategies: Sequence[BlockingStrategy], inputs: Inputs, *, progress: bool = False
) -> Candidates:
    """Run the blocking passes and merge their pairs (each pair once)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", BlockingWarning)
        cand = union_pairs(strategies, inputs.left, inputs.right, progress=progress)
    # each skipped block is already logged by the blocking pass; keep them on the result
    return Candidates(
        cand.left,
        cand.right,
        dict(cand.pass_counts),
        cand.largest_blocks,
        [str(w.message) for w in caught],
    )


def compare_candidates(
    comparators: Sequence[Comparator],
    inputs: Inputs,
    i: np.ndarray,
    j: np.ndarray,
    *,
    progress: bool = False,
) -> np.ndarray:
    """Comparison levels (``int8``, pairs x comparators) of the pairs ``(i, j)``."""
    return compare_pairs(comparators, inputs.left, inputs.other, i, j, progress=progress)


def pair_term_frequencies(
    comparators: Sequence[Comparator],
    inputs: Inputs,
    i: np.ndarray,
    j: np.ndarray,
    *,
    cache: dict[str, pd.Series] | None = None,
) -> dict[str, np.ndarray] | None:
    """Relative frequency of the agreed value per pair, for comparators with a ``tf_column``.

    Frequencies are counted over all records (both sides of a link). The one function that
    scoring and explanations both use.

    Args:
        comparators: The comparators.
        inputs: The prepared records.
        i: First record of each pair (into ``inputs.left``).
        j: Second record of each pair (into ``inputs.other``).
        cache: Optional dict of frequencies by column, filled on first use.
    """
    out: dict[str, np.ndarray] = {}
    memo = {} if cache is None else cache
    for comp in comparators:
        column = getattr(comp, "tf_column", None)
        if not column or column not in inputs.left.columns:
            continue
        if column not in inputs.other.columns:
            continue
        if column not in memo:
            memo[column] = term_frequencies(inputs.records[column])
        out[comp.name] = tf_for_pairs(inputs.left[column], inputs.other[column], i, j, memo[column])
    return out or None


def random_pair_levels(
    comparators: Sequence[Comparator], inputs: Inputs, n: int, seed: int, progress: bool = False
) -> np.ndarray:
    """Comparison levels of up to ``n`` random record pairs (for estimating u)."""
    n_right = None if inputs.right is None else len(inputs.right)
    ri, rj = sample_random_pairs(len(inputs.left), n_right, max_pairs=n, seed=seed)
    return compare_candidates(comparators, inputs, ri, rj, progress=progress)


@dataclass
class RandomAhead:
    """The levels of ``n`` random pairs, compared in a second process while blocking and
    comparing run (see :func:`start_random_levels`)."""

    n: int
    levels: Background[np.ndarray]

    def cancel(self) -> None:
        """Stop the second process if its levels were not used."""
        self.levels.cancel()


def start_random_levels(
    model: Any, comparators: Sequence[Comparator], inputs: Inputs, seed: int
) -> RandomAhead | None:
    """Start comparing the random pairs a Fellegi-Sunter ``model`` will ask for in ``fit``.

    On a large input (and a system that can fork) the pairs are compared in a second process
    now, so that training finds them ready; otherwise ``None`` (``fit`` compares them itself).
    Either way the levels are those of :func:`random_pair_levels` with the same arguments.
    """
    n_records = len(inputs.left) + (0 if inputs.right is None else len(inputs.right))
    if not isinstance(model, FellegiSunter) or not worth_forking(n_records):
        return None
    n = u_sample_size(n_records, model.u_sample_pairs)
    return RandomAhead(n, Background(lambda: random_pair_levels(comparators, inputs, n, seed)))


def training_bundle(
    comparators: Sequence[Comparator],
    inputs: Inputs,
    cand: Candidates,
    gamma: np.ndarray,
    *,
    labels: np.ndarray | None,
    tf: dict[str, np.ndarray] | None,
    seed: int,
    progress: bool = False,
    ahead: RandomAhead | None = None,
) -> Training:
    """The :class:`~migrant_records.model.Training` bundle for a model's ``fit`` (random pairs
    already being compared by :func:`start_random_levels` are used when ``fit`` asks for
    as many)."""
    n_left = len(inputs.left)
    n_right = None if inputs.right is None else len(inputs.right)

    def random_levels(n: int) -> np.ndarray:
        if ahead is not None and ahead.n == n:
            return ahead.levels.result()
        return random_pair_levels(comparators, inputs, n, seed, progress)

    return Training(
        gamma=gamma,
        comparator_names=[c.name for c in comparators],
        level_labels=[list(c.labels) for c in comparators],
        n_left=n_left,
        n_right=n_right,
        labels=labels,
        random_levels=random_levels,
        tf=tf,
    )


def score_candidates(
    model: Any,
    gamma: np.ndarray,
    tf: dict[str, np.ndarray] | None,
    labels: np.ndarray | None = None,
) -> Scores:
    """Score the candidate pairs with the model; reviewer labels set probabilities to 1 / 0."""
    if len(gamma) == 0:
        return Scores(np.empty(0, dtype=np.float64), np.empty(0, dtype=np.float64))
    weight, prob = model.score(gamma, tf)
    prob = np.asarray(prob, dtype=np.float64)
    if labels is not None:
        prob = prob.copy()
        prob[labels == 1] = 1.0
        prob[labels == 0] = 0.0
    return Scores(np.asarray(weight, dtype=np.float64), prob)


def cluster_records(
    inputs: Inputs,
    cand: Candidates,
    scores: Scores,
    *,
    threshold: float,
    conflicts: Callable[[pd.DataFrame], pd.DataFrame] | None,
    one_to_one_link: bool = False,
    cannot_link: tuple[np.ndarray, np.ndarray] | None = None,
) -> pd.DataFrame:
    """The clusters table ``source, record_id, person_id``: every record exactly once.

    Args:
        inputs: The prepared records.
        cand: The candidate pairs.
        scores: Their scores.
        threshold: Pairs at or above this probability join their records.
        conflicts: Function giving the per-record attributes that must not disagree inside
            one cluster (``None``: no conflict splitting).
        one_to_one_link: For a link, keep each record in at most one matched pair.
        cannot_link: Pairs (positions into ``inputs.records``) that must end apart.
    """
    records = inputs.records
    prob = scores.probability
    if inputs.right is not None and one_to_one_link and len(cand):
        keep = one_to_one(cand.left, cand.right, prob, threshold)
        prob = np.where(keep, prob, 0.0)
    keys = record_key(records["source"], records["record_id"]).to_numpy()
    labels = cluster_pairs(
        len(records),
        cand.left,
        cand.right + inputs.offset,
        prob,
        threshold=threshold,
        conflicts=None if conflicts is None else conflicts(records),
        cannot_link=cannot_link,
        keys=keys,
        weight=scores.weight,
    )
    return pd.DataFrame(
        {
            "source": records["source"].to_numpy(),
            "record_id": records["record_id"].to_numpy(),
            "person_id": assign_person_ids(labels, keys),
        }
    )


def reviewer_labels(
    labels: pd.DataFrame | None, inputs: Inputs, cand: Candidates
) -> tuple[np.ndarray | None, tuple[np.ndarray, np.ndarray] | None]:
    """Labels aligned to the candidate pairs (1 / 0 / NaN) and the cannot-link pairs.

    Raises:
        ConfigError: The labels table misses columns.
    """
    if labels is None:
        return None, None
    if inputs.copies is not None:  # a label about a collapsed copy is about its representative
        labels = relabel_copies(labels, *inputs.copies)
    pos: LabelPositions = label_positions(labels, inputs.left, inputs.right)
    aligned = align_labels(pos, len(inputs.other), cand.left, cand.right)
    negative = ~pos.is_match
    cannot = (pos.left[negative], pos.right[negative] + inputs.offset)
    return aligned, cannot


def no_candidates_message(n_records: int) -> str:
    """What a run with no candidate pairs means for the user."""
    return (
        f"Blocking found no candidate pairs among {n_records} record(s): every record is its "
        "own person. Nothing was trained; if the data does hold duplicates, check that the "
        "identifying columns (full_name, birth_date, nik) are filled."
    )
