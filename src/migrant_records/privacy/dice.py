"""Dice similarity of packed Bloom filters: popcounts, candidate pairs and all pairs.

Filters are stored packed (``bits / 8`` bytes per record) and compared as contiguous rows of
``uint64`` words. The set-bit count of each filter is computed once per record; per pair only
the intersection ``|A & B|`` is counted, and ``dice = 2 |A & B| / (|A| + |B|)``.

Two kernels compute them, with the same results (byte for byte):

- compiled kernels (numba, the optional ``fast`` extra): one pass per pair that ANDs the
  words, counts them with the hardware popcount and writes the Dice quotient, no temporary
  arrays; all pairs are compared in cache-sized tiles of right rows;
- numpy otherwise: pairs in cache-sized blocks, row gathers into reused buffers, AND,
  ``numpy.bitwise_count`` (numpy >= 2.0; a byte lookup table on older numpy) and a SWAR sum
  of the per-word counts.

Both spread blocks of pairs over threads (the compiled kernel and numpy's loops release the
GIL). Pairs sorted by the left record, as blocking gives them, reuse the left rows in cache.

Example:
    >>> words = np.array([[0b1011], [0b0011]], dtype=np.uint64)
    >>> pair_intersections(words, words, np.array([0]), np.array([1])).tolist()
    [2]
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import numpy as np

from migrant_records.errors import ConfigError

__all__ = [
    "COMPILE_FROM",
    "compiled_kernel",
    "dice_matrix",
    "dice_pairs",
    "pair_intersections",
    "popcount_rows",
    "words",
]

_HAS_BITCOUNT = hasattr(np, "bitwise_count")
_LUT = np.array([bin(v).count("1") for v in range(256)], dtype=np.uint8)
_BLOCK = 4096
_MIN_PER_THREAD = 1 << 16

COMPILE_FROM = 20_000_000
"""Candidate pairs from which one comparison loads the compiled kernel (when numba is there)."""


def _threads() -> int:
    n = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, int(n or 1))


def words(packed: np.ndarray) -> np.ndarray:
    """Packed filters (``uint8``, width a multiple of 8 bytes) viewed as ``uint64`` rows."""
    arr = np.asarray(packed)
    if arr.dtype == np.uint64 and arr.ndim == 2 and arr.flags.c_contiguous:
        return arr
    arr = np.ascontiguousarray(arr, dtype=np.uint8)
    if arr.ndim != 2 or arr.shape[1] % 8:
        raise ConfigError(
            f"Bloom filters must be a 2-D uint8 array whose width is a multiple of 8 bytes, got "
            f"shape {arr.shape}."
        )
    return arr.view(np.uint64)


def _popcount_words(x: np.ndarray) -> np.ndarray:
    """Set bits per row of a 2-D ``uint64`` array (``int32``)."""
    if _HAS_BITCOUNT:
        return np.bitwise_count(x).sum(axis=1, dtype=np.int32)  # type: ignore[no-any-return]
    return _LUT[x.view(np.uint8)].sum(axis=1, dtype=np.int32)  # type: ignore[no-any-return]


def popcount_rows(packed: np.ndarray) -> np.ndarray:
    """Number of set bits of each filter (``int32``), computed once per record."""
    return _popcount_words(words(packed))


# -- the compiled kernel (optional) -------------------------------------------------------

_COMPILED: list[Any] = []


def _build_compiled() -> Any:
    """The numba kernels, or ``None`` where numba is not installed or cannot compile here."""
    try:
        from migrant_records.privacy import _compiled
    except ImportError:
        return None
    try:
        probe = np.zeros((1, 1), dtype=np.uint64)
        pos = np.zeros(1, dtype=np.intp)
        counts = np.zeros(1, dtype=np.int32)
        _compiled.intersections(probe, probe, pos, pos, np.zeros(1, dtype=np.int32))
        _compiled.dice_pairs(probe, probe, counts, counts, pos, pos, np.zeros(1, np.float32))
        _compiled.dice_matrix(probe, probe, counts, counts, 0, 1, np.zeros((1, 1), np.float32))
    except Exception:  # a numba that cannot compile on this machine: numpy serves
        return None
    return _compiled


def _compiled_module() -> Any:
    if not _COMPILED:
        _COMPILED.append(_build_compiled())
    return _COMPILED[0]


def compiled_kernel() -> Callable[..., None] | None:
    """The compiled intersection kernel if numba is installed, else ``None`` (numpy serves)."""
    module = _compiled_module()
    return None if module is None else module.intersections  # type: ignore[no-any-return]


def _use_compiled(compiled: bool | None, n_pairs: int) -> Any:
    """The compiled kernels' module when they serve, else ``None``.

    Raises:
        ConfigError: ``compiled=True`` and numba is not installed.
    """
    module = None
    if compiled or (compiled is None and (_COMPILED or n_pairs >= COMPILE_FROM)):
        module = _compiled_module()
    if compiled and module is None:
        raise ConfigError(
            "The compiled Dice kernel needs numba: pip install 'migrant-records[fast]'."
        )
    return module


# -- the numpy kernel ---------------------------------------------------------------------


def _lane_sum(counts: np.ndarray) -> np.ndarray:
    """Row sums of per-word popcounts (``uint8``, ``(k, W)``) with SWAR lane arithmetic."""
    width = counts.shape[1]
    if width % 8:
        return counts.sum(axis=1, dtype=np.int32)  # type: ignore[no-any-return]
    v = counts.view(np.uint64)  # 8 counts (each <= 64) per uint64
    m8 = np.uint64(0x00FF00FF00FF00FF)
    acc = (v[:, 0] & m8) + ((v[:, 0] >> np.uint64(8)) & m8)  # 4 lanes of 16 bits
    for c in range(1, v.shape[1]):  # lanes stay below 2**16 for filters under 65,536 bits
        acc += (v[:, c] & m8) + ((v[:, c] >> np.uint64(8)) & m8)
    acc *= np.uint64(0x0001000100010001)  # the top lane now holds the sum of the four
    return (acc >> np.uint64(48)).astype(np.int32)  # type: ignore[no-any-return]


def _numpy_kernel(wa: np.ndarray, wb: np.ndarray, i: np.ndarray, j: np.ndarray, out: Any) -> None:
    width = wa.shape[1]
    size = min(_BLOCK, len(i))
    x = np.empty((size, width), dtype=np.uint64)
    y = np.empty((size, width), dtype=np.uint64)
    pc = np.empty((size, width), dtype=np.uint8)
    for s in range(0, len(i), _BLOCK):
        e = min(s + _BLOCK, len(i))
        k = e - s
        xs, ys, ps = x[:k], y[:k], pc[:k]
        # indices were checked once by the caller: clip mode skips the per-index check
        np.take(wa, i[s:e], axis=0, out=xs, mode="clip")
        np.take(wb, j[s:e], axis=0, out=ys, mode="clip")
        np.bitwise_and(xs, ys, out=xs)
        if _HAS_BITCOUNT:
            np.bitwise_count(xs, out=ps)
            out[s:e] = _lane_sum(ps)
        else:
            out[s:e] = _LUT[xs.view(np.uint8)].sum(axis=1, dtype=np.int32)


def _spread(
    kernel: Callable[[np.ndarray, np.ndarray, np.ndarray], None],
    i: np.ndarray,
    j: np.ndarray,
    out: np.ndarray,
    threads: int | None,
) -> np.ndarray:
    """Run ``kernel(i, j, out)`` on contiguous blocks of pairs, one block per thread."""
    n = len(i)
    n_threads = max(1, min(threads or _threads(), n // _MIN_PER_THREAD))
    if n_threads == 1:
        kernel(i, j, out)
        return out
    span = -(-n // n_threads)

    def work(t: int) -> None:
        lo, hi = t * span, min(n, (t + 1) * span)
        kernel(i[lo:hi], j[lo:hi], out[lo:hi])

    with ThreadPoolExecutor(max_workers=n_threads) as pool:
        list(pool.map(work, range(n_threads)))
    return out


def _checked(rows: np.ndarray, index: Any, side: str) -> np.ndarray:
    index = np.ascontiguousarray(index, dtype=np.intp)
    if len(index) and (int(index.min()) < 0 or int(index.max()) >= len(rows)):
        raise ConfigError(
            f"Pair positions of the {side} side must lie in 0..{len(rows) - 1} (the rows of "
            "its filters)."
        )
    return index


def _pair_rows(
    a: np.ndarray, b: np.ndarray, i: Any, j: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Both sides as ``uint64`` rows and the checked pair positions."""
    wa = words(a)
    wb = wa if b is a else words(b)
    if wa.shape[1] != wb.shape[1]:
        raise ConfigError(
            f"Bloom filters of different lengths cannot be compared ({wa.shape[1] * 64} and "
            f"{wb.shape[1] * 64} bits): both sides must use the same encoding schema."
        )
    i, j = _checked(wa, i, "left"), _checked(wb, j, "right")
    if len(i) != len(j):
        raise ConfigError(f"Pair positions differ in length ({len(i)} and {len(j)}).")
    return wa, wb, i, j


