"""Readers: CSV, XLSX, Parquet and DataFrames into all-string Arrow columns.

Every reader returns a :class:`RawTable`: the input's columns (deduplicated header names, in
input order) as Arrow string arrays with whitespace stripped and empty strings as null, the
1-based data row number of each row, and any cells that could not be read as text (they
become rejects, never silent losses).
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from migrant_records.errors import ConfigError, InputFileError

__all__ = ["SUPPORTED_FORMATS", "CellProblem", "RawTable", "read_frame", "read_path"]

logger = logging.getLogger(__name__)

SUPPORTED_FORMATS: dict[str, str] = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".psv": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".parquet": "parquet",
    ".pq": "parquet",
}
"""File extensions :func:`read_path` understands, and the format each one means."""

_DELIMITERS = (",", ";", "\t", "|")
_SAMPLE_BYTES = 1 << 16


@dataclass
class CellProblem:
    """Cells of one column that could not be read as text (or rows that could not be parsed).

    Attributes:
        reason: Reason code, e.g. ``"invalid_type"`` or ``"malformed_row"``.
        column: Input header of the column (``""`` for a whole row).
        positions: Row positions (0-based) of the problem cells.
        values: A printable form of each problem value, aligned with ``positions``.
    """

    reason: str
    column: str
    positions: np.ndarray
    values: list[str]


@dataclass
class RawTable:
    """An input read as text, before header mapping and validation.

    Attributes:
        columns: Input header -> Arrow string array (nulls for missing), in input order.
        n_rows: Number of data rows.
        row_numbers: 1-based data row number of each row (``int64``).
        problems: Cells that could not be read as text.
        info: What was read: ``format``, and for CSV ``delimiter`` and ``encoding``.
    """

    columns: dict[str, pa.Array]
    n_rows: int
    row_numbers: np.ndarray
    problems: list[CellProblem] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)


def _unique_headers(headers: list[object]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for i, header in enumerate(headers):
        name = "" if header is None else str(header).strip().lstrip("\ufeff").strip()
        if not name:
            name = f"column_{i + 1}"
        candidate, k = name, 1
        while candidate in seen:
            k += 1
            candidate = f"{name}_{k}"
        seen.add(candidate)
        out.append(candidate)
    return out


def _clean(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Strip whitespace and turn empty strings into null, as one string array."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks() if array.num_chunks != 1 else array.chunk(0)
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        array = pc.cast(array, pa.string())
    stripped = pc.utf8_trim_whitespace(array)
    empty = pc.equal(pc.utf8_length(stripped), 0)
    return pc.if_else(empty, pa.scalar(None, stripped.type), stripped)


def _table(columns: dict[str, pa.Array], n_rows: int, **info: Any) -> RawTable:
    cleaned = {name: _clean(arr) for name, arr in columns.items()}
    return RawTable(cleaned, n_rows, np.arange(1, n_rows + 1, dtype=np.int64), info=info)


# --------------------------------------------------------------------------- CSV


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


def _decode_sample(raw: bytes) -> tuple[str, str]:
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(raw) - 3:  # a multi-byte character cut at the sample end
            return raw[: exc.start].decode("utf-8-sig"), "utf-8"
        return raw.decode("latin-1"), "latin-1"


def _read_csv(path: Path, delimiter: str | None) -> RawTable:
    import pyarrow.csv as pcsv

    with path.open("rb") as handle:
        sample_bytes = handle.read(_SAMPLE_BYTES)
    if not sample_bytes.strip():
        raise InputFileError(f"{path}: the file is empty (no header row)")
    sample, encoding = _decode_sample(sample_bytes)
    delim = delimiter or _sniff_delimiter(sample)
    header_row = next(csv.reader(io.StringIO(sample), delimiter=delim), [])
    headers = _unique_headers(list(header_row))

    invalid = 0

    def _on_invalid(_row: Any) -> str:
        nonlocal invalid
        invalid += 1
        return "skip"

    def _arrow(enc: str) -> pa.Table:
        return pcsv.read_csv(
            path,
            read_options=pcsv.ReadOptions(
                column_names=headers, skip_rows=1, encoding=enc, block_size=1 << 24
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

    table: pa.Table | None = None
    try:
        table = _arrow("utf8" if encoding == "utf-8" else "latin1")
    except pa.ArrowInvalid as exc:
        if encoding == "utf-8" and "utf8" in str(exc).lower().replace("-", ""):
            encoding = "latin-1"
            invalid = 0
            table = _arrow("latin1")
        else:
            logger.info("%s: fast CSV parser failed (%s); using the tolerant parser", path, exc)
            table = None
    except OSError as exc:
        raise InputFileError(f"{path}: cannot read the file ({exc})") from exc
    if table is not None and invalid == 0:
        return _table(
            {h: table.column(h) for h in headers},
            table.num_rows,
            format="csv",
            delimiter=delim,
            encoding=encoding,
        )
    return _read_csv_tolerant(path, delim, encoding, headers)


def _read_csv_tolerant(path: Path, delim: str, encoding: str, headers: list[str]) -> RawTable:
    """Row-by-row CSV parse for files with rows of the wrong width (exact row numbers)."""
    text = path.read_text(encoding="utf-8-sig" if encoding == "utf-8" else "latin-1")
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
        {h: pa.array(cells[j], type=pa.string()) for j, h in enumerate(headers)},
        n,
        format="csv",
        delimiter=delim,
        encoding=encoding,
    )
    if bad_pos:
        logger.warning("%s: %d rows have more fields than the header", path, len(bad_pos))
        raw.problems.append(
            CellProblem("malformed_row", "", np.asarray(bad_pos, dtype=np.int64), bad_text)
        )
    return raw


# --------------------------------------------------------------------------- XLSX


def _excel_cell(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e17:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


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


def _read_xlsx(path: Path, sheet: str | int | None) -> RawTable:
    try:
        import openpyxl
    except ImportError as exc:  # pragma: no cover - openpyxl is a dependency
        raise InputFileError(f"{path}: reading XLSX needs openpyxl (pip install openpyxl)") from exc
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise InputFileError(f"{path}: cannot read it as an XLSX workbook ({exc})") from exc
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
        rows = list(ws.iter_rows(values_only=True))
        sheet_name = ws.title
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
    )
    raw.row_numbers = np.asarray(row_numbers, dtype=np.int64)
    return raw


# --------------------------------------------------------------------------- DataFrame


_SCALAR_TYPES = (str, int, float, bool, np.integer, np.floating, np.bool_, decimal.Decimal)


def _cell_to_text(value: Any) -> tuple[str | None, bool]:
    """Text of one cell, and whether the cell is acceptable (scalar)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None, True
    if isinstance(value, str):
        return value, True
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value)), True
    if isinstance(value, (int, np.integer)):
        return str(int(value)), True
    if isinstance(value, (float, np.floating)):
        f = float(value)
        if math.isnan(f):
            return None, True
        if math.isfinite(f) and f.is_integer() and abs(f) < 1e17:
            return str(int(f)), True
        return repr(f), True
    if isinstance(value, (dt.datetime, dt.date, dt.time, pd.Timestamp)):
        return _excel_cell(value), True
    if isinstance(value, decimal.Decimal):
        return str(value), True
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8"), True
        except UnicodeDecodeError:
            return value.decode("latin-1"), True
    return None, False


