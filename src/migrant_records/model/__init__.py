"""Scoring models: Fellegi-Sunter (EM, u sampling, term frequencies), rules, supervised.

Every model follows one contract (:class:`Model`): ``fit(training)`` on a :class:`Training`
bundle, ``score(gamma, tf)`` giving match weights (log2 odds) and probabilities per pair,
``explain(levels, tf)`` giving one pair's weight by comparator on the same scoring path,
``parameters()`` and ``to_dict()``. ``gamma`` is the ``int8`` comparison-level matrix (pairs x
comparators, ``-1`` = null).

Example:
    >>> import numpy as np
    >>> from migrant_records.model import FellegiSunter, sample_random_pairs
    >>> i, j = sample_random_pairs(10_000, max_pairs=100_000, seed=0)  # compare these pairs
"""

from __future__ import annotations

from migrant_records.model.base import (
    Model,
    Training,
    model_from_dict,
    probability_to_weight,
)
from migrant_records.model.fellegi_sunter import FellegiSunter
from migrant_records.model.prior import default_prior_rule
from migrant_records.model.rules import Rule, RuleModel
from migrant_records.model.sampling import sample_random_pairs, total_pairs
from migrant_records.model.supervised import RecordLinkageClassifier, SupervisedModel, one_hot
from migrant_records.model.tf import term_frequencies, tf_for_pairs

__all__ = [
    "FellegiSunter",
    "Model",
    "RecordLinkageClassifier",
    "Rule",
    "RuleModel",
    "SupervisedModel",
    "Training",
    "default_prior_rule",
    "model_from_dict",
    "one_hot",
    "probability_to_weight",
    "sample_random_pairs",
    "term_frequencies",
    "tf_for_pairs",
    "total_pairs",
]
