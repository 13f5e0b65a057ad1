"""Array types and the random drawing helpers shared by the generator's modules."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pandas as pd

from migrant_records.synth import _strings as st

__all__ = [
    "BoolArray",
    "IntArray",
    "ObjArray",
    "choose",
    "flag_values",
    "pick_by_group",
    "rand_digits",
    "unique_serials",
    "upper_case",
]


IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
ObjArray = npt.NDArray[np.object_]


def choose(rng: np.random.Generator, weights: dict[str, float], n: int) -> ObjArray:
    """``n`` keys of ``weights`` drawn with probabilities proportional to the values."""
    keys = np.asarray(list(weights), dtype=object)
    p = np.asarray(list(weights.values()), dtype=np.float64)
    out: ObjArray = keys[rng.choice(len(keys), size=n, p=p / p.sum())]
    return out


def unique_serials(rng: np.random.Generator, prefix: IntArray, low: int = 1) -> IntArray:
    """Serial numbers 1..9999 that make ``prefix * 10**4 + serial`` unique."""
    _, inv = np.unique(prefix, return_inverse=True)
    base = rng.integers(low, 4000, size=int(inv.max()) + 1 if len(inv) else 0)
    rank = pd.Series(inv).groupby(inv).cumcount().to_numpy(np.int64)
    return np.minimum(base[inv] + rank, 9999)


def pick_by_group(
    rng: np.random.Generator, groups: ObjArray, tables: dict[str, dict[str, float]]
) -> ObjArray:
    """One draw per row from the weights of its group (``tables['*']`` for other groups)."""
    out = np.empty(len(groups), dtype=object)
    for g in sorted(set(groups.tolist())):
        rows = np.flatnonzero(groups == g)
        out[rows] = choose(rng, tables.get(g, tables.get("*", {})), len(rows))
    return out


def upper_case(values: ObjArray) -> ObjArray:
    """The values in upper case, as an object array."""
    return st.to_obj(np.strings.upper(values.astype(st.S)))


def flag_values(values: ObjArray, func: Callable[[str], bool]) -> BoolArray:
    """``func`` of each value, computed once per unique value."""
    uniq, inv = np.unique(values.astype(st.S), return_inverse=True)
    return np.array([func(str(v)) for v in uniq.tolist()], dtype=bool)[inv]


def rand_digits(rng: np.random.Generator, n: int, width: int) -> npt.NDArray[np.str_]:
    """``n`` random strings of ``width`` digits (leading zeros kept)."""
    return st.digits(rng.integers(0, 10**width, size=n, dtype=np.int64), width)
