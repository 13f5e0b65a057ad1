"""Secret keys for keyed encodings: generation, key files, fingerprints and keyed hashing.

Every party that links encodings with the others holds the same secret key. The key never
leaves the key file: encodings carry only its *fingerprint*, a keyed hash of a fixed label
that identifies the key without revealing it, so that encodings made with different keys
are refused instead of silently matching nothing.

Each field is hashed under its own sub-key derived from the secret key, so tokens of two
different fields are never comparable (a phone token cannot be matched with a NIK token).

Example:
    >>> key = bytes(range(32))
    >>> len(key_fingerprint(key))
    16
    >>> keyed_tokens(["a", "a", None], key, "demo", nbytes=8)[0] == keyed_tokens(["a"], key, "demo", nbytes=8)[0]
    True
"""  # noqa: E501

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from migrant_records.errors import ConfigError, InputFileError

__all__ = [
    "KEY_BYTES",
    "MIN_KEY_BYTES",
    "coded_tokens",
    "digest_words",
    "field_key",
    "generate_key",
    "hex_tokens",
    "key_fingerprint",
    "keyed_digests",
    "keyed_tokens",
    "keyed_words",
    "read_key",
    "siphash_key",
    "write_key",
]

KEY_BYTES = 32
"""Length of generated keys (256 bits)."""

MIN_KEY_BYTES = 16
"""Shortest key accepted (128 bits)."""

_FINGERPRINT_LABEL = b"migrant-records key fingerprint v1"


def generate_key() -> bytes:
    """A new random 256-bit key from the operating system's secure random source."""
    return secrets.token_bytes(KEY_BYTES)


def _check_key(key: bytes) -> bytes:
    if not isinstance(key, (bytes, bytearray)):
        raise ConfigError(
            f"The key must be bytes (read it with read_key(path)), got {type(key).__name__}."
        )
    if len(key) < MIN_KEY_BYTES:
        raise ConfigError(
            f"The key has {len(key)} bytes; at least {MIN_KEY_BYTES} are needed. Make one with "
            "`migrant-records keygen`."
        )
    return bytes(key)


def write_key(path: str | Path, key: bytes | None = None, *, overwrite: bool = False) -> Path:
    """Write a key file (hexadecimal text, readable by its owner only).

    Args:
        path: Where to write.
        key: The key (default: a new one from :func:`generate_key`).
        overwrite: Replace an existing file (otherwise refuse: replacing a shared key makes
            every earlier encoding unlinkable).

    Returns:
        The path written.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise ConfigError(
            f"{path} already exists; a key is not replaced by accident (encodings made with it "
            "could no longer be linked). Choose another path or delete the file first."
        )
    key = _check_key(generate_key() if key is None else key)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key.hex() + "\n")
    os.chmod(path, 0o600)
    return path


def read_key(path: str | Path) -> bytes:
    """Read a key file written by :func:`write_key` (or any file of 32+ hex digits).

    Raises:
        InputFileError: The file cannot be read.
        ConfigError: The file does not hold a hexadecimal key of at least 128 bits.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError as exc:
        raise InputFileError(
            f"Key file {path} does not exist; make one with `migrant-records keygen --out {path}` "
            "and share it with the other data holders over a secure channel."
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"Cannot read key file {path}: {exc}.") from exc
    try:
        key = bytes.fromhex(text)
    except ValueError as exc:
        raise ConfigError(
            f"Key file {path} does not hold a hexadecimal key (as written by "
            "`migrant-records keygen`)."
        ) from exc
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        import logging

        logging.getLogger(__name__).warning(
            "key file %s is readable by other users of this machine; restrict it with "
            "`chmod 600 %s`",
            path,
            path,
        )
    return _check_key(key)


def key_fingerprint(key: bytes) -> str:
    """A 16-hex-digit fingerprint that identifies the key without revealing it."""
    digest = hmac.digest(_check_key(key), _FINGERPRINT_LABEL, "sha256")
    return digest[:8].hex()


