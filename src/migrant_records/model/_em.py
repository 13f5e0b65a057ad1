"""Expectation-maximisation for the Fellegi-Sunter model, on distinct comparison patterns.

EM runs on the distinct comparison patterns and their counts, so an iteration costs as much as
the number of distinct patterns (hundreds to a few thousands), not the number of pairs.
Labelled pairs count directly as matches / non-matches; unlabelled pairs are shared out.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import expit

__all__ = ["EMFit", "floor_normalise", "level_shape", "run_em"]

logger = logging.getLogger(__name__)


def level_shape(n: int, rising: bool) -> np.ndarray:
    """Geometric starting distribution over ``n`` levels, mass on the top (or bottom) levels."""
    w = 4.0 ** np.arange(n, dtype=np.float64)
    if not rising:
        w = w[::-1]
    return w / w.sum()


def floor_normalise(p: np.ndarray, floor: float) -> np.ndarray:
    """Raise every probability to at least ``floor`` and renormalise to sum 1."""
    out = np.maximum(np.asarray(p, dtype=np.float64), floor)
    return out / out.sum()


@dataclass
class EMFit:
    """The outcome of :func:`run_em`: m, u, the match share, the log-likelihood history."""

    m: list[np.ndarray]
    u: list[np.ndarray]
    lam: float
    history: list[float]
    n_iter: int


def _start_u(idx: list[np.ndarray], total: np.ndarray, n_levels: Sequence[int]) -> list[np.ndarray]:
    u = []
    for k, n in enumerate(n_levels):
        marg = np.bincount(idx[k], weights=total, minlength=n + 1)[1:]
        u.append(floor_normalise((marg + 1.0) * level_shape(n, rising=False), 1e-6))
    return u


def _update(
    idx: np.ndarray, weights: np.ndarray, n: int, alpha: float, old: np.ndarray, floor: float
) -> np.ndarray:
    c = np.bincount(idx, weights=weights, minlength=n + 1)[1:]
    if c.sum() + alpha * n <= 0:
        return old
    return floor_normalise((c + alpha) / max(c.sum() + alpha * n, 1e-300), floor)


def run_em(
    patterns: np.ndarray,
    counts: tuple[np.ndarray, np.ndarray, np.ndarray],
    n_levels: Sequence[int],
    *,
    u_start: Sequence[np.ndarray] | None,
    fix_u: bool,
    alpha: float,
    max_iter: int,
    tol: float,
    floors: tuple[float, float],
) -> EMFit:
    """Fit m (and u unless fixed) by EM.

    Args:
        patterns: Distinct comparison patterns (rows of levels, ``-1`` = null).
        counts: ``(unlabelled, labelled matches, labelled non-matches)`` count per pattern.
        n_levels: Number of levels of each comparator.
        u_start: Starting u (kept when ``fix_u``); ``None`` starts from the pattern marginals.
        fix_u: Keep u fixed.
        alpha: Pseudo-count per level (used with labels).
        max_iter: Most iterations.
        tol: Stop when no m, u or match share moves by more than this.
        floors: Smallest m and smallest u probability.
    """
    c_unl, c_pos, c_neg = counts
    m_floor, u_floor = floors
    idx = [patterns[:, k].astype(np.intp) + 1 for k in range(len(n_levels))]
    m = [level_shape(n, rising=True) for n in n_levels]
    if u_start is not None:
        u = [np.array(x, dtype=np.float64, copy=True) for x in u_start]
    else:
        u = _start_u(idx, c_unl + c_pos + c_neg, n_levels)

    def loglik(mm: list[np.ndarray], uu: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        lm = np.zeros(patterns.shape[0])
        lu = np.zeros(patterns.shape[0])
        for k in range(len(n_levels)):
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
    for it in range(1, max_iter + 1):
        n_iter = it
        lm, lu = loglik(m, u)
        a = math.log(lam) + lm
        b = math.log1p(-lam) + lu
        r = expit(a - b)
        ll = float((c_unl * np.logaddexp(a, b)).sum() + (c_pos * a).sum() + (c_neg * b).sum())
        history.append(ll)
        wm = c_pos + c_unl * r
        wu = c_neg + c_unl * (1.0 - r)
        new_lam = min(max(float(wm.sum() / n_all), 1e-9), 1.0 - 1e-9)
        delta = abs(new_lam - lam)
        new_m: list[np.ndarray] = []
        new_u: list[np.ndarray] = []
        for k, n in enumerate(n_levels):
            mk = _update(idx[k], wm, n, alpha, m[k], m_floor)
            delta = max(delta, float(np.abs(mk - m[k]).max()))
            new_m.append(mk)
            if fix_u:
                new_u.append(u[k])
            else:
                uk = _update(idx[k], wu, n, alpha, u[k], u_floor)
                delta = max(delta, float(np.abs(uk - u[k]).max()))
                new_u.append(uk)
        m, u, lam = new_m, new_u, new_lam
        if delta < tol:
            break
    else:
        logger.warning(
            "EM did not converge in %d iterations (last change above tol=%g); "
            "raise max_iter if weights look unstable.",
            max_iter,
            tol,
        )
    logger.info(
        "EM: %d iteration(s) on %d distinct patterns, lambda among candidates %.4g",
        n_iter,
        patterns.shape[0],
        lam,
    )
    return EMFit(m, u, lam, history, n_iter)
