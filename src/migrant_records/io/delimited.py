"""Delimited text files (CSV, TSV, PSV) into a :class:`~migrant_records.io.readers.RawTable`.

The encoding is detected (:mod:`migrant_records.io.encoding`), the delimiter sniffed among
``, ; tab |``, and the file parsed by Arrow's CSV reader; a file with rows of the wrong width
is parsed again row by row so that each misaligned row is reported with its row number.
"""

from __future__ import annotations

import csv
import io
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from migrant_records.errors import InputFileError
from migrant_records.io.encoding import decode_text, detect_encoding
from migrant_records.io.readers import CellProblem, RawTable, _table, _unique_headers, digest_bytes

__all__ = ["read_delimited"]

logger = logging.getLogger(__name__)

_DELIMITERS = (",", ";", "\t", "|")
_SAMPLE_CHARS = 1 << 16


def _sniff_delimiter(sample: str) -> str:
    lines = sample.splitlines()
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        lines = lines[:-1]  # the last line of the sample may be cut off
    text = "\n".join(lines[:50])
    best, best_score = ",", (-1, -1)
    for delim in _DELIMITERS:
        rows = [r for r in csv.reader(io.StringIO(text), delimiter=delim) if r]
        if not rows:
            continue
        width = len(rows[0])
        consistent = sum(len(r) == width for r in rows) / len(rows)
        score = (int(width > 1 and consistent >= 0.9), width)
        if score > best_score:
            best, best_score = delim, score
    return best


def _utf8_buffer(data: bytes, text: str | None, encoding: str) -> pa.Buffer:
    """The file as UTF-8 bytes for Arrow (the original bytes when they already are)."""
    if text is None:
        bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
        return pa.py_buffer(memoryview(data)[bom:])
    return pa.py_buffer(text.encode("utf-8"))


def read_delimited(
    path: Path, delimiter: str | None = None, encoding: str | None = None
) -> RawTable:
    """Read a delimited text file as text columns.

    Args:
        path: The file.
        delimiter: The delimiter (default: sniffed among ``, ; tab |``).
        encoding: The text encoding (default: detected; see :mod:`migrant_records.io.encoding`).

    Returns:
        A :class:`~migrant_records.io.readers.RawTable` whose ``info`` holds ``format``,
        ``delimiter``, ``encoding`` and ``digest``.

    Raises:
        InputFileError: The file cannot be read, is empty, or its encoding cannot be told.
    """
    import pyarrow.csv as pcsv

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(
            f"{path}: cannot read the file ({exc.strerror or exc}); check that it exists and "
            "that you may read it"
        ) from exc
    enc = encoding or detect_encoding(data, label=str(path))
    text: str | None = None
    if enc in ("utf-8", "utf-8-sig"):
        # valid UTF-8 (checked by detection): Arrow reads the bytes, no decoded copy is kept
        sample = data[: _SAMPLE_CHARS * 4].decode(enc, errors="ignore")
        blank = not data.strip() or not sample.strip()
    else:
        text, enc = decode_text(data, label=str(path), encoding=enc)
        sample = text[:_SAMPLE_CHARS]
        blank = not text.strip()
    if blank:
        raise InputFileError(f"{path}: the file is empty (no header row)")
    digest = digest_bytes(data)
    delim = delimiter or _sniff_delimiter(sample)
    header_row = next(csv.reader(io.StringIO(sample, newline=""), delimiter=delim), [])
    headers = _unique_headers(list(header_row))
    info: dict[str, Any] = {"format": "csv", "delimiter": delim, "encoding": enc, "digest": digest}

    invalid = 0

    def _on_invalid(_row: Any) -> str:
        nonlocal invalid
        invalid += 1
        return "skip"

    try:
        table = pcsv.read_csv(
            pa.BufferReader(_utf8_buffer(data, text, enc)),
            read_options=pcsv.ReadOptions(
                column_names=headers, skip_rows=1, encoding="utf8", block_size=1 << 24
            ),
            parse_options=pcsv.ParseOptions(
                delimiter=delim, newlines_in_values=True, invalid_row_handler=_on_invalid
            ),
            convert_options=pcsv.ConvertOptions(
                column_types={h: pa.string() for h in headers},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as exc:
        logger.info("%s: fast CSV parser failed (%s); using the tolerant parser", path, exc)
        table = None
    if table is not None and invalid == 0:
        return _table({h: table.column(h) for h in headers}, table.num_rows, **info)
    if text is None:
        text, _ = decode_text(data, label=str(path), encoding=enc)
    del data
    return _read_tolerant(path, text, delim, headers, info)


def _read_tolerant(
    path: Path, text: str, delim: str, headers: list[str], info: dict[str, Any]
) -> RawTable:
    """Row-by-row CSV parse for files with rows of the wrong width (exact row numbers)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    next(reader, None)
    width = len(headers)
    cells: list[list[str]] = [[] for _ in range(width)]
    bad_pos: list[int] = []
    bad_text: list[str] = []
    short = 0
    n = 0
    for row in reader:
        if not row:
            continue
        if len(row) > width:
            if any(v.strip() for v in row[width:]):
                bad_pos.append(n)
                bad_text.append(delim.join(row)[:200])
                row = [""] * width
            else:
                row = row[:width]
        elif len(row) < width:
            short += 1
            row = row + [""] * (width - len(row))
        for j in range(width):
            cells[j].append(row[j])
        n += 1
    if short:
        logger.warning(
            "%s: %d rows had fewer fields than the header; padded with blanks", path, short
        )
    raw = _table(
        {h: pa.array(cells[j], type=pa.string()) for j, h in enumerate(headers)}, n, **info
    )
    if bad_pos:
        logger.warning("%s: %d rows have more fields than the header", path, len(bad_pos))
        raw.problems.append(
            CellProblem("malformed_row", "", np.asarray(bad_pos, dtype=np.int64), bad_text)
        )
    return raw