def field_key(key: bytes, field: str) -> bytes:
    """The sub-key of one field: HMAC-SHA256 of the field name under the secret key."""
    return hmac.digest(_check_key(key), b"field:" + field.encode("utf-8"), "sha256")


def _texts(values: Sequence[Any] | pd.Series | np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Codes per value (-1 = missing or empty) and the distinct non-empty texts."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    return _distinct_texts(codes.astype(np.int64), uniques)


def _distinct_texts(codes: np.ndarray, uniques: Any) -> tuple[np.ndarray, list[str]]:
    """Codes (-1 also for empty or blank texts) and the text of each distinct value."""
    values = np.asarray(uniques, dtype=object)
    if pd.api.types.infer_dtype(values, skipna=False) == "string":
        texts: list[str] = values.tolist()
    else:
        texts = [u if type(u) is str else "" if pd.isna(u) else str(u) for u in values]
    # blank: only whitespace (what ``str.strip`` removes), or nothing at all
    empty = np.fromiter(map(str.isspace, texts), dtype=bool, count=len(texts))
    empty |= np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) == 0
    codes = codes.astype(np.int64)
    if empty.any():
        codes = np.where((codes >= 0) & empty[np.maximum(codes, 0)], -1, codes)
    return codes, texts


def _hmac_blocks(subkey: bytes) -> tuple[bytes, bytes]:
    """The key block XOR ipad and XOR opad of HMAC-SHA256 (RFC 2104)."""
    block = subkey if len(subkey) <= 64 else hashlib.sha256(subkey).digest()
    block = block.ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in block), bytes(b ^ 0x5C for b in block)


_COMPILED_FROM = 20_000
"""Messages from which one call loads the compiled HMAC kernel (when numba is installed)."""

_COMPILED: list[Any] = []


def _compiled_hmac() -> Any:
    """The compiled HMAC-SHA256 kernels' module, or ``None`` without numba."""
    if not _COMPILED:
        module = None
        try:
            from migrant_records.privacy import _compiled

            _digests_compiled(_compiled, ["probe"], b"probe")
            module = _compiled
        except Exception:  # numba missing or unable to compile here: hashlib serves
            module = None
        _COMPILED.append(module)
    return _COMPILED[0]


