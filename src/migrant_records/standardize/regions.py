"""Region names to Kemendagri codes, using the shipped 2025 gazetteer.

Names are matched after removing administrative prefixes (``Kab.``, ``Kabupaten``,
``Kota``, ``Kec.``, ``Kecamatan``, ``Desa``, ``Kel.``, ``Kelurahan``, ``Prov.`` ...),
exactly first and then with a rapidfuzz typo tolerance, always inside the candidate set
given by the levels above (a regency within its province, a district within its regency,
a village within its district or regency). A name that fits several regions is reported
as ambiguous instead of guessed. Each unique combination of names is resolved once.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from migrant_records._pandas import object_frame
from migrant_records.data import load_wilayah
from migrant_records.standardize._util import as_series, fold_text, unique_strings

__all__ = [
    "PROVINCE_ALIASES",
    "REGION_COLUMNS",
    "normalize_place",
    "region_key",
    "resolve_region",
]

logger = logging.getLogger(__name__)

#: Columns returned by :func:`resolve_region`.
REGION_COLUMNS = ("province_code", "regency_code", "district_code", "village_code", "region_reason")

#: Common short names of provinces.
PROVINCE_ALIASES: dict[str, str] = {
    "nad": "aceh", "nanggroe aceh darussalam": "aceh", "sumut": "sumatera utara",
    "sumbar": "sumatera barat", "sumsel": "sumatera selatan", "babel": "kepulauan bangka belitung",
    "bangka belitung": "kepulauan bangka belitung", "kepri": "kepulauan riau",
    "jabar": "jawa barat", "jateng": "jawa tengah", "jatim": "jawa timur",
    "diy": "yogyakarta", "jogja": "yogyakarta", "jogjakarta": "yogyakarta",
    "ntb": "nusa tenggara barat", "ntt": "nusa tenggara timur",
    "kalbar": "kalimantan barat", "kalteng": "kalimantan tengah",
    "kalsel": "kalimantan selatan", "kaltim": "kalimantan timur",
    "kaltara": "kalimantan utara", "sulut": "sulawesi utara", "sulteng": "sulawesi tengah",
    "sulsel": "sulawesi selatan", "sultra": "sulawesi tenggara", "sulbar": "sulawesi barat",
    "malut": "maluku utara", "pabar": "papua barat", "sumatra utara": "sumatera utara",
    "sumatra barat": "sumatera barat", "sumatra selatan": "sumatera selatan",
}  # fmt: skip

# Administrative prefixes removed before matching, per level (longest first).
_PREFIXES = {
    1: ("daerah khusus ibukota", "daerah khusus ibu kota", "daerah khusus", "daerah istimewa",
        "provinsi", "propinsi", "prov", "prop", "dki", "di"),
    2: ("kabupaten administrasi", "kota administrasi", "kabupaten adm", "kota adm", "kabupaten",
        "kotamadya", "kodya", "kab", "kota", "kot", "kb"),
    3: ("kecamatan", "distrik", "kec", "kc"),
    4: ("kelurahan", "desa", "kampung", "gampong", "nagari", "kel", "ds", "kp"),
}  # fmt: skip
_PREFIX_RE = {
    level: re.compile(r"^(?:(?:" + "|".join(re.escape(p) for p in words) + r")\s+)+")
    for level, words in _PREFIXES.items()
}
_PUNCT = re.compile(r"[^a-z0-9\s]+")
_SPACES = re.compile(r"\s+")
_KOTA = re.compile(r"^(?:kota|kotamadya|kodya|kot)\b")
_KAB = re.compile(r"^(?:kabupaten|kab|kb)\b")


def _clean(name: str) -> str:
    return _SPACES.sub(" ", _PUNCT.sub(" ", fold_text(name))).strip()


def region_key(name: str, level: int) -> str:
    """Matching key of a region name: casefolded, punctuation and prefixes removed.

    Args:
        name: A region name as written (``"Kab. Cilacap"``, ``"KEC. KROYA"``).
        level: 1 province, 2 regency/city, 3 district, 4 village.

    Returns:
        The key (``"cilacap"``, ``"kroya"``).
    """
    text = _clean(name)
    stripped = _PREFIX_RE[level].sub("", text).strip()
    key = stripped or text
    if level == 1:
        key = PROVINCE_ALIASES.get(key, key)
    return key


# Prefix words that are often mistyped ("KJAB.", "KAUPATEN") or glued ("KABUPATENnX").
_LONG_PREFIX = {
    1: ("provinsi", "propinsi"),
    2: ("kabupaten", "kota"),
    3: ("kecamatan",),
    4: ("kelurahan", "desa"),
}
_SHORT_PREFIX = {1: ("prov",), 2: ("kab",), 3: ("kec",), 4: ("kel",)}


def _candidate_keys(name: str, level: int) -> list[str]:
    """The matching key, then keys with a mistyped or glued prefix removed."""
    key = region_key(name, level)
    keys = [key]
    words = key.split(" ", 1)
    if len(words) == 2:
        first = words[0]
        near = any(fuzz.ratio(first, p) >= 75 for p in _LONG_PREFIX[level]) or any(
            len(first) <= 5 and fuzz.ratio(first, p) >= 80 for p in _SHORT_PREFIX[level]
        )
        if near:
            keys.append(region_key(words[1], level))
    for prefix in _LONG_PREFIX[level]:
        if key.startswith(prefix) and len(key) > len(prefix) + 3 and key[len(prefix)] != " ":
            rest = key[len(prefix) :]
            keys.extend([rest.strip(), rest[1:].strip()])
    return [k for k in dict.fromkeys(keys) if k]


def _kind(name: str) -> str | None:
    text = _clean(name)
    if _KOTA.match(text):
        return "kota"
    if _KAB.match(text):
        return "kab"
    return None


def normalize_place(s: Any) -> pd.Series:
    """Normalise a place name (birth place): casefolded, no ``Kab.``/``Kota`` prefixes.

    Args:
        s: Place names (Series or list-like).

    Returns:
        Object Series aligned to ``s``.

    Example:
        >>> normalize_place(pd.Series(["KAB. CILACAP", "Kota Malang"])).tolist()
        ['cilacap', 'malang']
    """
    series = as_series(s)
    codes, uniques = unique_strings(series)
    out = np.array([None if u is None else (region_key(u, 2) or None) for u in uniques] + [None])
    return pd.Series(out[codes], index=series.index, dtype=object, name=series.name)


@dataclass
class _Gazetteer:
    # index[level][area code] -> {key: [codes]}; area "" is the whole country
    index: dict[int, dict[str, dict[str, list[str]]]] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    choices: dict[tuple[int, str], list[str]] = field(default_factory=dict)

    def lookup(self, level: int, keys: list[str], areas: list[str], cutoff: float) -> list[str]:
        for key in keys:
            hits: list[str] = []
            for area in areas:
                hits.extend(self.index[level].get(area, {}).get(key, ()))
            if hits:
                return hits
        if cutoff > 100 or (areas == [""] and level > 2):
            return []
        for key in keys:
            hits = self._fuzzy(level, key, areas, cutoff)
            if hits:
                return hits
        return []

    def _fuzzy(self, level: int, key: str, areas: list[str], cutoff: float) -> list[str]:
        hits: list[str] = []
        for area in areas:
            names = self.choices.get((level, area))
            if names is None:
                names = list(self.index[level].get(area, {}))
                self.choices[(level, area)] = names
            found = process.extract(key, names, scorer=fuzz.ratio, score_cutoff=cutoff, limit=2)
            if not found:
                continue
            best = found[0][1]
            for name, score, _ in found:
                if score == best:
                    hits.extend(self.index[level][area][name])
        return hits


@lru_cache(maxsize=1)
def _gazetteer() -> _Gazetteer:
    table = load_wilayah()
    gaz = _Gazetteer(index={1: {}, 2: {}, 3: {}, 4: {}})
    codes = table["code"].str.strip().tolist()
    names = table["name"].str.strip().tolist()
    levels = table["level"].astype(int).tolist()
    for code, name, level in zip(codes, names, levels):
        key = region_key(name, level)
        parts = code.split(".")
        areas = [".".join(parts[:k]) for k in range(level)]  # "", PP, PP.KK, ...
        for area in areas:
            gaz.index[level].setdefault(area, {}).setdefault(key, []).append(code)
        if level == 2:
            gaz.kinds[code] = "kota" if int(parts[1]) >= 71 else "kab"
    return gaz


_Memo = dict[tuple[int, str, tuple[str, ...]], list[str]]


def _find(memo: _Memo, level: int, name: str, areas: list[str], cutoff: float) -> list[str]:
    """``lookup`` of one name within its areas, once per (level, name, areas) in a call."""
    key = (level, name, tuple(areas))
    hits = memo.get(key)
    if hits is None:
        hits = _gazetteer().lookup(level, _candidate_keys(name, level), areas, cutoff)
        memo[key] = hits
    return hits


def _resolve_one(
    province: str,
    regency: str,
    district: str,
    village: str,
    cutoff: float,
    memo: _Memo | None = None,
) -> tuple[str | None, str | None, str | None, str | None, str | None]:
    gaz = _gazetteer()
    memo = {} if memo is None else memo
    reasons: list[str] = []
    pc = rc = dc = vc = None
    reg_cands: list[str] = []
    if province:
        hits = _find(memo, 1, province, [""], cutoff)
        if len(hits) == 1:
            pc = hits[0]
        else:
            reasons.append("unknown_province" if not hits else "ambiguous_province")
    if regency:
        hits = _find(memo, 2, regency, [pc or ""], cutoff)
        kind = _kind(regency)
        if kind and len(hits) > 1:
            hits = [h for h in hits if gaz.kinds[h] == kind] or hits
        if len(hits) == 1:
            rc = hits[0]
        elif not hits:
            reasons.append("unknown_regency")
        else:
            reg_cands = hits
    if district:
        areas = [rc] if rc else reg_cands or [pc or ""]
        hits = _find(memo, 3, district, areas, cutoff)
        if len(hits) == 1:
            dc = hits[0]
        else:
            reasons.append("unknown_district" if not hits else "ambiguous_district")
    if village:
        areas = [dc] if dc else [rc] if rc else reg_cands or [pc or ""]
        hits = _find(memo, 4, village, areas, cutoff)
        if len(hits) == 1:
            vc = hits[0]
        else:
            reasons.append("unknown_village" if not hits else "ambiguous_village")
    if vc and not dc:
        dc = vc[:8]
    if dc and not rc:
        rc = dc[:5]
    if rc and not pc:
        pc = rc[:2]
    if reg_cands and not rc:
        reasons.insert(0, "ambiguous_regency")
    return pc, rc, dc, vc, ";".join(reasons) or None


def resolve_region(
    province: Any = None,
    regency: Any = None,
    district: Any = None,
    village: Any = None,
    *,
    score_cutoff: float = 80.0,
) -> pd.DataFrame:
    """Resolve region names to Kemendagri codes.

    Each level is searched inside the one above when that is known: a regency within its
    province, a district within its regency (or province), a village within its district
    (or regency, or province). Names are matched exactly after prefix removal, then with
    ``rapidfuzz.fuzz.ratio >= score_cutoff`` inside the candidate set (never a fuzzy
    search over every district or village of the country). ``Kota Malang`` and
    ``Kabupaten Malang`` are different regencies: a bare ``Malang`` is ambiguous unless a
    district or village settles it. Codes of the levels above a resolved level are
    filled from its code.

    Args:
        province: Province names (Series or list-like), or ``None``.
        regency: Regency/city names, or ``None``.
        district: District (kecamatan) names, or ``None``.
        village: Village (desa/kelurahan) names, or ``None``.
        score_cutoff: Minimum rapidfuzz ratio (0-100) for a typo match; above 100
            disables fuzzy matching.

    Returns:
        DataFrame aligned to the inputs with ``province_code`` (``PP``), ``regency_code``
        (``PP.KK``), ``district_code`` (``PP.KK.CC``), ``village_code``
        (``PP.KK.CC.VVVV``) and ``region_reason``: ``None`` when every given name was
        resolved, else ``;``-joined codes such as ``unknown_district``,
        ``ambiguous_regency``, ``ambiguous_village``.

    Example:
        >>> out = resolve_region(regency=pd.Series(["Kab. Cilacap", "Malang"]))
        >>> out["regency_code"].tolist(), out["region_reason"].tolist()
        (['33.01', None], [None, 'ambiguous_regency'])
    """
    given = [as_series(x) for x in (province, regency, district, village) if x is not None]
    if not given:
        return pd.DataFrame(columns=list(REGION_COLUMNS), dtype=object)
    index = given[0].index
    n = len(index)
    level_codes: list[np.ndarray] = []
    level_values: list[list[str]] = []
    for value in (province, regency, district, village):
        if value is None:
            level_codes.append(np.full(n, -1, dtype=np.intp))
            level_values.append([])
        else:
            codes_i, uniques_i = unique_strings(as_series(value))
            level_codes.append(codes_i)
            level_values.append([u or "" for u in uniques_i])
    sizes = [len(v) + 1 for v in level_values]
    if float(np.prod(np.array(sizes, dtype=float))) < 2.0**62:
        combined = np.zeros(n, dtype=np.int64)
        for codes_i, size in zip(level_codes, sizes):
            combined = combined * size + (codes_i + 1)
        codes, _ = pd.factorize(combined)
        rows = np.unique(codes, return_index=True)[1]  # first row of each combination
    else:  # pragma: no cover - astronomically many distinct names
        stacked = np.stack(level_codes, axis=1)
        _, rows, codes = np.unique(stacked, axis=0, return_index=True, return_inverse=True)
        codes = codes.ravel()
    combos = [
        tuple(
            level_values[k][level_codes[k][r]] if level_codes[k][r] >= 0 else "" for k in range(4)
        )
        for r in rows
    ]
    memo: _Memo = {}
    results = [_resolve_one(c[0], c[1], c[2], c[3], score_cutoff, memo) for c in combos]
    out = {}
    for i, col in enumerate(REGION_COLUMNS):
        values = np.array([r[i] for r in results] + [None], dtype=object)
        out[col] = values[codes]
    logger.debug("resolved %d unique region combinations", len(combos))
    return object_frame(out, index)