def _float_text(values: np.ndarray) -> list[str | None]:
    out: list[str | None] = []
    for f in values.tolist():
        out.append(_cell_to_text(f)[0])
    return out


def _object_text(series: pd.Series, missing: np.ndarray) -> pa.Array:
    """Arrow strings from ``str(value)`` of each cell, null where ``missing``."""
    values = series.to_numpy(dtype=object)
    return pa.array(
        [None if m else str(v) for v, m in zip(values.tolist(), missing.tolist())],
        type=pa.string(),
    )


def _series_to_arrow(series: pd.Series) -> tuple[pa.Array, np.ndarray | None, list[str]]:
    """Convert one column to Arrow strings; return (array, bad positions, bad values)."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        series = series.astype(object)
        dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_integer_dtype(dtype):
        return _object_text(series.astype(object), series.isna().to_numpy()), None, []
    if pd.api.types.is_float_dtype(dtype):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        integral = np.isfinite(values) & (np.abs(values) < 1e17)
        integral &= np.floor(np.where(integral, values, 0.0)) == np.where(integral, values, 0.5)
        if integral[~np.isnan(values)].all():
            ints = pa.array(np.where(integral, values, 0).astype(np.int64), mask=~integral)
            return pc.cast(ints, pa.string()), None, []
        return pa.array(_float_text(values), type=pa.string()), None, []
    if pd.api.types.is_datetime64_any_dtype(dtype):
        ts = pd.to_datetime(series)
        valid = ts.notna()
        midnight = bool((ts[valid] == ts[valid].dt.normalize()).all())
        fmt = "%Y-%m-%d" if midnight else "%Y-%m-%d %H:%M:%S"
        return _object_text(ts.dt.strftime(fmt), ~valid.to_numpy()), None, []
    if isinstance(dtype, pd.StringDtype):
        return _object_text(series, series.isna().to_numpy()), None, []
    try:
        return pa.array(series.to_numpy(dtype=object), type=pa.string(), from_pandas=True), None, []
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        pass
    out: list[str | None] = []
    bad_pos: list[int] = []
    bad_val: list[str] = []
    for i, value in enumerate(series.to_numpy(dtype=object).tolist()):
        try:
            text, ok = _cell_to_text(value)
        except (TypeError, ValueError):  # e.g. an array-like whose NA check is ambiguous
            text, ok = None, False
        if not ok:
            bad_pos.append(i)
            bad_val.append(repr(value)[:200])
        out.append(text)
    return pa.array(out, type=pa.string()), np.asarray(bad_pos, dtype=np.int64), bad_val


def read_frame(frame: pd.DataFrame, *, label: str = "DataFrame") -> RawTable:
    """Read a DataFrame as text columns (the input frame is not modified).

    Numbers become their plain text (integral floats without ``.0``, so a NIK that pandas
    made a float keeps its digits), datetimes ISO dates, non-scalar cells (lists, dicts,
    arrays, objects) are reported as ``invalid_type`` problems.

    Args:
        frame: The input frame; its index is ignored (row numbers are positions + 1).
        label: Name used in messages.

    Returns:
        A :class:`RawTable`.
    """
    headers = _unique_headers(list(frame.columns))
    columns: dict[str, pa.Array] = {}
    problems: list[CellProblem] = []
    for j, name in enumerate(headers):
        array, bad_pos, bad_val = _series_to_arrow(frame.iloc[:, j])
        columns[name] = array
        if bad_pos is not None and len(bad_pos):
            logger.warning("%s: column %r has %d non-text cells", label, name, len(bad_pos))
            problems.append(CellProblem("invalid_type", name, bad_pos, bad_val))
    raw = _table(columns, len(frame), format="dataframe")
    raw.problems = problems
    return raw


# --------------------------------------------------------------------------- Parquet


def _read_parquet(path: Path) -> RawTable:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:
        raise InputFileError(f"{path}: cannot read it as a Parquet file ({exc})") from exc
    headers = _unique_headers(list(table.column_names))
    columns: dict[str, pa.Array] = {}
    problems: list[CellProblem] = []
    for j, name in enumerate(headers):
        col = table.column(j)
        t = col.type
        if pa.types.is_dictionary(t):
            col = pc.cast(col, t.value_type)
            t = col.type
        if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_integer(t):
            columns[name] = col
            continue
        if pa.types.is_date(t):
            columns[name] = pc.cast(col, pa.string())
            continue
        array, bad_pos, bad_val = _series_to_arrow(col.to_pandas())
        columns[name] = array
        if bad_pos is not None and len(bad_pos):
            problems.append(CellProblem("invalid_type", name, bad_pos, bad_val))
    raw = _table(columns, table.num_rows, format="parquet")
    raw.problems = problems
    return raw


# --------------------------------------------------------------------------- dispatch


def _formats_text() -> str:
    return "CSV (.csv, .txt, .tsv, .psv), XLSX (.xlsx, .xlsm), Parquet (.parquet, .pq)"


def read_path(
    path: str | Path, *, sheet: str | int | None = None, delimiter: str | None = None
) -> RawTable:
    """Read a file into a :class:`RawTable`, choosing the reader from its extension.

    Args:
        path: A ``.csv``/``.txt``/``.tsv``/``.psv``, ``.xlsx``/``.xlsm`` or
            ``.parquet``/``.pq`` file.
        sheet: XLSX sheet name or 0-based index (default: the first sheet).
        delimiter: CSV delimiter (default: sniffed among ``, ; tab |``).

    Returns:
        A :class:`RawTable`.

    Raises:
        InputFileError: The file does not exist, cannot be read, or has an unknown extension.
    """
    p = Path(path)
    if not p.exists():
        raise InputFileError(f"{p}: file not found. Supported formats: {_formats_text()}")
    if p.is_dir():
        raise InputFileError(
            f"{p}: is a directory, not a file. Supported formats: {_formats_text()}"
        )
    fmt = SUPPORTED_FORMATS.get(p.suffix.lower())
    if fmt is None:
        raise InputFileError(
            f"{p}: unknown file format {p.suffix or '(no extension)'!r}. "
            f"Supported formats: {_formats_text()}"
        )
    if fmt == "csv":
        try:
            return _read_csv(p, delimiter)
        except (pa.ArrowInvalid, csv.Error, UnicodeDecodeError) as exc:
            raise InputFileError(f"{p}: cannot parse it as CSV ({exc})") from exc
    if fmt == "xlsx":
        return _read_xlsx(p, sheet)
    return _read_parquet(p)
