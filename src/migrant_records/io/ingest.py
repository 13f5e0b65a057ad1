"""Read inputs into canonical records, with row-level validation and rejects."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Union

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from migrant_records.errors import ConfigError, InputFileError, SchemaError
from migrant_records.io.batch import REJECT_COLUMNS, Batch, empty_rejects
from migrant_records.io.headers import resolve_mapping
from migrant_records.io.readers import RawTable, read_frame, read_path
from migrant_records.schemas import CANONICAL_COLUMNS

__all__ = [
    "MAX_VALUE_LENGTH",
    "REJECT_REASONS",
    "InputSource",
    "read_many",
    "read_records",
    "validate_command",
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
    "too_long:<column>": f"a value in a canonical column is longer than {MAX_VALUE_LENGTH} chars",
    "blank_source": "no source in the row and no source= given",
    "blank_record_id": "the record id is blank",
    "blank_full_name": "the full name is blank",
    "invalid_full_name": "the full name has no letters (only digits or punctuation)",
    "duplicate_record_id": "the (source, record_id) already appeared in an earlier row",
}
"""Reason codes in :attr:`Batch.rejects` and what they mean (first failing check wins)."""


def _bool(mask: pa.Array | pa.ChunkedArray) -> np.ndarray:
    filled = pc.fill_null(mask, False)
    return np.asarray(filled.to_numpy(zero_copy_only=False), dtype=bool)


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
    if "record_id" not in targets:
        cols["record_id"] = pc.cast(pa.array(raw.row_numbers, type=pa.int64()), pa.string())
        notes.append("no record id column found: record_id generated from the 1-based row number")
        logger.info("%s: no record id column; record_id generated from row numbers", label)

    extras: dict[str, pa.Array] = {}
    for header in hm.unmapped:
        name = header
        while name in cols or name in extras:
            name = f"{name}_input"
        extras[name] = raw.columns[header]
    if hm.unmapped:
        notes.append("passed through unchanged: " + ", ".join(hm.unmapped))

    # ---- row-level checks, in priority order (the first failing one is reported)
    header_to_col = {h: c for h, c in hm.mapping.items()}
    checks: list[_Check] = []
    for problem in raw.problems:
        mask = np.zeros(n, dtype=bool)
        mask[problem.positions] = True
        column = header_to_col.get(problem.column, problem.column)
        reason = problem.reason if not column else f"{problem.reason}:{column}"
        values = dict(zip(problem.positions.tolist(), problem.values))
        checks.append(_Check(reason, column, mask, values))
    for c in CANONICAL_COLUMNS:
        if c not in targets:
            continue
        mask = _bool(pc.greater(pc.utf8_length(cols[c]), MAX_VALUE_LENGTH))
        if mask.any():
            checks.append(_Check(f"too_long:{c}", c, mask, cols[c]))
    checks.append(_Check("blank_source", "source", _bool(pc.is_null(cols["source"])), None))
    checks.append(
        _Check("blank_record_id", "record_id", _bool(pc.is_null(cols["record_id"])), None)
    )
    name = cols["full_name"]
    checks.append(_Check("blank_full_name", "full_name", _bool(pc.is_null(name)), None))
    no_letter = pc.invert(pc.match_substring_regex(name, r"\pL"))
    checks.append(_Check("invalid_full_name", "full_name", _bool(no_letter), name))

    reason_idx = np.full(n, -1, dtype=np.int32)
    for k, check in enumerate(checks):
        reason_idx[check.mask & (reason_idx < 0)] = k

    ok_pos = np.flatnonzero(reason_idx < 0)
    if len(ok_pos):
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
    for c in records.columns:
        if records[c].dtype != object:
            records[c] = records[c].astype(object)

    if "source" not in targets and source is not None:
        source_name = source
    else:
        values = pc.unique(pc.drop_null(cols["source"])).to_pylist()
        source_name = ", ".join(sorted(str(v) for v in values)) if values else (source or "")
    info = dict(raw.info)
    info["input"] = label
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
) -> Batch:
    """Read one input into canonical records, rejecting (never dropping) bad rows.

    Everything is read as text: a NIK keeps its leading zeros and never becomes a float;
    values are stripped and empty strings become missing (``None``). Headers are mapped to
    the canonical columns (see :data:`~migrant_records.io.HEADER_ALIASES`); columns that
    do not map pass through after the canonical ones.

    Rows are rejected, with a reason, when the name or record id is blank, the name has no
    letters, a value is not text (a list in a DataFrame cell) or longer than
    :data:`MAX_VALUE_LENGTH`, a CSV row is misaligned, or the ``(source, record_id)``
    already appeared. Invalid NIKs, phones or dates are *not* rejected: standardisation
    flags them. ``len(batch.records) + len(batch.rejects) == batch.n_input`` always holds.

    Args:
        path_or_frame: A CSV (delimiter ``, ; tab |`` sniffed; UTF-8 with or without BOM,
            else latin-1), XLSX or Parquet file, or a DataFrame.
        source: Source name. Fills the ``source`` column when the input has none (and its
            blank cells when it has one). Required if the input has no source column.
        mapping: Input header -> canonical column. Takes precedence; headers it does not
            cover are still detected automatically.
        sheet: XLSX sheet name or 0-based index (default: the first sheet).
        delimiter: CSV delimiter, to override sniffing.

    Returns:
        A :class:`Batch`.

    Raises:
        InputFileError: The file is missing, unreadable or of an unknown format.
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
        raw = read_path(Path(path_or_frame), sheet=sheet, delimiter=delimiter)
        label = str(path_or_frame)
    else:
        raise InputFileError(
            f"cannot read {type(path_or_frame).__name__}: pass a file path (CSV, XLSX, Parquet) "
            "or a pandas DataFrame"
        )
    return _build_batch(raw, source, mapping, label)


