"""Phonetic keys of Indonesian name tokens, and other phonetic codes of names.

:func:`indonesian_key` folds the spellings that sound alike in Indonesian (``dj``/``j``,
``sy``/``s``, doubled letters, the many spellings of *saleh*); :func:`phonetic` offers it
beside jellyfish's algorithms for a whole name.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import pandas as pd

from migrant_records.errors import ConfigError
from migrant_records.standardize._util import take, unique_strings

__all__ = ["indonesian_key", "phonetic"]


_KEY_VARIANTS = {
    "soleh": "saleh", "sholeh": "saleh", "shaleh": "saleh", "sholih": "saleh",
    "solih": "saleh", "salih": "saleh", "solikhah": "salihah", "sholikhah": "salihah",
    "sholihah": "salihah", "solihah": "salihah", "shalihah": "salihah",
    "solehah": "salihah", "sholehah": "salihah", "salehah": "salihah",
    "solikhin": "salihin", "sholikhin": "salihin", "solihin": "salihin",
    "sholihin": "salihin",
}  # fmt: skip

_KEY_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), repl)
    for pattern, repl in (
        (r"[^a-z]", ""),
        (r"x", "ks"),
        (r"q", "k"),
        (r"ph", "f"),
        (r"s[yh]|ts", "s"),
        (r"dz", "z"),
        (r"dh", "d"),
        (r"th", "t"),
        (r"gh", "g"),
        (r"^kh(?=[^aeiou])", "k"),  # Khristina = Kristina
        (r"kh", "h"),  # Khairul = Hairul, Khotimah = Hotimah
        (r"a[ie]|ay(?![aeiou])", "e"),  # Syaiful = Syaeful, Zainal = Zaenal
        (r"au|aw(?![aeiou])", "o"),  # Taufik = Tofik
        (r"y(?![aeiou])", "i"),  # Nurhayaty = Nurhayati, Sry = Sri
        (r"e", "i"),
        (r"o", "u"),
        (r"[fvp]", "p"),
        (r"[jz]", "y"),
        (r"h$", ""),  # Fatimah = Fatima
        (r"h(?=[^aiu])", ""),  # Rahmat = Ramat (= Rachmat, Rakhmat)
        (r"(?<=[^aiuh])h", ""),  # Nurhayati = Nurayati
        (r"(.)\1+", r"\1"),  # Muhammad = Muhamad, Dewie = Dewi
        (r"iy(?=[aiu])", "y"),  # Suriyadi = Suryadi
        (r"(?<=[^aiu])i(?=[aiu])", "y"),  # Suriadi = Suryadi
        (r"uw(?=[aiu])", "w"),  # Suwarno = Suarno
        (r"(?<=[^aiu])u(?=[aiu])", "w"),
        (r"(.)\1+", r"\1"),
    )
)


@lru_cache(maxsize=262_144)
def _key_token(token: str) -> str:
    t = _KEY_VARIANTS.get(token, token)
    for pattern, repl in _KEY_RULES:
        t = pattern.sub(repl, t)
    return t or token[:1]


def indonesian_key(token: str) -> str:
    """Indonesian phonetic key of one already normalised token.

    Args:
        token: One token of a ``name_norm`` value (lower case ASCII letters).

    Returns:
        The key; spellings of the same spoken name give the same key.

    Example:
        >>> indonesian_key("syaiful"), indonesian_key("saiful")
        ('sipul', 'sipul')
    """
    return _key_token(token)


# --------------------------------------------------------------------------- public API


_PHONETIC_METHODS = ("indonesian", "soundex", "metaphone", "nysiis", "match_rating")


def phonetic(s: Any, method: str = "indonesian") -> pd.Series:
    """Phonetic code of each token of the normalised name, with a choice of algorithm.

    Args:
        s: Raw names (Series or list-like).
        method: ``"indonesian"`` (same as :func:`name_key`), or one of jellyfish's
            ``"soundex"``, ``"metaphone"``, ``"nysiis"``, ``"match_rating"``.

    Returns:
        Object Series aligned to ``s``: the codes of the tokens joined by a space.

    Raises:
        ConfigError: If ``method`` is not one of the names above.
    """
    if method not in _PHONETIC_METHODS:
        raise ConfigError(
            f"phonetic method {method!r} is not known; use one of {', '.join(_PHONETIC_METHODS)}"
        )
    from migrant_records.standardize.names import name_key, normalize_name

    if method == "indonesian":
        return name_key(s)
    import jellyfish

    func = {
        "soundex": jellyfish.soundex,
        "metaphone": jellyfish.metaphone,
        "nysiis": jellyfish.nysiis,
        "match_rating": jellyfish.match_rating_codex,
    }[method]
    cache: dict[str, str] = {}

    def code(token: str) -> str:
        if token not in cache:
            cache[token] = func(token)
        return cache[token]

    norm = normalize_name(s)
    codes, uniques = unique_strings(norm)
    out = [None if u is None else " ".join(code(t) for t in u.split()) for u in uniques]
    return pd.Series(take(out, codes), index=norm.index, dtype=object, name=norm.name)
