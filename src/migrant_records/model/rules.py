"""Deterministic match rules over comparison levels.

A rule is a set of conditions that must all hold, for example "NIK exact and name at least
level 3". A :class:`RuleModel` accepts a pair when any of its rules holds. Rules serve both as
a simple, explainable model and to estimate the Fellegi-Sunter prior.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from migrant_records.errors import ConfigError, ModelError
from migrant_records.model._patterns import check_gamma
from migrant_records.model.base import ProbabilityScores, Training

__all__ = ["Rule", "RuleModel"]

_OPS: dict[str, Callable[[Any, Any], Any]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "==": operator.eq,
    "!=": operator.ne,
    "<=": operator.le,
    "<": operator.lt,
}


class Rule:
    """All conditions on comparison levels must hold.

    Args:
        name: Name shown in explanations.
        conditions: Comparator name -> minimum level (``{"nik": 4}`` means level >= 4), or an
            explicit ``(op, level)`` with op one of ``>=, >, ==, !=, <=, <``. A null level
            (``-1``) never satisfies a condition.

    Example:
        >>> rule = Rule("same_nik_and_name", {"nik": 4, "name": (">=", 3)})
        >>> rule.conditions["name"]
        ('>=', 3)
    """

    def __init__(self, name: str, conditions: Mapping[str, int | tuple[str, int]]) -> None:
        if not conditions:
            raise ConfigError(f"Rule {name!r} has no conditions; give at least one.")
        parsed: dict[str, tuple[str, int]] = {}
        for comp, cond in conditions.items():
            if isinstance(cond, (int, np.integer)) and not isinstance(cond, bool):
                parsed[str(comp)] = (">=", int(cond))
            elif isinstance(cond, (tuple, list)) and len(cond) == 2 and str(cond[0]) in _OPS:
                parsed[str(comp)] = (str(cond[0]), int(cond[1]))
            else:
                raise ConfigError(
                    f"Rule {name!r}: condition {comp!r}: {cond!r} is not a level or an "
                    f"(op, level) pair with op in {sorted(_OPS)}."
                )
        self.name = str(name)
        self.conditions = parsed

    def holds(self, gamma: np.ndarray, comparator_names: Sequence[str]) -> np.ndarray:
        """Boolean array: where every condition of the rule holds.

        Args:
            gamma: Comparison levels, shape ``(n_pairs, n_comparators)``.
            comparator_names: Name of each column of ``gamma``.
        """
        names = list(comparator_names)
        g = check_gamma(gamma, where="gamma")
        if g.shape[1] != len(names):
            raise ConfigError(
                f"gamma has {g.shape[1]} columns but {len(names)} comparator names were given."
            )
        out = np.ones(g.shape[0], dtype=bool)
        for comp, (op, level) in self.conditions.items():
            if comp not in names:
                raise ConfigError(
                    f"Rule {self.name!r} uses comparator {comp!r}, which is not among {names}."
                )
            col = g[:, names.index(comp)]
            out &= (col >= 0) & _OPS[op](col, level)
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return {
            "name": self.name,
            "conditions": {k: [op, lv] for k, (op, lv) in self.conditions.items()},
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Rule:
        """Rebuild a rule from :meth:`to_dict` output."""
        return cls(d["name"], {k: (v[0], int(v[1])) for k, v in d["conditions"].items()})

    def __repr__(self) -> str:
        conds = ", ".join(f"{k} {op} {lv}" for k, (op, lv) in self.conditions.items())
        return f"Rule({self.name!r}: {conds})"


class RuleModel(ProbabilityScores):
    """A model that accepts a pair when any of its rules holds.

    Args:
        rules: The rules.
        comparator_names: Name of each column of ``gamma``. Needed when ``gamma`` is a numpy
            array; a DataFrame's column names are used otherwise.

    Example:
        >>> model = RuleModel([Rule("nik", {"nik": 1})], comparator_names=["nik", "name"])
        >>> model.predict_proba(np.array([[1, 0], [0, 2], [-1, 2]])).tolist()
        [1.0, 0.0, 0.0]
    """

    def __init__(self, rules: Sequence[Rule], comparator_names: Sequence[str] | None = None):
        self.rules = list(rules)
        if not self.rules:
            raise ConfigError("RuleModel needs at least one rule.")
        self.comparator_names = None if comparator_names is None else list(comparator_names)

    def _names(self, gamma: np.ndarray | pd.DataFrame) -> list[str]:
        if isinstance(gamma, pd.DataFrame):
            return [str(c) for c in gamma.columns]
        if self.comparator_names is None:
            needed = sorted({c for r in self.rules for c in r.conditions})
            raise ConfigError(
                f"RuleModel needs comparator names to find {needed} in gamma: build it with "
                "RuleModel(rules, comparator_names=[...]) or pass gamma as a DataFrame."
            )
        return self.comparator_names

    def matches(self, gamma: np.ndarray | pd.DataFrame) -> np.ndarray:
        """Boolean array: pairs where at least one rule holds."""
        names = self._names(gamma)
        g = gamma.to_numpy() if isinstance(gamma, pd.DataFrame) else gamma
        out = np.zeros(np.asarray(g).shape[0], dtype=bool)
        for rule in self.rules:
            out |= rule.holds(g, names)
        return out

    def which(self, gamma: np.ndarray | pd.DataFrame) -> np.ndarray:
        """Name of the first rule that holds for each pair (``None`` where none holds)."""
        names = self._names(gamma)
        g = gamma.to_numpy() if isinstance(gamma, pd.DataFrame) else gamma
        out = np.full(np.asarray(g).shape[0], None, dtype=object)
        for rule in reversed(self.rules):
            out[rule.holds(g, names)] = rule.name
        return out

    def fit(
        self, gamma: Training | np.ndarray | pd.DataFrame, y: np.ndarray | None = None
    ) -> RuleModel:
        """Rules need no training; a :class:`Training` bundle gives the comparator names."""
        if isinstance(gamma, Training) and self.comparator_names is None:
            self.comparator_names = [str(n) for n in gamma.comparator_names]
        return self

    def predict_proba(self, gamma: np.ndarray | pd.DataFrame) -> np.ndarray:
        """1.0 where any rule holds, else 0.0."""
        return self.matches(gamma).astype(np.float64)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return {
            "type": "rules",
            "rules": [r.to_dict() for r in self.rules],
            "comparator_names": self.comparator_names,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RuleModel:
        """Rebuild a rule model from :meth:`to_dict` output."""
        if d.get("type") != "rules":
            raise ModelError(f"Expected a saved rule model (type 'rules'), got {d.get('type')!r}.")
        return cls([Rule.from_dict(r) for r in d["rules"]], d.get("comparator_names"))

    def __repr__(self) -> str:
        return f"RuleModel({self.rules!r})"
