"""PostgreSQL backend: a person index shared by several processes (the ``postgres`` extra).

Writers take a transaction-level advisory lock, so concurrent ``add`` calls run one after the
other (a second writer waits up to ``timeout`` seconds, then fails with
:class:`~migrant_records.index.store.IndexBusyError`). Readers (``lookup``, ``crosswalk``)
do not wait for writers and see the last committed state.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from migrant_records.errors import ConfigError
from migrant_records.index.store import Backend, IndexBusyError

__all__ = ["PostgresBackend"]

_LOCK_KEY = 0x6D72696E6478  # "mrindx": the advisory lock of index writers
_INT_OIDS = {20, 21, 23}  # int8, int2, int4
_FLOAT_OIDS = {700, 701, 1700}  # float4, float8, numeric
_TIMESTAMP_OID = 1114


def _sql(sql: str) -> str:
    return sql.replace("%", "%%").replace("?", "%s")


def _pg_type(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "BOOLEAN"
    if pd.api.types.is_integer_dtype(series):
        return "BIGINT"
    if pd.api.types.is_float_dtype(series):
        return "DOUBLE PRECISION"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "TIMESTAMP"
    return "TEXT"


def _python(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


class PostgresBackend(Backend):
    """A person index in a PostgreSQL database.

    Args:
        url: A connection URL (``postgresql://user:password@host:port/database``).
        timeout: Seconds a writer waits for another writer's lock.
    """

    kind = "postgres"
    types = {
        "text": "TEXT",
        "int": "BIGINT",
        "small": "SMALLINT",
        "float": "DOUBLE PRECISION",
        "bool": "BOOLEAN",
        "time": "TIMESTAMP",
    }

    def __init__(self, url: str, *, timeout: float = 30.0) -> None:
        try:
            import psycopg
        except ImportError as exc:
            raise ConfigError(
                "A PostgreSQL index needs psycopg: pip install 'migrant-records[postgres]'."
            ) from exc
        try:
            self.con = psycopg.connect(url, autocommit=True)
        except psycopg.OperationalError as exc:
            raise ConfigError(f"Cannot connect to PostgreSQL: {exc}".strip()) from exc
        self.timeout = float(timeout)
        self._temps: list[str] = []

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run a statement."""
        self.con.execute(_sql(sql), [_python(p) for p in params])  # type: ignore[arg-type]

    def query(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        """Run a query and return its rows (typed like DuckDB's: Int64 where NULLs occur)."""
        cur = self.con.execute(_sql(sql), [_python(p) for p in params])  # type: ignore[arg-type]
        desc = cur.description or []
        frame = pd.DataFrame(cur.fetchall(), columns=[d.name for d in desc])
        for d in desc:
            col = frame[d.name]
            if d.type_code in _INT_OIDS:
                frame[d.name] = col.astype("Int64" if col.isna().any() else np.int64)
            elif d.type_code in _FLOAT_OIDS:
                frame[d.name] = pd.to_numeric(col, errors="coerce").astype(np.float64)
            elif d.type_code == _TIMESTAMP_OID:
                frame[d.name] = pd.to_datetime(col)
        return frame

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a query and return its rows as tuples."""
        cur = self.con.execute(_sql(sql), [_python(p) for p in params])  # type: ignore[arg-type]
        return list(cur.fetchall())

    def _copy(self, table: str, frame: pd.DataFrame) -> None:
        cols = ", ".join(f'"{c}"' for c in frame.columns)
        buffer = io.StringIO()
        frame.to_csv(buffer, index=False, header=False, na_rep="\\N")
        sql = f"COPY {table} ({cols}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
        with self.con.cursor() as cur, cur.copy(sql) as copy:  # type: ignore[arg-type]
            copy.write(buffer.getvalue())

    def insert(self, table: str, frame: pd.DataFrame) -> None:
        """Append rows with COPY."""
        if frame.empty:
            return
        self._copy(table, frame)

    def temp(self, name: str, frame: pd.DataFrame) -> None:
        """A temporary table holding ``frame``, dropped when the transaction ends."""
        if name in self._temps:
            self.con.execute(f"DROP TABLE {name}")  # type: ignore[arg-type]
        else:
            self._temps.append(name)
        cols = ", ".join(f'"{c}" {_pg_type(frame[c])}' for c in frame.columns)
        self.con.execute(f"CREATE TEMP TABLE {name} ({cols}) ON COMMIT DROP")  # type: ignore[arg-type]
        if not frame.empty:
            self._copy(name, frame)
        self.con.execute(f"ANALYZE {name}")  # type: ignore[arg-type]

    def begin(self, *, write: bool) -> None:
        """Start a transaction; writers queue on the index's advisory lock."""
        import psycopg

        self._temps = []
        self.con.execute("BEGIN")
        if write:
            ms = int(self.timeout * 1000)
            self.con.execute(f"SET LOCAL lock_timeout = {ms}")  # type: ignore[arg-type]
            try:
                self.con.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
            except psycopg.errors.LockNotAvailable as exc:
                self.con.execute("ROLLBACK")
                raise IndexBusyError(
                    f"Another process is writing to this index (waited {self.timeout:.0f} s). "
                    "Try again when it has finished."
                ) from exc

    def commit(self) -> None:
        """Commit."""
        self.con.execute("COMMIT")
        self._temps = []

    def rollback(self) -> None:
        """Abandon the transaction."""
        self.con.execute("ROLLBACK")
        self._temps = []

    def tables(self) -> set[str]:
        """Table names in the current schema."""
        rows = self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        ).fetchall()
        return {str(r[0]) for r in rows}

    def close(self) -> None:
        """Close the connection."""
        self.con.close()
