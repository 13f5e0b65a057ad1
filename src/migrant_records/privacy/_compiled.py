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


# -- keyed HMAC-SHA256 of many short messages ---------------------------------------------


def _sha256_constants() -> tuple[np.ndarray, np.ndarray]:
    """SHA-256's round constants and initial state (FIPS 180-4), from the primes."""
    primes: list[int] = []
    n = 2
    while len(primes) < 64:
        if all(n % p for p in primes if p * p <= n):
            primes.append(n)
        n += 1

    def root(value: int, k: int) -> int:  # floor of the k-th root of value
        x = round(value ** (1.0 / k))
        while x**k > value:
            x -= 1
        while (x + 1) ** k <= value:
            x += 1
        return x

    rounds = [root(p << 96, 3) & 0xFFFFFFFF for p in primes]
    initial = [root(p << 64, 2) & 0xFFFFFFFF for p in primes[:8]]
    return np.array(rounds, dtype=np.uint64), np.array(initial, dtype=np.uint64)


_K, SHA256_INITIAL = _sha256_constants()
_M = np.uint64(0xFFFFFFFF)


@njit(inline="always", **_OPTS)  # type: ignore[misc]
def _rotr(x: Any, n: int) -> Any:  # pragma: no cover
    return ((x >> np.uint64(n)) | (x << np.uint64(32 - n))) & _M


