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

import numpy as np
from scipy.special import expit

from migrant_records.errors import ConfigError, ModelError
from migrant_records.model._em import floor_normalise, run_em
from migrant_records.model._fs_io import SavedForm
from migrant_records.model._fs_tables import ExplainTables
from migrant_records.model._patterns import (
    aggregate,
    aggregate_groups,
    check_gamma,
    pattern_sum,
)
from migrant_records.model.base import Training
from migrant_records.model.prior import default_prior_rule
from migrant_records.model.rules import Rule, RuleModel
from migrant_records.model.sampling import u_sample_size

__all__ = ["FellegiSunter"]

logger = logging.getLogger(__name__)

_LN2 = math.log(2.0)


class FellegiSunter(ExplainTables, SavedForm):
    """Fellegi-Sunter record linkage model over comparison levels.

    Training (:meth:`fit`) follows one recipe: u from the comparison levels of random record
    pairs, the prior from a high-precision rule (by default: same valid NIK and names agree),
    m by EM on the candidate pairs with u free, then prediction with that m, the u of random
    pairs and the prior. When the rule finds no pair, the prior is the share of matches EM
    finds among the candidates, over all possible pairs.

    Args:
        comparator_names: Name of each comparator (one column of ``gamma`` each); ``None``
            takes them from the training bundle on the first :meth:`fit`.
        n_levels: Number of levels of each comparator (``len(labels)`` of the comparator);
            ``None`` with ``comparator_names=None``.
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
        prior_rule: The rule whose matches estimate the prior (default:
            :func:`default_prior_rule` of the comparator names).
        prior_rule_recall: Assumed share of all true matches that the prior rule finds.
        u_sample_pairs: Most random record pairs used to estimate u (small inputs use fewer:
            10 per record, at least 250,000).

    Attributes:
        m_: m probabilities, one ``float64`` array per comparator (length ``n_levels[k]``).
        u_: u probabilities, same shape.
        prior_: Probability that two random records match, used by :meth:`predict`.
        lambda_candidates_: Share of matches among the candidate pairs, found by EM.
        tf_: Per comparator, the u of the exact level that term-frequency adjustment replaces.
        history_: Log-likelihood of the candidate pairs at each EM iteration.
        n_iter_: Number of EM iterations run.
    """

    def __init__(
        self,
        comparator_names: Sequence[str] | None = None,
        n_levels: Sequence[int] | None = None,
        labels: Sequence[Sequence[str]] | None = None,
        *,
        max_iter: int = 50,
        tol: float = 1e-6,
        fix_u: bool = True,
        prior: float | None = None,
        m_floor: float = 1e-6,
        u_floor: float = 1e-7,
        prior_rule: Rule | None = None,
        prior_rule_recall: float = 0.6,
        u_sample_pairs: int = 1_000_000,
    ) -> None:
        if not 0.0 < prior_rule_recall <= 1.0:
            raise ConfigError(
                f"prior_rule_recall must be in (0, 1], got {prior_rule_recall!r}: it is the share "
                "of true matches the prior rule finds."
            )
        if u_sample_pairs < 1:
            raise ConfigError(f"u_sample_pairs must be positive, got {u_sample_pairs!r}.")
        self.prior_rule = prior_rule
        self.prior_rule_recall = float(prior_rule_recall)
        self.u_sample_pairs = int(u_sample_pairs)
        if comparator_names is None:
            if n_levels is not None:
                raise ConfigError("n_levels needs comparator_names (one count per comparator).")
            comparator_names, n_levels = [], []
        names = [str(n) for n in comparator_names]
        levels = [int(n) for n in (n_levels or [])]
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
            u_list.append(floor_normalise(u, self.u_floor))
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
            n_total_pairs: All possible pairs (see :func:`~migrant_records.model.total_pairs`).
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

    def _adopt(self, training: Training) -> None:
        """Take comparator names and levels from the bundle, or check they agree."""
        names = [str(n) for n in training.comparator_names]
        if not self.comparator_names:
            self.comparator_names = names
            self.n_levels = training.n_levels
            self.labels = [[str(x) for x in lab] for lab in training.level_labels]
        elif names != self.comparator_names or training.n_levels != self.n_levels:
            raise ConfigError(
                f"The model was built for comparators {self.comparator_names} with levels "
                f"{self.n_levels}; the matcher compares {names} with levels {training.n_levels}."
            )

    def fit(self, training: Training) -> FellegiSunter:
        """Train on a :class:`~migrant_records.model.Training` bundle (the recipe above).

        Args:
            training: Candidate levels, random-pair levels on demand, labels, pair totals.

        Returns:
            The model itself.

        Raises:
            ModelError: The bundle holds no candidate pairs.
        """
        self._adopt(training)
        if training.n_pairs == 0:
            raise ModelError(
                "Cannot train on zero candidate pairs; blocking produced none (each record is "
                "its own person)."
            )
        self.prior_ = self.prior
        if training.random_levels is not None:
            n_records = training.n_left + (training.n_right or 0)
            n_sample = u_sample_size(n_records, self.u_sample_pairs)
            self.estimate_u(training.random_levels(n_sample))
        else:
            logger.warning("No random pairs to estimate u from: EM estimates u as well.")
            self.u_ = None
        total = training.total_pairs
        rule = self.prior_rule or default_prior_rule(self.comparator_names, self.labels)
        if rule is not None and self.prior is None:
            hits = RuleModel([rule], self.comparator_names).matches(training.gamma)
            n_rule = int(hits.sum() if training.counts is None else training.counts[hits].sum())
            if n_rule > 0:
                self.estimate_prior(n_rule, total, recall=self.prior_rule_recall)
        if self.u_ is not None:
            self.fit_m(training.gamma, counts=training.counts, labels=training.labels)
        else:
            self.fit_em(training.gamma, counts=training.counts, labels=training.labels)
        if self.prior_ is None and self.lambda_candidates_ is not None:
            # No rule fired: the matches EM finds among candidates, over all possible pairs
            # (blocking keeps nearly every true match among the candidates).
            est = self.lambda_candidates_ * training.n_pairs / max(total, 1)
            self.prior_ = float(min(max(est, 1e-12), 0.5))
            logger.info("prior estimated from EM over candidate pairs: %.3g", self.prior_)
        return self

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
            labels: Optional labels, as for :meth:`fit_em`.

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
            self.fit_em(gamma, counts=counts, labels=labels)
        finally:
            self.fix_u = fix_u
        self.u_ = u_random
        self._update_tf()
        return self

    def fit_em(
        self,
        gamma: np.ndarray,
        *,
        counts: np.ndarray | None = None,
        labels: np.ndarray | None = None,
    ) -> FellegiSunter:
        """Estimate m (and u when not fixed) by EM on candidate pairs (no random pairs, no rule).

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
        if self.fix_u and self.u_ is None:
            logger.warning(
                "fix_u=True but u was never estimated from random pairs (estimate_u); "
                "estimating u by EM instead."
            )
        fit = run_em(
            patterns,
            (c_unl, c_pos, c_neg),
            self.n_levels,
            u_start=self.u_,
            fix_u=self.fix_u and self.u_ is not None,
            alpha=alpha,
            max_iter=self.max_iter,
            tol=self.tol,
            floors=(self.m_floor, self.u_floor),
        )
        self.m_, self.u_, self.lambda_candidates_ = fit.m, fit.u, fit.lam
        self.history_, self.n_iter_ = fit.history, fit.n_iter
        self._update_tf()
        return self

    # ------------------------------------------------------------------ prediction
    def weight_tables(self) -> list[np.ndarray]:
        """Per comparator, ``log2(m / u)`` for each level, with 0.0 first for the null level.

        Index a table with ``gamma[:, k] + 1`` to get each pair's weight for comparator ``k``.
        """
        m, u = self._check_fitted()
        return [np.concatenate(([0.0], np.log2(mk / uk))) for mk, uk in zip(m, u)]

    def _tf_adjustment(self, k: int, levels: np.ndarray, freq: np.ndarray) -> np.ndarray:
        """Term-frequency correction of comparator ``k`` per pair (0 where none applies).

        A pair at the exact (top) level whose agreed value has relative frequency ``f`` gets
        ``log2(u_top / f)`` on top of ``log2(m_top / u_top)``.
        """
        _, u = self._check_fitted()
        f = np.asarray(freq, dtype=np.float64)
        out = np.zeros(len(levels), dtype=np.float64)
        sel = (levels == self.n_levels[k] - 1) & np.isfinite(f) & (f > 0)
        if sel.any():
            out[sel] = math.log2(float(u[k][-1])) - np.log2(np.maximum(f[sel], self.u_floor))
        return out

    def score(
        self, gamma: np.ndarray, tf: Mapping[str, np.ndarray] | None = None
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
        self._check_fitted()
        g = check_gamma(gamma, self.n_levels)
        prior = self._prediction_prior()
        base = math.log2(prior / (1.0 - prior))
        weight = pattern_sum(g, self.weight_tables(), self.n_levels, base)
        for name, values in (tf or {}).items():
            if values is None:
                continue
            k = self._index(name)
            f = np.asarray(values)
            if f.shape != (g.shape[0],):
                raise ConfigError(
                    f"tf[{name!r}] has shape {f.shape}; it needs one value per pair ({g.shape[0]})."
                )
            weight += self._tf_adjustment(k, g[:, k], f)
        return weight, expit(weight * _LN2)

    def predict_proba(
        self, gamma: np.ndarray, tf: Mapping[str, np.ndarray] | None = None
    ) -> np.ndarray:
        """Match probability of each pair (see :meth:`score`)."""
        return self.score(gamma, tf=tf)[1]

    def __repr__(self) -> str:
        state = "trained" if self.m_ is not None else "untrained"
        return f"FellegiSunter({state}, comparators={self.comparator_names}, prior={self.prior_!r})"
