"""Several inputs into one :class:`~migrant_records.io.Batch`, keeping record keys unique."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

from migrant_records._pandas import object_frame
from migrant_records.errors import ConfigError
from migrant_records.io.batch import REJECT_COLUMNS, Batch, empty_rejects
from migrant_records.io.ingest import InputSource, read_records
from migrant_records.io.readers import _columns_digest
from migrant_records.schemas import CANONICAL_COLUMNS

__all__ = ["combine_batches", "read_many"]

logger = logging.getLogger(__name__)


def _tags(batches: Sequence[Batch]) -> list[str]:
    """One tag per input: its content digest, with ``.2``, ``.3`` ... for repeated content."""
    tags: list[str] = []
    seen: dict[str, int] = {}
    for b in batches:
        digest = b.info.get("digest")
        if not digest:
            columns = {str(c): pa.array(b.records[c].astype(object)) for c in b.records.columns}
            digest = _columns_digest(columns)
        k = seen.get(digest, 0) + 1
        seen[digest] = k
        tags.append(digest if k == 1 else f"{digest}.{k}")
    return tags


def _label(b: Batch, k: int) -> str:
    return str(b.info.get("input", f"input {k + 1}"))


def _stacked(batches: Sequence[Batch], column: str) -> np.ndarray:
    """One column of every batch, end to end, as ``object`` with ``None`` where missing."""
    parts = []
    for b in batches:
        if column in b.records.columns:
            part = b.records[column].to_numpy(dtype=object)
            missing = pd.isna(part)
            if missing.any():
                part = part.copy()
                part[missing] = None
        else:
            part = np.full(len(b.records), None, dtype=object)
        parts.append(part)
    return np.concatenate(parts)


def combine_batches(batches: Sequence[Batch]) -> tuple[Batch, np.ndarray]:
    """Concatenate batches into one, keeping ``(source, record_id)`` unique.

    A record whose ``(source, record_id)`` was already used by an earlier input keeps its
    row and gets the id ``<record_id>@<tag>``, where the tag is a digest of its input's
    content; the renaming is logged as a warning and listed in ``notes``. A whole file is
    never rejected for reusing another file's ids. Only a record whose renamed key is still
    taken is rejected as ``duplicate_record_id``.

    Args:
        batches: The batches, in order.

    Returns:
        ``(batch, input_of_record)``: the combined batch and, for each of its records, the
        position of the batch it came from.
    """
    if not batches:
        empty = Batch(
            records=pd.DataFrame({c: pd.Series([], dtype=object) for c in CANONICAL_COLUMNS}),
            rejects=empty_rejects(),
            mapping={},
            source_name="",
            n_input=0,
        )
        return empty, np.zeros(0, dtype=np.int64)
    if len(batches) == 1:
        return batches[0], np.zeros(batches[0].n_records, dtype=np.int64)

    columns: list[str] = list(CANONICAL_COLUMNS)
    for b in batches:
        columns += [c for c in b.records.columns if c not in columns]
    # column by column: pandas' concat of object frames with missing columns tests every
    # value of every all-missing block (seconds per million rows)
    records = object_frame({c: _stacked(batches, c) for c in columns})
    rows = np.concatenate([b.row_numbers for b in batches])
    origin = np.repeat(np.arange(len(batches)), [b.n_records for b in batches])
    notes: list[str] = []
    for b in batches:
        label = b.info.get("input", "?")
        notes.append(f"{label}: {b.n_input} rows, {b.n_records} records, {b.n_rejected} rejected")
        notes += [f"{label}: {note}" for note in b.notes]

    dup = records.duplicated(["source", "record_id"], keep="first").to_numpy()
    if dup.any():
        tags = np.asarray(_tags(batches), dtype=object)
        first_owner = (
            pd.Series(origin)
            .groupby([records["source"], records["record_id"]], sort=False)
            .transform("first")
            .to_numpy()
        )
        ids = records["record_id"].to_numpy(dtype=object).copy()
        ids[dup] = [f"{rid}@{tag}" for rid, tag in zip(ids[dup], tags[origin[dup]])]
        records["record_id"] = pd.Series(ids, index=records.index, dtype=object)
        for k in np.unique(origin[dup]).tolist():
            mine = dup & (origin == k)
            owners = sorted({_label(batches[o], o) for o in first_owner[mine].tolist()})
            message = (
                f"{_label(batches[k], k)}: {int(mine.sum())} record id(s) already used by "
                f"{', '.join(owners)} in the same source; they were renamed to "
                f"'<record_id>@{tags[k]}'. Give each file its own source, or ids that are "
                "unique across files"
            )
            logger.warning("%s", message)
            notes.append(message)
        dup = records.duplicated(["source", "record_id"], keep="first").to_numpy()

    rejects_parts = [b.rejects for b in batches if len(b.rejects)]
    if dup.any():
        bad = records.loc[dup]
        rejects_parts.append(
            pd.DataFrame(
                {
                    "source": bad["source"].to_numpy(),
                    "row": rows[dup],
                    "record_id": bad["record_id"].to_numpy(),
                    "column": "record_id",
                    "value": bad["record_id"].to_numpy(),
                    "reason": "duplicate_record_id",
                }
            )
        )
        records = records.loc[~dup].reset_index(drop=True)
        rows = rows[~dup]
        origin = origin[~dup]
        notes.append(f"{int(dup.sum())} records repeat a (source, record_id) of an earlier input")
    rejects = (
        pd.concat(rejects_parts, ignore_index=True)[list(REJECT_COLUMNS)]
        if rejects_parts
        else empty_rejects()
    )
    if len(rejects):
        rejects["row"] = rejects["row"].astype("int64")
    mapping_all: dict[str, str] = {}
    for b in batches:
        for key, value in b.mapping.items():
            mapping_all.setdefault(key, value)
    names: list[str] = []
    for b in batches:
        names += [
            s.strip() for s in b.source_name.split(",") if s.strip() and s.strip() not in names
        ]
    batch = Batch(
        records=records,
        rejects=rejects,
        mapping=mapping_all,
        source_name=", ".join(names),
        n_input=sum(b.n_input for b in batches),
        notes=notes,
        info={"inputs": [b.info for b in batches]},
    )
    batch.row_numbers = rows
    return batch, origin


def read_batches(
    inputs: InputSource | Batch | Iterable[InputSource | Batch],
    source: str | Sequence[str | None] | None = None,
    mapping: Mapping[str, str] | None = None,
    *,
    sheet: str | int | None = None,
) -> list[Batch]:
    """Read each input into its own :class:`Batch` (a ``Batch`` is used as it is)."""
    items: list[InputSource | Batch]
    if isinstance(inputs, (pd.DataFrame, Batch, str, os.PathLike)):
        items = [inputs]
    else:
        items = list(inputs)
    if source is None or isinstance(source, str):
        sources: list[str | None] = [source] * len(items)
    else:
        sources = list(source)
        if len(sources) != len(items):
            raise ConfigError(
                f"read_many got {len(items)} inputs but {len(sources)} sources; "
                "pass one source for all or one per input"
            )
    return [
        item if isinstance(item, Batch) else read_records(item, src, mapping, sheet=sheet)
        for item, src in zip(items, sources)
    ]


def read_many(
    inputs: InputSource | Batch | Iterable[InputSource | Batch],
    source: str | Sequence[str | None] | None = None,
    mapping: Mapping[str, str] | None = None,
    *,
    sheet: str | int | None = None,
) -> Batch:
    """Read several inputs and concatenate them into one :class:`Batch`.

    ``(source, record_id)`` stays unique across inputs without losing a row: a record whose
    key an earlier input already used is renamed ``<record_id>@<tag>`` (the tag is a digest
    of its input's content), with a warning and a note (see :func:`combine_batches`).
    Repeated ids inside one input are rejected as ``duplicate_record_id``, as by
    :func:`~migrant_records.io.read_records`.

    Args:
        inputs: Paths, DataFrames and/or already read :class:`Batch` objects (used as
            they are).
        source: One source name for all inputs, or one per input (``None`` entries use the
            input's own source column).
        mapping: Header mapping applied to every input.
        sheet: XLSX sheet for every XLSX input.

    Returns:
        A :class:`Batch` whose ``n_input`` is the total number of rows read.

    Examples:
        >>> import pandas as pd
        >>> a = pd.DataFrame({"ID": ["1", "2"], "NAMA": ["Siti", "Budi"]})
        >>> b = pd.DataFrame({"ID": ["2", "3"], "NAMA": ["Budi", "Wayan"]})
        >>> both = read_many([a, b], source="KEMENDES")
        >>> both.records["record_id"].tolist()  # doctest: +ELLIPSIS
        ['1', '2', '2@...', '3']
        >>> len(both.rejects)
        0
    """
    batch, _ = combine_batches(read_batches(inputs, source, mapping, sheet=sheet))
    return batch
