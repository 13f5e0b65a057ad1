"""Storage of the person index: the backend interface, the schema and its migrations.

A backend runs SQL on one database (DuckDB file or PostgreSQL). SQL in this package is
written once, with ``?`` placeholders and the logical types below; each backend maps them.

Tables (all prefixed ``mr_``):

- ``meta``: schema version, the trained matcher (JSON), counters, the record columns.
- ``records``: one row per record: internal id ``rid``, ``source``, ``record_id``,
  ``person_id``, the run that last wrote it, a digest of its content, ``ident`` (a hash of
  its identifying columns: records with equal ``ident`` are exact copies), ``copy_of`` (the
  record it is an exact copy of; NULL for a representative), and every prepared column
  (``c_<name>``). Only representatives have keys, edges and term counts, as ``dedupe``
  folds exact copies before blocking.
- ``keys`` / ``sortkeys``: the blocking keys of every record (see :mod:`.keys`).
- ``edges``: scored pairs at or above the threshold (the clustering graph).
- ``persons``: every person id ever issued with its status (``active``, ``alias`` of a
  survivor, ``retired`` when its last record was erased).
- ``history`` and ``evidence``: the append-only log of id events and the pair scores behind
  them.
- ``runs``: one row per operation (create, add, update, remove).
- ``tf``: how often each value of a term-frequency column occurs.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from typing import Any

import pandas as pd

from migrant_records.errors import MigrantRecordsError

__all__ = [
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "Backend",
    "IndexBusyError",
    "IndexSchemaError",
    "column_kind",
    "create_indexes",
    "create_schema",
    "migrate",
]

SCHEMA_VERSION = 2
"""Version of the table layout written by this library."""

MIGRATIONS: dict[int, list[str]] = {
    1: [
        "ALTER TABLE mr_records ADD COLUMN ident BIGINT",
        "ALTER TABLE mr_records ADD COLUMN copy_of BIGINT",
    ],
}
"""Statements that take a schema from version ``v`` to ``v + 1``.

