"""The model contract: what the matcher gives a model to train on, and what it asks back.

A model is trained on a :class:`Training` bundle (comparison levels of the candidate pairs,
levels of random pairs on demand, reviewer labels, the number of records on each side) and
then scores comparison levels. Every model answers the same four questions:

* ``fit(training)``: learn from the bundle (and return the model);
* ``score(gamma, tf=None)``: match weight (log2 odds) and match probability per pair;
* ``explain(levels, tf=None)``: one pair's weight broken down by comparator, computed on the
  same scoring path, so that its ``total`` row equals the pair's ``score`` weight;
* ``parameters()``: a tidy table of learned parameters (empty where there are none);

and ``to_dict()`` for saving (``model_from_dict`` loads any saved model back).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from migrant_records.errors import ModelError
from migrant_records.model.sampling import total_pairs

__all__ = [
    "EXPLAIN_COLUMNS",
    "Model",
    "ProbabilityScores",
    "Training",
    "explain_levels_only",
    "model_from_dict",
    "probability_to_weight",
    "training_arrays",
]

EXPLAIN_COLUMNS = ["comparator", "level", "label", "m", "u", "bayes_factor", "weight", "tf_weight"]
"""Columns of the frame returned by ``Model.explain``."""

_CLIP = 1e-12


def probability_to_weight(prob: np.ndarray | float) -> np.ndarray:
    """Match weight (log2 odds) of a match probability, clipped away from 0 and 1.

    Example:
        >>> float(probability_to_weight(0.5))
        0.0
    """
    p = np.clip(np.asarray(prob, dtype=np.float64), _CLIP, 1.0 - _CLIP)
    return np.log2(p / (1.0 - p))


@dataclass(frozen=True)
class Training:
    """Everything a model may learn from, bundled by the matcher.

    Attributes:
        gamma: ``int8`` comparison levels of the candidate pairs (pairs x comparators,
            ``-1`` = null).
        comparator_names: Name of each column of ``gamma``.
        level_labels: The label of every level of every comparator.
        n_left: Number of records (dedupe) or of left records (link).
        n_right: Number of right records for a link, ``None`` for a dedupe.
        labels: Optional reviewer label per candidate pair: 1.0 match, 0.0 not a match, NaN
            unlabelled.
        random_levels: Optional function returning the comparison levels of up to ``n``
            random record pairs (nearly all non-matches), drawn reproducibly.
        tf: Optional relative frequency of the agreed value per candidate pair, for the
            comparators with term-frequency adjustment.
        counts: Optional number of candidate pairs each row of ``gamma`` stands for, when
            ``gamma`` holds distinct comparison patterns counted elsewhere (the Spark
            engine); ``None``: one pair per row.
    """

    gamma: np.ndarray
    comparator_names: Sequence[str]
    level_labels: Sequence[Sequence[str]]
    n_left: int
    n_right: int | None = None
    labels: np.ndarray | None = None
    random_levels: Callable[[int], np.ndarray] | None = None
    tf: Mapping[str, np.ndarray] | None = None
    counts: np.ndarray | None = None

    @property
    def n_pairs(self) -> int:
        """Number of candidate pairs (the sum of ``counts`` when given)."""
        if self.counts is None:
            return len(self.gamma)
        return int(np.asarray(self.counts).sum())

    @property
    def n_levels(self) -> list[int]:
        """Number of levels of each comparator."""
        return [len(lab) for lab in self.level_labels]

    @property
    def total_pairs(self) -> int:
        """All possible record pairs (see :func:`~migrant_records.model.total_pairs`)."""
        return total_pairs(self.n_left, self.n_right)

    def labelled(self) -> tuple[np.ndarray, np.ndarray]:
        """The labelled candidate pairs: ``(gamma, is_match)`` (empty without labels)."""
        if self.labels is None:
            return self.gamma[:0], np.zeros(0, dtype=bool)
        known = ~np.isnan(self.labels)
        return self.gamma[known], self.labels[known] > 0.5


@runtime_checkable
class Model(Protocol):
    """What the matcher needs from a model (see the module docs)."""

    def fit(self, training: Training) -> Any:
        """Learn from a :class:`Training` bundle; return the model."""
        ...

    def score(
        self, gamma: np.ndarray, tf: Mapping[str, np.ndarray] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(match_weight, match_probability)`` per pair, two ``float64`` arrays."""
        ...

    def explain(
        self, levels: Sequence[int] | np.ndarray, tf: Mapping[str, float] | None = None
    ) -> pd.DataFrame:
        """One pair's weight by comparator (:data:`EXPLAIN_COLUMNS`), a ``prior`` row and a
        ``total`` row whose ``weight`` equals the pair's ``score`` weight."""
        ...

    def parameters(self) -> pd.DataFrame:
        """Learned parameters as a tidy table (empty when the model has none)."""
        ...

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form with a ``"type"`` key."""
        ...


def explain_levels_only(
    names: Sequence[str], levels: Sequence[int] | np.ndarray, weight: float
) -> pd.DataFrame:
    """The explanation of a model without per-comparator weights: levels, then the total.

    Args:
        names: Comparator names.
        levels: The pair's level per comparator.
        weight: The pair's match weight from the model's ``score``.
    """
    rows: list[dict[str, Any]] = [{"comparator": "prior", "level": -1, "label": "prior"}]
    rows += [{"comparator": n, "level": int(lv)} for n, lv in zip(names, np.asarray(levels))]
    rows.append(
        {
            "comparator": "total",
            "level": -1,
            "bayes_factor": 2.0**weight if weight < 1000 else math.inf,
            "weight": float(weight),
            "tf_weight": 0.0,
        }
    )
    frame = pd.DataFrame(rows)
    for col in EXPLAIN_COLUMNS:
        if col not in frame.columns:
            frame[col] = np.nan
    return frame[EXPLAIN_COLUMNS]


def training_arrays(
    data: Training | np.ndarray | pd.DataFrame, y: np.ndarray | None
) -> tuple[Any, np.ndarray | None]:
    """``(gamma, labels)`` from a :class:`Training` bundle or from arrays given directly.

    Models that learn from comparison levels and optional labels (rules, supervised) accept
    either; a bundle's labels are 1.0 / 0.0 / NaN (unlabelled) per candidate pair.
    """
    if isinstance(data, Training):
        if y is not None:
            raise ModelError("Give labels inside the Training bundle, not as a second argument.")
        return data.gamma, data.labels
    return data, y


class ProbabilityScores:
    """``score``, ``explain`` and ``parameters`` for models that give only a probability.

    The weight of a pair is the log2 odds of its probability (clipped away from 0 and 1);
    explanations list the comparison levels and the total.
    """

    comparator_names: list[str] | None

    def predict_proba(self, gamma: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def score(
        self, gamma: np.ndarray, tf: Mapping[str, np.ndarray] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(match_weight, match_probability)`` per pair (``tf`` is not used)."""
        prob = np.asarray(self.predict_proba(gamma), dtype=np.float64)
        return probability_to_weight(prob), prob

    def explain(
        self, levels: Sequence[int] | np.ndarray, tf: Mapping[str, float] | None = None
    ) -> pd.DataFrame:
        """The pair's levels and its total weight (see :func:`explain_levels_only`)."""
        lv = np.asarray(levels, dtype=np.int64).reshape(-1)
        weight = float(self.score(lv.reshape(1, -1).astype(np.int8))[0][0])
        names = self.comparator_names or [f"comparator {k}" for k in range(len(lv))]
        return explain_levels_only(names, lv, weight)

    def parameters(self) -> pd.DataFrame:
        """No per-level parameters: an empty table."""
        return pd.DataFrame()


