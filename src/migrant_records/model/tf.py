"""Term frequencies: how common a value is, used to weigh agreement on rare values more.

Two records that both say ``siti`` agree on a very common first name; two that both say
``wayan ardiasa`` agree on a rare one. A term-frequency (TF) adjustment replaces the average
u probability of the exact level with the relative frequency of the value actually shared.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from migrant_records.errors import ConfigError

__all__ = ["term_frequencies", "tf_for_pairs"]


def _codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer code per value (-1 for null or blank) and the distinct values.

    Blank strings are found among the distinct values only, so this stays fast on big columns.
    """
    codes, uniques = pd.factorize(pd.Series(values).reset_index(drop=True), use_na_sentinel=True)
    codes = codes.astype(np.int64, copy=False)
    uniq = np.asarray(uniques, dtype=object)
    blank = np.fromiter(
        (isinstance(u, str) and not u.strip() for u in uniq), dtype=bool, count=len(uniq)
    )
    if blank.any():
        codes = np.where(blank[np.maximum(codes, 0)] & (codes >= 0), -1, codes)
    return codes, uniq


def term_frequencies(values: pd.Series) -> pd.Series:
    """Relative frequency of each distinct value (nulls and blank strings excluded).

    Args:
        values: One value per record (for linking, both sides concatenated).

    Returns:
        Series indexed by value, holding ``count(value) / count(non-null values)``.

    Example:
        >>> float(term_frequencies(pd.Series(["siti", "siti", "ani", None]))["siti"])
        0.6666666666666666
    """
    codes, uniq = _codes(values)
    valid = codes[codes >= 0]
    if len(valid) == 0:
        return pd.Series(dtype=np.float64)
    counts = np.bincount(valid, minlength=len(uniq))
    keep = counts > 0
    return pd.Series(counts[keep] / len(valid), index=pd.Index(uniq[keep]), dtype=np.float64)


def tf_for_pairs(
    values_left: pd.Series,
    values_right: pd.Series,
    i: np.ndarray,
    j: np.ndarray,
    freq: pd.Series | None = None,
) -> np.ndarray:
    """Frequency of the shared value for each pair, NaN where the two values differ.

    Args:
        values_left: Values of the left records (dedupe: the records).
        values_right: Values of the right records (dedupe: the same series as ``values_left``).
        i: Left row positions of the pairs.
        j: Right row positions of the pairs.
        freq: Term frequencies from :func:`term_frequencies`; by default computed from
            ``values_left`` (dedupe) or from both sides combined (link).

    Returns:
        ``float32`` array, one value per pair: the relative frequency of the value both records
        hold when they hold the same non-null value, else NaN.

    Example:
        >>> s = pd.Series(["siti", "siti", "ani", "siti"])
        >>> tf_for_pairs(s, s, np.array([0, 0]), np.array([1, 2])).tolist()
        [0.75, nan]
    """
    i = np.asarray(i, dtype=np.int64)
    j = np.asarray(j, dtype=np.int64)
    if len(i) != len(j):
        raise ConfigError(f"i and j must have the same length (got {len(i)} and {len(j)}).")
    same = values_right is values_left
    n_left = len(values_left)
    if same:
        combined = pd.Series(values_left)
    else:
        combined = pd.concat([pd.Series(values_left), pd.Series(values_right)], ignore_index=True)
    codes, uniques = _codes(combined)
    if freq is None:
        valid = codes[codes >= 0]
        counts = np.bincount(valid, minlength=len(uniques))
        code_freq = counts / max(len(valid), 1)
    else:
        code_freq = (
            pd.Series(uniques, dtype=object).map(freq).to_numpy(dtype=np.float64, na_value=np.nan)
        )
    small = codes.astype(np.int32) if len(uniques) < 2**31 - 1 else codes  # halves ci / cj
    code_l = small[:n_left]
    code_r = code_l if same else small[n_left:]
    if len(i) and (i.max() >= len(code_l) or j.max() >= len(code_r) or min(i.min(), j.min()) < 0):
        raise ConfigError("Pair positions i / j point outside the value series.")
    ci = code_l[i]
    cj = code_r[j]
    agree = (ci == cj) & (ci >= 0)
    out = np.full(len(i), np.nan, dtype=np.float32)
    if len(code_freq):
        out[agree] = code_freq[ci[agree]]
    return out