def _digests_compiled(module: Any, texts: Sequence[str], subkey: bytes) -> np.ndarray:
    n = len(texts)
    joined = "".join(texts).encode("utf-8", "surrogatepass")
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=n)
    if len(joined) != int(lengths.sum()):  # not all ASCII: byte lengths text by text
        encoded = [t.encode("utf-8", "surrogatepass") for t in texts]
        lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=n)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    data = np.frombuffer(joined or b"\0", dtype=np.uint8)
    states = []
    for block in _hmac_blocks(subkey):
        state = module.SHA256_INITIAL.copy()
        module.sha256_compress(state, np.frombuffer(block, np.uint8), np.empty(64, np.uint64))
        states.append(state)
    out = np.empty((n, 32), dtype=np.uint8)
    n_threads = min(_threads(), max(1, n // 10_000))
    spans = np.linspace(0, n, n_threads + 1).astype(np.int64)

    def work(t: int) -> None:
        lo, hi = spans[t], spans[t + 1]
        module.hmac_sha256(data, offsets[lo : hi + 1], states[0], states[1], out[lo:hi])

    if n_threads == 1:
        work(0)
    else:
        with ThreadPoolExecutor(max_workers=n_threads) as pool:
            list(pool.map(work, range(n_threads)))
    return out


def _threads() -> int:
    n = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, int(n or 1))


def keyed_digests(texts: Sequence[str], subkey: bytes) -> np.ndarray:
    """HMAC-SHA256 of each text (UTF-8) under ``subkey``, one 32-byte row per text.

    The HMAC construction (RFC 2104) with the inner and outer SHA-256 states of the key
    computed once per call: the same digests as :func:`hmac.digest`. With numba (the
    ``fast`` extra) the messages are hashed by a compiled kernel on every core; otherwise
    ``hashlib``'s states are copied per message.

    Returns:
        ``uint8`` array of shape ``(len(texts), 32)``.
    """
    module = _COMPILED[0] if _COMPILED else None
    if module is None and not _COMPILED and len(texts) >= _COMPILED_FROM:
        module = _compiled_hmac()
    if module is not None:
        return _digests_compiled(module, texts, subkey)
    ipad, opad = _hmac_blocks(subkey)
    inner = hashlib.sha256(ipad)
    outer = hashlib.sha256(opad)
    out = []
    for t in texts:
        h = inner.copy()
        h.update(t.encode("utf-8", "surrogatepass"))
        o = outer.copy()
        o.update(h.digest())
        out.append(o.digest())
    return np.frombuffer(b"".join(out), dtype=np.uint8).reshape(len(out), 32)


def hex_tokens(digests: np.ndarray, nbytes: int) -> np.ndarray:
    """The first ``nbytes`` of each digest as hexadecimal text (an object array of ``str``)."""
    if not len(digests):
        return np.empty(0, dtype=object)
    import pyarrow as pa

    text = np.ascontiguousarray(digests[:, :nbytes]).tobytes().hex().encode("ascii")
    hexes = pa.Array.from_buffers(pa.binary(2 * nbytes), len(digests), [None, pa.py_buffer(text)])
    return hexes.cast(pa.string()).to_numpy(zero_copy_only=False)  # type: ignore[no-any-return]


def digest_words(digests: np.ndarray, words: int = 1) -> np.ndarray:
    """The first ``words`` little-endian ``uint64`` words of each digest, ``(n, words)``."""
    return np.ascontiguousarray(digests[:, : 8 * words]).view("<u8")


def siphash_key(key: bytes, name: str) -> bytes:
    """A 16-byte SipHash key derived from the secret key for one purpose."""
    return field_key(key, "siphash:" + name)[:16]


def keyed_tokens(
    values: Sequence[Any] | pd.Series | np.ndarray, key: bytes, field: str, *, nbytes: int = 16
) -> np.ndarray:
    """Hexadecimal keyed tokens of values (``None`` where the value is missing or empty).

    Equal values give equal tokens under the same key and field; nothing about a value can be
    recovered from its token without the key. Each distinct value is hashed once.

    Args:
        values: The values (converted with ``str``).
        key: The secret key.
        field: The field name (selects the sub-key).
        nbytes: Bytes of the HMAC kept (hex text of twice this length).

    Returns:
        An object array of hex strings or ``None``.
    """
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    return coded_tokens(codes.astype(np.int64), uniques, key, field, nbytes=nbytes)


def coded_tokens(
    codes: np.ndarray, uniques: Any, key: bytes, field: str, *, nbytes: int = 16
) -> np.ndarray:
    """:func:`keyed_tokens` of factorised values: codes per value (-1 = missing) and the
    distinct values they point to."""
    codes, texts = _distinct_texts(codes, uniques)
    digests = keyed_digests(texts, field_key(key, field))
    table = np.empty(len(texts) + 1, dtype=object)
    table[: len(texts)] = hex_tokens(digests, nbytes)
    return table[np.where(codes >= 0, codes, len(texts))]  # type: ignore[no-any-return]


def keyed_words(
    values: Sequence[Any] | pd.Series | np.ndarray, key: bytes, field: str
) -> np.ndarray:
    """64-bit keyed tokens of values as ``uint64`` (``0`` where missing), for vector compares."""
    codes, texts = _texts(values)
    digests = keyed_digests(texts, field_key(key, field))
    table = np.zeros(len(texts) + 1, dtype=np.uint64)
    if len(texts):
        words = digest_words(digests)[:, 0]
        table[: len(texts)] = np.where(words == 0, np.uint64(1), words)
    return table[np.where(codes >= 0, codes, len(texts))]  # type: ignore[no-any-return]
