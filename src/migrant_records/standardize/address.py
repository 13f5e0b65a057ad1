"""Free-text addresses: casefolded, abbreviations expanded, RT/RW numbers normalised."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from migrant_records.standardize._util import as_series, fold_text, map_unique

__all__ = ["ADDRESS_ABBREVIATIONS", "normalize_address"]

#: Abbreviations expanded as whole words.
ADDRESS_ABBREVIATIONS: dict[str, str] = {
    "jl": "jalan", "jln": "jalan", "jal": "jalan", "gg": "gang", "ds": "desa",
    "dsn": "dusun", "dk": "dukuh", "dkh": "dukuh", "kp": "kampung", "kmp": "kampung",
    "kel": "kelurahan", "kec": "kecamatan", "kab": "kabupaten", "kb": "kabupaten",
    "prov": "provinsi", "prop": "provinsi", "perum": "perumahan", "blk": "blok",
    "no": "no", "nomor": "no", "nmr": "no", "komp": "komplek", "kompl": "komplek",
}  # fmt: skip

_RTRW = re.compile(r"\b(rt|rw)\s*\.?\s*0*([0-9]+)")
_RTRW_PAIR = re.compile(r"\brt\s*/\s*rw\s*\.?\s*:?\s*0*([0-9]+)\s*/\s*0*([0-9]+)")
_SLASH_PAIR = re.compile(r"\b(rt\s+[0-9]+)\s*/\s*(?:rw\s*)?0*([0-9]+)")
_WORD = re.compile(
    r"\b(?:" + "|".join(sorted(ADDRESS_ABBREVIATIONS, key=len, reverse=True)) + r")\b"
)
_PUNCT = re.compile(r"[^a-z0-9/\s]+")
_SPACES = re.compile(r"\s+")


def _normalise(raw: str) -> str | None:
    text = fold_text(raw)
    text = _RTRW_PAIR.sub(r"rt \1 rw \2", text)
    text = _PUNCT.sub(" ", text)
    text = _RTRW.sub(r"\1 \2", text)
    text = _SLASH_PAIR.sub(r"\1 rw \2", text)
    text = _WORD.sub(lambda m: ADDRESS_ABBREVIATIONS[m.group(0)], text)
    text = _SPACES.sub(" ", text.replace("/", " ")).strip()
    return text or None


def normalize_address(s: Any) -> pd.Series:
    """Normalise free-text addresses for comparison.

    Casefolds, strips accents and punctuation, expands ``jl``/``jln`` -> ``jalan``,
    ``gg`` -> ``gang``, ``ds`` -> ``desa``, ``kec`` -> ``kecamatan``, ``kab`` ->
    ``kabupaten`` (and others in :data:`ADDRESS_ABBREVIATIONS`), writes ``no.`` as ``no``
    and RT/RW numbers without leading zeros (``RT 003 RW 02``, ``RT.003/RW.002``,
    ``RT/RW 003/002`` -> ``rt 3 rw 2``).

    Args:
        s: Addresses (Series or list-like).

    Returns:
        Object Series aligned to ``s``; ``None`` for blank values.

    Example:
        >>> normalize_address(pd.Series(["Jl. Merdeka No.5 RT 003 RW 02"])).item()
        'jalan merdeka no 5 rt 3 rw 2'
    """
    series = as_series(s)
    return pd.Series(
        map_unique(series, _normalise), index=series.index, dtype=object, name=series.name
    )
