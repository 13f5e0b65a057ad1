"""Comparing candidate pairs with many comparators, and the default comparator set."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from migrant_records._pandas import filled_in_all
from migrant_records.compare.base import Comparator, column_cache
from migrant_records.compare.builtin import (
    Address,
    BirthDate,
    BirthPlace,
    Exact,
    MotherName,
    Nik,
    PersonName,
    Phone,
    Region,
    Sex,
    StringSimilarity,
)
from migrant_records.errors import ConfigError

__all__ = ["DEFAULT_CHUNK_SIZE", "compare_pairs", "default_comparators"]

logger = logging.getLogger(__name__)

DEFAULT_CHUNK_SIZE = 2_000_000
"""Pairs compared at a time by :func:`compare_pairs` (bounds memory)."""


def compare_pairs(
    comparators: Sequence[Comparator],
    left: pd.DataFrame,
    right: pd.DataFrame,
    i: np.ndarray,
    j: np.ndarray,
    *,
    progress: bool = False,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> np.ndarray:
    """Comparison levels of every pair for every comparator.

    Args:
        comparators: The comparators (one output column each, in order).
        left: The left prepared frame.
        right: The right prepared frame (pass ``left`` again when deduplicating).
        i: int row positions into ``left``.
        j: int row positions into ``right``.
        progress: Show a progress bar on a terminal.
        chunk_size: Pairs compared at a time.

    Returns:
        ``int8`` matrix of shape ``(len(i), len(comparators))``; ``-1`` = null.

    Raises:
        ConfigError: Mismatched pair arrays or a comparator returning the wrong shape or
            levels.

    Example:
        >>> import numpy as np, pandas as pd
        >>> from migrant_records.compare import Exact
        >>> f = pd.DataFrame({"nik_id": ["1", "1", None]})
        >>> compare_pairs([Exact("nik_id")], f, f, np.array([0, 0]), np.array([1, 2])).tolist()
        [[1], [-1]]
    """
    i = np.asarray(i, dtype=np.int64)
    j = np.asarray(j, dtype=np.int64)
    if i.shape != j.shape or i.ndim != 1:
        raise ConfigError(f"Pair arrays must be 1-d and equally long, got {i.shape} and {j.shape}.")
    n = len(i)
    out = np.empty((n, len(comparators)), dtype=np.int8)
    starts = range(0, n, max(int(chunk_size), 1))
    bar = None
    if progress and sys.stderr.isatty() and n:
        try:
            from tqdm.auto import tqdm

            bar = tqdm(total=n * len(comparators), desc="comparing", unit="pair")
        except ImportError:  # pragma: no cover
            bar = None
    with column_cache():
        _run_chunks(comparators, left, right, i, j, out, starts, chunk_size, bar)
    if bar is not None:
        bar.close()
    return out


def _run_chunks(
    comparators: Sequence[Comparator],
    left: pd.DataFrame,
    right: pd.DataFrame,
    i: np.ndarray,
    j: np.ndarray,
    out: np.ndarray,
    starts: range,
    chunk_size: int,
    bar: Any,
) -> None:
    for start in starts:
        ci = i[start : start + chunk_size]
        cj = j[start : start + chunk_size]
        for k, comp in enumerate(comparators):
            levels = np.asarray(comp.compare(left, right, ci, cj))
            if levels.shape != ci.shape:
                raise ConfigError(
                    f"Comparator {comp.name!r} returned shape {levels.shape} for "
                    f"{len(ci)} pairs; it must return one level per pair."
                )
            if len(levels) and (levels.min() < -1 or levels.max() >= len(comp.labels)):
                raise ConfigError(
                    f"Comparator {comp.name!r} returned levels outside -1..{len(comp.labels) - 1}."
                )
            out[start : start + len(ci), k] = levels
            if bar is not None:
                bar.update(len(ci))


def default_comparators(frame: pd.DataFrame, right: pd.DataFrame | None = None) -> list[Comparator]:
    """Built-in comparators whose columns are present and non-empty in the prepared frame(s).

    In order: ``name`` (:class:`PersonName`), ``nik``, ``birth_date``, ``sex``, ``phone``,
    ``region``, ``mother``, ``birth_place``, ``address``; then, for generic person columns
    recognised by ``standardize``: ``national_id`` (Damerau-Levenshtein), ``postcode``,
    ``city`` (or ``place`` on a village column the region tables do not resolve),
    ``state``, ``email`` and ``occupation``.

    Args:
        frame: A prepared frame.
        right: The other prepared frame when linking (a comparator needs its columns filled
            in both).

    Example:
        >>> import pandas as pd
        >>> f = pd.DataFrame({"name_norm": ["siti"], "dob": pd.to_datetime(["1990-01-02"])})
        >>> [c.name for c in default_comparators(f)]
        ['name', 'birth_date']
    """
    frames = [frame] if right is None else [frame, right]

    def any_filled(*cols: str) -> bool:
        return any(filled_in_all(frames, c) for c in cols)

    out: list[Comparator] = []
    if any_filled("name_norm"):
        out.append(PersonName())
    if any_filled("nik_digits"):
        out.append(Nik())
    if any_filled("dob", "nik_birth_date"):
        out.append(BirthDate())
    if any_filled("sex_norm", "nik_sex"):
        out.append(Sex())
    if any_filled("phone_e164"):
        out.append(Phone())
    if any_filled(*Region._levels):
        out.append(Region())
    if any_filled("mother_norm"):
        out.append(MotherName())
    if any_filled("birth_place_norm"):
        out.append(BirthPlace())
    if any_filled("address_norm"):
        out.append(Address())
    # generic person columns (see migrant_records.standardize.person_columns)
    if any_filled("national_id_norm"):
        out.append(
            StringSimilarity("national_id_norm", "damerau_levenshtein", (0.7,), name="national_id")
        )
    if any_filled("postcode_norm"):
        out.append(Exact("postcode_norm", name="postcode"))
    if any_filled("city_norm"):
        out.append(StringSimilarity("city_norm", thresholds=(0.9,), name="city"))
    elif any_filled("village") and not any_filled(*Region._levels):
        # place names that the Indonesian region tables do not know (a suburb abroad)
        out.append(StringSimilarity("village", thresholds=(0.9,), name="place"))
    if any_filled("state_norm"):
        out.append(Exact("state_norm", name="state"))
    if any_filled("email_norm"):
        out.append(Exact("email_norm", name="email"))
    if any_filled("occupation_norm"):
        out.append(StringSimilarity("occupation_norm", thresholds=(0.9,), name="occupation"))
    logger.info("default comparators: %s", [c.name for c in out])
    return out
