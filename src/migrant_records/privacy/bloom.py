"""Keyed Bloom filters of q-grams and their Dice similarity on packed bits.

A value (a normalised name, a birth place) becomes the set of its character q-grams (padded
with a space at both ends); each q-gram sets ``hashes`` bits of an ``bits``-long filter at
positions derived from an HMAC-SHA256 of the q-gram under the field's sub-key (double
hashing). Similar values share q-grams and therefore bits; the Dice coefficient of two
filters, ``2 |A & B| / (|A| + |B|)``, estimates the q-gram Dice similarity of the values.

Filters are stored packed (``bits / 8`` bytes per record) and compared as ``uint64`` words
(see :mod:`migrant_records.privacy.dice`).

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

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from migrant_records.errors import ConfigError
from migrant_records.privacy.dice import dice_matrix, dice_pairs, popcount_rows, words
from migrant_records.privacy.keys import digest_words, field_key, keyed_digests

__all__ = [
    "bloom_filters",
    "dice_matrix",
    "dice_pairs",
    "harden",
    "popcount_rows",
    "words",
]

_MAX_CHARS = 64


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
    raw = digest_words(keyed_digests(texts, subkey), 2)
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
    all_texts = parts[1].to_numpy(dtype=object)
    for salt_value, idx in parts.groupby(0, sort=True).indices.items():
        rows = np.asarray(idx, dtype=np.int64)
        texts = all_texts[rows].tolist()
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
