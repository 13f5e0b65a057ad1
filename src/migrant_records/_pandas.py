"""Helpers that give the same frames on pandas 2 and pandas 3.

pandas 3 infers its ``str`` dtype (missing values as ``NaN``) for object arrays that hold
strings, where pandas 2 keeps them as ``object`` with ``None``. The library's text columns
are ``object`` with ``None`` for a missing value on both lines; these helpers say so
explicitly where frames are built from numpy arrays.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "any_filled",
    "filled_in_all",
    "object_column",
    "object_frame",
    "range_indexed",
]


_PLAIN_KINDS = frozenset("biufO")
"""numpy dtype kinds pandas stores as they are (booleans, integers, floats, objects)."""

_PLAIN_UNITS = frozenset(("s", "ms", "us", "ns"))
"""Units of the ``datetime64`` and ``timedelta64`` arrays pandas stores as they are."""


def _stored_as_is(values: Any, n: int) -> bool:
    """Whether pandas keeps ``values`` as a column of ``n`` rows without converting it."""
    if isinstance(values, pd.api.extensions.ExtensionArray):
        return len(values) == n
    if not isinstance(values, np.ndarray) or values.ndim != 1 or len(values) != n:
        return False
    if values.dtype.kind in "mM":
        return np.datetime_data(values.dtype)[0] in _PLAIN_UNITS
    return values.dtype.kind in _PLAIN_KINDS


_FEW_ROWS = 1_000
"""Up to this many rows :func:`object_frame` builds a frame from its arrays directly."""


def object_frame(columns: Mapping[str, Any], index: pd.Index | None = None) -> pd.DataFrame:
    """``pd.DataFrame(columns, index=index)``, keeping object arrays as ``object`` columns.

    Args:
        columns: Column name -> numpy array, Series or scalar, as for ``pd.DataFrame``.
        index: Row index (``None``: a range index, or the Series' own index).

    Returns:
        The frame; a column given as an ``object`` numpy array stays ``object`` (with its
        ``None`` values), other columns are built as pandas builds them. Up to
        :data:`_FEW_ROWS` rows, when every column is an array pandas stores as it is
        (numbers, booleans, objects, dates in seconds to nanoseconds, pandas' own arrays)
        of the index's length, the arrays are copied into the frame's blocks without the
        checks and conversions ``pd.DataFrame`` runs on each column: on a few rows those
        checks cost more than everything else. Larger frames keep one block per column
        (merging them into 2-D blocks would copy every value).
    """
    arrays = list(columns.values())
    n = 0
    if index is not None:
        n = len(index)
    elif arrays and isinstance(arrays[0], (np.ndarray, pd.api.extensions.ExtensionArray)):
        n = len(arrays[0])
    from_arrays: Callable[..., pd.DataFrame] | None = getattr(pd.DataFrame, "_from_arrays", None)
    few = 0 < n <= _FEW_ROWS
    if few and from_arrays is not None and arrays and all(_stored_as_is(a, n) for a in arrays):
        return from_arrays(
            arrays,
            columns=pd.Index(list(columns)),
            index=index if index is not None else pd.RangeIndex(n),
            verify_integrity=False,
        )
    data = {
        name: (
            pd.Series(values, index=index, dtype=object, copy=False)
            if isinstance(values, np.ndarray) and values.dtype == object
            else values
        )
        for name, values in columns.items()
    }
    return pd.DataFrame(data, index=index, copy=False)


def object_column(values: pd.Series) -> pd.Series:
    """``values`` as an ``object`` Series with ``None`` for every missing value.

    Args:
        values: Any Series (``str``, ``string`` or ``object`` dtype, usually).

    Returns:
        A new ``object`` Series with the same index and name.
    """
    out = values.to_numpy(dtype=object, copy=True)
    out[pd.isna(out)] = None
    return pd.Series(out, index=values.index, name=values.name, dtype=object, copy=False)


def any_filled(values: pd.Series) -> bool:
    """Whether ``values`` holds at least one value that is neither missing nor ``""``.

    Stops at the first filled value, so a filled column costs next to nothing to check.
    """
    if values.dtype != object and not pd.api.types.is_string_dtype(values):
        return bool(values.notna().any())  # numbers, dates, booleans: no "" to look for
    for value in values.to_numpy(dtype=object):
        if isinstance(value, str):
            if value:
                return True
        elif value is not None and not pd.isna(value):
            return True
    return False


def filled_in_all(frames: Sequence[pd.DataFrame], column: str) -> bool:
    """The column exists in every frame and has at least one non-empty value in each."""
    return all(column in frame.columns and any_filled(frame[column]) for frame in frames)


def range_indexed(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame.reset_index(drop=True)`` without copying the data.

    Returns ``frame`` itself when its index already is ``0 .. n-1``, else a shallow copy
    (the same column arrays) with that index. The caller must not write into the result's
    columns in place (assigning whole columns is fine).
    """
    index = frame.index
    if isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1:
        return frame
    out = frame.copy(deep=False)
    out.index = pd.RangeIndex(len(out))
    return out
