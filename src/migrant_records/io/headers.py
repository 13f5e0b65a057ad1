"""Header detection: map the headers ministries use to the canonical columns."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from migrant_records.errors import ConfigError
from migrant_records.schemas import CANONICAL_COLUMNS

__all__ = [
    "COMBINED_BIRTH_HEADERS",
    "HEADER_ALIASES",
    "HeaderMapping",
    "detect_mapping",
    "normalize_header",
    "resolve_mapping",
]

logger = logging.getLogger(__name__)

# Aliases per canonical column, most specific first: when several input columns map to the
# same canonical column, the one whose alias comes first here wins and the others are
# passed through unchanged. The canonical name itself always comes first.
_ALIASES: dict[str, tuple[str, ...]] = {
    "source": ("SOURCE", "SUMBER", "SUMBER DATA", "DATA SOURCE", "DATASET"),
    "record_id": (
        "RECORD ID",
        "ID PESERTA",
        "ID PMI",
        "ID RECORD",
        "ID REGISTRASI",
        "ID",
        "NO REGISTRASI",
        "NOMOR REGISTRASI",
        "NO. REG",
        "KODE",
        "NO",
        "NO.",
        "NOMOR",
        "NO URUT",
        "NOMOR URUT",
    ),
    "nik": (
        "NIK",
        "NOMOR INDUK KEPENDUDUKAN",
        "NO KTP",
        "NO. KTP",
        "NOMOR KTP",
        "NIK KTP",
        "NO NIK",
        "NOMOR NIK",
        "NIK PMI",
        "KTP",
    ),
    "full_name": (
        "FULL NAME",
        "NAMA LENGKAP",
        "NAMA PMI",
        "NAMA PESERTA",
        "NAMA CPMI",
        "NAMA PEKERJA",
        "NAMA TKI",
        "NAMA ANGGOTA",
        "NAMA RESPONDEN",
        "NAMA PENERIMA",
        "NAMA",
        "NAME",
    ),
    "sex": ("SEX", "JENIS KELAMIN", "JNS KELAMIN", "KELAMIN", "JK", "L/P", "GENDER"),
    "birth_date": (
        "BIRTH DATE",
        "DATE OF BIRTH",
        "TANGGAL LAHIR",
        "TGL LAHIR",
        "TGL. LAHIR",
        "TANGGAL KELAHIRAN",
        "DOB",
    ),
    "birth_place": (
        "BIRTH PLACE",
        "PLACE OF BIRTH",
        "TEMPAT LAHIR",
        "TMP LAHIR",
        "TPT LAHIR",
        # combined place/date ("Bandung, 17-08-1990"): see COMBINED_BIRTH_HEADERS
        "TEMPAT/TGL LAHIR",
        "TEMPAT TGL LAHIR",
        "TEMPAT/TANGGAL LAHIR",
        "TEMPAT, TANGGAL LAHIR",
        "TEMPAT DAN TANGGAL LAHIR",
        "TTL",
    ),
    "phone": (
        "PHONE",
        "NO HP",
        "NO. HP",
        "NOMOR HP",
        "NO HP/WA",
        "NO. HP/WA",
        "NO WA",
        "NOMOR WA",
        "NO TELP",
        "NO. TELP",
        "NO TELEPON",
        "NOMOR TELEPON",
        "TELEPON",
        "TELP",
        "HANDPHONE",
        "HP",
        "WA",
        "WHATSAPP",
        "PHONE NUMBER",
        "MOBILE",
        "KONTAK",
    ),
    "passport_no": (
        "PASSPORT NO",
        "NO PASPOR",
        "NO. PASPOR",
        "NOMOR PASPOR",
        "PASPOR",
        "PASSPORT NUMBER",
        "PASSPORT",
    ),
    "address": ("ADDRESS", "ALAMAT", "ALAMAT LENGKAP", "ALAMAT RUMAH", "ALAMAT KTP", "ALAMAT ASAL"),
    "village": (
        "VILLAGE",
        "DESA/KELURAHAN",
        "DESA/KEL",
        "KEL/DESA",
        "KELURAHAN/DESA",
        "DESA",
        "KELURAHAN",
        "KEL",
    ),
    "district": ("DISTRICT", "KECAMATAN", "KEC", "KEC."),
    "regency": (
        "REGENCY",
        "KABUPATEN/KOTA",
        "KAB/KOTA",
        "KAB./KOTA",
        "KOTA/KABUPATEN",
        "KABUPATEN",
        "KAB",
        "KOTA",
        "CITY",
    ),
    "province": ("PROVINCE", "PROVINSI", "PROPINSI", "PROV"),
    "mother_name": (
        "MOTHER NAME",
        "MOTHER'S NAME",
        "NAMA IBU KANDUNG",
        "NAMA IBU",
        "IBU KANDUNG",
    ),
}

COMBINED_BIRTH_HEADERS: frozenset[str] = frozenset(
    {
        "TTL",
        "TEMPAT/TGL LAHIR",
        "TEMPAT TGL LAHIR",
        "TEMPAT/TANGGAL LAHIR",
        "TEMPAT, TANGGAL LAHIR",
        "TEMPAT DAN TANGGAL LAHIR",
    }
)
"""Headers of a combined place/date of birth column (``"Bandung, 17-08-1990"``).

Such a column maps to ``birth_place``; when the input has no separate birth-date column its
raw value is also copied to ``birth_date``, so the standardiser can split it and nothing is
lost.
"""

HEADER_ALIASES: dict[str, str] = {
    alias: canonical for canonical, aliases in _ALIASES.items() for alias in aliases
}
"""Known input headers (as they usually appear) and the canonical column each maps to.

