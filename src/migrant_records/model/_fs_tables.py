"""Per-pair explanations and parameter tables of the Fellegi-Sunter model."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from migrant_records.errors import ConfigError
from migrant_records.model._patterns import check_gamma
from migrant_records.model.base import EXPLAIN_COLUMNS

__all__ = ["ExplainTables"]


class ExplainTables:
    """The explanation and parameter tables of :class:`FellegiSunter` (a mixin of it)."""

    comparator_names: list[str]
    n_levels: list[int]
    labels: list[list[str]]

    def _check_fitted(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        raise NotImplementedError

    def _prediction_prior(self) -> float:
        raise NotImplementedError

    def _tf_adjustment(self, k: int, levels: np.ndarray, freq: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def weight_tables(self) -> list[np.ndarray]:
        raise NotImplementedError

    def score(
        self, gamma: np.ndarray, tf: Mapping[str, np.ndarray] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def explain(
        self, levels: Sequence[int] | np.ndarray, tf: Mapping[str, float] | None = None
    ) -> pd.DataFrame:
        """Break one pair's match weight down by comparator.

        The ``total`` row is the pair's :meth:`score` weight, and the comparator rows use the
        same weight tables and term-frequency correction, so prior + comparator weights +
        term-frequency parts add up to it.

        Args:
            levels: The pair's comparison level for each comparator (one row of ``gamma``).
            tf: Optional relative frequency of the agreed value per comparator (NaN or missing
                for no adjustment).

        Returns:
            A ``prior`` row, one row per comparator and a ``total`` row with columns
            ``comparator, level, label, m, u, bayes_factor, weight, tf_weight`` (``weight`` is
            ``log2(m / u)``, ``tf_weight`` the term-frequency correction); the total's
            ``bayes_factor`` is ``2 ** weight``.
        """
        lv = np.asarray(levels, dtype=np.int64).reshape(-1)
        if lv.shape[0] != len(self.n_levels):
            raise ConfigError(
                f"levels has {lv.shape[0]} value(s); the model has {len(self.n_levels)} "
                "comparators."
            )
        tf_arrays = {name: np.array([float(v)]) for name, v in (tf or {}).items() if v is not None}
        rows = self.explain_rows(lv.reshape(1, -1), tf_arrays)[0]
        frame = pd.DataFrame(rows)
        return frame.reindex(columns=EXPLAIN_COLUMNS)

    def explain_rows(
        self, gamma: np.ndarray, tf: Mapping[str, np.ndarray] | None = None
    ) -> list[list[dict[str, Any]]]:
        """The rows of :meth:`explain` for many pairs at once (one list of row dicts per pair).

        :meth:`explain` is this for one pair, as a frame; scoring many pairs here costs one
        :meth:`score` call instead of one per pair.

        Args:
            gamma: Comparison levels, one row per pair.
            tf: Optional relative frequency of the agreed value per comparator, one value per
                pair (NaN for no adjustment).
        """
        m, u = self._check_fitted()
        g = np.asarray(gamma).reshape(-1, len(self.n_levels))
        check_gamma(g, self.n_levels, where="levels")
        tf_arrays = {name: np.asarray(v, dtype=np.float64) for name, v in (tf or {}).items()}
        weight, prob = self.score(g, tf=tf_arrays)
        tables = self.weight_tables()
        prior = self._prediction_prior()
        out: list[list[dict[str, Any]]] = []
        for p in range(len(g)):
            lv = g[p].astype(np.int64)
            rows: list[dict[str, Any]] = [
                {
                    "comparator": "prior",
                    "level": -1,
                    "label": "prior",
                    "bayes_factor": prior / (1.0 - prior),
                    "weight": math.log2(prior / (1.0 - prior)),
                    "tf_weight": 0.0,
                }
            ]
            for k, name in enumerate(self.comparator_names):
                level = int(lv[k])
                row: dict[str, Any] = {"comparator": name, "level": level}
                if level == -1:
                    row.update(label="null", bayes_factor=1.0, weight=0.0, tf_weight=0.0)
                else:
                    tf_w = 0.0
                    if name in tf_arrays:
                        freq = tf_arrays[name][p : p + 1]
                        tf_w = float(self._tf_adjustment(k, lv[k : k + 1], freq)[0])
                    row.update(
                        label=self.labels[k][level],
                        m=float(m[k][level]),
                        u=float(u[k][level]),
                        bayes_factor=float(m[k][level] / u[k][level]),
                        weight=float(tables[k][level + 1]),
                        tf_weight=tf_w,
                    )
                rows.append(row)
            total = float(weight[p])
            rows.append(
                {
                    "comparator": "total",
                    "level": -1,
                    "label": f"probability {float(prob[p]):.6g}",
                    "bayes_factor": 2.0**total,
                    "weight": total,
                    "tf_weight": 0.0,
                }
            )
            out.append(rows)
        return out

    def parameters(self) -> pd.DataFrame:
        """All m and u probabilities as a tidy table.

        Returns:
            Columns ``comparator, level, label, m, u, bayes_factor, match_weight``, one row per
            comparator level.
        """
        m, u = self._check_fitted()
        rows: list[dict[str, Any]] = []
        for k, name in enumerate(self.comparator_names):
            for level in range(self.n_levels[k]):
                mk = float(m[k][level])
                uk = float(u[k][level])
                rows.append(
                    {
                        "comparator": name,
                        "level": level,
                        "label": self.labels[k][level],
                        "m": mk,
                        "u": uk,
                        "bayes_factor": mk / uk,
                        "match_weight": math.log2(mk / uk),
                    }
                )
        return pd.DataFrame(rows)
