"""Scoring models: Fellegi-Sunter (EM, u sampling, term frequencies), rules, supervised.

Every model maps a comparison-level matrix ``gamma`` (``int8``, pairs x comparators, ``-1`` =
null) to a match probability per pair with ``predict_proba``. :class:`FellegiSunter` also
gives match weights (log2 odds) and per-comparator explanations.

Example:
    >>> import numpy as np
    >>> from migrant_records.model import FellegiSunter, sample_random_pairs
    >>> i, j = sample_random_pairs(10_000, max_pairs=100_000, seed=0)  # compare these pairs
"""

from __future__ import annotations

from migrant_records.model.base import Model, model_from_dict
from migrant_records.model.fellegi_sunter import FellegiSunter
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
    "model_from_dict",
    "one_hot",
    "sample_random_pairs",
    "term_frequencies",
    "tf_for_pairs",
    "total_pairs",
]
