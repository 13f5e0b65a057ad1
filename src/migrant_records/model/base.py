"""The model protocol and loading saved models by type."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

import numpy as np

from migrant_records.errors import ModelError

__all__ = ["Model", "model_from_dict"]


@runtime_checkable
class Model(Protocol):
    """What the matcher needs from a model: train, score pairs, save.

    ``gamma`` is the ``int8`` comparison-level matrix (pairs x comparators, ``-1`` = null).
    """

    def fit(self, gamma: np.ndarray, *args: Any, **kwargs: Any) -> Any:
        """Train on comparison levels (labels optional or required, depending on the model)."""
        ...

    def predict_proba(self, gamma: np.ndarray) -> np.ndarray:
        """Match probability per pair (``float64``)."""
        ...

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form with a ``"type"`` key."""
        ...


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
