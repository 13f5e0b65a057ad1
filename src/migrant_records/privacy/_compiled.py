"""The compiled Dice kernels (imported only where numba is installed).

Filters are contiguous rows of ``uint64`` words. Per pair, the AND of the two rows' words and
a hardware popcount per word (LLVM's ``ctpop``, the ``popcnt`` instruction), summed in an
integer register: no temporary arrays. The kernels release the GIL; the caller spreads
blocks of pairs (or bands of left rows) over threads, one per core.

Widths of 4, 8 and 16 words (256, 512 and 1,024 bits) have unrolled loops; other widths run
the general loop. All pairs are compared tile by tile: a tile of left rows against a tile of
right rows that together stay in the L1/L2 cache, so each row is read from memory once per
tile instead of once per pair. Compiled once and cached on disk by numba.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit, types
from numba.extending import intrinsic


@intrinsic  # type: ignore[misc]
def _popcount(typingctx: Any, x: Any) -> Any:
    """Set bits of a ``uint64`` as an ``int64`` (an integer sum, never a float one)."""

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.ctpop(args[0])

    return types.int64(types.uint64), codegen


_OPTS: dict[str, Any] = {"nogil": True, "cache": True, "boundscheck": False}


@njit(inline="always", **_OPTS)  # type: ignore[misc]
def _shared(wa: Any, a: int, wb: Any, b: int, width: int) -> int:  # pragma: no cover
    """``popcount(wa[a] & wb[b])``, unrolled for 4, 8 and 16 words."""
    if width == 8:
        return (
            _popcount(wa[a, 0] & wb[b, 0])  # type: ignore[call-arg]
            + _popcount(wa[a, 1] & wb[b, 1])  # type: ignore[call-arg]
            + _popcount(wa[a, 2] & wb[b, 2])  # type: ignore[call-arg]
            + _popcount(wa[a, 3] & wb[b, 3])  # type: ignore[call-arg]
            + _popcount(wa[a, 4] & wb[b, 4])  # type: ignore[call-arg]
            + _popcount(wa[a, 5] & wb[b, 5])  # type: ignore[call-arg]
            + _popcount(wa[a, 6] & wb[b, 6])  # type: ignore[call-arg]
            + _popcount(wa[a, 7] & wb[b, 7])  # type: ignore[call-arg]
        )
    if width == 4:
        return (
            _popcount(wa[a, 0] & wb[b, 0])  # type: ignore[call-arg]
            + _popcount(wa[a, 1] & wb[b, 1])  # type: ignore[call-arg]
            + _popcount(wa[a, 2] & wb[b, 2])  # type: ignore[call-arg]
            + _popcount(wa[a, 3] & wb[b, 3])  # type: ignore[call-arg]
        )
    s = 0
    if width == 16:
        for w in range(16):
            s += _popcount(wa[a, w] & wb[b, w])  # type: ignore[call-arg]
        return s
    for w in range(width):
        s += _popcount(wa[a, w] & wb[b, w])  # type: ignore[call-arg]
    return s


@njit(**_OPTS)  # type: ignore[misc]
def intersections(wa: Any, wb: Any, i: Any, j: Any, out: Any) -> None:  # pragma: no cover
    """``out[k] = popcount(wa[i[k]] & wb[j[k]])`` for every pair ``k``."""
    width = wa.shape[1]
    for k in range(i.shape[0]):
        out[k] = _shared(wa, i[k], wb, j[k], width)


@njit(**_OPTS)  # type: ignore[misc]
def matrix(wa: Any, wb: Any, lo: int, hi: int, out: Any) -> None:  # pragma: no cover
    """``out[a - lo, b] = popcount(wa[a] & wb[b])`` for left rows ``lo..hi`` and every ``b``.

    Tiles of right rows (about 16 KiB) are compared with every left row of the band before
    the next tile is read.
    """
    width = wa.shape[1]
    m = wb.shape[0]
    tile = max(16, 2048 // width)
    for r0 in range(0, m, tile):
        r1 = min(m, r0 + tile)
        for a in range(lo, hi):
            for b in range(r0, r1):
                out[a - lo, b] = _shared(wa, a, wb, b, width)


@njit(error_model="numpy", **_OPTS)  # type: ignore[misc]
def dice_matrix(
    wa: Any, wb: Any, ca: Any, cb: Any, lo: int, hi: int, out: Any
) -> None:  # pragma: no cover
    """``out[a, b] = 2 |wa[a] & wb[b]| / (ca[a] + cb[b])`` (``float32``) for rows ``lo..hi``.

    The quotient is the float64 division rounded to float32, as numpy computes it (``nan``
    where both filters are empty).
    """
    width = wa.shape[1]
    m = wb.shape[0]
    tile = max(16, 2048 // width)
    for r0 in range(0, m, tile):
        r1 = min(m, r0 + tile)
        for a in range(lo, hi):
            c = ca[a]
            for b in range(r0, r1):
                s = _shared(wa, a, wb, b, width)
                out[a, b] = np.float32(np.float64(2 * s) / np.float64(c + cb[b]))


@njit(error_model="numpy", **_OPTS)  # type: ignore[misc]
def dice_pairs(
    wa: Any, wb: Any, ca: Any, cb: Any, i: Any, j: Any, out: Any
) -> None:  # pragma: no cover
    """``out[k] = 2 |wa[i[k]] & wb[j[k]]| / (ca[i[k]] + cb[j[k]])`` (``float32``)."""
    width = wa.shape[1]
    for k in range(i.shape[0]):
        a = i[k]
        b = j[k]
        s = _shared(wa, a, wb, b, width)
        out[k] = np.float32(np.float64(2 * s) / np.float64(ca[a] + cb[b]))
