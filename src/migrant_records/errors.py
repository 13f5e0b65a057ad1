"""The exception hierarchy of migrant-records.

Every error the library raises on purpose derives from :class:`MigrantRecordsError`, so a
caller can catch them all with one ``except``. Messages say what was wrong, where (file,
row, column) and what to do about it.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "InputFileError",
    "MigrantRecordsError",
    "ModelError",
    "SchemaError",
]


class MigrantRecordsError(Exception):
    """Base class of every error raised by migrant-records."""


class SchemaError(MigrantRecordsError, ValueError):
    """Input data does not have the columns or types the library needs.

    Example:
        A file without a ``full_name`` column (and no header that maps to it) raises
        ``SchemaError`` naming the missing columns and listing the columns found.
    """


class InputFileError(MigrantRecordsError, OSError):
    """A file could not be read: it does not exist, is unreadable, or has an unknown format."""


class ConfigError(MigrantRecordsError, ValueError):
    """A configuration value (mapping, comparator, blocking rule, threshold) is invalid."""


class ModelError(MigrantRecordsError, RuntimeError):
    """A model was used before it was trained, or its saved form cannot be loaded."""
