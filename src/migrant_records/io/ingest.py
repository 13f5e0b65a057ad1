"""Read inputs into canonical records, with row-level validation and rejects."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Union

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.types import is_object_dtype

from migrant_records._pandas import object_column
from migrant_records.errors import InputFileError, SchemaError
from migrant_records.io._joined import as_mask, column_masks, joinable
from migrant_records.io.batch import REJECT_COLUMNS, Batch, empty_rejects
from migrant_records.io.headers import resolve_mapping
from migrant_records.io.readers import RawTable, _columns_digest, read_frame, read_path
from migrant_records.schemas import CANONICAL_COLUMNS

__all__ = [
    "MAX_VALUE_LENGTH",
    "REJECT_REASONS",
    "InputSource",
    "read_records",
    "write_rejects",
]

logger = logging.getLogger(__name__)

InputSource = Union[str, "os.PathLike[str]", pd.DataFrame]
"""What :func:`read_records` accepts: a file path or a DataFrame."""

MAX_VALUE_LENGTH = 500
"""Longest accepted value (characters) in a canonical column; longer values are rejected."""

REJECT_REASONS: dict[str, str] = {
    "malformed_row": "the CSV row has more fields than the header (misaligned row)",
    "invalid_type:<column>": "a cell holds a non-scalar object (list, dict, array, ...)",
    "invalid_text:<column>": "a value holds a NUL character (binary data, not text)",
    "too_long:<column>": f"a value in a canonical column is longer than {MAX_VALUE_LENGTH} chars",
    "blank_source": "no source in the row and no source= given",
    "blank_record_id": "the record id is blank",
    "blank_full_name": "the full name is blank",
    "invalid_full_name": "the full name has no letters (only digits or punctuation)",
    "duplicate_record_id": "the (source, record_id) already appeared in an earlier row",
}
"""Reason codes in :attr:`Batch.rejects` and what they mean (first failing check wins)."""


def _text(array: pa.Array, positions: np.ndarray) -> list[Any]:
    if len(positions) == 0:
        return []
    return list(array.take(pa.array(positions, type=pa.int64())).to_pylist())


def _short(value: Any, limit: int = 100) -> Any:
    if isinstance(value, str) and len(value) > limit:
        return value[:limit] + "..."
    return value


class _Check:
    """One row-level check: a mask plus how to report the offending value."""

    def __init__(
        self,
        reason: str,
        column: str,
        mask: np.ndarray,
        values: pa.Array | dict[int, str] | None,
    ) -> None:
        self.reason = reason
        self.column = column
        self.mask = mask
        self.values = values

    def value_at(self, positions: np.ndarray) -> list[Any]:
        if self.values is None:
            return [None] * len(positions)
        if isinstance(self.values, dict):
            return [self.values.get(int(p)) for p in positions]
        return [_short(v) for v in _text(self.values, positions)]


def _too_long(array: pa.Array) -> pa.Array:
    return pc.greater(pc.utf8_length(array), MAX_VALUE_LENGTH)


def _has_nul(array: pa.Array) -> pa.Array:
    return pc.match_substring(array, "\x00")


def _without_nul(array: pa.Array, header: str, label: str, notes: list[str]) -> pa.Array:
    """A passed-through column with NUL characters removed (noted, never silently)."""
    has = pc.match_substring(array, "\x00")
    count = int(pc.sum(pc.cast(pc.fill_null(has, False), pa.int64())).as_py() or 0)
    if not count:
        return array
    notes.append(f"{header!r}: NUL characters removed from {count} value(s)")
    logger.warning("%s: column %r: NUL characters removed from %d values", label, header, count)
    return pc.replace_substring(array, "\x00", "")


_FEW_NAMES = 1_000
"""Up to this many names :func:`_no_letter` settles those with a Latin letter in Python."""

_LATIN_LETTER = re.compile("[A-Za-z]")


def _no_letter(names: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Names (not missing) without a single letter (no character of Unicode category L).

    On a few names, those holding a Latin letter are settled in Python and only the others
    go to the regular expression: compiling ``\\pL`` costs more than checking a few names.
    """
    if len(names) > _FEW_NAMES:
        return as_mask(pc.invert(pc.match_substring_regex(names, r"\pL")))
    values = names.to_pylist()
    unsure = [k for k, v in enumerate(values) if v is not None and not _LATIN_LETTER.search(v)]
    out = np.zeros(len(values), dtype=bool)
    if unsure:
        rest = pa.array([values[k] for k in unsure], pa.string())
        out[unsure] = as_mask(pc.invert(pc.match_substring_regex(rest, r"\pL")))
    return out


