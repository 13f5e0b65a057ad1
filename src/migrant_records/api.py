"""Zero-configuration conveniences: :func:`dedupe` and :func:`link`."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from migrant_records.inputs import InputLike
from migrant_records.matcher import Matcher
from migrant_records.result import MatchResult

__all__ = ["dedupe", "link"]


def dedupe(
    data: InputLike | Iterable[InputLike],
    *,
    threshold: float = 0.5,
    labels: pd.DataFrame | None = None,
    seed: int = 0,
    progress: bool = True,
) -> MatchResult:
    """Deduplicate one or many ministry datasets into a person index, with no configuration.

    Comparators and blocking passes are chosen from the canonical columns present; the
    Fellegi-Sunter model is trained on the data itself (u from random pairs, m by EM).

    Args:
        data: Canonical records: a DataFrame, a ``Batch``, a file path, or a list of them
            (any mix of sources; the ``source`` column says which).
        threshold: Match probability at or above which records are joined.
        labels: Reviewer labels from :func:`migrant_records.read_labels`.
        seed: Seed for random pair sampling.
        progress: Show progress bars.

    Returns:
        A :class:`~migrant_records.result.MatchResult`.

    Example:
        >>> import migrant_records as mr
        >>> sample = mr.datasets.load_sample()
        >>> result = mr.dedupe(list(sample.sources.values()), progress=False)
        >>> len(result.clusters) == sum(len(f) for f in sample.sources.values())
        True
    """
    matcher = Matcher(threshold=threshold, seed=seed, progress=progress)
    return matcher.dedupe(data, labels=labels)


def link(
    left: InputLike | Iterable[InputLike],
    right: InputLike | Iterable[InputLike],
    *,
    threshold: float = 0.5,
    one_to_one: bool = False,
    labels: pd.DataFrame | None = None,
    seed: int = 0,
    progress: bool = True,
) -> MatchResult:
    """Link two ministry datasets with no configuration.

    Args:
        left: Records of the first dataset(s).
        right: Records of the second dataset(s).
        threshold: Match probability at or above which records are joined.
        one_to_one: Keep each record in at most one match (both sides free of duplicates).
        labels: Reviewer labels from :func:`migrant_records.read_labels`.
        seed: Seed for random pair sampling.
        progress: Show progress bars.

    Returns:
        A :class:`~migrant_records.result.MatchResult` over both sides.
    """
    matcher = Matcher(threshold=threshold, one_to_one=one_to_one, seed=seed, progress=progress)
    return matcher.link(left, right, labels=labels)
