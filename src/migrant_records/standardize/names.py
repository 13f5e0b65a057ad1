"""Indonesian personal names: normalisation, parsing and an Indonesian phonetic key.

The rules are documented in ``docs/indonesian-data.md``. In short, a name is casefolded,
accents and punctuation are stripped, titles and academic degrees are removed, a
``bin``/``binti`` patronym is split off, Muhammad/Abdul variants are made canonical and
pre-1972 (Van Ophuijsen / Soewandi) spellings are mapped to EYD, so that
``"MOCH. DJOKO SOESILO, S.Pd"`` and ``"Muhammad Joko Susilo"`` give the same ``name_norm``.

Every function works on the unique values of its input and maps the results back to the
rows, so a column of a million names with a few hundred thousand distinct values is cheap.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from migrant_records.errors import ConfigError
from migrant_records.standardize._util import (
    as_series,
    fold_text,
    take,
    unique_folded,
)
from migrant_records.standardize.sounds import _key_token

__all__ = [
    "COMMON_NAME_TOKENS",
    "LOW_IDENTITY_TOKENS",
    "NAME_COLUMNS",
    "NAME_PROFILES",
    "PATRONYM_MARKERS",
    "name_key",
    "normalize_name",
    "parse_names",
]

#: Columns returned by :func:`parse_names`, in order.
NAME_COLUMNS = (
    "name_norm",
    "name_sorted",
    "name_key",
    "name_initials",
    "name_core",
    "name_first",
    "name_last",
    "name_patronym",
    "name_tokens",
    "name_low_identity",
)

#: Words that introduce a patronym ("Siti Aminah binti Abdullah").
PATRONYM_MARKERS = frozenset({"bin", "binti", "bt", "bte", "binte", "bint"})

#: Honorifics and titles removed when they stand before the name.
PREFIX_TITLES = frozenset(
    {
        "h", "hj", "hjh", "haji", "hajjah", "hajah", "kh", "kyai", "kiai", "ust", "ustad",
        "ustadz", "ustaz", "ustadzah", "ustazah", "ir", "dr", "drs", "dra", "drg", "prof",
        "apt", "ns", "tn", "ny", "nn", "nona", "nyonya", "tuan", "sdr", "sdri", "sdra",
        "saudara", "saudari", "bpk", "bapak", "pak", "ibu", "bu", "alm", "almh",
        "almarhum", "almarhumah",
    }
)  # fmt: skip

#: Academic degrees and honorifics removed when they stand after the name (dots removed).
SUFFIX_TITLES = frozenset(
    {
        "spd", "spdi", "pd", "se", "sei", "skom", "sh", "shi", "sag", "ssos", "sst", "st",
        "skep", "ners", "skm", "ssi", "sip", "sikom", "sthi", "sfarm", "sked", "sgz",
        "spsi", "shum", "spt", "sp", "sp1", "ssit", "stp", "sik", "ssn", "ssy", "sds",
        "sak", "sab", "amd", "amdkeb", "amdkep", "amdkes", "amk", "amkeb", "amkep",
        "mm", "mpd", "mpdi", "msi", "mkes", "mh", "mt", "mag", "mkom", "mak", "msc", "mba",
        "ma", "mhum", "mkep", "msos", "phd", "bsc", "ba", "lc", "dipl", "alm",
        "almh", "almarhum", "almarhumah",
    }
)  # fmt: skip

_TITLE_WORDS = PREFIX_TITLES | SUFFIX_TITLES

#: Spellings of Muhammad (checked before and after the EYD mapping). A bare ``m`` counts
#: only as the first token when more tokens follow.
MUHAMMAD_VARIANTS = frozenset(
    {
        "muhammad", "muhamad", "muhammmad", "mohammad", "mohamad", "mohammed", "mohamed",
        "muhammed", "muhamed", "mochammad", "mochamad", "mochamat", "mochammat",
        "muchammad", "muchamad", "mukhammad", "mukhamad", "mokhammad", "mokhamad",
        "mokhamat", "muhamat", "muhammat", "mohamat", "moch", "mochd", "mokh", "moh",
        "mohd", "muh", "muhd", "mhd", "mhmd", "muhmd", "muchamat",
    }
)  # fmt: skip

#: Spellings of Abdul.
ABDUL_VARIANTS = frozenset({"abdul", "abd", "abdoel", "abdol", "abdull", "abdu"})

#: Balinese birth-order names and caste titles: carry little identity on their own.
LOW_IDENTITY_TOKENS = frozenset(
    {
        "wayan", "gede", "putu", "made", "kadek", "nengah", "nyoman", "komang", "ketut",
        "luh", "i", "ni", "gusti", "ngurah", "cokorda", "desak",
    }
)  # fmt: skip

#: Tokens that are low-identity only right after the given token ("Ida Bagus", "Anak Agung").
_LOW_IDENTITY_AFTER = {
    "bagus": frozenset({"ida"}),
    "ayu": frozenset({"ida", "gusti", "dewa", "desak", "anak"}),
    "agung": frozenset({"anak", "gusti"}),
}
#: Tokens that are low-identity only right before the given tokens ("Ida Bagus").
_LOW_IDENTITY_BEFORE = {
    "ida": frozenset({"bagus", "ayu"}),
    "anak": frozenset({"agung"}),
    "dewa": frozenset({"ayu", "gede", "made", "putu", "ketut", "nyoman", "kadek", "komang"}),
}

#: Very common Muslim and Javanese name parts; flagged in ``name_low_identity`` but kept
#: in ``name_core`` (they still tell people apart when combined with other tokens).
COMMON_NAME_TOKENS = frozenset({"muhammad", "siti", "nur", "nurul", "abdul", "sri", "ahmad"})

_APOSTROPHES = re.compile(r"[’‘`´'ʼ]")
_NON_NAME = re.compile(r"[^a-z.,\s]+")
_SPACES = re.compile(r"\s+")
_OLD_MARKER = re.compile(r"oe|dj|tj|sj")
# "ch"/"kh" after a vowel and before a consonant sounds /h/: Achmad, Rachmat, Akhmad.
_CH_BEFORE_CONSONANT = re.compile(r"(?<=[aeiou])[ck]h(?=[b-df-hj-np-tv-z])")


class _Parsed(NamedTuple):
    norm: str
    sorted: str
    key: str
    initials: str
    core: str
    first: str
    last: str
    patronym: str | None
    tokens: tuple[str, ...]
    low_identity: str | None


# --------------------------------------------------------------------------- tokenising
def _tokens(segment: str) -> list[str]:
    """Split one comma-free segment into dot-free tokens (``"S.Pd"`` stays one token)."""
    if "." not in segment:
        return segment.split()
    out: list[str] = []
    for word in segment.split():
        if "." not in word:
            out.append(word)
            continue
        compact = word.replace(".", "")
        if compact in _TITLE_WORDS:
            out.append(compact)
        else:
            out.extend(piece for piece in word.split(".") if piece)
    return out


def _strip_suffix(tokens: list[str], keep: int = 1) -> list[str]:
    """Remove degree tokens at the end while at least ``keep`` tokens remain."""
    while len(tokens) > keep:
        # "S. Pd" / "A. Md" written with a space: join an initial with what follows.
        if (
            len(tokens) > keep + 1
            and len(tokens[-2]) == 1
            and tokens[-2] + tokens[-1] in SUFFIX_TITLES
        ):
            del tokens[-2:]
            continue
        if tokens[-1] in SUFFIX_TITLES:
            tokens.pop()
            continue
        break
    return tokens


def _strip_prefix(tokens: list[str]) -> list[str]:
    start = 0
    while len(tokens) - start > 1 and tokens[start] in PREFIX_TITLES:
        start += 1
    return tokens[start:] if start else tokens


# --------------------------------------------------------------------------- spelling
_CANONICAL = {
    **dict.fromkeys(MUHAMMAD_VARIANTS, "muhammad"),
    **dict.fromkeys(ABDUL_VARIANTS, "abdul"),
}
_FIRST_ONLY = {"m": "muhammad", "st": "siti"}


@lru_cache(maxsize=262_144)
def _eyd_token(token: str, old: bool) -> str:
    """Map one token from pre-1972 spelling to EYD (order matters, see the data guide)."""
    t = token.replace("oe", "u")
    t = t.replace("dj", "\x01")  # the j that comes from dj must not become y below
    t = t.replace("tj", "c")
    if old or t.startswith("nj"):
        t = t.replace("nj", "ny")
    t = t.replace("sj", "sy")
    t = _CH_BEFORE_CONSONANT.sub("h", t)
    t = t.replace("ch", "kh")
    if old:
        t = t.replace("j", "y")
    t = t.replace("\x01", "j")
    return _CANONICAL.get(t, t)


def _normalise_tokens(tokens: list[str]) -> list[str]:
    tokens = _strip_suffix(_strip_prefix(tokens))
    if not tokens:
        return tokens
    get = _CANONICAL.get
    tokens = [get(t, t) for t in tokens]
    if len(tokens) > 1 and tokens[0] in _FIRST_ONLY:
        tokens[0] = _FIRST_ONLY[tokens[0]]
    old = _OLD_MARKER.search(" ".join(tokens)) is not None
    return [_eyd_token(t, old) for t in tokens]


# ASCII fast path: apostrophes vanish, anything but letters, dots, commas becomes a space.
_ASCII_TABLE = {
    i: (None if chr(i) in "'`" else " ")
    for i in range(128)
    if not (chr(i).isalpha() or chr(i) in ".,")
}


def _clean_text(raw: str) -> str:
    text = raw.casefold()
    if text.isascii():
        return text.translate(_ASCII_TABLE)
    text = _APOSTROPHES.sub("", fold_text(text))
    return _NON_NAME.sub(" ", text)


def _split(raw: str, generic: bool = False) -> tuple[list[str], list[str]]:
    """Tokenise a raw name into (name tokens, patronym tokens)."""
    text = _clean_text(raw)
    if generic:  # Unicode folding only: no titles, patronyms or spelling rules
        return _tokens(text.replace(",", " ")), []
    if "," in text:
        head, *rest = text.split(",")
        tokens = _tokens(head)
        for part in rest:  # after a comma: degrees, or the given name in "SUSILO, JOKO"
            extra = _strip_suffix(_tokens(part), keep=0)
            tokens.extend(t for t in extra if t not in SUFFIX_TITLES)
    else:
        tokens = _tokens(text)
    tokens = _strip_suffix(tokens)
    if not PATRONYM_MARKERS.isdisjoint(tokens):
        for i in range(1, len(tokens) - 1):
            if tokens[i] in PATRONYM_MARKERS:
                return tokens[:i], tokens[i + 1 :]
    return tokens, []


_ANY_LOW = LOW_IDENTITY_TOKENS | set(_LOW_IDENTITY_AFTER) | set(_LOW_IDENTITY_BEFORE)
_ANY_FLAGGED = _ANY_LOW | COMMON_NAME_TOKENS


def _low_identity_flags(tokens: list[str]) -> list[bool]:
    flags = []
    n = len(tokens)
    for i, t in enumerate(tokens):
        flag = t in LOW_IDENTITY_TOKENS
        if not flag and t in _LOW_IDENTITY_AFTER and i > 0:
            flag = tokens[i - 1] in _LOW_IDENTITY_AFTER[t]
        if not flag and t in _LOW_IDENTITY_BEFORE and i + 1 < n:
            flag = tokens[i + 1] in _LOW_IDENTITY_BEFORE[t]
        flags.append(flag)
    return flags


def _norm_one(raw: str) -> str | None:
    """Only the normalised name (what ``normalize_name`` needs)."""
    tokens = _normalise_tokens(_split(raw)[0])
    return " ".join(tokens) if tokens else None


_Derived = tuple[str, str, str, str, str, str, tuple[str, ...], "str | None"]


def _derive(tokens: list[str]) -> _Derived:
    """Columns that depend only on the normalised tokens."""
    norm = " ".join(tokens)
    key = " ".join([_key_token(t) for t in tokens])
    if _ANY_FLAGGED.isdisjoint(tokens):
        core = tokens
        low = None
    else:
        flags = _low_identity_flags(tokens)
        core = [t for t, f in zip(tokens, flags) if not f] or tokens
        low = " ".join([t for t, f in zip(tokens, flags) if f or t in COMMON_NAME_TOKENS]) or None
    return (
        " ".join(sorted(tokens)),
        key,
        "".join([t[0] for t in tokens]),
        norm if core is tokens else " ".join(core),
        core[0],
        core[-1],
        tuple(tokens),
        low,
    )


def _parse_one(
    raw: str, cache: dict[str, _Derived] | None = None, generic: bool = False
) -> _Parsed | None:
    name_tokens, pat_tokens = _split(raw, generic)
    tokens = name_tokens if generic else _normalise_tokens(name_tokens)
    if not tokens:
        return None
    patronym = (" ".join(_normalise_tokens(pat_tokens)) or None) if pat_tokens else None
    norm = " ".join(tokens)
    if cache is None:
        derived = _derive(tokens)
    else:
        derived = cache.get(norm)  # type: ignore[assignment]
        if derived is None:
            derived = cache[norm] = _derive(tokens)
    s, key, initials, core, first, last, toks, low = derived
    return _Parsed(norm, s, key, initials, core, first, last, patronym, toks, low)


# --------------------------------------------------------------------------- phonetic key
#: Known Arabic-origin variants whose vowels differ (applied before the key rules).
_EMPTY = _Parsed(*([None] * len(NAME_COLUMNS)))  # type: ignore[arg-type]


def _parse_series(s: Any, generic: bool = False) -> tuple[pd.Series, np.ndarray, list[np.ndarray]]:
    """Parse the unique values of ``s``: one object array per field, ``None`` last."""
    series = as_series(s)
    codes, uniques = unique_folded(series)
    cache: dict[str, _Derived] = {}
    parsed = [(u is not None and _parse_one(u, cache, generic)) or _EMPTY for u in uniques]
    parsed.append(_EMPTY)  # code -1 (missing) picks the last entry
    fields = []
    for i, values in enumerate(zip(*parsed)):
        arr = np.empty(len(parsed), dtype=object)
        if NAME_COLUMNS[i] == "name_tokens":
            for j, value in enumerate(values):
                arr[j] = value
        else:
            arr[:] = values
        fields.append(arr)
    return series, codes, fields


def _column(series: pd.Series, codes: np.ndarray, fields: list[np.ndarray], i: int) -> pd.Series:
    return pd.Series(fields[i][codes], index=series.index, dtype=object)


def normalize_name(s: Any) -> pd.Series:
    """Normalise personal names for matching.

    Casefolds, strips accents and punctuation, removes titles and degrees, removes a
    ``bin``/``binti`` patronym, makes Muhammad/Abdul variants canonical and maps pre-1972
    spellings to EYD.

    Args:
        s: Names (Series or list-like); missing and blank values give ``None``.

    Returns:
        Object Series aligned to ``s`` with the normalised names.

    Example:
        >>> normalize_name(pd.Series(["MOCH. DJOKO SOESILO, S.Pd", "Muhammad Joko Susilo"]))
        0    muhammad joko susilo
        1    muhammad joko susilo
        dtype: object
    """
    series = as_series(s)
    codes, uniques = unique_folded(series)
    values = [None if u is None else _norm_one(u) for u in uniques]
    return pd.Series(take(values, codes), index=series.index, dtype=object, name=series.name)


def name_key(s: Any) -> pd.Series:
    """Indonesian phonetic key of each name (one key per token of the normalised name).

    Args:
        s: Raw names (Series or list-like).

    Returns:
        Object Series aligned to ``s``; ``None`` where no name could be read.

    Example:
        >>> name_key(pd.Series(["Yusuf Rachmat", "Jusuf Rahmat"])).tolist()
        ['yusup ramat', 'yusup ramat']
    """
    series, codes, parsed = _parse_series(s)
    return pd.Series(parsed[2][codes], index=series.index, dtype=object, name=series.name)


#: Name standardisation profiles: ``indonesia`` (titles, patronyms, Muhammad variants and
#: the pre-1972 spelling rules) and ``generic`` (Unicode folding and punctuation only).
NAME_PROFILES = ("indonesia", "generic")


def parse_names(s: Any, profile: str = "indonesia") -> pd.DataFrame:
    """Parse names into the matching columns used by the comparators.

    Args:
        s: Raw names (Series or list-like).
        profile: ``indonesia`` (default: Indonesian titles, ``bin``/``binti`` patronyms,
            Muhammad variants, old spelling ``tj`` -> ``c``, ``oe`` -> ``u``, ...) or
            ``generic`` (casefolding, accents and punctuation removed, nothing else).

    Returns:
        DataFrame aligned to ``s`` with columns ``name_norm``, ``name_sorted``,
        ``name_key``, ``name_initials``, ``name_core``, ``name_first``, ``name_last``,
        ``name_patronym``, ``name_tokens`` (tuple of tokens) and ``name_low_identity``
        (the Balinese and very common tokens of the name, space separated).

    Example:
        >>> parse_names(pd.Series(["I Wayan Sudarta bin Made Oka"]))[
        ...     ["name_norm", "name_core", "name_patronym"]
        ... ].iloc[0].tolist()
        ['i wayan sudarta', 'sudarta', 'made oka']
        >>> parse_names(pd.Series(["Charles Tjoe"]), profile="generic")["name_norm"].item()
        'charles tjoe'
    """
    if profile not in NAME_PROFILES:
        raise ConfigError(f"Unknown name profile {profile!r}: use one of {NAME_PROFILES}.")
    series, codes, parsed = _parse_series(s, generic=profile == "generic")
    return pd.DataFrame(
        {col: _column(series, codes, parsed, i) for i, col in enumerate(NAME_COLUMNS)},
        index=series.index,
    )
