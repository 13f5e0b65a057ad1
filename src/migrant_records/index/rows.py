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

from migrant_records._pandas import object_frame
from migrant_records.blocking import IDENTIFYING_COLUMNS
from migrant_records.index.store import Backend, column_kind

__all__ = [
    "STORE_COLUMNS",
    "digest",
    "identity",
    "read_columns",
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


def _few_records(tuples: list[tuple[Any, ...]], columns: dict[str, str]) -> pd.DataFrame:
    """:func:`read_records`' frame of a few rows fetched as tuples (``rid`` first, then the
    other store columns and the prepared columns in ``columns``' order)."""
    tuples = sorted(tuples, key=lambda row: int(row[0]))
    n = len(tuples)
    values = list(zip(*tuples)) if tuples else [()] * (len(STORE_COLUMNS) + len(columns))

    def objects(column: Sequence[Any]) -> np.ndarray:
        arr = np.empty(n, dtype=object)
        arr[:] = column
        return arr

    out: dict[str, Any] = {
        "rid": np.array(values[0], dtype=np.int64),
        "person_id": objects(values[1]),
        "ident": pd.array(list(values[2]), dtype="Int64"),
        "copy_of": pd.array(list(values[3]), dtype="Int64"),
    }
    for (name, dtype), column in zip(columns.items(), values[len(STORE_COLUMNS) :]):
        arr = objects(column)
        out[name] = arr if dtype == "object" else _restore(pd.Series(arr, dtype=object), dtype)
    return object_frame(out)


def read_records(
    backend: Backend,
    where: str,
    params: Sequence[object] = (),
    *,
    only: Collection[str] | None = None,
    columns: dict[str, str] | None = None,
    few: bool = False,
) -> pd.DataFrame:
    """Stored records matching a SQL condition, as prepared frame columns.

    Args:
        backend: The database.
        where: SQL condition on ``mr_records``.
        params: Its parameters.
        only: Read only these prepared columns (default: all).
        columns: The stored columns as :func:`read_columns` gives them (read when not given).
        few: The condition selects a few records (a lookup's candidates): they are fetched
            as tuples, which for a handful of rows costs much less than a frame of the
            result. The columns and dtypes are the same either way.

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
    # cost a lookup more than fetching them (rids are unique, so the order is the same)
    sql = f"SELECT {select} FROM mr_records WHERE {where}"
    if few:
        return _few_records(backend.rows(sql, params), columns)
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