def pair_intersections(
    a: np.ndarray,
    b: np.ndarray,
    i: Any,
    j: Any,
    *,
    threads: int | None = None,
    compiled: bool | None = None,
) -> np.ndarray:
    """``|a[i[k]] & b[j[k]]|``, the set bits two filters share, for every pair ``k``.

    Args:
        a: Packed filters (``uint8`` or ``uint64`` rows).
        b: Packed filters of the other side (may be ``a``).
        i: Row positions into ``a``.
        j: Row positions into ``b``.
        threads: Threads to spread the pairs over (default: the usable cores).
        compiled: ``True`` uses the compiled kernel (numba), ``False`` numpy; by default the
            compiled kernel serves once it is loaded, or from :data:`COMPILE_FROM` pairs on
            when numba is installed (loading numba takes seconds; numpy is quicker below).

    Returns:
        ``int32`` counts.
    """
    wa, wb, i, j = _pair_rows(a, b, i, j)
    module = _use_compiled(compiled, len(i))
    if module is None:
        kernel = partial(_numpy_kernel, wa, wb)
    else:
        kernel = partial(module.intersections, wa, wb)
    return _spread(kernel, i, j, np.empty(len(i), dtype=np.int32), threads)


def dice_from_counts(inter: np.ndarray, total: np.ndarray) -> np.ndarray:
    """``2 inter / total`` as ``float32`` (``nan`` where both filters are empty)."""
    out = np.empty(len(inter), dtype=np.float32)
    with np.errstate(invalid="ignore", divide="ignore"):
        np.divide(2 * inter, total, out=out, casting="unsafe")
    return out


