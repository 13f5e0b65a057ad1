"""The body of the ``migrant-records validate`` command: read one file and report on it."""

from __future__ import annotations

import json
from pathlib import Path

from migrant_records.errors import ConfigError, InputFileError
from migrant_records.io.ingest import read_records, write_rejects

__all__ = ["load_mapping_file", "validate_command"]


def load_mapping_file(mapping_file: str) -> dict[str, str]:
    """Read a header mapping file: a JSON object of input header -> canonical column.

    Args:
        mapping_file: Path of the JSON file.

    Returns:
        The mapping.

    Raises:
        InputFileError: The file does not exist or cannot be read.
        ConfigError: The file is not a JSON object of strings.
    """
    path = Path(mapping_file)
    if not path.exists():
        raise InputFileError(f"{path}: mapping file not found (expected a JSON object)")
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise InputFileError(
            f"{path}: cannot read the mapping file ({exc.strerror or exc}); check that you "
            "may read it"
        ) from exc
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
    mapping = load_mapping_file(mapping_file) if mapping_file else None
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
