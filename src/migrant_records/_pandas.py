"""Helpers that give the same frames on pandas 2 and pandas 3.

pandas 3 infers its ``str`` dtype (missing values as ``NaN``) for object arrays that hold
strings, where pandas 2 keeps them as ``object`` with ``None``. The library's text columns
are ``object`` with ``None`` for a missing value on both lines; these helpers say so
explicitly where frames are built from numpy arrays.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import is_object_dtype

__all__ = [
    "any_filled",
    "filled_in_all",
    "object_column",
    "object_frame",
    "one_block_frame",
    "range_indexed",
]


def object_frame(columns: Mapping[str, Any], index: pd.Index | None = None) -> pd.DataFrame:
    """``pd.DataFrame(columns, index=index)``, keeping object arrays as ``object`` columns.

    Args:
        columns: Column name -> numpy array, Series or scalar, as for ``pd.DataFrame``.
        index: Row index (``None``: a range index, or the Series' own index).

    Returns:
        The frame; a column given as an ``object`` numpy array stays ``object`` (with its
        ``None`` values), other columns are built as pandas builds them.
    """
    data = {
        name: (
            pd.Series(values, index=index, dtype=object, copy=False)
            if isinstance(values, np.ndarray) and values.dtype == object
            else values
        )
        for name, values in columns.items()
    }
    return pd.DataFrame(data, index=index, copy=False)


def one_block_frame(frame: pd.DataFrame, additions: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """A copy of ``frame`` with ``additions`` appended, its ``object`` columns as one 2-D block.

    For a few rows: building one block per column costs tens of microseconds a column,
    which dominates on a handful of records. Values, dtypes and column order are those of
    ``object_frame({**{c: frame[c].copy() for c in frame.columns}, **additions},
    frame.index)`` (``object`` columns and arrays stay ``object`` with their values as they
    are; every other column is inserted as it is); only the memory layout differs.

    Args:
        frame: A frame with unique column names.
        additions: Column name -> numpy array of ``len(frame)`` values, none of them a
            column of ``frame``.

    Returns:
        A new frame that shares no values with ``frame`` or ``additions``.
    """
    texts = [is_object_dtype(dtype) for dtype in frame.dtypes.tolist()]
    texts += [values.dtype == object for values in additions.values()]
    names = [*frame.columns, *additions]
    block = np.empty((len(frame), sum(texts)), dtype=object)
    width = len(frame.columns)
    if all(texts[:width]):
        block[:, :width] = frame.to_numpy(dtype=object)
    else:
        k = 0
        for j in range(width):
            if texts[j]:
                block[:, k] = frame.iloc[:, j].to_numpy(dtype=object)
                k += 1
    k = sum(texts[:width])
    for name, is_text in zip(additions, texts[width:]):
        if is_text:
            block[:, k] = additions[name]
            k += 1
    out = pd.DataFrame(
        block,
        index=frame.index,
        columns=[n for n, t in zip(names, texts) if t],
        dtype=object,
        copy=False,
    )
    for position, (name, is_text) in enumerate(zip(names, texts)):
        if not is_text:
            values = frame.iloc[:, position] if position < width else additions[name]
            out.insert(position, name, values)
    return out


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
