"""The one place where the person index touches the matching engine.

The index reuses the engine's stage functions (standardise, compare, score, cluster) on the
few records an operation concerns. Everything the index needs from the engine goes through
this module, so that a change of the engine's seams is a change here only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from migrant_records import pipeline
from migrant_records.blocking import ExactBlock, QGramLSH, SortedNeighbourhood
from migrant_records.cluster import cluster_pairs, conflict_attributes
from migrant_records.compare import compare_pairs
from migrant_records.compare.base import comparator_columns
from migrant_records.errors import ConfigError, ModelError
from migrant_records.matcher import Matcher
from migrant_records.model import tf_for_pairs
from migrant_records.schemas import CANONICAL_COLUMNS
from migrant_records.standardize import standardize
from migrant_records.standardize.person_columns import PERSON_ROLES, recognize_person_columns
from migrant_records.standardize.person_columns import _header as person_header

__all__ = [
    "CLUSTER_COLUMNS",
    "Scored",
    "check_matcher",
    "cluster_local",
    "explain_pairs",
    "matcher_from_json",
    "matcher_to_json",
    "person_roles",
    "prepare",
    "score_pairs",
    "scoring_columns",
    "tf_columns",
]

_SUPPORTED = (ExactBlock, QGramLSH, SortedNeighbourhood)

CLUSTER_COLUMNS = (
    "source",
    "record_id",
    "nik_id",
    "nik_birth_date",
    "nik_district_code",
    "dob",
    "sex_norm",
    "nik_sex",
    "name_norm",
)
"""Prepared columns that clustering reads (record keys and every column
:func:`~migrant_records.cluster.conflict_attributes` reads)."""


def _may_hold_email(values: np.ndarray) -> bool:
    """Whether content recognition could take a text column holding ``values`` for e-mail
    addresses (it needs an ``@`` in one of its first 200 values that are not missing)."""
    return any("@" in str(v) for v in values[pd.notna(values)][:200])


def person_roles(frame: pd.DataFrame, ignore: Sequence[str] = ()) -> dict[str, str]:
    """The generic person columns ``standardize`` would recognise in ``frame``, found faster.

    Only a column that is not canonical and either has a role's header or holds an ``@``
    in a text column can be recognised (see
    :func:`~migrant_records.standardize.person_columns.recognize_person_columns`); the
    others are left out before recognising, which gives the same roles without inspecting
    every column's content. ``ignore`` names columns the caller filled itself (a lookup's
    placeholder ``source`` and ``record_id``).
    """
    canonical = frozenset(CANONICAL_COLUMNS)
    skip = set(ignore)
    headers = {name for names in PERSON_ROLES.values() for name in names}
    texts = [dtype.kind in "OSU" for dtype in frame.dtypes.tolist()]
    block = frame.to_numpy(dtype=object) if len(frame) <= 200 and any(texts) else None
    others = []
    for k, c in enumerate(frame.columns):
        if c in canonical or c in skip:
            continue
        if person_header(c) in headers:
            others.append(c)
        elif texts[k]:
            values = block[:, k] if block is not None else frame.iloc[:, k].to_numpy(object)
            if _may_hold_email(values):
                others.append(c)
    if not others:
        return {}
    return recognize_person_columns(frame[others], exclude=canonical)


def prepare(
    frame: pd.DataFrame, matcher: Matcher, person_columns: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Standardise canonical records with the matcher's settings (profile, earliest year), as
    ``dedupe`` does; row position = record.

    Args:
        frame: Canonical records.
        matcher: The stored matcher.
        person_columns: Generic person columns already recognised (:func:`person_roles`);
            recognised in ``frame`` when not given.
    """
    return standardize(
        frame.reset_index(drop=True),
        progress=False,
        profile=matcher.profile,
        min_year=matcher.min_year,
        person_columns=person_columns,
    )


def scoring_columns(matcher: Matcher) -> frozenset[str] | None:
    """The prepared columns that scoring a pair can read, or None when that is not known.

    The record keys, every column a comparator reads (its ``columns`` and
    ``optional_columns``), the term-frequency columns and the column of each LSH pass (whose
    equal-value pairs are left to the other passes). The index reads only these of the
    stored records it scores: each column read costs a pass over the table's blocks where
    the records lie. None, meaning "all", when a comparator does not list its columns.
    """
    assert matcher.comparators_ is not None and matcher.blocking_ is not None
    out = {"source", "record_id"}
    for comp in matcher.comparators_:
        if getattr(comp, "columns", None) is None:
            return None
        out.update(comparator_columns(comp))
    out.update(tf_columns(matcher).values())
    for strategy in matcher.blocking_:
        if isinstance(strategy, QGramLSH):
            out.add(str(strategy.column))
    return frozenset(out)