def model_from_dict(d: Mapping[str, Any]) -> Any:
    """Rebuild any saved model from its ``to_dict`` output, dispatching on ``d["type"]``.

    Types: ``fellegi_sunter``, ``rules``, ``supervised``, ``recordlinkage``.

    Raises:
        ModelError: The type is missing or unknown.

    Example:
        >>> from migrant_records.model import Rule, RuleModel
        >>> m = model_from_dict(RuleModel([Rule("r", {"nik": 1})], ["nik"]).to_dict())
        >>> type(m).__name__
        'RuleModel'
    """
    from migrant_records.model.fellegi_sunter import FellegiSunter
    from migrant_records.model.rules import RuleModel
    from migrant_records.model.supervised import RecordLinkageClassifier, SupervisedModel

    kinds: dict[str, Any] = {
        "fellegi_sunter": FellegiSunter,
        "rules": RuleModel,
        "supervised": SupervisedModel,
        "recordlinkage": RecordLinkageClassifier,
    }
    if not isinstance(d, Mapping) or "type" not in d:
        raise ModelError("Saved model has no 'type' key; it was not written by to_dict().")
    cls = kinds.get(str(d["type"]))
    if cls is None:
        raise ModelError(f"Unknown saved model type {d['type']!r}; known types: {sorted(kinds)}.")
    return cls.from_dict(d)
