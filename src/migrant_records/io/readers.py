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
import hashlib
import json
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.types import is_object_dtype

from migrant_records.errors import InputFileError
from migrant_records.io._joined import each_column

__all__ = [
    "SUPPORTED_FORMATS",
    "CellProblem",
    "RawTable",
    "digest_bytes",
    "read_frame",
    "read_path",
]

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
        info: What was read: ``format``, ``digest`` (a short stable digest of the content,
            used in generated record ids), and for CSV ``delimiter`` and ``encoding``.
    """

    columns: dict[str, pa.Array]
    n_rows: int
    row_numbers: np.ndarray
    problems: list[CellProblem] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)


def digest_bytes(data: bytes | memoryview) -> str:
    """A short stable digest of some content: the first 8 hex digits of its SHA-256.

    Example:
        >>> digest_bytes(b"NAMA\\nSiti\\n")
        '7ec75652'
    """
    return hashlib.sha256(data).hexdigest()[:8]


def _file_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputFileError(
            f"{path}: cannot read the file ({exc.strerror or exc}); check that it exists and "
            "that you may read it"
        ) from exc


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
    cleaned = dict(zip(columns, each_column(_clean, list(columns.values()))))
    return RawTable(cleaned, n_rows, np.arange(1, n_rows + 1, dtype=np.int64), info=info)


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


def _plain(value: Any) -> Any:
    """Nested cell content as JSON-compatible Python values (arrays become lists)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    tolist = getattr(value, "tolist", None)
    if callable(tolist) and not isinstance(value, bytes):
        return _plain(tolist())  # numpy arrays and scalars
    text, ok = _cell_to_text(value)
    return text if ok else repr(value)


def _nested_text(value: Any) -> str:
    """A printable text form of a non-scalar cell (JSON where it can be)."""
    try:
        return json.dumps(_plain(value), ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return repr(value)


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
    if is_object_dtype(dtype):
        return _object_to_arrow(series)
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
    return _object_to_arrow(series)


def _object_to_arrow(series: pd.Series) -> tuple[pa.Array, np.ndarray | None, list[str]]:
    """:func:`_series_to_arrow` of a column of Python objects."""
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
            # kept as JSON text: a column the library does not use passes through with it
            text = _nested_text(value)
            bad_pos.append(i)
            bad_val.append(text[:200])
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
    for name, (_, series) in zip(headers, frame.items()):
        array, bad_pos, bad_val = _series_to_arrow(series)
        columns[name] = array
        if bad_pos is not None and len(bad_pos):
            logger.warning("%s: column %r has %d non-text cells", label, name, len(bad_pos))
            problems.append(CellProblem("invalid_type", name, bad_pos, bad_val))
    raw = _table(columns, len(frame), format="dataframe")
    raw.info["digest"] = _columns_digest(raw.columns)
    raw.problems = problems
    return raw


def _columns_digest(columns: dict[str, pa.Array]) -> str:
    """A stable digest of text columns: header names, values and where values are missing.

    Hashes the Arrow buffers (offsets and UTF-8 bytes), not Python objects, so it costs about
    as much as reading the data once.
    """
    h = hashlib.sha256()
    for name, column in columns.items():
        h.update(name.encode("utf-8", "surrogatepass") + b"\x00")
        array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
        if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
            array = pc.cast(array, pa.string())
        if array.null_count == 0:
            nulls = np.zeros(len(array), dtype=bool)
        else:
            nulls = np.asarray(pc.is_null(array).to_numpy(zero_copy_only=False), dtype=bool)
        h.update(np.packbits(nulls).tobytes())
        _, offsets_buf, data_buf = array.buffers()
        width = 8 if pa.types.is_large_string(array.type) else 4
        offsets = np.frombuffer(
            offsets_buf,
            dtype=np.int64 if width == 8 else np.int32,
            count=len(array) + 1,
            offset=array.offset * width,
        )
        start, end = int(offsets[0]), int(offsets[-1])
        h.update((offsets - offsets[0]).astype(np.int64).tobytes())
        if data_buf is not None and end > start:
            h.update(memoryview(data_buf)[start:end])
    return h.hexdigest()[:8]


# --------------------------------------------------------------------------- Parquet


def _read_parquet(path: Path) -> RawTable:
    import pyarrow.parquet as pq

    data = _file_bytes(path)
    try:
        table = pq.read_table(pa.BufferReader(data))
    except Exception as exc:
        raise InputFileError(
            f"{path}: cannot read it as a Parquet file ({exc}); write it again, or export the "
            "data as CSV UTF-8"
        ) from exc
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
        if pa.types.is_nested(t):
            # lists, structs, maps: JSON text of the Arrow values (exact types), each cell a
            # problem that rejects its row only if the column is one the library uses
            cells = col.to_pylist()
            text = [None if v is None else _nested_text(v) for v in cells]
            bad = np.flatnonzero([v is not None for v in cells]).astype(np.int64)
            columns[name] = pa.array(text, type=pa.string())
            if len(bad):
                problems.append(
                    CellProblem("invalid_type", name, bad, [str(text[k])[:200] for k in bad])
                )
            continue
        array, bad_pos, bad_val = _series_to_arrow(col.to_pandas())
        columns[name] = array
        if bad_pos is not None and len(bad_pos):
            problems.append(CellProblem("invalid_type", name, bad_pos, bad_val))
    raw = _table(columns, table.num_rows, format="parquet", digest=digest_bytes(data))
    raw.problems = problems
    return raw


# --------------------------------------------------------------------------- dispatch


def _formats_text() -> str:
    return "CSV (.csv, .txt, .tsv, .psv), XLSX (.xlsx, .xlsm), Parquet (.parquet, .pq)"


def read_path(
    path: str | Path,
    *,
    sheet: str | int | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
) -> RawTable:
    """Read a file into a :class:`RawTable`, choosing the reader from its extension.

    Args:
        path: A ``.csv``/``.txt``/``.tsv``/``.psv``, ``.xlsx``/``.xlsm`` or
            ``.parquet``/``.pq`` file.
        sheet: XLSX sheet name or 0-based index (default: the first sheet).
        delimiter: CSV delimiter (default: sniffed among ``, ; tab |``).
        encoding: CSV text encoding (default: detected, see
            :mod:`migrant_records.io.encoding`).

    Returns:
        A :class:`RawTable`.

    Raises:
        InputFileError: The file does not exist, cannot be read, has an unknown extension,
            or (CSV) its text encoding cannot be told.
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
        from migrant_records.io.delimited import read_delimited

        try:
            return read_delimited(p, delimiter, encoding)
        except (pa.ArrowInvalid, csv.Error) as exc:
            raise InputFileError(
                f"{p}: cannot parse it as CSV ({exc}); check the delimiter and quoting, or "
                "save it again as CSV UTF-8"
            ) from exc
    if fmt == "xlsx":
        from migrant_records.io.workbook import read_xlsx

        return read_xlsx(p, sheet)
    return _read_parquet(p)