def read_many(
    inputs: InputSource | Batch | Iterable[InputSource | Batch],
    source: str | Sequence[str | None] | None = None,
    mapping: Mapping[str, str] | None = None,
    *,
    sheet: str | int | None = None,
) -> Batch:
    """Read several inputs and concatenate them into one :class:`Batch`.

    ``(source, record_id)`` stays unique across inputs: a pair already seen in an earlier
    input is rejected as ``duplicate_record_id`` (``row`` is its row in its own input).

    Args:
        inputs: Paths, DataFrames and/or already read :class:`Batch` objects (used as
            they are).
        source: One source name for all inputs, or one per input (``None`` entries use the
            input's own source column).
        mapping: Header mapping applied to every input.
        sheet: XLSX sheet for every XLSX input.

    Returns:
        A :class:`Batch` whose ``n_input`` is the total number of rows read.

    Examples:
        >>> import pandas as pd
        >>> a = pd.DataFrame({"ID": ["1", "2"], "NAMA": ["Siti", "Budi"]})
        >>> b = pd.DataFrame({"ID": ["2", "3"], "NAMA": ["Budi", "Wayan"]})
        >>> both = read_many([a, b], source="KEMENDES")
        >>> len(both.records), both.rejects["reason"].tolist()
        (3, ['duplicate_record_id'])
    """
    items: list[InputSource | Batch]
    if isinstance(inputs, (pd.DataFrame, Batch, str, os.PathLike)):
        items = [inputs]
    else:
        items = list(inputs)
    if source is None or isinstance(source, str):
        sources: list[str | None] = [source] * len(items)
    else:
        sources = list(source)
        if len(sources) != len(items):
            raise ConfigError(
                f"read_many got {len(items)} inputs but {len(sources)} sources; "
                "pass one source for all or one per input"
            )
    batches = [
        item if isinstance(item, Batch) else read_records(item, src, mapping, sheet=sheet)
        for item, src in zip(items, sources)
    ]
    if not batches:
        return Batch(
            records=pd.DataFrame({c: pd.Series([], dtype=object) for c in CANONICAL_COLUMNS}),
            rejects=empty_rejects(),
            mapping={},
            source_name="",
            n_input=0,
        )
    if len(batches) == 1:
        return batches[0]

    columns: list[str] = list(CANONICAL_COLUMNS)
    for b in batches:
        columns += [c for c in b.records.columns if c not in columns]
    frames = [b.records.reindex(columns=columns).astype(object) for b in batches]
    records = pd.concat(frames, ignore_index=True)
    for c in records.columns:
        values = records[c].to_numpy(dtype=object)
        values[pd.isna(values)] = None
        records[c] = values
    rows = np.concatenate([b.row_numbers for b in batches])
    dup = records.duplicated(["source", "record_id"], keep="first").to_numpy()
    rejects_parts = [b.rejects for b in batches if len(b.rejects)]
    notes: list[str] = []
    for b in batches:
        notes.append(
            f"{b.info.get('input', '?')}: {b.n_input} rows, {b.n_records} records, "
            f"{b.n_rejected} rejected"
        )
        notes += [f"{b.info.get('input', '?')}: {note}" for note in b.notes]
    if dup.any():
        bad = records.loc[dup]
        rejects_parts.append(
            pd.DataFrame(
                {
                    "source": bad["source"].to_numpy(),
                    "row": rows[dup],
                    "record_id": bad["record_id"].to_numpy(),
                    "column": "record_id",
                    "value": bad["record_id"].to_numpy(),
                    "reason": "duplicate_record_id",
                }
            )
        )
        records = records.loc[~dup].reset_index(drop=True)
        rows = rows[~dup]
        notes.append(f"{int(dup.sum())} records repeat a (source, record_id) of an earlier input")
    rejects = (
        pd.concat(rejects_parts, ignore_index=True)[list(REJECT_COLUMNS)]
        if rejects_parts
        else empty_rejects()
    )
    if len(rejects):
        rejects["row"] = rejects["row"].astype("int64")
    mapping_all: dict[str, str] = {}
    for b in batches:
        for k, v in b.mapping.items():
            mapping_all.setdefault(k, v)
    names: list[str] = []
    for b in batches:
        names += [
            s.strip() for s in b.source_name.split(",") if s.strip() and s.strip() not in names
        ]
    batch = Batch(
        records=records,
        rejects=rejects,
        mapping=mapping_all,
        source_name=", ".join(names),
        n_input=sum(b.n_input for b in batches),
        notes=notes,
        info={"inputs": [b.info for b in batches]},
    )
    batch.row_numbers = rows
    return batch


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


