"""Ingestion: read CSV, XLSX, Parquet or DataFrames into canonical records.

:func:`read_records` reads everything as text, maps headers to the canonical columns
(:func:`detect_mapping`, :data:`HEADER_ALIASES`), validates rows in bulk and returns a
:class:`Batch` of accepted records plus rejected rows with reasons. No row is ever lost:
``len(batch.records) + len(batch.rejects) == batch.n_input``.

Examples:
    >>> import pandas as pd
    >>> from migrant_records.io import read_records
    >>> df = pd.DataFrame({"NAMA PMI": ["Siti Aminah"], "NO. KTP": ["0012345678901234"]})
    >>> batch = read_records(df, source="KP2MI")
    >>> batch.mapping
    {'NAMA PMI': 'full_name', 'NO. KTP': 'nik'}
"""

from __future__ import annotations

from migrant_records.io.batch import REJECT_COLUMNS, Batch
from migrant_records.io.encoding import ENCODINGS, detect_encoding
from migrant_records.io.headers import (
    COMBINED_BIRTH_HEADERS,
    HEADER_ALIASES,
    detect_mapping,
    normalize_header,
)
from migrant_records.io.ingest import (
    MAX_VALUE_LENGTH,
    REJECT_REASONS,
    read_records,
    write_rejects,
)
from migrant_records.io.many import combine_batches, read_many
from migrant_records.io.output import OUTPUT_FILES, atomic_output_dir, check_output_dir
from migrant_records.io.readers import SUPPORTED_FORMATS
from migrant_records.io.validate import ValidationReport, validate_file

__all__ = [
    "COMBINED_BIRTH_HEADERS",
    "ENCODINGS",
    "HEADER_ALIASES",
    "MAX_VALUE_LENGTH",
    "OUTPUT_FILES",
    "REJECT_COLUMNS",
    "REJECT_REASONS",
    "SUPPORTED_FORMATS",
    "Batch",
    "ValidationReport",
    "atomic_output_dir",
    "check_output_dir",
    "combine_batches",
    "detect_encoding",
    "detect_mapping",
    "normalize_header",
    "read_many",
    "read_records",
    "validate_file",
    "write_rejects",
]
