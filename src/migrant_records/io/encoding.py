"""Text encodings of delimited files: detect, decode, or refuse with a clear message.

Ministries send CSV files saved by Excel, LibreOffice and database exports. The encodings
seen in practice, and how each is recognised:

- UTF-8, with or without a byte-order mark (BOM): the bytes are valid UTF-8.
- UTF-16 little- or big-endian (Excel's "Unicode text"): a UTF-16 BOM, or without a BOM a
  NUL byte in every other position.
- Windows-1252 (Excel's "CSV" on Windows): not valid UTF-8, and the bytes 0x80-0x9F (curly
  quotes, dashes, ``Œ``, ``€``) are printable characters there.
- Latin-1 (ISO-8859-1): not valid UTF-8 and no byte in 0x80-0x9F; such text reads the same
  in Windows-1252.

Anything else is refused with :class:`~migrant_records.errors.InputFileError`: bytes that
are invalid UTF-8 next to valid multi-byte UTF-8 sequences (two encodings mixed in one file),
bytes undefined in Windows-1252 (0x81, 0x8D, 0x8F, 0x90, 0x9D: not text in any single-byte
encoding ministries use), and NUL bytes in a file that is neither UTF-16 nor UTF-8 (a binary
file). A NUL character inside valid UTF-8 is one bad value: its row is rejected
(``invalid_text:<column>``) by :func:`~migrant_records.io.read_records`, so no accepted value
holds one.

Example:
    >>> detect_encoding("Jos\\u00e9 \\u201cUcok\\u201d".encode("cp1252"))
    'cp1252'
    >>> detect_encoding("\\ufeffSiti".encode("utf-8"))
    'utf-8-sig'
"""

from __future__ import annotations

import codecs
import re

from migrant_records.errors import InputFileError

__all__ = ["ENCODINGS", "decode_text", "detect_encoding"]

ENCODINGS: tuple[str, ...] = ("utf-8", "utf-8-sig", "utf-16-le", "utf-16-be", "cp1252", "latin-1")
"""Encodings :func:`detect_encoding` can return (``utf-16-*`` include a BOM when present)."""

_UNDEFINED_CP1252 = frozenset(b"\x81\x8d\x8f\x90\x9d")
_C1 = re.compile(rb"[\x80-\x9f]")
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
_FIX = (
    "save the file as UTF-8 (in Excel: File > Save As > 'CSV UTF-8 (Comma delimited)') "
    "and read it again"
)


def _utf16_without_bom(sample: bytes) -> str | None:
    """``utf-16-le``/``utf-16-be`` when NUL bytes fill every other position, else ``None``."""
    if len(sample) < 4:
        return None
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    half = len(sample) // 2
    # ASCII-range text in UTF-16 has a NUL high byte in nearly every character
    if odd >= 0.6 * half and even <= 0.05 * half:
        return "utf-16-le"
    if even >= 0.6 * half and odd <= 0.05 * half:
        return "utf-16-be"
    return None


def detect_encoding(data: bytes, *, label: str = "input") -> str:
    """Name the encoding of a text file's bytes, or refuse when it cannot be told.

    Args:
        data: The whole file (or a large leading part of it).
        label: Name of the file, used in messages.

    Returns:
        One of :data:`ENCODINGS`.

    Raises:
        InputFileError: The bytes mix encodings, hold NUL bytes outside UTF-16 and UTF-8, or
            hold bytes that no single-byte encoding in use maps to text.
    """
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le"
    if data.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be"
    nul = data.find(b"\x00")
    if nul >= 0:
        guess = _utf16_without_bom(data[: 1 << 16])
        if guess is not None:
            return guess
    try:
        data.decode("utf-8")
        return "utf-8"  # a stray NUL character is a bad value, rejected row by row
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    if nul >= 0:
        raise InputFileError(
            f"{label}: holds NUL bytes (first at byte {nul}) and is not UTF-8, so it is not a "
            f"text file in an encoding that can be told; if it is a spreadsheet, save it as "
            f".xlsx, otherwise {_FIX}"
        )
    if _UTF8_MULTIBYTE.search(data):
        raise InputFileError(
            f"{label}: mixes two text encodings (valid UTF-8 characters and a byte that is "
            f"not UTF-8 at byte {first_bad}), so accented letters would be read wrongly; "
            f"{_FIX}"
        )
    high = set(_C1.findall(data))
    undefined = sorted(b[0] for b in high if b[0] in _UNDEFINED_CP1252)
    if undefined:
        raise InputFileError(
            f"{label}: not UTF-8, and byte 0x{undefined[0]:02X} is not a character in "
            f"Windows-1252 or Latin-1 either, so the text encoding cannot be told; {_FIX}"
        )
    return "cp1252" if high else "latin-1"


def decode_text(
    data: bytes, *, label: str = "input", encoding: str | None = None
) -> tuple[str, str]:
    """Decode a text file's bytes with the detected (or given) encoding.

    A BOM is removed.

    Args:
        data: The file's bytes.
        label: Name of the file, used in messages.
        encoding: An encoding to use instead of detecting one (any Python codec name).

    Returns:
        ``(text, encoding)``, the encoding as detected or given.

    Raises:
        InputFileError: The encoding cannot be told (see :func:`detect_encoding`), or the
            bytes are not valid in the given encoding.

    Example:
        >>> decode_text("NAMA\\nSiti".encode("utf-16"))
        ('NAMA\\nSiti', 'utf-16-le')
    """
    enc = encoding or detect_encoding(data, label=label)
    body = data
    if enc.replace("_", "-").lower() in ("utf-16-le", "utf-16-be", "utf-16"):
        for bom in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            if body.startswith(bom):
                body = body[len(bom) :]
                if enc.lower() == "utf-16":
                    enc = "utf-16-le" if bom == codecs.BOM_UTF16_LE else "utf-16-be"
                break
    try:
        text = body.decode(enc)
    except LookupError as exc:
        raise InputFileError(
            f"{label}: unknown encoding {enc!r}; give a Python codec name such as 'cp1252'"
        ) from exc
    except UnicodeDecodeError as exc:
        raise InputFileError(
            f"{label}: not valid {enc} text (byte {exc.start}: {exc.reason}); {_FIX}"
        ) from exc
    return text.removeprefix("\ufeff"), enc
