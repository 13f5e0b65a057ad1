"""Keyed Bloom filters of q-grams and their Dice similarity on packed bits.

A value (a normalised name, a birth place) becomes the set of its character q-grams (padded
with a space at both ends); each q-gram sets ``hashes`` bits of an ``bits``-long filter at
positions derived from an HMAC-SHA256 of the q-gram under the field's sub-key (double
hashing). Similar values share q-grams and therefore bits; the Dice coefficient of two
filters, ``2 |A & B| / (|A| + |B|)``, estimates the q-gram Dice similarity of the values.

Filters are stored packed (``bits / 8`` bytes per record) and compared as ``uint64`` words
with a vectorised popcount (``numpy.bitwise_count`` on numpy >= 2.0, a byte lookup table
otherwise), in chunks spread over threads (numpy releases the GIL inside these loops).

Example:
    >>> key = bytes(range(32))
    >>> f = bloom_filters(["siti aminah", "siti aminah", "budi"], key, "name", bits=256, hashes=10)
    >>> f.shape
    (3, 32)
    >>> d = dice_pairs(f, f, np.array([0, 0]), np.array([1, 2]))
    >>> float(d[0]), bool(d[1] < 0.5)
    (1.0, True)
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd

from migrant_records.errors import ConfigError
from migrant_records.privacy.keys import field_key, keyed_digests

__all__ = [
    "bloom_filters",
    "dice_matrix",
    "dice_pairs",
    "harden",
    "popcount_rows",
    "words",
]

_HAS_BITCOUNT = hasattr(np, "bitwise_count")
_LUT = np.array([bin(v).count("1") for v in range(256)], dtype=np.uint8)
_CHUNK = 1 << 19
_MAX_CHARS = 64


def _threads() -> int:
    n = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, int(n or 1))


def words(packed: np.ndarray) -> np.ndarray:
    """Packed filters (``uint8``, ``bytes`` a multiple of 8) viewed as ``uint64`` words."""
    arr = np.ascontiguousarray(packed, dtype=np.uint8)
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
    as_bytes = x.view(np.uint8)
    return _LUT[as_bytes].sum(axis=1, dtype=np.int32)  # type: ignore[no-any-return]


def popcount_rows(packed: np.ndarray) -> np.ndarray:
    """Number of set bits of each filter (``int32``)."""
    return _popcount_words(words(packed))


def _lane_sum(counts: np.ndarray) -> np.ndarray:
    """Row sums of per-word popcounts (``uint8``, ``(k, W)``) with SWAR lane arithmetic."""
    width = counts.shape[1]
    if width % 8:
        return counts.sum(axis=1, dtype=np.int32)  # type: ignore[no-any-return]
    v = counts.view(np.uint64)  # 8 counts (each <= 64) per uint64
    m8 = np.uint64(0x00FF00FF00FF00FF)
    v = (v & m8) + ((v >> np.uint64(8)) & m8)  # 4 lanes of 16 bits, each <= 128
    v = (v * np.uint64(0x0001000100010001)) >> np.uint64(48)  # sum of lanes, <= 512
    if v.shape[1] == 1:
        return v[:, 0].astype(np.int32)  # type: ignore[no-any-return]
    return v.sum(axis=1, dtype=np.int64).astype(np.int32)  # type: ignore[no-any-return]


class _Buffers:
    """Scratch arrays reused across chunks (fresh allocations are slow on busy machines)."""

    def __init__(self, size: int, width: int) -> None:
        self.x = np.empty((size, width), dtype=np.uint64)
        self.y = np.empty((size, width), dtype=np.uint64)
        self.pc = np.empty((size, width), dtype=np.uint8)
        self.ta = np.empty(size, dtype=np.int32)
        self.tb = np.empty(size, dtype=np.int32)


def _dice_into(
    wa: np.ndarray,
    wb: np.ndarray,
    ca: np.ndarray,
    cb: np.ndarray,
    i: np.ndarray,
    j: np.ndarray,
    out: np.ndarray,
    buf: _Buffers,
) -> None:
    k = len(i)
    x, y, pc = buf.x[:k], buf.y[:k], buf.pc[:k]
    np.take(wa, i, axis=0, out=x)
    np.take(wb, j, axis=0, out=y)
    np.bitwise_and(x, y, out=x)
    if _HAS_BITCOUNT:
        np.bitwise_count(x, out=pc)
        inter = _lane_sum(pc)
    else:
        inter = _LUT[x.view(np.uint8)].sum(axis=1, dtype=np.int32)
    ta, tb = buf.ta[:k], buf.tb[:k]
    np.take(ca, i, out=ta)
    np.take(cb, j, out=tb)
    ta += tb
    with np.errstate(invalid="ignore", divide="ignore"):
        np.divide(2 * inter, ta, out=out, casting="unsafe")


_BLOCK = 4096


def dice_pairs(
    a: np.ndarray,
    b: np.ndarray,
    i: np.ndarray,
    j: np.ndarray,
    *,
    counts: tuple[np.ndarray, np.ndarray] | None = None,
    threads: int | None = None,
) -> np.ndarray:
    """Dice similarity of filter ``a[i[k]]`` and ``b[j[k]]`` for every pair ``k``.

    Pairs are processed in cache-sized blocks with scratch arrays reused per thread.

    Args:
        a: Packed filters (``uint8``, one row per record).
        b: Packed filters of the other side (may be ``a``).
        i: Row positions into ``a``.
        j: Row positions into ``b``.
        counts: The set-bit counts of ``a`` and ``b`` when already known.
        threads: Threads to spread blocks over (default: the usable cores).

    Returns:
        ``float32`` Dice coefficients; ``nan`` where both filters are empty.
    """
    wa = words(a)
    wb = wa if b is a else words(b)
    if wa.shape[1] != wb.shape[1]:
        raise ConfigError(
            f"Bloom filters of different lengths cannot be compared ({wa.shape[1] * 64} and "
            f"{wb.shape[1] * 64} bits): both sides must use the same encoding schema."
        )
    if counts is not None:
        ca, cb = counts
    else:
        ca = _popcount_words(wa)
        cb = ca if b is a else _popcount_words(wb)
    ca = np.asarray(ca, dtype=np.int32)
    cb = np.asarray(cb, dtype=np.int32)
    i = np.asarray(i, dtype=np.intp)
    j = np.asarray(j, dtype=np.intp)
    n = len(i)
    out = np.empty(n, dtype=np.float32)
    n_threads = max(1, min(threads or _threads(), -(-n // (_BLOCK * 8))))
    span = -(-n // n_threads) if n else 0

    def work(t: int) -> None:
        buf = _Buffers(_BLOCK, wa.shape[1])
        lo, hi = t * span, min(n, (t + 1) * span)
        for s in range(lo, hi, _BLOCK):
            e = min(s + _BLOCK, hi)
            _dice_into(wa, wb, ca, cb, i[s:e], j[s:e], out[s:e], buf)

    if n_threads == 1:
        work(0)
    else:
        with ThreadPoolExecutor(max_workers=n_threads) as pool:
            list(pool.map(work, range(n_threads)))
    return out


def dice_matrix(
    a: np.ndarray, b: np.ndarray, *, threads: int | None = None, tile: int = 64
) -> np.ndarray:
    """Dice similarity of every filter of ``a`` with every filter of ``b`` (all pairs).

    Word-major: for each 64-bit word position, one word of ``tile`` left filters is ANDed
    with that word of a run of right filters (long contiguous numpy loops), popcounted and
    added up; tiles of left filters are spread over threads.

    Args:
        a: Packed filters, ``n`` rows.
        b: Packed filters, ``m`` rows.
        threads: Threads to spread tiles over (default: the usable cores).
        tile: Left filters per tile.

    Returns:
        An ``(n, m)`` ``float32`` matrix (``nan`` where both filters are empty).
    """
    wa, wb = words(a), words(b)
    if wa.shape[1] != wb.shape[1]:
        raise ConfigError("Bloom filters of different lengths cannot be compared.")
    ca, cb = _popcount_words(wa), _popcount_words(wb)
    right = np.ascontiguousarray(wb.T)
    out = np.empty((len(wa), len(wb)), dtype=np.float32)
    run = 1024

    def work(starts: list[int]) -> None:
        tmp = np.empty((tile, run), dtype=np.uint64)
        pc = np.empty((tile, run), dtype=np.uint8)
        acc = np.empty((tile, run), dtype=np.uint16)
        for s in starts:
            left = wa[s : s + tile]
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
                total = (ca[s : s + t, None] + cb[None, r : r + k]).astype(np.float32)
                with np.errstate(invalid="ignore", divide="ignore"):
                    np.divide(2 * c, total, out=out[s : s + t, r : r + k])

    starts = list(range(0, len(wa), tile))
    n_threads = max(1, min(threads or _threads(), len(starts)))
    if n_threads == 1:
        work(starts)
    else:
        with ThreadPoolExecutor(max_workers=n_threads) as pool:
            list(pool.map(work, [starts[k::n_threads] for k in range(n_threads)]))
    return out


def _gram_table(values: Sequence[str], q: int) -> tuple[np.ndarray, np.ndarray]:
    """q-gram codes (``uint64``) of space-padded values and their validity mask."""
    padded = [f" {v[:_MAX_CHARS]} " for v in values]
    width = max(max((len(v) for v in padded), default=q), q)
    arr = np.array(padded, dtype=f"<U{width}")
    chars = arr.view(np.uint32).reshape(len(padded), width).astype(np.uint64)
    n_grams = width - q + 1
    grams = np.zeros((len(padded), n_grams), dtype=np.uint64)
    for t in range(q):
        grams |= chars[:, t : t + n_grams] << np.uint64(21 * (q - 1 - t))
    lengths = np.fromiter((len(v) for v in padded), dtype=np.int64, count=len(padded))
    valid = np.arange(n_grams)[None, :] <= (lengths - q)[:, None]
    return grams, valid


def _gram_text(code: int, q: int) -> str:
    return "".join(chr((code >> (21 * (q - 1 - t))) & 0x1FFFFF) for t in range(q))


def _positions(
    codes: np.ndarray, q: int, subkey: bytes, salt: str, bits: int, hashes: int
) -> np.ndarray:
    """Bit positions ``(len(codes), hashes)`` of each q-gram: double hashing of its HMAC."""
    texts = [salt + "\x1f" + _gram_text(int(c), q) for c in codes]
    digests = keyed_digests(texts, subkey)
    raw = np.frombuffer(b"".join(d[:16] for d in digests), dtype="<u8").reshape(-1, 2)
    h1 = raw[:, 0] % np.uint64(bits)
    h2 = (raw[:, 1] % np.uint64(bits - 1)) + np.uint64(1)
    steps = np.arange(hashes, dtype=np.uint64)
    return ((h1[:, None] + steps[None, :] * h2[:, None]) % np.uint64(bits)).astype(np.int64)


def _filters_of(
    texts: list[str], q: int, subkey: bytes, salt: str, bits: int, hashes: int
) -> np.ndarray:
    out = np.zeros((len(texts), bits // 8), dtype=np.uint8)
    step = 50_000
    for s in range(0, len(texts), step):
        grams, valid = _gram_table(texts[s : s + step], q)
        uniq, inv = np.unique(grams[valid], return_inverse=True)
        pos = _positions(uniq, q, subkey, salt, bits, hashes)
        rows = np.repeat(np.nonzero(valid)[0], hashes)
        cols = pos[inv.ravel()].ravel()
        dense = np.zeros((len(grams), bits), dtype=bool)
        dense[rows, cols] = True
        out[s : s + step] = np.packbits(dense, axis=1, bitorder="little")
    return out


def bloom_filters(
    values: Sequence[Any] | pd.Series | np.ndarray,
    key: bytes,
    field: str,
    *,
    bits: int = 512,
    hashes: int = 10,
    q: int = 2,
    salt: Sequence[Any] | pd.Series | np.ndarray | None = None,
) -> np.ndarray:
    """Keyed Bloom filters of the q-grams of each value (all zero where missing).

    Args:
        values: Normalised text values (``None``/empty = missing).
        key: The secret key.
        field: Field name (selects the sub-key; different fields never share bit positions).
        bits: Filter length in bits (a multiple of 64).
        hashes: Bits set per q-gram.
        q: q-gram length (1 to 3).
        salt: Optional record-stable values (such as the birth year) mixed into every q-gram's
            hash: filters of records with different salts share no structure.

    Returns:
        Packed filters, ``uint8`` of shape ``(len(values), bits // 8)``.
    """
    if bits % 64 or bits < 64:
        raise ConfigError(f"Bloom filter length must be a positive multiple of 64, got {bits}.")
    if not 1 <= q <= 3:
        raise ConfigError(f"q-gram length must be 1, 2 or 3, got {q}.")
    if not 1 <= hashes <= bits:
        raise ConfigError(f"hashes must be between 1 and the filter length, got {hashes}.")
    subkey = field_key(key, field)
    text = pd.Series(values, dtype=object).reset_index(drop=True)
    salts = (
        pd.Series([""] * len(text), dtype=object)
        if salt is None
        else pd.Series(salt, dtype=object)
        .reset_index(drop=True)
        .map(lambda v: "" if pd.isna(v) else str(v))
    )
    missing = text.isna() | (text.astype(str).str.strip() == "")
    combo = (salts + "\x1e" + text.where(~missing, "").astype(str)).astype(object)
    combo[missing] = None
    codes, uniques = pd.factorize(combo, use_na_sentinel=True)
    out = np.zeros((len(text), bits // 8), dtype=np.uint8)
    if len(uniques) == 0:
        return out
    parts = pd.Series(np.asarray(uniques, dtype=object)).str.split("\x1e", n=1, expand=True)
    table = np.zeros((len(uniques), bits // 8), dtype=np.uint8)
    for salt_value, idx in parts.groupby(0, sort=True).groups.items():
        rows = np.asarray(idx, dtype=np.int64)
        texts = parts.loc[rows, 1].tolist()
        table[rows] = _filters_of(texts, q, subkey, str(salt_value), bits, hashes)
    found = codes >= 0
    out[found] = table[codes[found]]
    return out


def harden(
    packed: np.ndarray, key: bytes, field: str, *, balance: bool = False, fold: bool = False
) -> np.ndarray:
    """Optional hardening of filters against pattern-mining attacks.

    Args:
        packed: Packed filters.
        key: The secret key (balancing permutes bits with a keyed permutation).
        field: Field name.
        balance: Append each filter's complement and permute the bits: every filter then has
            exactly half its bits set, which hides how many q-grams a value has.
        fold: XOR the two halves of the filter (halves the length): a set bit no longer
            belongs to one q-gram.

    Returns:
        The hardened packed filters.
    """
    out = np.asarray(packed, dtype=np.uint8)
    empty = ~out.any(axis=1)
    if balance:
        dense = np.unpackbits(out, axis=1, bitorder="little").astype(bool)
        dense = np.concatenate([dense, ~dense], axis=1)
        seed = int.from_bytes(field_key(key, field + ":balance")[:8], "little")
        perm = np.random.default_rng(seed).permutation(dense.shape[1])
        out = np.packbits(dense[:, perm], axis=1, bitorder="little")
    if fold:
        half = out.shape[1] // 2
        if half % 8:
            raise ConfigError(
                f"Folding a {out.shape[1] * 8}-bit filter leaves {half * 8} bits, not a multiple "
                "of 64: use a filter length that is a multiple of 128."
            )
        out = np.bitwise_xor(out[:, :half], out[:, half:])
    if balance or fold:
        out[empty] = 0
    return out