def check_matcher(matcher: Matcher) -> None:
    """Refuse a matcher the index cannot store or run incrementally."""
    if matcher.model_ is None or matcher.comparators_ is None or matcher.blocking_ is None:
        raise ModelError(
            "The person index needs a trained matcher: run matcher.fit(records) or "
            "matcher.dedupe(records) first."
        )
    for strategy in matcher.blocking_:
        if not isinstance(strategy, _SUPPORTED):
            raise ConfigError(
                f"Blocking pass {getattr(strategy, 'name', strategy)!r} is a "
                f"{type(strategy).__name__}; the person index supports ExactBlock, "
                "SortedNeighbourhood and QGramLSH passes (their keys are stored per record)."
            )
    matcher_to_json(matcher)  # fails early when something cannot be saved


def matcher_to_json(matcher: Matcher) -> str:
    """The trained matcher as JSON text."""
    return json.dumps(matcher.to_dict(), sort_keys=True)


def matcher_from_json(text: str) -> Matcher:
    """Rebuild the trained matcher stored in an index."""
    matcher = Matcher.from_dict(json.loads(text))
    matcher.progress = False
    return matcher


def tf_columns(matcher: Matcher) -> dict[str, str]:
    """Comparator name -> column whose term frequencies adjust its exact level."""
    if not matcher.term_frequency:
        return {}
    assert matcher.comparators_ is not None
    out: dict[str, str] = {}
    for comp in matcher.comparators_:
        column = getattr(comp, "tf_column", None)
        if column:
            out[comp.name] = str(column)
    return out


class Scored:
    """Scores of candidate pairs: levels, term frequencies, weight and probability."""

    def __init__(
        self,
        gamma: np.ndarray,
        tf: dict[str, np.ndarray] | None,
        weight: np.ndarray,
        probability: np.ndarray,
    ) -> None:
        self.gamma = gamma
        self.tf = tf
        self.weight = weight
        self.probability = probability


def score_pairs(
    matcher: Matcher,
    frame: pd.DataFrame,
    i: np.ndarray,
    j: np.ndarray,
    frequencies: dict[str, pd.Series],
) -> Scored:
    """Compare and score pairs of rows of one prepared frame with the stored model.

    Args:
        matcher: The trained matcher.
        frame: Prepared records (the rows the pairs point into).
        i: First row of each pair.
        j: Second row of each pair.
        frequencies: Per term-frequency column, relative frequency of each value in the index.
    """
    assert matcher.comparators_ is not None and matcher.model_ is not None
    gamma = compare_pairs(matcher.comparators_, frame, frame, i, j)
    tf: dict[str, np.ndarray] = {}
    for name, column in tf_columns(matcher).items():
        if column in frame.columns and column in frequencies:
            tf[name] = tf_for_pairs(frame[column], frame[column], i, j, frequencies[column])
    scores = pipeline.score_candidates(matcher.model_, gamma, tf or None)
    return Scored(gamma, tf or None, scores.weight, scores.probability)


def explain_pairs(matcher: Matcher, scored: Scored, rows: Sequence[int]) -> list[str]:
    """A short text per pair: each comparator's level and its part of the match weight."""
    model = matcher.model_
    assert model is not None
    picked = np.asarray(rows, dtype=np.int64)
    if hasattr(model, "explain_rows"):  # the Fellegi-Sunter model: all pairs in one call
        tf_rows = {name: values[picked] for name, values in (scored.tf or {}).items()}
        tables: list[list[dict[str, Any]]] = model.explain_rows(scored.gamma[picked], tf_rows)
    else:
        tables = []
        for row in picked.tolist():
            tf = None
            if scored.tf:
                tf = {name: float(values[row]) for name, values in scored.tf.items()}
            tables.append(model.explain(scored.gamma[row], tf).to_dict("records"))
    out: list[str] = []
    for table in tables:
        parts = []
        for rec in table:
            if rec["comparator"] in ("prior", "total"):
                continue
            if rec["level"] is None or pd.isna(rec["level"]) or int(rec["level"]) < 0:
                parts.append(f"{rec['comparator']}: null")
                continue
            weight = float(rec["weight"]) + float(rec.get("tf_weight") or 0.0)
            parts.append(f"{rec['comparator']}: {rec['label']} ({weight:+.1f})")
        out.append("; ".join(parts))
    return out


def cluster_local(
    matcher: Matcher,
    frame: pd.DataFrame,
    i: np.ndarray,
    j: np.ndarray,
    probability: np.ndarray,
    keys: Sequence[str] | np.ndarray,
    *,
    weight: np.ndarray | None = None,
) -> np.ndarray:
    """Cluster a few persons' records with the same rules as ``dedupe`` (conflict splitting,
    edges ordered by match weight)."""
    conflicts = conflict_attributes(frame) if matcher.conflicts else None
    return cluster_pairs(
        len(frame),
        i,
        j,
        probability,
        threshold=matcher.threshold,
        conflicts=conflicts,
        keys=np.asarray(keys, dtype=object),
        weight=weight,
    )
