"""Read one file and say what was found (``migrant-records validate``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from migrant_records.errors import ConfigError, InputFileError
from migrant_records.io.batch import Batch
from migrant_records.io.ingest import read_records, write_rejects

__all__ = ["ValidationReport", "load_mapping_file", "validate_file"]


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


@dataclass(frozen=True)
class ValidationReport:
    """What :func:`validate_file` found in one file.

    Attributes:
        input: The file that was read.
        batch: The records and rejected rows, with the header mapping, the notes on it and
            how the file was read (``batch.info``).
        rejects_path: Where the rejected rows were written; ``None`` when nothing was written.
    """

    input: str
    batch: Batch
    rejects_path: Path | None


def validate_file(
    input: str,
    source: str | None = None,
    mapping_file: str | None = None,
    rejects_path: str | None = None,
) -> ValidationReport:
    """Read one file, map its headers, and write its rejected rows.

    What ``migrant-records validate`` does. Rejects are written to ``rejects_path`` when
    given (even if there are none), else to ``<input>.rejects.csv`` next to the input when
    there are any.

    Args:
        input: The file to read.
        source: Source name (required when the file has no source column).
        mapping_file: Optional JSON file: an object of input header -> canonical column.
        rejects_path: Where to write rejected rows.

    Returns:
        The batch read and where its rejects were written.

    Raises:
        InputFileError: The input or mapping file cannot be read.
        SchemaError: Required columns are missing.
        ConfigError: The mapping file is invalid.

    Example:
        >>> from migrant_records.datasets import sample_paths
        >>> report = validate_file(str(sample_paths()["bps_survey"]))
        >>> report.batch.n_rejected, report.rejects_path
        (0, None)
    """
    mapping = load_mapping_file(mapping_file) if mapping_file else None
    batch = read_records(input, source, mapping)
    written = None
    if rejects_path or batch.n_rejected:
        written = write_rejects(batch, rejects_path or _default_rejects_path(input))
    return ValidationReport(input=input, batch=batch, rejects_path=written)