Matching ignores case, spaces and punctuation, so ``"No. KTP"``, ``"no_ktp"`` and
``"NO KTP"`` are the same header. The canonical names themselves (``full_name``, ...)
always map to themselves.
"""


def normalize_header(header: object) -> str:
    """Reduce a header to its matching key: case-folded letters and digits only.

    Args:
        header: A column label (any object; converted with ``str``).

    Returns:
        The key, e.g. ``"noktp"`` for ``"No. KTP"``.

    Examples:
        >>> normalize_header(" Tgl. Lahir ")
        'tgllahir'
    """
    text = unicodedata.normalize("NFKD", str(header)).casefold()
    return re.sub(r"[^0-9a-z]+", "", text)


def _build_index() -> dict[str, tuple[str, int]]:
    index: dict[str, tuple[str, int]] = {}
    for canonical in CANONICAL_COLUMNS:
        index[normalize_header(canonical)] = (canonical, -1)
    for canonical, aliases in _ALIASES.items():
        for rank, alias in enumerate(aliases):
            key = normalize_header(alias)
            previous = index.get(key)
            if previous is not None and previous[0] != canonical:
                raise RuntimeError(f"alias {alias!r} maps to {previous[0]} and {canonical}")
            if previous is None or rank < previous[1]:
                index[key] = (canonical, rank)
    return index


_INDEX = _build_index()
_COMBINED_KEYS = frozenset(normalize_header(h) for h in COMBINED_BIRTH_HEADERS)


@dataclass
class HeaderMapping:
    """The result of header mapping for one input.

    Attributes:
        mapping: Input header -> canonical column, for the headers that were mapped.
        unmapped: Input headers passed through unchanged as extra columns.
        copy_birth_date_from: Header of a combined place/date column whose value is also
            copied to ``birth_date`` (``None`` if not applicable).
        explicit: Input headers whose mapping came from the caller's ``mapping``.
    """

    mapping: dict[str, str]
    unmapped: list[str]
    copy_birth_date_from: str | None = None
    explicit: set[str] = field(default_factory=set)

    @property
    def targets(self) -> dict[str, str]:
        """Canonical column -> input header."""
        return {canonical: header for header, canonical in self.mapping.items()}


def detect_mapping(columns: Iterable[object]) -> dict[str, str]:
    """Detect which input headers map to which canonical columns.

    Matching is case- and punctuation-insensitive against :data:`HEADER_ALIASES` and the
    canonical names. When several headers map to the same canonical column, the most
    specific alias wins (``ID PESERTA`` over ``NO``, ``NO HP`` over ``WA``); the others are
    left out of the mapping and pass through as extra columns.

    Args:
        columns: The input headers.

    Returns:
        Input header -> canonical column, in input order.

    Examples:
        >>> detect_mapping(["NO", "NAMA LENGKAP", "No. KTP", "TTL", "KETERANGAN"])
        {'NO': 'record_id', 'NAMA LENGKAP': 'full_name', 'No. KTP': 'nik', 'TTL': 'birth_place'}
    """
    return resolve_mapping([str(c) for c in columns]).mapping


def resolve_mapping(columns: list[str], explicit: Mapping[str, str] | None = None) -> HeaderMapping:
    """Combine an explicit mapping with automatic detection for the remaining headers.

    Entries of ``explicit`` take precedence (matched exactly first, then ignoring case and
    punctuation); the headers it does not cover are detected automatically for the canonical
    columns it does not already fill.

    Args:
        columns: The input headers (unique strings), in order.
        explicit: Input header -> canonical column, from the caller.

    Returns:
        A :class:`HeaderMapping`.

    Raises:
        ConfigError: ``explicit`` names a target that is not a canonical column, or maps two
            headers to the same canonical column.
    """
    mapping: dict[str, str] = {}
    chosen: set[str] = set()
    if explicit:
        by_key: dict[str, str] = {}
        for col in columns:
            by_key.setdefault(normalize_header(col), col)
        for header, target in explicit.items():
            if target not in CANONICAL_COLUMNS:
                raise ConfigError(
                    f"mapping {header!r} -> {target!r}: {target!r} is not a canonical column; "
                    f"valid targets are: {', '.join(CANONICAL_COLUMNS)}"
                )
            found = header if header in columns else by_key.get(normalize_header(header))
            if found is None:
                logger.warning(
                    "mapping names header %r, which is not in the input (columns: %s)",
                    header,
                    ", ".join(columns),
                )
                continue
            if target in chosen:
                raise ConfigError(
                    f"mapping sends two headers to {target!r} (one of them {header!r}); "
                    "map each canonical column from one header only"
                )
            mapping[found] = target
            chosen.add(target)
    explicit_cols = set(mapping)

    best: dict[str, tuple[int, int, str]] = {}
    for pos, col in enumerate(columns):
        if col in mapping:
            continue
        hit = _INDEX.get(normalize_header(col))
        if hit is None:
            continue
        canonical, rank = hit
        if canonical in chosen:
            continue
        current = best.get(canonical)
        if current is None or (rank, pos) < current[:2]:
            best[canonical] = (rank, pos, col)
    for canonical, (_, _, col) in best.items():
        mapping[col] = canonical

    ordered = {col: mapping[col] for col in columns if col in mapping}
    unmapped = [col for col in columns if col not in ordered]
    copy_from = None
    if "birth_date" not in ordered.values():
        for col, canonical in ordered.items():
            if canonical == "birth_place" and normalize_header(col) in _COMBINED_KEYS:
                copy_from = col
    return HeaderMapping(ordered, unmapped, copy_from, explicit_cols)
