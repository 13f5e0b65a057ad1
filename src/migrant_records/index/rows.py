"""Records in the index: their columns, how they are written and read back.

Every prepared column ``name`` is stored as ``c_name`` with a SQL type chosen from its
pandas dtype; the dtype itself is kept in ``mr_meta`` (``columns``) so that records read
back compare exactly as they did when they were added. A column first seen in a later batch
is added to the table (older records hold NULL there).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from typing import Any

import numpy as np
import pandas as pd

from migrant_records.blocking import IDENTIFYING_COLUMNS
from migrant_records.index.store import Backend, column_kind

__all__ = [
    "STORE_COLUMNS",
    "FewRecords",
    "digest",
    "identity",
    "read_columns",
    "read_few",
    "read_records",
    "record_keys",
    "write_records",
]

STORE_COLUMNS = ("rid", "person_id", "ident", "copy_of")
"""Columns :func:`read_records` returns ahead of the prepared columns."""

_MISSING = "\x00"


def record_keys(frame: pd.DataFrame) -> np.ndarray:
    """``"source|record_id"`` of each record (the tie-breaking key of clustering)."""
    return (frame["source"].astype(str) + "|" + frame["record_id"].astype(str)).to_numpy(
        dtype=object
    )


def digest(frame: pd.DataFrame) -> np.ndarray:
    """A 64-bit digest of each prepared record (same content, same digest)."""
    cols = sorted(frame.columns)
    return pd.util.hash_pandas_object(frame[cols], index=False).to_numpy().view(np.int64)


def identity(frame: pd.DataFrame) -> pd.Series:
    """A 64-bit hash of each record's identifying columns (``Int64``, NA where none applies).

    Records with equal hashes are equal on every column of
    :data:`~migrant_records.blocking.IDENTIFYING_COLUMNS` (missing equals missing, an absent
    column is missing): the exact copies that
    :func:`~migrant_records.blocking.collapse_duplicates` folds into one record. As there,
    nothing is folded in a frame without ``full_name``.
    """
    if "full_name" not in frame.columns or frame.empty:
        return pd.Series(pd.array([pd.NA] * len(frame), dtype="Int64"))
    texts = {}
    for column in IDENTIFYING_COLUMNS:
        if column not in frame.columns:
            texts[column] = np.full(len(frame), _MISSING, dtype=object)
            continue
        values = frame[column].to_numpy(dtype=object)
        missing = pd.isna(values)
        texts[column] = np.where(missing, _MISSING, values.astype(str))
    hashed = pd.util.hash_pandas_object(pd.DataFrame(texts), index=False).to_numpy()
    return pd.Series(pd.array(hashed.view(np.int64), dtype="Int64"))


def read_columns(backend: Backend) -> dict[str, str]:
    """Stored prepared column -> pandas dtype name."""
    value = backend.scalar("SELECT value FROM mr_meta WHERE name = ?", ["columns"])
    return {} if value is None else dict(json.loads(value))


def _ensure_columns(backend: Backend, frame: pd.DataFrame) -> dict[str, str]:
    columns = read_columns(backend)
    added = False
    for name in frame.columns:
        if name in columns:
            continue
        kind = column_kind(frame[name])
        backend.execute(f'ALTER TABLE mr_records ADD COLUMN "c_{name}" {backend.types[kind]}')
        columns[name] = str(frame[name].dtype)
        added = True
    if added:
        backend.execute("DELETE FROM mr_meta WHERE name = ?", ["columns"])
        backend.execute(
            "INSERT INTO mr_meta (name, value) VALUES (?, ?)", ["columns", json.dumps(columns)]
        )
    return columns


def _storable(series: pd.Series) -> pd.Series:
    kind = column_kind(series)
    if kind == "text":
        values = series.astype(object)
        values[values.isna()] = None
        if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
            return values
        return values.map(lambda v: v if v is None or isinstance(v, str) else str(v))
    if kind == "int" and series.hasnans:
        return series.astype("Int64")
    return series


def write_records(
    backend: Backend,
    frame: pd.DataFrame,
    rids: np.ndarray,
    person_ids: Sequence[str | None] | np.ndarray,
    run_id: int,
    *,
    ident: pd.Series | None = None,
    copy_of: pd.Series | None = None,
) -> None:
    """Insert prepared records with their internal ids and person ids.

    Args:
        backend: The database.
        frame: Prepared records.
        rids: Their internal ids.
        person_ids: Their person ids (None: not decided yet).
        run_id: The run writing them.
        ident: :func:`identity` of each record (computed when not given).
        copy_of: Internal id of the record each one is an exact copy of (NA: none).
    """
    if frame.empty:
        return
    _ensure_columns(backend, frame)
    out = pd.DataFrame(
        {
            "rid": np.asarray(rids, dtype=np.int64),
            "source": frame["source"].astype(str).to_numpy(),
            "record_id": frame["record_id"].astype(str).to_numpy(),
            "person_id": pd.Series(list(person_ids), dtype=object).to_numpy(),
            "run_id": np.int64(run_id),
            "digest": digest(frame),
            "ident": (identity(frame) if ident is None else ident)
            .astype("Int64")
            .reset_index(drop=True),
            "copy_of": (
                pd.Series(pd.array([pd.NA] * len(frame), dtype="Int64"))
                if copy_of is None
                else copy_of.astype("Int64").reset_index(drop=True)
            ),
        }
    )
    data = pd.DataFrame(
        {f"c_{name}": _storable(frame[name]).to_numpy() for name in frame.columns},
        index=out.index,
    )
    backend.insert("mr_records", pd.concat([out, data], axis=1))


def _restore(series: pd.Series, dtype: str) -> pd.Series:
    if dtype == "object" or str(series.dtype) == dtype:
        return series
    try:
        return series.astype(dtype)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return series


class FewRecords:
    """A few stored records as arrays, sorted by ``rid``: what a lookup reads.

    Attributes:
        rid: Internal ids (``int64``).
        person_id: Person ids (``object``).
        values: Prepared column -> its stored values as an ``object`` array (``None`` for
            missing; dates and numbers as the database gives them).
        dtypes: Prepared column -> the pandas dtype it had when added.
    """

    def __init__(
        self,
        rid: np.ndarray,
        person_id: np.ndarray,
        values: dict[str, np.ndarray],
        dtypes: dict[str, str],
    ) -> None:
        self.rid = rid
        self.person_id = person_id
        self.values = values
        self.dtypes = dtypes

    def column(self, name: str) -> np.ndarray | pd.api.extensions.ExtensionArray:
        """One prepared column with its original dtype (as :func:`read_records` gives it)."""
        values, dtype = self.values[name], self.dtypes[name]
        if dtype == "object":
            return values
        restored = _restore(pd.Series(values, dtype=object, copy=False), dtype)
        if isinstance(restored.dtype, pd.api.extensions.ExtensionDtype):
            return restored.array
        return restored.to_numpy()


def read_few(
    backend: Backend, where: str, params: Sequence[object], columns: dict[str, str]
) -> FewRecords:
    """A few stored records matching a SQL condition (a lookup's candidates), fetched as
    tuples: for a handful of rows that costs much less than a frame of the result.

    Args:
        backend: The database.
        where: SQL condition on ``mr_records``.
        params: Its parameters.
        columns: The prepared columns to read (name -> dtype, as :func:`read_columns`).
    """
    select = ", ".join(["rid", "person_id", *(f'"c_{name}"' for name in columns)])
    tuples = sorted(
        backend.rows(f"SELECT {select} FROM mr_records WHERE {where}", params),
        key=lambda row: int(row[0]),
    )
    n = len(tuples)
    fields = list(zip(*tuples)) if tuples else [()] * (2 + len(columns))

    def objects(column: Sequence[Any]) -> np.ndarray:
        arr = np.empty(n, dtype=object)
        arr[:] = column
        return arr

    return FewRecords(
        np.array(fields[0], dtype=np.int64),
        objects(fields[1]),
        {name: objects(field) for name, field in zip(columns, fields[2:])},
        dict(columns),
    )


def read_records(
    backend: Backend,
    where: str,
    params: Sequence[object] = (),
    *,
    only: Collection[str] | None = None,
    columns: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Stored records matching a SQL condition, as prepared frame columns.

    Args:
        backend: The database.
        where: SQL condition on ``mr_records``.
        params: Its parameters.
        only: Read only these prepared columns (default: all).
        columns: The stored columns as :func:`read_columns` gives them (read when not given).

    Returns:
        ``rid``, ``person_id``, ``ident``, ``copy_of`` (``Int64``), then the stored prepared
        columns with their original dtypes.
    """
    if columns is None:
        columns = read_columns(backend)
    if only is not None:
        columns = {name: dtype for name, dtype in columns.items() if name in set(only)}
    select = ", ".join([*STORE_COLUMNS, *(f'"c_{name}"' for name in columns)])
    # sorted here rather than by ORDER BY: sorting every selected column in the database
    # costs more than sorting the frame (rids are unique, so the order is the same)
    sql = f"SELECT {select} FROM mr_records WHERE {where}"
    rows = backend.query(sql, params)
    rows = rows.sort_values("rid", kind="stable").reset_index(drop=True)
    out = {
        "rid": rows["rid"].astype(np.int64),
        "person_id": rows["person_id"].astype(object),
        "ident": rows["ident"].astype("Int64"),
        "copy_of": rows["copy_of"].astype("Int64"),
    }
    for name, dtype in columns.items():
        col = f"c_{name}"
        if col in rows.columns:
            out[name] = _restore(rows[col], dtype)
    frame = pd.DataFrame(out)
    return frame.reset_index(drop=True)
