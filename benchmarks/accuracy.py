"""Pairwise accuracy of predicted pairs and clusters against the true person of each record.

``benchmarks/run.py`` scores every library's output with these, the same way for every library.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Accuracy:
    """Pairwise accuracy against the truth."""

    precision: float
    recall: float
    f1: float
    tp: int
    predicted: int
    true_pairs: int


def _comb2(counts: np.ndarray) -> int:
    c = counts.astype(np.int64)
    return int((c * (c - 1) // 2).sum())


def _accuracy(tp: int, predicted: int, true_pairs: int) -> Accuracy:
    p = tp / predicted if predicted else 0.0
    r = tp / true_pairs if true_pairs else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return Accuracy(p, r, f1, tp, predicted, true_pairs)


def pair_accuracy(person: np.ndarray, i: np.ndarray, j: np.ndarray) -> Accuracy:
    """Accuracy of predicted matched pairs (record positions) against true person codes.

    Example:
        >>> person = np.array([0, 0, 1, 1])
        >>> a = pair_accuracy(person, np.array([0, 1, 2]), np.array([1, 2, 3]))
        >>> (a.tp, a.predicted, a.true_pairs)
        (2, 3, 2)
    """
    n = len(person)
    lo, hi = np.minimum(i, j).astype(np.int64), np.maximum(i, j).astype(np.int64)
    keep = lo != hi
    codes = np.unique(lo[keep] * n + hi[keep])
    a, b = codes // n, codes % n
    tp = int((person[a] == person[b]).sum())
    return _accuracy(tp, len(codes), _comb2(np.bincount(person)))


def cluster_accuracy(person: np.ndarray, labels: np.ndarray) -> Accuracy:
    """Accuracy of the pairs implied by predicted clusters (all pairs inside a cluster).

    Example:
        >>> a = cluster_accuracy(np.array([0, 0, 1]), np.array([5, 5, 5]))
        >>> (a.tp, a.predicted, a.true_pairs)
        (1, 3, 1)
    """
    _, lab = np.unique(labels, return_inverse=True)
    joint = lab.astype(np.int64) * (int(person.max()) + 1) + person
    _, cell = np.unique(joint, return_counts=True)
    return _accuracy(_comb2(cell), _comb2(np.bincount(lab)), _comb2(np.bincount(person)))
