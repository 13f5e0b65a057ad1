"""The compiled Dice intersection kernel (imported only where numba is installed).

One pass per pair: the AND of the two filters' ``uint64`` words and a hardware popcount per
word (LLVM's ``ctpop``), no temporary arrays. Compiled once and cached on disk by numba.
"""

from __future__ import annotations

from typing import Any

from numba import njit, types
from numba.extending import intrinsic


@intrinsic  # type: ignore[misc]
def _popcount(typingctx: Any, x: Any) -> Any:
    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.ctpop(args[0])

    return types.uint64(types.uint64), codegen


@njit(nogil=True, cache=True)  # type: ignore[misc]
def intersections(wa: Any, wb: Any, i: Any, j: Any, out: Any) -> None:  # pragma: no cover
    """``out[k] = popcount(wa[i[k]] & wb[j[k]])`` for every pair ``k``."""
    width = wa.shape[1]
    for k in range(i.shape[0]):
        a = i[k]
        b = j[k]
        s = 0
        for w in range(width):
            s += _popcount(wa[a, w] & wb[b, w])  # type: ignore[call-arg]
        out[k] = s


@njit(nogil=True, cache=True)  # type: ignore[misc]
def matrix(wa: Any, wb: Any, lo: int, hi: int, out: Any) -> None:  # pragma: no cover
    """``out[a - lo, b] = popcount(wa[a] & wb[b])`` for left rows ``lo..hi`` and every ``b``."""
    width = wa.shape[1]
    for a in range(lo, hi):
        for b in range(wb.shape[0]):
            s = 0
            for w in range(width):
                s += _popcount(wa[a, w] & wb[b, w])  # type: ignore[call-arg]
            out[a - lo, b] = s
