"""migrant-records: entity resolution for Indonesian migrant-worker records.

Load ministry datasets, validate them against typed schemas, standardise Indonesian
identifiers (names, NIK, phones, dates, regions), and deduplicate and link them into one
person index with explainable scores.
"""

from __future__ import annotations

from migrant_records.errors import (
    ConfigError,
    InputFileError,
    MigrantRecordsError,
    ModelError,
    SchemaError,
)

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "InputFileError",
    "MigrantRecordsError",
    "ModelError",
    "SchemaError",
    "__version__",
]