def _missing_message(missing: list[str], headers: list[str], label: str) -> str:
    found = ", ".join(repr(h) for h in headers) if headers else "(none)"
    msg = f"{label}: required column(s) missing: {', '.join(missing)}. Columns found: {found}."
    if any(m != "source" for m in missing):
        msg += (
            " No header was recognised for them: pass mapping={'<your header>': 'full_name'}"
            " to say which input column holds each."
        )
    if "source" in missing:
        msg += " Pass source='<dataset name>' (e.g. source='KP2MI') or add a source column."
    return msg


def _build_batch(
    raw: RawTable, source: str | None, mapping: Mapping[str, str] | None, label: str
) -> Batch:
    headers = list(raw.columns)
    hm = resolve_mapping(headers, mapping)
    targets = hm.targets
    n = raw.n_rows
    source = source.strip() if isinstance(source, str) and source.strip() else None

    missing = [c for c in ("full_name",) if c not in targets]
    if "source" not in targets and source is None:
        missing.insert(0, "source")
    if missing:
        raise SchemaError(_missing_message(missing, headers, label))

    notes: list[str] = []
    null = pa.nulls(n, pa.string())
    cols: dict[str, pa.Array] = {
        c: raw.columns[targets[c]] if c in targets else null for c in CANONICAL_COLUMNS
    }
    if hm.copy_birth_date_from is not None:
        cols["birth_date"] = raw.columns[hm.copy_birth_date_from]
        notes.append(
            f"{hm.copy_birth_date_from!r} holds place and date of birth together: its value is "
            "kept in birth_place and copied to birth_date (standardisation splits it)"
        )
    if "source" in targets:
        if source is not None:
            cols["source"] = pc.fill_null(cols["source"], source)
    else:
        cols["source"] = pa.repeat(pa.scalar(source, pa.string()), n)
    digest = str(raw.info.get("digest") or _columns_digest(raw.columns))
    if "record_id" not in targets:
        rows = pc.cast(pa.array(raw.row_numbers, type=pa.int64()), pa.string())
        cols["record_id"] = pc.binary_join_element_wise(f"{digest}-", rows, "")
        notes.append(
            f"no record id column found: record_id generated as '{digest}-<row>' from a digest "
            "of the input's content and the 1-based row number"
        )
        logger.info("%s: no record id column; record_id generated as %s-<row>", label, digest)

    extras: dict[str, pa.Array] = {}
    # on a small input, one kernel call tells the columns that hold no NUL at all
    passed = [raw.columns[header] for header in hm.unmapped]
    nul_free = [False] * len(passed)
    if joinable(passed):
        nul_free = [not m.any() for m in column_masks(_has_nul, passed)]
    for header, array, clean in zip(hm.unmapped, passed, nul_free):
        name = header
        while name in cols or name in extras:
            name = f"{name}_input"
        extras[name] = array if clean else _without_nul(array, header, label, notes)
    if hm.unmapped:
        notes.append("passed through unchanged: " + ", ".join(hm.unmapped))

    # ---- row-level checks, in priority order (the first failing one is reported)
    header_to_col = {h: c for h, c in hm.mapping.items()}
    checks: list[_Check] = []
    for problem in raw.problems:
        if problem.column and problem.column not in header_to_col:
            # a column the library does not use: its cells pass through as text
            notes.append(
                f"{problem.column!r} holds {len(problem.positions)} non-scalar value(s) "
                "(lists, structs); passed through as JSON text"
            )
            continue
        mask = np.zeros(n, dtype=bool)
        mask[problem.positions] = True
        column = header_to_col.get(problem.column, problem.column)
        reason = problem.reason if not column else f"{problem.reason}:{column}"
        values = dict(zip(problem.positions.tolist(), problem.values))
        checks.append(_Check(reason, column, mask, values))
    mapped = [c for c in CANONICAL_COLUMNS if c in targets]
    for c, mask in zip(mapped, column_masks(_too_long, [cols[c] for c in mapped])):
        if mask.any():
            checks.append(_Check(f"too_long:{c}", c, mask, cols[c]))
    for c, mask in zip(mapped, column_masks(_has_nul, [cols[c] for c in mapped])):
        if mask.any():
            shown = pc.replace_substring(cols[c], "\x00", "\\0")
            checks.append(_Check(f"invalid_text:{c}", c, mask, shown))
    name = cols["full_name"]
    blank = column_masks(pc.is_null, [cols["source"], cols["record_id"], name])
    checks.append(_Check("blank_source", "source", blank[0], None))
    checks.append(_Check("blank_record_id", "record_id", blank[1], None))
    checks.append(_Check("blank_full_name", "full_name", blank[2], None))
    checks.append(_Check("invalid_full_name", "full_name", _no_letter(name), name))

    reason_idx = np.full(n, -1, dtype=np.int32)
    for k, check in enumerate(checks):
        reason_idx[check.mask & (reason_idx < 0)] = k

    ok_pos = np.flatnonzero(reason_idx < 0)
    if len(ok_pos) > 1:  # one record cannot repeat a key
        take = pa.array(ok_pos, type=pa.int64())
        src_codes = pd.factorize(cols["source"].take(take).to_numpy(zero_copy_only=False))[0]
        rid = cols["record_id"].take(take)
        rid_codes = np.asarray(
            pc.dictionary_encode(rid).indices.to_numpy(zero_copy_only=False), dtype=np.int64
        )
        key = src_codes.astype(np.int64) * (int(rid_codes.max()) + 1) + rid_codes
        dup = pd.Series(key).duplicated(keep="first").to_numpy()
        if dup.any():
            mask = np.zeros(n, dtype=bool)
            mask[ok_pos[dup]] = True
            checks.append(_Check("duplicate_record_id", "record_id", mask, cols["record_id"]))
            reason_idx[mask] = len(checks) - 1

    # ---- rejects
    parts: list[pd.DataFrame] = []
    for k, check in enumerate(checks):
        pos = np.flatnonzero(reason_idx == k)
        if not len(pos):
            continue
        parts.append(
            pd.DataFrame(
                {
                    "source": _text(cols["source"], pos),
                    "row": raw.row_numbers[pos],
                    "record_id": _text(cols["record_id"], pos),
                    "column": check.column,
                    "value": check.value_at(pos),
                    "reason": check.reason,
                }
            )
        )
    if parts:
        rejects = pd.concat(parts, ignore_index=True).sort_values("row", kind="stable")
        rejects = rejects.reset_index(drop=True)[list(REJECT_COLUMNS)]
        rejects["row"] = rejects["row"].astype("int64")
    else:
        rejects = empty_rejects()

    # ---- accepted records
    keep = reason_idx < 0
    table = pa.table({**cols, **extras})
    if not keep.all():
        table = table.filter(pa.array(keep))
    records = table.to_pandas()
    records.index = pd.RangeIndex(len(records))
    for c, dtype in records.dtypes.items():
        if not is_object_dtype(dtype):
            records[c] = object_column(records[c])

    if "source" not in targets and source is not None:
        source_name = source
    else:
        values = pc.unique(pc.drop_null(cols["source"])).to_pylist()
        source_name = ", ".join(sorted(str(v) for v in values)) if values else (source or "")
    info = dict(raw.info)
    info["input"] = label
    info["digest"] = digest
    logger.info("%s: %d rows read, %d records, %d rejected", label, n, len(records), len(rejects))
    batch = Batch(
        records=records,
        rejects=rejects,
        mapping=dict(hm.mapping),
        source_name=source_name,
        n_input=n,
        notes=notes,
        info=info,
    )
    batch.row_numbers = raw.row_numbers[keep]
    return batch