@njit(**_OPTS)  # type: ignore[misc]
def sha256_compress(state: Any, block: Any, w: Any) -> None:  # pragma: no cover
    """One SHA-256 compression of a 64-byte ``block`` into ``state`` (8 words, uint64)."""
    for t in range(16):
        w[t] = (
            (np.uint64(block[4 * t]) << np.uint64(24))
            | (np.uint64(block[4 * t + 1]) << np.uint64(16))
            | (np.uint64(block[4 * t + 2]) << np.uint64(8))
            | np.uint64(block[4 * t + 3])
        )
    for t in range(16, 64):
        x = w[t - 15]
        y = w[t - 2]
        s0 = _rotr(x, 7) ^ _rotr(x, 18) ^ (x >> np.uint64(3))
        s1 = _rotr(y, 17) ^ _rotr(y, 19) ^ (y >> np.uint64(10))
        w[t] = (w[t - 16] + s0 + w[t - 7] + s1) & _M
    a, b, c, d = state[0], state[1], state[2], state[3]
    e, f, g, h = state[4], state[5], state[6], state[7]
    for t in range(64):
        t1 = (
            h
            + (_rotr(e, 6) ^ _rotr(e, 11) ^ _rotr(e, 25))
            + ((e & f) ^ ((e ^ _M) & g))
            + _K[t]
            + w[t]
        ) & _M
        t2 = ((_rotr(a, 2) ^ _rotr(a, 13) ^ _rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) & _M
        h = g
        g = f
        f = e
        e = (d + t1) & _M
        d = c
        c = b
        b = a
        a = (t1 + t2) & _M
    state[0] = (state[0] + a) & _M
    state[1] = (state[1] + b) & _M
    state[2] = (state[2] + c) & _M
    state[3] = (state[3] + d) & _M
    state[4] = (state[4] + e) & _M
    state[5] = (state[5] + f) & _M
    state[6] = (state[6] + g) & _M
    state[7] = (state[7] + h) & _M


_K32 = _K.astype(np.uint32)


@njit(inline="always", **_OPTS)  # type: ignore[misc]
def _rotr32(x: Any, n: int) -> Any:  # pragma: no cover
    return (x >> np.uint32(n)) | (x << np.uint32(32 - n))


@njit(inline="always", **_OPTS)  # type: ignore[misc]
def _compress32(st: Any, w: Any) -> None:  # pragma: no cover
    """One SHA-256 compression of the 16 words ``w[:16]`` into ``st`` (``uint32``)."""
    for t in range(16, 64):
        x = w[t - 15]
        y = w[t - 2]
        s0 = _rotr32(x, 7) ^ _rotr32(x, 18) ^ (x >> np.uint32(3))
        s1 = _rotr32(y, 17) ^ _rotr32(y, 19) ^ (y >> np.uint32(10))
        w[t] = np.uint32(w[t - 16] + s0 + w[t - 7] + s1)
    a, b, c, d = st[0], st[1], st[2], st[3]
    e, f, g, h = st[4], st[5], st[6], st[7]
    for t in range(64):
        ch = (e & f) ^ (~e & g)
        t1 = np.uint32(h + (_rotr32(e, 6) ^ _rotr32(e, 11) ^ _rotr32(e, 25)) + ch + _K32[t] + w[t])
        maj = (a & b) ^ (a & c) ^ (b & c)
        t2 = np.uint32((_rotr32(a, 2) ^ _rotr32(a, 13) ^ _rotr32(a, 22)) + maj)
        h = g
        g = f
        f = e
        e = np.uint32(d + t1)
        d = c
        c = b
        b = a
        a = np.uint32(t1 + t2)
    st[0] += a
    st[1] += b
    st[2] += c
    st[3] += d
    st[4] += e
    st[5] += f
    st[6] += g
    st[7] += h


@njit(**_OPTS)  # type: ignore[misc]
def hmac_sha256(
    data: Any, offsets: Any, inner: Any, outer: Any, out: Any
) -> None:  # pragma: no cover
    """HMAC-SHA256 of messages ``data[offsets[k]:offsets[k + 1]]`` into ``out[k]`` (32 bytes).

    ``inner`` and ``outer`` are the SHA-256 states after the key block XOR ipad and XOR opad
    (RFC 2104): two or more compressions per message, as any HMAC-SHA256 computes them. The
    padded message is read word by word straight into the schedule (32-bit arithmetic).
    """
    w = np.empty(64, dtype=np.uint32)
    st = np.empty(8, dtype=np.uint32)
    for k in range(offsets.shape[0] - 1):
        lo = offsets[k]
        n = offsets[k + 1] - lo
        for i in range(8):
            st[i] = np.uint32(inner[i])
        n_blocks = (n + 9 + 63) // 64
        length_at = n_blocks * 64 - 8
        bits = np.uint64(64 + n) * np.uint64(8)
        for blk in range(n_blocks):
            for t in range(16):
                v = np.uint32(0)
                for j in range(4):
                    at = blk * 64 + 4 * t + j
                    if at < n:
                        byte = np.uint32(data[lo + at])
                    elif at == n:
                        byte = np.uint32(0x80)
                    elif at >= length_at:
                        shift = np.uint64(8 * (n_blocks * 64 - 1 - at))
                        byte = np.uint32((bits >> shift) & np.uint64(0xFF))
                    else:
                        byte = np.uint32(0)
                    v = (v << np.uint32(8)) | byte
                w[t] = v
            _compress32(st, w)
        for t in range(8):
            w[t] = st[t]
        w[8] = np.uint32(0x80000000)
        for t in range(9, 15):
            w[t] = np.uint32(0)
        w[15] = np.uint32(96 * 8)
        for i in range(8):
            st[i] = np.uint32(outer[i])
        _compress32(st, w)
        for t in range(8):
            v = st[t]
            out[k, 4 * t] = np.uint8(v >> np.uint32(24))
            out[k, 4 * t + 1] = np.uint8((v >> np.uint32(16)) & np.uint32(0xFF))
            out[k, 4 * t + 2] = np.uint8((v >> np.uint32(8)) & np.uint32(0xFF))
            out[k, 4 * t + 3] = np.uint8(v & np.uint32(0xFF))


# -- SipHash-2-4 of whole 64-bit words ------------------------------------------------------

_S0 = np.uint64(0x736F6D6570736575)
_S1 = np.uint64(0x646F72616E646F6D)
_S2 = np.uint64(0x6C7967656E657261)
_S3 = np.uint64(0x7465646279746573)
_FF = np.uint64(0xFF)


@njit(inline="always", **_OPTS)  # type: ignore[misc]
def _rotl64(x: Any, b: int) -> Any:  # pragma: no cover
    return (x << np.uint64(b)) | (x >> np.uint64(64 - b))


@njit(inline="always", **_OPTS)  # type: ignore[misc]
def _sipround(v0: Any, v1: Any, v2: Any, v3: Any) -> Any:  # pragma: no cover
    v0 = v0 + v1
    v1 = _rotl64(v1, 13) ^ v0
    v0 = _rotl64(v0, 32)
    v2 = v2 + v3
    v3 = _rotl64(v3, 16) ^ v2
    v0 = v0 + v3
    v3 = _rotl64(v3, 21) ^ v0
    v2 = v2 + v1
    v1 = _rotl64(v1, 17) ^ v2
    v2 = _rotl64(v2, 32)
    return v0, v1, v2, v3


@njit(**_OPTS)  # type: ignore[misc]
def siphash24(k0: Any, k1: Any, words: Any, out: Any) -> None:  # pragma: no cover
    """SipHash-2-4 of the messages ``words[:, r]`` (whole 64-bit words) into ``out[r]``."""
    n_words = words.shape[0]
    last = np.uint64(((8 * n_words) & 0xFF) << 56)
    for r in range(words.shape[1]):
        v0 = k0 ^ _S0
        v1 = k1 ^ _S1
        v2 = k0 ^ _S2
        v3 = k1 ^ _S3
        for w in range(n_words):
            m = words[w, r]
            v3 ^= m
            v0, v1, v2, v3 = _sipround(v0, v1, v2, v3)
            v0, v1, v2, v3 = _sipround(v0, v1, v2, v3)
            v0 ^= m
        v3 ^= last
        v0, v1, v2, v3 = _sipround(v0, v1, v2, v3)
        v0, v1, v2, v3 = _sipround(v0, v1, v2, v3)
        v0 ^= last
        v2 ^= _FF
        for _ in range(4):
            v0, v1, v2, v3 = _sipround(v0, v1, v2, v3)
        out[r] = v0 ^ v1 ^ v2 ^ v3
