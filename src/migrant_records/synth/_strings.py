"""Vectorised string helpers and the corruption functions of the generator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "S",
    "cat",
    "digits",
    "drop_tokens",
    "initial_token",
    "muhammad_variant",
    "nik_excel",
    "nik_transpose",
    "nik_typo",
    "old_spelling",
    "pick",
    "short_token_swap",
    "to_obj",
    "typo",
    "zipf_weights",
]

S = np.dtypes.StringDType()
"""numpy variable-width string dtype used for fast vectorised concatenation."""

ObjArray = npt.NDArray[np.object_]

_LETTERS = "aeiounmrstlkghdbpj"
_MUHAMMAD = ("Moch.", "Muh.", "M.", "Mochammad", "Mohamad", "Muhamad", "Mohammad", "Moh.")


def zipf_weights(k: int, s: float = 1.0) -> npt.NDArray[np.float64]:
    """Normalised Zipf weights ``1 / rank**s`` for ``k`` options."""
    w = 1.0 / np.arange(1, k + 1, dtype=np.float64) ** s
    out: npt.NDArray[np.float64] = w / w.sum()
    return out


def pick(rng: np.random.Generator, options: tuple[str, ...], n: int, s: float = 1.0) -> ObjArray:
    """Draw ``n`` values from ``options`` with Zipf weights (earlier options more often)."""
    idx = rng.choice(len(options), size=n, p=zipf_weights(len(options), s))
    out: ObjArray = np.asarray(options, dtype=object)[idx]
    return out


def cat(*parts: object) -> npt.NDArray[np.str_]:
    """Concatenate string arrays and scalars element-wise (StringDType result)."""
    out: Any = np.asarray("", dtype=S)
    for part in parts:
        if isinstance(part, str):
            out = np.strings.add(out, part)
            continue
        arr: Any = np.asarray(part)
        out = np.strings.add(out, arr if arr.dtype == S else arr.astype(S))
    return np.asarray(out)


def to_obj(values: npt.ArrayLike) -> ObjArray:
    """Convert a string array to an object array of Python ``str``."""
    return np.asarray(values).astype(object)


def digits(values: npt.NDArray[np.int64], width: int) -> npt.NDArray[np.str_]:
    """Zero-padded decimal strings of non-negative integers."""
    return np.asarray(np.strings.zfill(values.astype(S), width))


def apply_rows(
    values: ObjArray,
    mask: npt.NDArray[np.bool_],
    func: Callable[..., str],
    *args: npt.NDArray[np.generic],
) -> None:
    """Replace ``values[mask]`` in place by ``func(value, *row_args)`` (args aligned to rows)."""
    rows = np.flatnonzero(mask)
    if rows.size == 0:
        return
    cols = [a[rows].tolist() for a in args]
    values[rows] = [func(v, *extra) for v, *extra in zip(values[rows].tolist(), *cols)]


def typo(text: str, u: float, op: int, letter: int) -> str:
    """One character edit at a position after the first character.

    Args:
        text: The string to change.
        u: Uniform number in [0, 1) choosing the position.
        op: 0 substitution, 1 deletion, 2 insertion, 3 transposition.
        letter: Index into a small alphabet for substitution/insertion.
    """
    if len(text) < 3:
        return text + _LETTERS[letter % len(_LETTERS)]
    pos = 1 + int(u * (len(text) - 2))
    ch = _LETTERS[letter % len(_LETTERS)]
    cur = text[pos]
    if cur.isupper():
        ch = ch.upper()
    if op == 3 and pos + 1 < len(text) and text[pos + 1] != cur:
        return text[:pos] + text[pos + 1] + cur + text[pos + 2 :]
    if op == 1 or (op == 3 and cur != " "):
        if cur == " ":
            return text[:pos] + ch + text[pos:]
        return text[:pos] + text[pos + 1 :]
    if op == 2:
        return text[:pos] + ch + text[pos:]
    if ch.lower() == cur.lower():
        ch = _LETTERS[(letter + 1) % len(_LETTERS)]
        ch = ch.upper() if cur.isupper() else ch
    return text[:pos] + ch + text[pos + 1 :]


def _old_token(token: str) -> str:
    low = token.lower()
    out = (
        low.replace("kh", "ch")
        .replace("j", "dj")
        .replace("c", "tj")
        .replace("y", "j")
        .replace("u", "oe")
    )
    return out[:1].upper() + out[1:] if token[:1].isupper() else out


def old_spelling(name: str) -> str:
    """Write a name in the pre-1972 (Van Ophuijsen / Soewandi) spelling.

    Example:
        >>> old_spelling("Joko Suyanto")
        'Djoko Soejanto'
    """
    return " ".join(_old_token(t) for t in name.split(" "))


def has_old_letters(name: str) -> bool:
    """Whether :func:`old_spelling` would change ``name``."""
    low = name.lower()
    return any(c in low for c in "ujcy")


def muhammad_variant(name: str, k: int) -> str:
    """Replace the token ``Muhammad`` by variant number ``k``."""
    variant = _MUHAMMAD[k % len(_MUHAMMAD)]
    return " ".join(variant if t == "Muhammad" else t for t in name.split(" "))


def initial_token(name: str, u: float) -> str:
    """Abbreviate one token before the last to its initial (``Siti Aminah`` -> ``S. Aminah``)."""
    tokens = name.split(" ")
    if len(tokens) < 2:
        return name
    i = int(u * (len(tokens) - 1))
    tokens[i] = tokens[i][:1] + "."
    return " ".join(tokens)


def has_short_token(name: str) -> bool:
    """Whether the name has a token of 3 to 5 letters (one :func:`short_token_swap` can edit)."""
    return any(3 <= len(t) <= 5 and t.isalpha() for t in name.split(" "))


def short_token_swap(name: str, u: float) -> str:
    """Swap two adjacent letters of a short (3-5 letter) token, the first two included.

    Example:
        >>> short_token_swap("Rudi Hartono", 0.0)
        'Urdi Hartono'
    """
    tokens = name.split(" ")
    short = [k for k, t in enumerate(tokens) if 3 <= len(t) <= 5 and t.isalpha()]
    if not short:
        return name
    k = short[int(u * len(short)) % len(short)]
    tok = tokens[k]
    low = tok.lower()
    pos = int(u * 997) % (len(low) - 1)
    for step in range(len(low) - 1):
        q = (pos + step) % (len(low) - 1)
        if low[q] != low[q + 1]:
            low = low[:q] + low[q + 1] + low[q] + low[q + 2 :]
            break
    if tok.isupper():
        low = low.upper()
    elif tok[:1].isupper():
        low = low.capitalize()
    tokens[k] = low
    return " ".join(tokens)


def drop_tokens(name: str, keep_first: bool) -> str:
    """Keep only part of a name: drop the first token(s) or keep only the first token.

    Balinese ``I`` / ``Ni`` / ``Luh`` prefixes are dropped rather than kept alone.
    """
    tokens = name.split(" ")
    if len(tokens) < 2:
        return name
    if tokens[0] in ("I", "Ni"):
        rest = [t for t in tokens[1:] if t != "Luh"]
        return " ".join(rest) if rest else name
    if keep_first:
        return tokens[0] if len(tokens) == 2 else " ".join(tokens[:-1])
    return " ".join(tokens[1:])


def nik_typo(nik: str, pos: int, delta: int) -> str:
    """Change digit ``pos`` of a NIK by ``delta`` (1-9) modulo 10."""
    d = (int(nik[pos]) + delta) % 10
    return nik[:pos] + str(d) + nik[pos + 1 :]


def nik_transpose(nik: str, u: float) -> str:
    """Swap two adjacent different digits (the first such pair from a random start)."""
    n = len(nik)
    start = int(u * (n - 1))
    for k in range(n - 1):
        i = (start + k) % (n - 1)
        if nik[i] != nik[i + 1]:
            return nik[:i] + nik[i + 1] + nik[i] + nik[i + 2 :]
    return nik


def nik_excel(nik: str, scientific: bool) -> str:
    """What a spreadsheet makes of a 16-digit number: 15 significant digits or ``3.30101E+15``."""
    if scientific or nik.endswith("0"):
        return f"{float(nik):.5E}".replace("E+0", "E+")
    return nik[:-1] + "0"
