"""The Fellegi-Sunter model: m and u probabilities, match weights and EM training.

For each comparator and each comparison level the model holds two probabilities:

* ``m``: how often two records of the *same* person land on this level;
* ``u``: how often two records of *different* people land on this level.

Their ratio ``m / u`` (the Bayes factor) says how much a level moves the odds of a match, and
``log2(m / u)`` is the level's match weight. A pair's match weight is the prior log-odds plus
the weights of its levels; the match probability is ``1 / (1 + 2 ** -weight)``.

u is best estimated from random record pairs (nearly all are non-matches), the prior from a
high-precision rule, and m by expectation-maximisation (EM) on the candidate pairs. EM runs on
the distinct comparison patterns and their counts, so an iteration costs as much as the number
of distinct patterns (hundreds to a few thousands), not the number of pairs.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit

from migrant_records._json import read_json, write_json
from migrant_records.errors import ConfigError, ModelError
from migrant_records.model._patterns import (
    aggregate,
    aggregate_groups,
    check_gamma,
    pattern_sum,
)
from migrant_records.model.sampling import total_pairs as _total_pairs

__all__ = ["FellegiSunter"]

logger = logging.getLogger(__name__)

_LN2 = math.log(2.0)


def _level_shape(n: int, rising: bool) -> np.ndarray:
    """Geometric starting distribution over ``n`` levels, mass on the top (or bottom) levels."""
    w = 4.0 ** np.arange(n, dtype=np.float64)
    if not rising:
        w = w[::-1]
    return w / w.sum()


def _floor_normalise(p: np.ndarray, floor: float) -> np.ndarray:
    out = np.maximum(np.asarray(p, dtype=np.float64), floor)
    return out / out.sum()


class FellegiSunter:
    """Fellegi-Sunter record linkage model over comparison levels.

    Args:
        comparator_names: Name of each comparator (one column of ``gamma`` each).
        n_levels: Number of levels of each comparator (``len(labels)`` of the comparator).
        labels: Optional label of every level of every comparator, for tables and charts.
        max_iter: Most EM iterations.
        tol: EM stops when no m, u or lambda value moves by more than this.
        fix_u: Keep u as estimated by :meth:`estimate_u` during EM (recommended). When
            ``False``, or when :meth:`estimate_u` was never called, EM estimates u too.
        prior: Probability that two random records match. When ``None``, set it with
            :meth:`estimate_prior`; otherwise prediction falls back to the share of matches
            among the candidate pairs found by EM.
        m_floor: Smallest m probability (keeps weights finite).
        u_floor: Smallest u probability.

    Attributes:
        m_: m probabilities, one ``float64`` array per comparator (length ``n_levels[k]``).
        u_: u probabilities, same shape.
        prior_: Probability that two random records match, used by :meth:`predict`.
        lambda_candidates_: Share of matches among the candidate pairs, found by EM.
        tf_: Per comparator, the u of the exact level that term-frequency adjustment replaces.
        history_: Log-likelihood of the candidate pairs at each EM iteration.
        n_iter_: Number of EM iterations run.

    Example:
        >>> import numpy as np
        >>> model = FellegiSunter(["name", "dob"], [3, 2])
        >>> rng = np.random.default_rng(0)
        >>> model.estimate_u(rng.choice([0, 1], p=[0.99, 0.01], size=(5000, 2)))  # doctest: +SKIP
        >>> model.estimate_prior(50, 100_000)  # doctest: +SKIP
    """

    def __init__(
        self,
        comparator_names: Sequence[str],
        n_levels: Sequence[int],
        labels: Sequence[Sequence[str]] | None = None,
        *,
        max_iter: int = 50,
        tol: float = 1e-6,
        fix_u: bool = True,
        prior: float | None = None,
        m_floor: float = 1e-6,
        u_floor: float = 1e-7,
    ) -> None:
        names = [str(n) for n in comparator_names]
        levels = [int(n) for n in n_levels]
        if len(names) != len(levels):
            raise ConfigError(
                f"comparator_names has {len(names)} entries but n_levels has {len(levels)}; "
                "give one level count per comparator."
            )
        if len(set(names)) != len(names):
            raise ConfigError(f"Comparator names must be unique, got {names}.")
        bad = [n for n, k in zip(names, levels) if k < 2]
        if bad:
            raise ConfigError(f"Comparators {bad} have fewer than 2 levels; each needs at least 2.")
        if labels is None:
            label_lists = [[f"level {i}" for i in range(k)] for k in levels]
        else:
            label_lists = [[str(x) for x in lab] for lab in labels]
            if len(label_lists) != len(levels) or any(
                len(lab) != k for lab, k in zip(label_lists, levels)
            ):
                raise ConfigError("labels must hold one label per level of each comparator.")
        if prior is not None and not 0.0 < prior < 1.0:
            raise ConfigError(f"prior must lie strictly between 0 and 1, got {prior}.")
        if max_iter < 1:
            raise ConfigError(f"max_iter must be at least 1, got {max_iter}.")
        self.comparator_names = names
        self.n_levels = levels
        self.labels = label_lists
        self.max_iter = int(max_iter)
        self.tol = float(tol)
        self.fix_u = bool(fix_u)
        self.prior = None if prior is None else float(prior)
        self.m_floor = float(m_floor)
        self.u_floor = float(u_floor)

        self.m_: list[np.ndarray] | None = None
        self.u_: list[np.ndarray] | None = None
        self.prior_: float | None = self.prior
        self.lambda_candidates_: float | None = None
        self.tf_: dict[str, float] = {}
        self.history_: list[float] = []
        self.n_iter_: int = 0
        self.u_from_random_: bool = False

    # ------------------------------------------------------------------ helpers
    def _index(self, name: str) -> int:
        try:
            return self.comparator_names.index(name)
        except ValueError:
            raise ConfigError(
                f"Unknown comparator {name!r}; the model has {self.comparator_names}."
            ) from None

    def _check_fitted(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        if self.m_ is None or self.u_ is None:
            raise ModelError(
                "The Fellegi-Sunter model is not trained: call estimate_u() and fit() first "
                "(or load a saved model)."
            )
        return self.m_, self.u_

    def _prediction_prior(self) -> float:
        if self.prior_ is not None:
            return self.prior_
        if self.lambda_candidates_ is not None:
            logger.warning(
                "No prior set (estimate_prior() or prior=...): using the share of matches among "
                "candidate pairs (%.3g), which overstates match probabilities.",
                self.lambda_candidates_,
            )
            return self.lambda_candidates_
        raise ModelError("The model has no prior: call estimate_prior() or fit() first.")

    def _update_tf(self) -> None:
        if self.u_ is not None:
            self.tf_ = {n: float(u[-1]) for n, u in zip(self.comparator_names, self.u_)}

    # ------------------------------------------------------------------ estimation
    @staticmethod
    def total_pairs(n_left: int, n_right: int | None = None) -> int:
        """Number of possible record pairs (dedupe: ``n(n-1)/2``; link: ``n_left * n_right``)."""
        return _total_pairs(n_left, n_right)

    def estimate_u(self, gamma_random: np.ndarray) -> FellegiSunter:
        """Estimate u probabilities from comparison levels of random record pairs.

        Nearly all random pairs are non-matches, so the share of random pairs on each level is
        a good estimate of u. Nulls (``-1``) are ignored. One pseudo-count is added to every
        level (Laplace smoothing) so that no level gets ``u = 0``.

        Args:
            gamma_random: Comparison levels of pairs drawn with :func:`sample_random_pairs`.

        Returns:
            ``self``.

        Example:
            >>> model = FellegiSunter(["dob"], [2])
            >>> model.estimate_u(np.array([[0], [0], [0], [1], [-1]])).u_[0].tolist()
            [0.6666666666666666, 0.3333333333333333]
        """
        g = check_gamma(gamma_random, self.n_levels, where="gamma_random")
        u_list: list[np.ndarray] = []
        for k, n in enumerate(self.n_levels):
            counts = np.bincount(g[:, k].astype(np.intp) + 1, minlength=n + 1)[1:].astype(float)
            if counts.sum() == 0:
                logger.warning(
                    "Comparator %r is null on every random pair; using uniform u.",
                    self.comparator_names[k],
                )
            u = (counts + 1.0) / (counts.sum() + n)
            u_list.append(_floor_normalise(u, self.u_floor))
        self.u_ = u_list
        self.u_from_random_ = True
        self._update_tf()
        logger.info("Estimated u from %d random pairs", g.shape[0])
        return self

    def estimate_prior(self, n_rule_matches: int, n_total_pairs: int, recall: float = 0.9) -> float:
        """Estimate the prior (probability that two random records match) from a rule.

        A high-precision deterministic rule (for example "same valid NIK and similar name")
        finds ``n_rule_matches`` pairs. If the rule finds a share ``recall`` of all true
        matches, there are about ``n_rule_matches / recall`` matching pairs among
        ``n_total_pairs`` possible ones.

        Args:
            n_rule_matches: Pairs the rule accepts.
            n_total_pairs: All possible pairs (see :meth:`total_pairs`).
            recall: Share of all true matches the rule is believed to find.

        Returns:
            The prior, also stored in ``prior_``.

        Example:
            >>> FellegiSunter(["nik"], [2]).estimate_prior(900, 1_000_000, recall=0.9)
            0.001
        """
        if n_total_pairs <= 0:
            raise ConfigError(f"n_total_pairs must be positive, got {n_total_pairs}.")
        if not 0.0 < recall <= 1.0:
            raise ConfigError(f"recall must lie in (0, 1], got {recall}.")
        if n_rule_matches <= 0:
            raise ConfigError(
                "The rule found no matching pairs, so the prior cannot be estimated from it; "
                "give prior=... or use a rule that fires on some pairs."
            )
        prior = n_rule_matches / recall / n_total_pairs
        prior = float(min(max(prior, 1e-12), 0.5))
        self.prior_ = prior
        logger.info("Prior estimated from %d rule matches: %.3g", n_rule_matches, prior)
        return prior

    def fit_m(
        self,
        gamma: np.ndarray,
        *,
        counts: np.ndarray | None = None,
        labels: np.ndarray | None = None,
    ) -> FellegiSunter:
        """Estimate m by EM on candidate pairs with u free, then keep u from random pairs.

        Blocking chooses candidate pairs that agree far more often than random pairs do, so a
        u fixed from random pairs during EM would push candidate non-matches into the match
        class. Here EM fits m and u on the candidates, and prediction then uses that m with
        the u of :meth:`estimate_u` and the global prior.

        Args:
            gamma: Comparison levels of the candidate pairs.
            counts: Optional count per row of ``gamma`` (aggregated patterns).
            labels: Optional labels, as for :meth:`fit`.

        Returns:
            The model itself.

        Raises:
            ModelError: :meth:`estimate_u` has not been called.
        """
        if self.u_ is None:
            raise ModelError("fit_m() needs u from random pairs: call estimate_u() first.")
        u_random = [np.array(u, copy=True) for u in self.u_]
        fix_u = self.fix_u
        self.fix_u = False
        try:
            self.fit(gamma, counts=counts, labels=labels)
        finally:
            self.fix_u = fix_u
        self.u_ = u_random
        self._update_tf()
        return self

    def fit(
        self,
        gamma: np.ndarray,
        *,
        counts: np.ndarray | None = None,
        labels: np.ndarray | None = None,
    ) -> FellegiSunter:
        """Estimate m (and u when not fixed) on candidate pairs.

        Without labels this runs EM on the distinct comparison patterns. Labelled pairs
        (``labels`` True / False) count directly as matches / non-matches, with one pseudo-count
        per level; unlabelled pairs (NaN) are shared out by EM.

        Args:
            gamma: Comparison levels of the candidate pairs, shape ``(n_pairs, n_comparators)``.
            counts: Optional count per row when ``gamma`` already holds distinct patterns.
            labels: Optional label per row: True / 1 (match), False / 0 (not a match), NaN
                (unlabelled).

        Returns:
            ``self``.
        """
        g = check_gamma(gamma, self.n_levels)
        if g.shape[0] == 0:
            raise ConfigError("Cannot fit on zero pairs; blocking produced no candidate pairs.")
        weights = None if counts is None else np.asarray(counts, dtype=np.float64)
        if weights is not None and weights.shape != (g.shape[0],):
            raise ConfigError(f"counts must have one value per row of gamma ({g.shape[0]}).")
        alpha = 0.0
        if labels is None:
            patterns, c_unl = aggregate(g, self.n_levels, weights)
            c_pos = np.zeros_like(c_unl)
            c_neg = np.zeros_like(c_unl)
        else:
            lab = np.asarray(labels, dtype=np.float64)
            if lab.shape != (g.shape[0],):
                raise ConfigError(f"labels must have one value per row of gamma ({g.shape[0]}).")
            w = np.ones(g.shape[0]) if weights is None else weights
            known = ~np.isnan(lab)
            pos = np.where(known & (lab > 0.5), w, 0.0)
            neg = np.where(known & (lab <= 0.5), w, 0.0)
            unl = np.where(known, 0.0, w)
            patterns, (c_unl, c_pos, c_neg) = aggregate_groups(g, self.n_levels, [unl, pos, neg])
            alpha = 1.0
            logger.info(
                "Fitting with %d labelled matches, %d labelled non-matches, %d unlabelled pairs",
                int(known.sum() - (lab[known] <= 0.5).sum()),
                int((lab[known] <= 0.5).sum()),
                int((~known).sum()),
            )
        self._em(patterns, c_unl, c_pos, c_neg, alpha)
        return self

    def _em(
        self,
        patterns: np.ndarray,
        c_unl: np.ndarray,
        c_pos: np.ndarray,
        c_neg: np.ndarray,
        alpha: float,
    ) -> None:
        k_levels = self.n_levels
        idx = [patterns[:, k].astype(np.intp) + 1 for k in range(len(k_levels))]
        fix_u = self.fix_u and self.u_ is not None
        if self.fix_u and self.u_ is None:
            logger.warning(
                "fix_u=True but u was never estimated from random pairs (estimate_u); "
                "estimating u by EM instead."
            )
        m = [_level_shape(n, rising=True) for n in k_levels]
        if self.u_ is not None:
            u = [x.copy() for x in self.u_]
        else:
            total = c_unl + c_pos + c_neg
            u = []
            for k, n in enumerate(k_levels):
                marg = np.bincount(idx[k], weights=total, minlength=n + 1)[1:]
                u.append(_floor_normalise((marg + 1.0) * _level_shape(n, rising=False), 1e-6))

        def loglik(mm: list[np.ndarray], uu: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
            lm = np.zeros(patterns.shape[0])
            lu = np.zeros(patterns.shape[0])
            for k in range(len(k_levels)):
                lm += np.concatenate(([0.0], np.log(mm[k])))[idx[k]]
                lu += np.concatenate(([0.0], np.log(uu[k])))[idx[k]]
            return lm, lu

        n_all = float(c_unl.sum() + c_pos.sum() + c_neg.sum())
        lm, lu = loglik(m, u)
        if c_unl.sum() > 0:
            lam = float((c_unl * (lm > lu)).sum() + c_pos.sum()) / n_all
        else:
            lam = float(c_pos.sum()) / n_all
        lam = min(max(lam, 1e-4), 0.9)
        history: list[float] = []
        n_iter = 0
        for it in range(1, self.max_iter + 1):
            n_iter = it
            lm, lu = loglik(m, u)
            log_lam = math.log(lam)
            log_1m = math.log1p(-lam)
            a = log_lam + lm
            b = log_1m + lu
            r = expit(a - b)
            ll = float((c_unl * np.logaddexp(a, b)).sum() + (c_pos * a).sum() + (c_neg * b).sum())
            history.append(ll)
            wm = c_pos + c_unl * r
            wu = c_neg + c_unl * (1.0 - r)
            new_lam = float(wm.sum() / n_all)
            new_lam = min(max(new_lam, 1e-9), 1.0 - 1e-9)
            delta = abs(new_lam - lam)
            new_m: list[np.ndarray] = []
            new_u: list[np.ndarray] = []
            for k, n in enumerate(k_levels):
                cm = np.bincount(idx[k], weights=wm, minlength=n + 1)[1:]
                mk = (cm + alpha) / max(cm.sum() + alpha * n, 1e-300)
                if cm.sum() + alpha * n <= 0:
                    mk = m[k]
                mk = _floor_normalise(mk, self.m_floor)
                delta = max(delta, float(np.abs(mk - m[k]).max()))
                new_m.append(mk)
                if fix_u:
                    new_u.append(u[k])
                else:
                    cu = np.bincount(idx[k], weights=wu, minlength=n + 1)[1:]
                    uk = (cu + alpha) / max(cu.sum() + alpha * n, 1e-300)
                    if cu.sum() + alpha * n <= 0:
                        uk = u[k]
                    uk = _floor_normalise(uk, self.u_floor)
                    delta = max(delta, float(np.abs(uk - u[k]).max()))
                    new_u.append(uk)
            m, u, lam = new_m, new_u, new_lam
            if delta < self.tol:
                break
        else:
            logger.warning(
                "EM did not converge in %d iterations (last change above tol=%g); "
                "raise max_iter if weights look unstable.",
                self.max_iter,
                self.tol,
            )
        self.m_ = m
        self.u_ = u
        self.lambda_candidates_ = lam
        self.history_ = history
        self.n_iter_ = n_iter
        self._update_tf()
        logger.info(
            "EM: %d iteration(s) on %d distinct patterns, lambda among candidates %.4g",
            n_iter,
            patterns.shape[0],
            lam,
        )

    # ------------------------------------------------------------------ prediction
    def weight_tables(self) -> list[np.ndarray]:
        """Per comparator, ``log2(m / u)`` for each level, with 0.0 first for the null level.

        Index a table with ``gamma[:, k] + 1`` to get each pair's weight for comparator ``k``.
        """
        m, u = self._check_fitted()
        return [np.concatenate(([0.0], np.log2(mk / uk))) for mk, uk in zip(m, u)]

    def predict(
        self, gamma: np.ndarray, *, tf: Mapping[str, np.ndarray] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Match weight and match probability of each pair.

        ``weight = log2(prior / (1 - prior)) + sum_k log2(m_k / u_k)`` over the comparators that
        are not null. With term frequencies, a pair at comparator ``k``'s exact level whose
        shared value has relative frequency ``f`` gets ``log2(m_top / f)`` instead of
        ``log2(m_top / u_top)``: agreeing on a rare value counts more than on a common one.

        Args:
            gamma: Comparison levels, shape ``(n_pairs, n_comparators)``.
            tf: Optional mapping from comparator name to a ``float`` array (one per pair) of the
                relative frequency of the agreed value; NaN means no adjustment.

        Returns:
            ``(match_weight, match_probability)``, two ``float64`` arrays.
        """
        _, u = self._check_fitted()
        g = check_gamma(gamma, self.n_levels)
        prior = self._prediction_prior()
        base = math.log2(prior / (1.0 - prior))
        weight = pattern_sum(g, self.weight_tables(), self.n_levels, base)
        if tf:
            for name, values in tf.items():
                if values is None:
                    continue
                k = self._index(name)
                f = np.asarray(values)
                if not np.issubdtype(f.dtype, np.floating):
                    f = f.astype(np.float64)
                if f.shape != (g.shape[0],):
                    raise ConfigError(
                        f"tf[{name!r}] has shape {f.shape}; it needs one value per pair "
                        f"({g.shape[0]})."
                    )
                top = self.n_levels[k] - 1
                sel = (g[:, k] == top) & np.isfinite(f) & (f > 0)
                if sel.any():
                    weight[sel] += math.log2(float(u[k][-1])) - np.log2(
                        np.maximum(f[sel].astype(np.float64), self.u_floor)
                    )
        prob = expit(weight * _LN2)
        return weight, prob

    def predict_proba(
        self, gamma: np.ndarray, tf: Mapping[str, np.ndarray] | None = None
    ) -> np.ndarray:
        """Match probability of each pair (see :meth:`predict`)."""
        return self.predict(gamma, tf=tf)[1]

    # ------------------------------------------------------------------ explanation
    def weights_table(
        self, levels: Sequence[int] | np.ndarray, tf: Mapping[str, float] | None = None
    ) -> pd.DataFrame:
        """Break one pair's match weight down by comparator.

        Args:
            levels: The pair's comparison level for each comparator (one row of ``gamma``).
            tf: Optional relative frequency of the agreed value per comparator (NaN or missing
                for no adjustment).

        Returns:
            One row per comparator with ``comparator, level, label, m, u, bayes_factor, weight,
            tf_weight`` (``weight`` is ``log2(m / u)``, ``tf_weight`` the term-frequency
            correction), then a ``prior`` row and a ``total`` row whose ``weight`` is the
            pair's match weight and whose ``bayes_factor`` is ``2 ** weight``.

        Example:
            >>> model.weights_table([2, 1])  # doctest: +SKIP
        """
        m, u = self._check_fitted()
        lv = np.asarray(levels, dtype=np.int64).reshape(-1)
        if lv.shape[0] != len(self.n_levels):
            raise ConfigError(
                f"levels has {lv.shape[0]} value(s); the model has {len(self.n_levels)} "
                "comparators."
            )
        rows: list[dict[str, Any]] = []
        total = 0.0
        for k, name in enumerate(self.comparator_names):
            level = int(lv[k])
            if level < -1 or level >= self.n_levels[k]:
                raise ConfigError(f"Level {level} of {name!r} is out of range.")
            if level == -1:
                rows.append(
                    {
                        "comparator": name,
                        "level": -1,
                        "label": "null",
                        "m": np.nan,
                        "u": np.nan,
                        "bayes_factor": 1.0,
                        "weight": 0.0,
                        "tf_weight": 0.0,
                    }
                )
                continue
            mk = float(m[k][level])
            uk = float(u[k][level])
            w = math.log2(mk / uk)
            tf_w = 0.0
            if tf is not None and name in tf and level == self.n_levels[k] - 1:
                f = float(np.asarray(tf[name], dtype=np.float64).reshape(-1)[0])
                if math.isfinite(f) and f > 0:
                    tf_w = math.log2(uk) - math.log2(max(f, self.u_floor))
            total += w + tf_w
            rows.append(
                {
                    "comparator": name,
                    "level": level,
                    "label": self.labels[k][level],
                    "m": mk,
                    "u": uk,
                    "bayes_factor": mk / uk,
                    "weight": w,
                    "tf_weight": tf_w,
                }
            )
        prior = self._prediction_prior()
        prior_w = math.log2(prior / (1.0 - prior))
        total += prior_w
        rows.append(
            {
                "comparator": "prior",
                "level": -1,
                "label": "prior",
                "m": np.nan,
                "u": np.nan,
                "bayes_factor": prior / (1.0 - prior),
                "weight": prior_w,
                "tf_weight": 0.0,
            }
        )
        rows.append(
            {
                "comparator": "total",
                "level": -1,
                "label": f"probability {float(expit(total * _LN2)):.6g}",
                "m": np.nan,
                "u": np.nan,
                "bayes_factor": 2.0**total,
                "weight": total,
                "tf_weight": 0.0,
            }
        )
        return pd.DataFrame(rows)

    def parameters_frame(self) -> pd.DataFrame:
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

    # ------------------------------------------------------------------ persistence
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
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> FellegiSunter:
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
            model = cls(
                d["comparator_names"],
                d["n_levels"],
                d.get("labels"),
                max_iter=int(d.get("max_iter", 50)),
                tol=float(d.get("tol", 1e-6)),
                fix_u=bool(d.get("fix_u", True)),
                prior=d.get("prior"),
                m_floor=float(d.get("m_floor", 1e-6)),
                u_floor=float(d.get("u_floor", 1e-7)),
            )
            if d.get("m") is not None:
                model.m_ = [np.asarray(x, dtype=np.float64) for x in d["m"]]
            if d.get("u") is not None:
                model.u_ = [np.asarray(x, dtype=np.float64) for x in d["u"]]
        except (KeyError, TypeError, ValueError, ConfigError) as exc:
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
    def load(cls, path: str | Path) -> FellegiSunter:
        """Read a model written by :meth:`save`.

        Raises:
            ModelError: The file is missing, not JSON, or not a Fellegi-Sunter model.
        """
        return cls.from_dict(read_json(path))

    def __repr__(self) -> str:
        state = "trained" if self.m_ is not None else "untrained"
        return f"FellegiSunter({state}, comparators={self.comparator_names}, prior={self.prior_!r})"
