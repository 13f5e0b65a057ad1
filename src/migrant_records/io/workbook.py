"""XLSX workbooks into a :class:`~migrant_records.io.readers.RawTable`."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from migrant_records.errors import ConfigError, InputFileError
from migrant_records.io.readers import (
    RawTable,
    _excel_cell,
    _file_bytes,
    _table,
    _unique_headers,
    digest_bytes,
)

__all__ = ["read_xlsx"]


def _header_row_index(rows: list[tuple[Any, ...]]) -> int:
    """Pick the header row among the first rows: the first with two or more known headers."""
    from migrant_records.io.headers import _INDEX, normalize_header

    for i, row in enumerate(rows[:15]):
        known = sum(1 for v in row if isinstance(v, str) and normalize_header(v) in _INDEX)
        if known >= 2:
            return i
    for i, row in enumerate(rows):
        if any(v is not None and str(v).strip() for v in row):
            return i
    return 0


def read_xlsx(path: Path, sheet: str | int | None = None) -> RawTable:
    """Read one sheet of an XLSX workbook as text columns.

    The header row is the first of the first 15 rows with two or more known headers (titles
    above the table are skipped); blank rows are skipped and row numbers count from the row
    after the header.

    Args:
        path: The workbook.
        sheet: Sheet name or 0-based index (default: the first sheet).

    Returns:
        A :class:`~migrant_records.io.readers.RawTable`.

    Raises:
        InputFileError: The file is not a workbook, is damaged, or the sheet is empty.
        ConfigError: The sheet does not exist.
    """
    try:
        import openpyxl
    except ImportError as exc:  # pragma: no cover - openpyxl is a dependency
        raise InputFileError(f"{path}: reading XLSX needs openpyxl (pip install openpyxl)") from exc
    data = _file_bytes(path)
    broken = (
        "save it again from the spreadsheet program (File > Save As > .xlsx), or export the "
        "sheet as CSV UTF-8"
    )
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise InputFileError(
            f"{path}: cannot read it as an XLSX workbook ({type(exc).__name__}: {exc}); {broken}"
        ) from exc
    try:
        names = book.sheetnames
        if sheet is None:
            ws = book[names[0]]
        elif isinstance(sheet, int):
            if not 0 <= sheet < len(names):
                raise ConfigError(
                    f"{path}: sheet index {sheet} out of range; sheets: {', '.join(names)}"
                )
            ws = book[names[sheet]]
        else:
            if sheet not in names:
                raise ConfigError(f"{path}: no sheet {sheet!r}; sheets: {', '.join(names)}")
            ws = book[sheet]
        sheet_name = ws.title
        try:
            rows = list(ws.iter_rows(values_only=True))
        except Exception as exc:  # a cut-short or corrupt sheet: XML, zip or value errors
            raise InputFileError(
                f"{path}: sheet {sheet_name!r} is damaged and cannot be read "
                f"({type(exc).__name__}: {exc}); {broken}"
            ) from exc
    finally:
        book.close()
    if not rows:
        raise InputFileError(f"{path}: sheet {sheet_name!r} is empty (no header row)")
    h = _header_row_index(rows)
    header = list(rows[h])
    body = rows[h + 1 :]
    width = max([len(header)] + [len(r) for r in body]) if body else len(header)
    header += [None] * (width - len(header))
    # drop trailing columns with neither a header nor any value
    used = [
        j
        for j in range(width)
        if (header[j] is not None and str(header[j]).strip())
        or any(j < len(r) and r[j] is not None and str(r[j]).strip() for r in body)
    ]
    headers = _unique_headers([header[j] for j in used])
    cells: list[list[str | None]] = [[] for _ in used]
    row_numbers: list[int] = []
    for k, row in enumerate(body):
        values = [_excel_cell(row[j]) if j < len(row) else None for j in used]
        if all(v is None or not v.strip() for v in values):
            continue
        for j, v in enumerate(values):
            cells[j].append(v)
        row_numbers.append(k + 1)
    raw = _table(
        {name: pa.array(cells[j], type=pa.string()) for j, name in enumerate(headers)},
        len(row_numbers),
        format="xlsx",
        sheet=sheet_name,
        header_row=h + 1,
        digest=digest_bytes(data),
    )
    raw.row_numbers = np.asarray(row_numbers, dtype=np.int64)
    return raw
