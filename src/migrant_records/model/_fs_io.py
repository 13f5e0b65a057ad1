"""The saved (JSON) form of the Fellegi-Sunter model."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

import numpy as np

from migrant_records._json import read_json, write_json
from migrant_records.errors import ConfigError, ModelError
from migrant_records.model.rules import Rule

__all__ = ["SavedForm"]


class SavedForm:
    """``to_dict`` / ``from_dict`` / ``save`` / ``load`` of :class:`FellegiSunter` (a mixin)."""

    comparator_names: list[str]
    n_levels: list[int]
    labels: list[list[str]]
    max_iter: int
    tol: float
    fix_u: bool
    prior: float | None
    m_floor: float
    u_floor: float
    m_: list[np.ndarray] | None
    u_: list[np.ndarray] | None
    prior_: float | None
    lambda_candidates_: float | None
    history_: list[float]
    n_iter_: int
    u_from_random_: bool
    prior_rule: Rule | None
    prior_rule_recall: float
    u_sample_pairs: int

    def _update_tf(self) -> None:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form of the model and its trained parameters."""
        return {
            "type": "fellegi_sunter",
            "version": 1,
            "comparator_names": list(self.comparator_names),
            "n_levels": list(self.n_levels),
            "labels": [list(x) for x in self.labels],
            "max_iter": self.max_iter,
            "tol": self.tol,
            "fix_u": self.fix_u,
            "prior": self.prior,
            "m_floor": self.m_floor,
            "u_floor": self.u_floor,
            "m": None if self.m_ is None else [[float(v) for v in x] for x in self.m_],
            "u": None if self.u_ is None else [[float(v) for v in x] for x in self.u_],
            "prior_": self.prior_,
            "lambda_candidates": self.lambda_candidates_,
            "history": [float(x) for x in self.history_],
            "n_iter": self.n_iter_,
            "u_from_random": self.u_from_random_,
            "prior_rule": None if self.prior_rule is None else self.prior_rule.to_dict(),
            "prior_rule_recall": self.prior_rule_recall,
            "u_sample_pairs": self.u_sample_pairs,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Any:
        """Rebuild a model from :meth:`to_dict` output.

        Raises:
            ModelError: The data is not a saved Fellegi-Sunter model.
        """
        if d.get("type") != "fellegi_sunter":
            raise ModelError(
                f"Expected a saved Fellegi-Sunter model (type 'fellegi_sunter'), got "
                f"type {d.get('type')!r}."
            )
        try:
            model = cast(Any, cls)(
                d.get("comparator_names") or None,
                d.get("n_levels") or None,
                d.get("labels"),
                max_iter=int(d.get("max_iter", 50)),
                tol=float(d.get("tol", 1e-6)),
                fix_u=bool(d.get("fix_u", True)),
                prior=d.get("prior"),
                m_floor=float(d.get("m_floor", 1e-6)),
                u_floor=float(d.get("u_floor", 1e-7)),
                prior_rule=None if not d.get("prior_rule") else Rule.from_dict(d["prior_rule"]),
                prior_rule_recall=float(d.get("prior_rule_recall", 0.6)),
                u_sample_pairs=int(d.get("u_sample_pairs", 1_000_000)),
            )
            if d.get("m") is not None:
                model.m_ = [np.asarray(x, dtype=np.float64) for x in d["m"]]
            if d.get("u") is not None:
                model.u_ = [np.asarray(x, dtype=np.float64) for x in d["u"]]
        except (KeyError, TypeError, ValueError, AttributeError, ConfigError) as exc:
            raise ModelError(f"Saved Fellegi-Sunter model is malformed: {exc}") from exc
        for name, arrs in (("m", model.m_), ("u", model.u_)):
            if arrs is not None and [len(a) for a in arrs] != model.n_levels:
                raise ModelError(f"Saved {name} probabilities do not match n_levels.")
        prior_ = d.get("prior_")
        model.prior_ = None if prior_ is None else float(prior_)
        lam = d.get("lambda_candidates")
        model.lambda_candidates_ = None if lam is None else float(lam)
        model.history_ = [float(x) for x in d.get("history", [])]
        model.n_iter_ = int(d.get("n_iter", 0))
        model.u_from_random_ = bool(d.get("u_from_random", False))
        model._update_tf()
        return model

    def save(self, path: str | Path) -> Path:
        """Write the model as JSON to ``path`` and return the path."""
        return write_json(self.to_dict(), path)

    @classmethod
    def load(cls, path: str | Path) -> Any:
        """Read a model written by :meth:`save`.

        Raises:
            ModelError: The file is missing, not JSON, or not a Fellegi-Sunter model.
        """
        return cls.from_dict(read_json(path))
