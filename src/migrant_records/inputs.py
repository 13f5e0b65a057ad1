"""Turn what a user passes (frames, batches, paths) into one canonical frame plus rejects."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TypeAlias

import pandas as pd

from migrant_records._pandas import range_indexed
from migrant_records.errors import NoRecordsError
from migrant_records.io import Batch
from migrant_records.io.many import combine_batches, read_batches

__all__ = ["InputLike", "collect_inputs", "collect_link_inputs"]

InputLike: TypeAlias = pd.DataFrame | Batch | str | Path
"""What the matcher accepts as one input: a frame, a validated batch, or a file path."""


def _labels(batches: list[Batch]) -> str:
    names = [str(b.info.get("input", "DataFrame")) for b in batches]
    return ", ".join(names) if names else "the input"


def _require_records(batches: list[Batch], n_records: int, side: str | None) -> None:
    """Refuse, with the reason, an input (or side of a link) that has no record left."""
    if n_records:
        return
    where = _labels(batches)
    if side is not None:
        where = f"the {side} input ({where})"
    n_input = sum(b.n_input for b in batches)
    rejects = pd.concat([b.rejects for b in batches], ignore_index=True) if batches else None
    if n_input == 0:
        message = (
            f"no records to match: {where} has no data rows (a header only, or nothing); "
            "give a file with at least one record"
        )
    else:
        counts = rejects["reason"].value_counts() if rejects is not None else pd.Series()
        reasons = ", ".join(f"{k} {v}" for k, v in counts.items())
        message = (
            f"no records left after validation in {where}: {n_input} rejected ({reasons}); "
            "see the rejects (read_records(...).rejects) and fix those rows or the header "
            "mapping"
        )
    raise NoRecordsError(message, rejects=rejects, n_input=n_input, side=side)


def collect_inputs(data: InputLike | Iterable[InputLike]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Validate and concatenate inputs into canonical records and rejects.

    DataFrames and paths go through :func:`migrant_records.io.read_records` (so bad rows land
    in the rejects instead of disappearing); a ``Batch`` is used as it is. A record whose
    ``(source, record_id)`` an earlier input already used is renamed, not rejected (see
    :func:`migrant_records.io.read_many`).

    Args:
        data: One input or an iterable of inputs.

    Returns:
        ``(records, rejects)``; ``records`` has a ``0 .. n-1`` index and may share its column
        arrays with a ``Batch`` given in: read it, never write into its columns in place.

    Raises:
        NoRecordsError: No record is left: the inputs have no data rows, or every row was
            rejected (the error holds the rejects).
    """
    batches = read_batches(data)
    batch, _ = combine_batches(batches)
    _require_records(batches, batch.n_records, None)
    return range_indexed(batch.records), batch.rejects


def collect_link_inputs(
    left: InputLike | Iterable[InputLike], right: InputLike | Iterable[InputLike]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Validate both sides of a link, keeping ``(source, record_id)`` unique across them.

    Args:
        left: The left input(s).
        right: The right input(s).

    Returns:
        ``(left_records, right_records, rejects)``.

    Raises:
        NoRecordsError: One side has no record left.
    """
    left_batches = read_batches(left)
    right_batches = read_batches(right)
    batch, origin = combine_batches(left_batches + right_batches)
    is_left = origin < len(left_batches)
    _require_records(left_batches, int(is_left.sum()), "left")
    _require_records(right_batches, int((~is_left).sum()), "right")
    records = batch.records
    return (
        records.loc[is_left].reset_index(drop=True),
        records.loc[~is_left].reset_index(drop=True),
        batch.rejects,
    )