def dice_pairs(
    a: np.ndarray,
    b: np.ndarray,
    i: Any,
    j: Any,
    *,
    counts: tuple[np.ndarray, np.ndarray] | None = None,
    threads: int | None = None,
    compiled: bool | None = None,
) -> np.ndarray:
    """Dice similarity of filter ``a[i[k]]`` and ``b[j[k]]`` for every pair ``k``.

    The compiled kernel computes each pair's Dice in one pass (intersection, set-bit counts,
    quotient); numpy counts the intersections, then divides. Both give the same bytes: the
    float64 quotient ``2 |A & B| / (|A| + |B|)`` rounded to float32.

    Args:
        a: Packed filters (``uint8``, one row per record).
        b: Packed filters of the other side (may be ``a``).
        i: Row positions into ``a``.
        j: Row positions into ``b``.
        counts: The set-bit counts of ``a`` and ``b`` (:func:`popcount_rows`) when already
            known: pass them when comparing the same filters again.
        threads: Threads to spread the pairs over (default: the usable cores).
        compiled: As for :func:`pair_intersections`.

    Returns:
        ``float32`` Dice coefficients; ``nan`` where both filters are empty.
    """
    wa, wb, i, j = _pair_rows(a, b, i, j)
    if counts is None:
        ca = _popcount_words(wa)
        counts = (ca, ca if wb is wa else _popcount_words(wb))
    ca, cb = (np.ascontiguousarray(c, dtype=np.int32) for c in counts)
    if len(ca) != len(wa) or len(cb) != len(wb):
        raise ConfigError("Set-bit counts must have one value per filter of each side.")
    module = _use_compiled(compiled, len(i))
    if module is None:
        inter = _spread(
            partial(_numpy_kernel, wa, wb), i, j, np.empty(len(i), dtype=np.int32), threads
        )
        return dice_from_counts(inter, ca[i] + cb[j])
    kernel = partial(module.dice_pairs, wa, wb, ca, cb)
    return _spread(kernel, i, j, np.empty(len(i), dtype=np.float32), threads)


