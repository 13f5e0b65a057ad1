"""SipHash-2-4, vectorised over numpy ``uint64`` arrays.

SipHash-2-4 (Aumasson and Bernstein, 2012) is a keyed pseudo-random function with a 128-bit
key and a 64-bit output, designed for short inputs. Here it combines 64-bit keyed tokens
(already HMAC-SHA256 outputs) into composite blocking keys, and hashes the masked NIKs of a
NIK's one-typo neighbourhood, for millions of records at once without a Python loop per
record. Its key is a sub-key derived from the secret key with HMAC-SHA256. With numba (the
``fast`` extra) a compiled kernel computes the same values.

Example:
    >>> import numpy as np
    >>> key = bytes(range(16))
    >>> msg = np.frombuffer(bytes(range(8)), dtype="<u8")
    >>> hex(int(siphash24(key, [msg])[0]))
    '0x93f5f5799a932462'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from migrant_records.errors import ConfigError

__all__ = ["siphash24"]

_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)

_COMPILED_FROM = 20_000
"""Messages from which the compiled kernel serves (when numba is installed and loads)."""


def _compiled() -> Any:
    """The compiled kernels' module when numba is installed (the HMAC kernels load it)."""
    from migrant_records.privacy.keys import _compiled_hmac

    return _compiled_hmac()


def _rotl(x: np.ndarray, b: int) -> np.ndarray:
    return (x << np.uint64(b)) | (x >> np.uint64(64 - b))  # type: ignore[no-any-return]


def _round(v0: np.ndarray, v1: np.ndarray, v2: np.ndarray, v3: np.ndarray) -> None:
    np.add(v0, v1, out=v0)
    v1[:] = _rotl(v1, 13)
    v1 ^= v0
    v0[:] = _rotl(v0, 32)
    np.add(v2, v3, out=v2)
    v3[:] = _rotl(v3, 16)
    v3 ^= v2
    np.add(v0, v3, out=v0)
    v3[:] = _rotl(v3, 21)
    v3 ^= v0
    np.add(v2, v1, out=v2)
    v1[:] = _rotl(v1, 17)
    v1 ^= v2
    v2[:] = _rotl(v2, 32)


def siphash24(key: bytes, words: Sequence[np.ndarray]) -> np.ndarray:
    """SipHash-2-4 of messages made of whole 64-bit little-endian words.

    Args:
        key: 16 bytes.
        words: The message words: ``words[w][r]`` is word ``w`` of the message of row ``r``
            (every message has ``len(words)`` words, i.e. ``8 * len(words)`` bytes).

    Returns:
        One ``uint64`` per row.
    """
    if len(key) != 16:
        raise ConfigError(f"SipHash needs a 16-byte key, got {len(key)} bytes.")
    if not words:
        raise ConfigError("SipHash needs at least one message word.")
    n = len(words[0])
    k0 = np.uint64(int.from_bytes(key[:8], "little"))
    k1 = np.uint64(int.from_bytes(key[8:], "little"))
    module = _compiled() if n >= _COMPILED_FROM else None
    if module is not None:
        stacked = np.empty((len(words), n), dtype=np.uint64)
        for w, m in enumerate(words):
            stacked[w] = m
        out = np.empty(n, dtype=np.uint64)
        module.siphash24(k0, k1, stacked, out)
        return out
    v0 = np.full(n, k0 ^ np.uint64(0x736F6D6570736575), dtype=np.uint64)
    v1 = np.full(n, k1 ^ np.uint64(0x646F72616E646F6D), dtype=np.uint64)
    v2 = np.full(n, k0 ^ np.uint64(0x6C7967656E657261), dtype=np.uint64)
    v3 = np.full(n, k1 ^ np.uint64(0x7465646279746573), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for m in words:
            m = np.asarray(m, dtype=np.uint64)
            v3 ^= m
            _round(v0, v1, v2, v3)
            _round(v0, v1, v2, v3)
            v0 ^= m
        last = np.uint64(((8 * len(words)) & 0xFF) << 56)
        v3 ^= last
        _round(v0, v1, v2, v3)
        _round(v0, v1, v2, v3)
        v0 ^= last
        v2 ^= np.uint64(0xFF)
        for _ in range(4):
            _round(v0, v1, v2, v3)
    return v0 ^ v1 ^ v2 ^ v3  # type: ignore[no-any-return]