1 -> 2: exact-copy folding (``ident``, ``copy_of``); records stored before keep a NULL
``ident``, so later copies of them are matched as ordinary records."""


class IndexBusyError(MigrantRecordsError, RuntimeError):
    """Another process holds the index; try again when it has finished."""


class IndexSchemaError(MigrantRecordsError, RuntimeError):
    """The index was written with another schema version, or is not a person index."""


class Backend(abc.ABC):
    """What the index needs from a database.

    Attributes:
        kind: ``"duckdb"`` or ``"postgres"``.
        embedded: An embedded columnar store (DuckDB) that keeps only the key indexes.
        types: SQL type for each logical type (``text``, ``int``, ``small``, ``float``,
            ``bool``, ``time``).
    """

    kind: str
    types: dict[str, str]
    embedded: bool = False

    @abc.abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run a statement."""

    @abc.abstractmethod
    def query(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        """Run a query and return its rows."""

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a query and return its rows as tuples of Python values (no frame is built:
        for the few rows of a lookup, building one costs more than the query)."""
        frame = self.query(sql, params)
        return list(frame.itertuples(index=False, name=None))

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The first value of the first row (None when there is no row)."""
        rows = self.query(sql, params)
        return None if rows.empty else rows.iloc[0, 0]

    @abc.abstractmethod
    def insert(self, table: str, frame: pd.DataFrame) -> None:
        """Append the rows of ``frame`` to ``table`` (columns by name)."""

    @abc.abstractmethod
    def temp(self, name: str, frame: pd.DataFrame) -> None:
        """Make ``frame`` queryable as ``name`` until the transaction ends."""

    @abc.abstractmethod
    def begin(self, *, write: bool) -> None:
        """Start a transaction; a writing one holds the index's writer lock."""

    @abc.abstractmethod
    def commit(self) -> None:
        """Commit the transaction."""

    @abc.abstractmethod
    def rollback(self) -> None:
        """Abandon the transaction."""

    @abc.abstractmethod
    def tables(self) -> set[str]:
        """Names of the tables in the database."""

    @abc.abstractmethod
    def close(self) -> None:
        """Close the connection."""

    def in_list(self, values: Sequence[Any]) -> tuple[str, list[Any]]:
        """``(?, ?, ...)`` and the values, for ``IN`` clauses (``(NULL)`` when empty)."""
        if not values:
            return "(NULL)", []
        return "(" + ", ".join("?" for _ in values) + ")", list(values)


def column_kind(series: pd.Series) -> str:
    """Logical type used to store a prepared column."""
    if pd.api.types.is_bool_dtype(series):
        return "bool"
    if pd.api.types.is_integer_dtype(series):
        return "int"
    if pd.api.types.is_float_dtype(series):
        return "float"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "time"
    return "text"


def _ddl(t: dict[str, str]) -> list[str]:
    return [
        f"CREATE TABLE mr_meta (name {t['text']}, value {t['text']})",
        f"CREATE TABLE mr_records (rid {t['int']}, source {t['text']}, record_id {t['text']}, "
        f"person_id {t['text']}, run_id {t['int']}, digest {t['int']}, ident {t['int']}, "
        f"copy_of {t['int']})",
        f"CREATE TABLE mr_keys (key {t['int']}, rid {t['int']})",
        f"CREATE TABLE mr_sortkeys (pass {t['small']}, value {t['text']}, rid {t['int']})",
        f"CREATE TABLE mr_edges (a {t['int']}, b {t['int']}, probability {t['float']}, "
        f"weight {t['float']}, run_id {t['int']})",
        f"CREATE TABLE mr_persons (person_id {t['text']}, seq {t['int']}, status {t['text']}, "
        f"alias_of {t['text']}, origin {t['text']}, run_id {t['int']})",
        f"CREATE TABLE mr_history (event_id {t['int']}, run_id {t['int']}, event {t['text']}, "
        f"person_id {t['text']}, other_id {t['text']}, rid {t['int']}, detail {t['text']})",
        f"CREATE TABLE mr_evidence (event_id {t['int']}, a {t['int']}, b {t['int']}, "
        f"probability {t['float']})",
        f"CREATE TABLE mr_runs (run_id {t['int']}, run_at {t['text']}, operation {t['text']}, "
        f"n_records {t['int']}, summary {t['text']})",
        f"CREATE TABLE mr_tf (col {t['text']}, value {t['text']}, n {t['int']})",
    ]


# Indexes: (statement, whether an embedded DuckDB file keeps it). DuckDB uses an index for
# lookups by constants only (a record's keys, a few records by id), and maintaining one
# costs on every insert, so a DuckDB index keeps only those.
_INDEXES = [
    ("CREATE INDEX mr_records_rid ON mr_records (rid)", True),
    ("CREATE INDEX mr_records_key ON mr_records (source, record_id)", False),
    ("CREATE INDEX mr_records_person ON mr_records (person_id)", False),
    ("CREATE INDEX mr_records_ident ON mr_records (ident)", False),
    ("CREATE INDEX mr_records_copy ON mr_records (copy_of)", False),
    ("CREATE INDEX mr_keys_key ON mr_keys (key)", True),
    ("CREATE INDEX mr_keys_rid ON mr_keys (rid)", False),
    ("CREATE INDEX mr_sortkeys_value ON mr_sortkeys (pass, value)", True),
    ("CREATE INDEX mr_edges_a ON mr_edges (a)", False),
    ("CREATE INDEX mr_edges_b ON mr_edges (b)", False),
    ("CREATE INDEX mr_persons_id ON mr_persons (person_id)", False),
    ("CREATE INDEX mr_history_person ON mr_history (person_id)", False),
    ("CREATE INDEX mr_tf_value ON mr_tf (col, value)", False),
]


def create_indexes(backend: Backend) -> None:
    """Create the indexes (after a bulk load, which is faster than loading into them)."""
    for statement, embedded in _INDEXES:
        if embedded or not backend.embedded:
            backend.execute(statement)


def create_schema(backend: Backend) -> None:
    """Create the tables of an empty index (inside the caller's transaction)."""
    if "mr_meta" in backend.tables():
        raise IndexSchemaError(
            "This database already holds a person index; open it with PersonIndex.open()."
        )
    for statement in _ddl(backend.types):
        backend.execute(statement)
    backend.execute(
        "INSERT INTO mr_meta (name, value) VALUES (?, ?)", ["schema_version", str(SCHEMA_VERSION)]
    )


def stored_version(backend: Backend) -> int:
    """The schema version of an existing index."""
    if "mr_meta" not in backend.tables():
        raise IndexSchemaError(
            "This database holds no person index; create one with PersonIndex.create()."
        )
    value = backend.scalar("SELECT value FROM mr_meta WHERE name = ?", ["schema_version"])
    if value is None:
        raise IndexSchemaError("The index has no schema version; it is not a person index.")
    return int(value)


def migrate(backend: Backend, *, apply: bool) -> int:
    """Check the schema version and, when asked, bring an older index up to date.

    Args:
        backend: An open backend (a writing transaction when ``apply``).
        apply: Run the migrations; otherwise an older index is refused with a message.

    Returns:
        The schema version after the call.

    Raises:
        IndexSchemaError: The index is newer than this library, or older and ``apply`` is
            false, or no migration path exists.
    """
    version = stored_version(backend)
    if version > SCHEMA_VERSION:
        raise IndexSchemaError(
            f"The index has schema version {version}; this library reads up to "
            f"{SCHEMA_VERSION}. Upgrade migrant-records to open it."
        )
    if version < SCHEMA_VERSION and not apply:
        raise IndexSchemaError(
            f"The index has schema version {version}; this library writes {SCHEMA_VERSION}. "
            "Back it up, then open it with PersonIndex.open(..., migrate=True) to upgrade it."
        )
    while version < SCHEMA_VERSION:
        if version not in MIGRATIONS:
            raise IndexSchemaError(f"No migration from schema version {version}.")
        for statement in MIGRATIONS[version]:
            backend.execute(statement)
        version += 1
        backend.execute(
            "UPDATE mr_meta SET value = ? WHERE name = ?", [str(version), "schema_version"]
        )
    return version
