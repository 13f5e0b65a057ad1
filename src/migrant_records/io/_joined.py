"""One Arrow kernel call for many small columns instead of one call per column.

Every ``pyarrow.compute`` call has a fixed cost (tens of microseconds) that dwarfs the work
on a few rows: validating one record of forty columns made hundreds of such calls. An
element-wise kernel gives the same value for a cell whether the cell is in its own column
or in all columns laid end to end, so on small inputs the columns are joined, the kernel
runs once and its result is cut back into columns. Large inputs keep one call per column
(joining would copy every column).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["JOIN_MAX_CELLS", "as_mask", "column_masks", "each_column", "joinable"]

#: Columns of at most this many cells in all are joined for one kernel call.
JOIN_MAX_CELLS = 4096


def joinable(arrays: Sequence[pa.Array | pa.ChunkedArray]) -> bool:
    """Whether the arrays are few cells in all, every one a plain string array."""
    if len(arrays) < 2 or sum(len(a) for a in arrays) > JOIN_MAX_CELLS:
        return False
    return all(isinstance(a, pa.Array) and a.type == pa.string() for a in arrays)


def _joined(arrays: Sequence[pa.Array | pa.ChunkedArray]) -> pa.Array | None:
    """The arrays end to end, or ``None`` when they are not :func:`joinable`."""
    return pa.concat_arrays(list(arrays)) if joinable(arrays) else None


def each_column(
    func: Callable[[pa.Array], pa.Array], arrays: Sequence[pa.Array | pa.ChunkedArray]
) -> list[pa.Array]:
    """``[func(a) for a in arrays]`` for an element-wise ``func``, in one call when small."""
    joined = _joined(arrays)
    if joined is None:
        return [func(a) for a in arrays]
    result = func(joined)
    out: list[pa.Array] = []
    start = 0
    for a in arrays:
        out.append(result.slice(start, len(a)))
        start += len(a)
    return out


def as_mask(mask: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A boolean Arrow array as numpy, null as ``False``."""
    filled = pc.fill_null(mask, False)
    return np.asarray(filled.to_numpy(zero_copy_only=False), dtype=bool)


def column_masks(
    func: Callable[[pa.Array], pa.Array], arrays: Sequence[pa.Array | pa.ChunkedArray]
) -> list[np.ndarray]:
    """``func`` (element-wise, boolean) of each array as numpy, null as ``False``."""
    joined = _joined(arrays)
    if joined is None:
        return [as_mask(func(a)) for a in arrays]
    mask = as_mask(func(joined))
    bounds = np.cumsum([len(a) for a in arrays])[:-1]
    return list(np.split(mask, bounds))