def _load_mapping_file(mapping_file: str) -> dict[str, str]:
    path = Path(mapping_file)
    if not path.exists():
        raise InputFileError(f"{path}: mapping file not found (expected a JSON object)")
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"{path}: not valid JSON ({exc}); expected an object like "
            '{"NAMA LENGKAP": "full_name", "NO KTP": "nik"}'
        ) from exc
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise ConfigError(
            f"{path}: the mapping must be a JSON object of input header -> canonical column, "
            'e.g. {"NAMA LENGKAP": "full_name"}'
        )
    return data


def _default_rejects_path(input_path: str) -> Path:
    p = Path(input_path)
    return p.with_name(f"{p.stem}.rejects.csv")


def validate_command(
    input: str,
    source: str | None,
    mapping_file: str | None,
    rejects_path: str | None,
) -> str:
    """Read one file, report the header mapping and counts, and write its rejects.

    The body of the ``migrant-records validate`` command. Rejects are written to
    ``rejects_path`` when given (even if there are none), else to ``<input>.rejects.csv``
    next to the input when there are any.

    Args:
        input: The file to read.
        source: Source name (required when the file has no source column).
        mapping_file: Optional JSON file: an object of input header -> canonical column.
        rejects_path: Where to write rejected rows.

    Returns:
        The report text to print.

    Raises:
        InputFileError: The input or mapping file cannot be read.
        SchemaError: Required columns are missing.
        ConfigError: The mapping file is invalid.
    """
    mapping = _load_mapping_file(mapping_file) if mapping_file else None
    batch = read_records(input, source, mapping)
    info = batch.info
    lines = [f"input:          {input}"]
    read_as = [str(info.get("format", "?"))]
    if info.get("format") == "csv":
        delim = {"\t": "tab"}.get(str(info.get("delimiter")), repr(info.get("delimiter")))
        read_as.append(f"delimiter {delim}, encoding {info.get('encoding')}")
    if info.get("format") == "xlsx":
        read_as.append(f"sheet {info.get('sheet')!r}, header in row {info.get('header_row')}")
    lines.append(f"read as:        {', '.join(read_as)}")
    lines.append(f"source:         {batch.source_name}")
    lines.append("header mapping:")
    width = max([len(h) for h in batch.mapping] + [6])
    for header, canonical in batch.mapping.items():
        lines.append(f"  {header:<{width}} -> {canonical}")
    lines += [f"  note: {note}" for note in batch.notes]
    lines.append(f"rows read:      {batch.n_input:,}")
    lines.append(f"records:        {batch.n_records:,}")
    lines.append(f"rejected rows:  {batch.n_rejected:,}")
    for reason, count in batch.rejects_by_reason().items():
        lines.append(f"  {reason:<30} {count:,}")
    if rejects_path or batch.n_rejected:
        out = write_rejects(batch, rejects_path or _default_rejects_path(input))
        lines.append(f"rejects written to {out}")
    else:
        lines.append("no rejects; nothing written")
    return "\n".join(lines)