def _matrix_numpy(
    wa: np.ndarray, wb: np.ndarray, rows: range, tile: int = 64, run: int = 1024
) -> np.ndarray:
    """Intersections of left rows ``rows`` with every right row, word-major with numpy.

    For each 64-bit word position, one word of ``tile`` left filters is ANDed with that word
    of a run of right filters (long contiguous loops), popcounted and added up.
    """
    right = np.ascontiguousarray(wb.T)
    out = np.empty((len(rows), len(wb)), dtype=np.int32)
    tmp = np.empty((tile, run), dtype=np.uint64)
    pc = np.empty((tile, run), dtype=np.uint8)
    acc = np.empty((tile, run), dtype=np.uint16)
    for s in range(rows.start, rows.stop, tile):
        left = wa[s : min(s + tile, rows.stop)]
        t = len(left)
        for r in range(0, len(wb), run):
            k = min(run, len(wb) - r)
            x, p, c = tmp[:t, :k], pc[:t, :k], acc[:t, :k]
            c[...] = 0
            for w in range(wa.shape[1]):
                np.bitwise_and(left[:, w : w + 1], right[w : w + 1, r : r + k], out=x)
                if _HAS_BITCOUNT:
                    np.bitwise_count(x, out=p)
                else:
                    p[...] = _LUT[x.view(np.uint8)].reshape(t, k, 8).sum(axis=2)
                np.add(c, p, out=c)
            out[s - rows.start : s - rows.start + t, r : r + k] = c
    return out


def _matrix_compiled(wa: np.ndarray, wb: np.ndarray, rows: range) -> np.ndarray:
    """Intersections of left rows ``rows`` with every right row, with the compiled kernel."""
    from migrant_records.privacy._compiled import matrix

    out = np.empty((len(rows), len(wb)), dtype=np.int32)
    matrix(wa, wb, rows.start, rows.stop, out)
    return out


def dice_matrix(
    a: np.ndarray, b: np.ndarray, *, threads: int | None = None, compiled: bool | None = None
) -> np.ndarray:
    """Dice similarity of every filter of ``a`` with every filter of ``b`` (all pairs).

    Args:
        a: Packed filters, ``n`` rows.
        b: Packed filters, ``m`` rows.
        threads: Threads to spread bands of left rows over (default: the usable cores).
        compiled: As for :func:`pair_intersections` (counting ``n * m`` pairs).

    Returns:
        An ``(n, m)`` ``float32`` matrix (``nan`` where both filters are empty), the same
        bytes with either kernel.
    """
    wa, wb = words(a), words(b)
    if wa.shape[1] != wb.shape[1]:
        raise ConfigError("Bloom filters of different lengths cannot be compared.")
    ca, cb = _popcount_words(wa), _popcount_words(wb)
    out = np.empty((len(wa), len(wb)), dtype=np.float32)
    band = max(64, (1 << 16) // max(len(wb), 1))
    bands = [range(s, min(s + band, len(wa))) for s in range(0, len(wa), band)]
    module = _use_compiled(compiled, len(wa) * len(wb))

    def work(rows: range) -> None:
        if module is not None:
            module.dice_matrix(wa, wb, ca, cb, rows.start, rows.stop, out)
            return
        inter = _matrix_numpy(wa, wb, rows)
        total = ca[rows.start : rows.stop, None] + cb[None, :]
        with np.errstate(invalid="ignore", divide="ignore"):
            np.divide(2 * inter, total, out=out[rows.start : rows.stop], casting="unsafe")

    n_threads = max(1, min(threads or _threads(), len(bands)))
    if n_threads == 1:
        for r in bands:
            work(r)
    else:
        with ThreadPoolExecutor(max_workers=n_threads) as pool:
            list(pool.map(work, bands))
    return out
