"""Blocking metrics: how many true pairs the candidate pairs keep, and at what cost."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from migrant_records.errors import SchemaError
from migrant_records.evaluate._common import comb2
from migrant_records.records import total_pairs

__all__ = ["BlockingMetrics", "blocking_metrics"]


@dataclass(frozen=True)
class BlockingMetrics:
    """Quality of a set of candidate pairs.

    Attributes:
        candidates: Distinct candidate pairs (self pairs dropped).
        total_pairs: All possible pairs (``n(n-1)/2`` dedupe, ``n_left * n_right`` link).
        true_pairs: True matching pairs among all possible pairs.
        true_pairs_found: True pairs among the candidates.
        pair_completeness: ``true_pairs_found / true_pairs`` (recall of blocking; 1 when
            there are no true pairs).
        reduction_ratio: ``1 - candidates / total_pairs``.
        pairs_quality: ``true_pairs_found / candidates`` (precision of blocking).
    """

    candidates: int
    total_pairs: int
    true_pairs: int
    true_pairs_found: int
    pair_completeness: float
    reduction_ratio: float
    pairs_quality: float

    def to_dict(self) -> dict[str, float | int]:
        """The metrics as a plain dict."""
        return asdict(self)

    def __str__(self) -> str:
        return (
            f"blocking pair completeness {self.pair_completeness:.4f}  reduction ratio "
            f"{self.reduction_ratio:.6f}  ({self.candidates:,} candidates, "
            f"{self.true_pairs_found:,} of {self.true_pairs:,} true pairs)"
        )


def _codes(ids: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Integer person codes; missing ids become persons of their own."""
    s = pd.Series(np.asarray(ids, dtype=object))
    codes = pd.factorize(s, use_na_sentinel=True)[0].astype(np.int64)
    missing = codes < 0
    codes[missing] = codes.max(initial=-1) + 1 + np.arange(int(missing.sum()))
    return codes


def blocking_metrics(
    left_pos: npt.ArrayLike,
    right_pos: npt.ArrayLike,
    truth_person_ids: npt.ArrayLike,
    n_left: int,
    n_right: int | None = None,
) -> BlockingMetrics:
    """Pair completeness and reduction ratio of candidate pairs.

    Args:
        left_pos: Row positions of the left record of each candidate pair.
        right_pos: Row positions of the right record (aligned to ``left_pos``).
        truth_person_ids: True person id of every row: ``n_left`` values for dedupe, or
            ``n_left + n_right`` values (left rows, then right rows) for link. Missing ids
            count as persons of their own.
        n_left: Rows of the (left) frame.
        n_right: Rows of the right frame for link; ``None`` for dedupe.

    Returns:
        The :class:`BlockingMetrics`. Duplicate candidates (in either orientation for
        dedupe) and self pairs are counted once / dropped.

    Raises:
        SchemaError: Arrays of different lengths, positions out of range, or a truth of
            the wrong length.

    Example:
        >>> m = blocking_metrics([0, 0], [1, 2], ["a", "a", "b", "b"], n_left=4)
        >>> (m.candidates, m.true_pairs, m.true_pairs_found, m.pair_completeness)
        (2, 2, 1, 0.5)
    """
    left = np.asarray(left_pos, dtype=np.int64).ravel()
    right = np.asarray(right_pos, dtype=np.int64).ravel()
    if left.shape != right.shape:
        raise SchemaError(
            f"left_pos and right_pos must have the same length, got {len(left)} and {len(right)}"
        )
    codes = _codes(truth_person_ids)
    link = n_right is not None
    expected = n_left + (n_right or 0)
    if len(codes) != expected:
        raise SchemaError(
            f"truth_person_ids has {len(codes)} values but {expected} rows were given "
            "(n_left" + (" + n_right" if link else "") + "); align it to the row positions"
        )
    if len(left) and (left.min() < 0 or left.max() >= n_left):
        raise SchemaError(f"left_pos has positions outside 0..{n_left - 1}")
    n_r = n_right if link else n_left
    if len(right) and (right.min() < 0 or right.max() >= int(n_r or 0)):
        raise SchemaError(f"right_pos has positions outside 0..{int(n_r or 0) - 1}")
    if link:
        assert n_right is not None
        lc, rc = codes[:n_left], codes[n_left:]
        key = left * n_right + right
        uniq, first = np.unique(key, return_index=True)
        found = int((lc[left[first]] == rc[right[first]]).sum())
        total = total_pairs(n_left, n_right)
        k = int(max(lc.max(initial=-1), rc.max(initial=-1))) + 1
        true_pairs = int((np.bincount(lc, minlength=k) * np.bincount(rc, minlength=k)).sum())
    else:
        lo, hi = np.minimum(left, right), np.maximum(left, right)
        keep = lo != hi
        uniq, first = np.unique(lo[keep] * n_left + hi[keep], return_index=True)
        found = int((codes[lo[keep][first]] == codes[hi[keep][first]]).sum())
        total = total_pairs(n_left)
        true_pairs = comb2(np.bincount(codes)) if len(codes) else 0
    candidates = len(uniq)
    return BlockingMetrics(
        candidates=candidates,
        total_pairs=total,
        true_pairs=true_pairs,
        true_pairs_found=found,
        pair_completeness=found / true_pairs if true_pairs else 1.0,
        reduction_ratio=1.0 - candidates / total if total else 0.0,
        pairs_quality=found / candidates if candidates else 0.0,
    )