def read_records(
    path_or_frame: InputSource,
    source: str | None = None,
    mapping: Mapping[str, str] | None = None,
    *,
    sheet: str | int | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
) -> Batch:
    """Read one input into canonical records, rejecting (never dropping) bad rows.

    Everything is read as text: a NIK keeps its leading zeros and never becomes a float;
    values are stripped and empty strings become missing (``None``). Headers are mapped to
    the canonical columns (see :data:`~migrant_records.io.HEADER_ALIASES`); columns that
    do not map pass through after the canonical ones.

    Rows are rejected, with a reason, when the name or record id is blank, the name has no
    letters, a value in a canonical column is not text (a list in a DataFrame cell), holds a
    NUL character or is longer than :data:`MAX_VALUE_LENGTH`, a CSV row is misaligned, or
    the ``(source, record_id)`` already appeared. Columns the library does not use never
    cause a reject (a list in one passes through as JSON text). Without a record id column,
    ids are generated as ``<digest>-<row>``: a digest of the input's content and the row
    number, so that two files of one source never share an id. Invalid NIKs, phones or
    dates are *not* rejected: standardisation flags them.
    ``len(batch.records) + len(batch.rejects) == batch.n_input`` always holds.

    Args:
        path_or_frame: A CSV (delimiter ``, ; tab |`` sniffed; encoding detected among UTF-8
            with or without BOM, UTF-16 and Windows-1252/Latin-1, see
            :mod:`migrant_records.io.encoding`), XLSX or Parquet file, or a DataFrame.
        source: Source name. Fills the ``source`` column when the input has none (and its
            blank cells when it has one). Required if the input has no source column.
        mapping: Input header -> canonical column. Takes precedence; headers it does not
            cover are still detected automatically.
        sheet: XLSX sheet name or 0-based index (default: the first sheet).
        delimiter: CSV delimiter, to override sniffing.
        encoding: CSV text encoding (a Python codec name), to override detection.

    Returns:
        A :class:`Batch`.

    Raises:
        InputFileError: The file is missing, unreadable, of an unknown format, or its text
            encoding cannot be told.
        SchemaError: No column maps to ``full_name``, or there is no source column and no
            ``source`` argument.
        ConfigError: ``mapping`` names a target that is not a canonical column.

    Examples:
        >>> import pandas as pd
        >>> df = pd.DataFrame({"NO": ["1", "2"], "NAMA LENGKAP": ["Siti Aminah", " "],
        ...                    "NIK": ["0012345678901234", ""]})
        >>> batch = read_records(df, source="KP2MI")
        >>> batch.records[["source", "record_id", "nik", "full_name"]].values.tolist()
        [['KP2MI', '1', '0012345678901234', 'Siti Aminah']]
        >>> batch.rejects[["row", "reason"]].values.tolist()
        [[2, 'blank_full_name']]
    """
    if isinstance(path_or_frame, pd.DataFrame):
        raw = read_frame(path_or_frame)
        label = "DataFrame"
    elif isinstance(path_or_frame, (str, os.PathLike)):
        raw = read_path(Path(path_or_frame), sheet=sheet, delimiter=delimiter, encoding=encoding)
        label = str(path_or_frame)
    else:
        raise InputFileError(
            f"cannot read {type(path_or_frame).__name__}: pass a file path (CSV, XLSX, Parquet) "
            "or a pandas DataFrame"
        )
    return _build_batch(raw, source, mapping, label)


def write_rejects(batch: Batch | pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write the rejected rows of a batch to a file.

    Args:
        batch: A :class:`Batch` (or a rejects frame).
        path: Destination; ``.parquet`` and ``.xlsx`` write those formats, anything else CSV
            (UTF-8). Parent folders are created.

    Returns:
        The path written.

    Examples:
        >>> import pandas as pd, tempfile, os
        >>> b = read_records(pd.DataFrame({"NAMA": ["", "Siti"]}), source="BPS")
        >>> out = write_rejects(b, os.path.join(tempfile.mkdtemp(), "rejects.csv"))
        >>> pd.read_csv(out)["reason"].tolist()
        ['blank_full_name']
    """
    frame = batch.rejects if isinstance(batch, Batch) else batch
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    suffix = out.suffix.lower()
    if suffix in (".parquet", ".pq"):
        frame.to_parquet(out, index=False)
    elif suffix in (".xlsx", ".xlsm"):
        frame.to_excel(out, index=False)
    else:
        frame.to_csv(out, index=False)
    return out
