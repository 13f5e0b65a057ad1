"""DuckDB backend: the person index in one embedded database file.

DuckDB lets one process at a time open a file for writing. A second process that opens the
same index waits (up to ``timeout`` seconds) for the first to close it, then fails with
:class:`~migrant_records.index.store.IndexBusyError`. A transaction that is not committed
(an error, a killed process) leaves no trace in the file.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from migrant_records.errors import ConfigError
from migrant_records.index.store import Backend, IndexBusyError

__all__ = ["DuckDBBackend"]


class DuckDBBackend(Backend):
    """A person index stored in a DuckDB file (or in memory with ``":memory:"``).

    Args:
        path: The database file.
        timeout: Seconds to wait for another process to release the file.
    """

    kind = "duckdb"
    embedded = True
    types = {
        "text": "VARCHAR",
        "int": "BIGINT",
        "small": "SMALLINT",
        "float": "DOUBLE",
        "bool": "BOOLEAN",
        "time": "TIMESTAMP",
    }

    def __init__(self, path: str | Path, *, timeout: float = 30.0) -> None:
        try:
            import duckdb
        except ImportError as exc:  # pragma: no cover - duckdb is a core dependency
            raise ConfigError("The person index needs duckdb: pip install duckdb.") from exc
        self.path = str(path)
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.con = duckdb.connect(self.path)
                break
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower():
                    raise ConfigError(f"Cannot open the index {self.path}: {exc}") from exc
                if time.monotonic() >= deadline:
                    raise IndexBusyError(
                        f"The index {self.path} is in use by another process (waited "
                        f"{timeout:.0f} s). Try again when that process has finished."
                    ) from exc
                time.sleep(0.2)
        self._temps: list[str] = []

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run a statement."""
        self.con.execute(sql, list(params))

    def query(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        """Run a query and return its rows."""
        frame: pd.DataFrame = self.con.execute(sql, list(params)).df()
        return frame

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a query and return its rows as tuples."""
        out: list[tuple[Any, ...]] = self.con.execute(sql, list(params)).fetchall()
        return out

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The first value of the first row (None when there is no row or it is NULL)."""
        rows = self.con.execute(sql, list(params)).fetchall()  # all: leaves no open result
        return rows[0][0] if rows else None

    def insert(self, table: str, frame: pd.DataFrame) -> None:
        """Append rows (columns by name)."""
        if frame.empty:
            return
        self.con.register("_mr_insert", frame)
        try:
            cols = ", ".join(f'"{c}"' for c in frame.columns)
            self.con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _mr_insert")
        finally:
            self.con.unregister("_mr_insert")

    def temp(self, name: str, frame: pd.DataFrame) -> None:
        """Expose a frame as a view until the transaction ends."""
        if name in self._temps:
            self.con.unregister(name)
        else:
            self._temps.append(name)
        self.con.register(name, frame)

    def _drop_temps(self) -> None:
        for name in self._temps:
            self.con.unregister(name)
        self._temps = []

    def begin(self, *, write: bool) -> None:
        """Start a transaction (the file lock already excludes other writers)."""
        self.con.execute("BEGIN TRANSACTION")

    def commit(self) -> None:
        """Commit."""
        self.con.execute("COMMIT")
        self._drop_temps()

    def rollback(self) -> None:
        """Abandon the transaction."""
        try:
            self.con.execute("ROLLBACK")
        finally:
            self._drop_temps()

    def tables(self) -> set[str]:
        """Table names."""
        rows = self.con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        return {str(r[0]) for r in rows}

    def close(self) -> None:
        """Close the file (other processes may then open it)."""
        self.con.close()
