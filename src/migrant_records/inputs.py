"""Turn what a user passes (frames, batches, paths) into one canonical frame plus rejects."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TypeAlias

import pandas as pd

from migrant_records.io import Batch, read_records

__all__ = ["InputLike", "collect_inputs"]

InputLike: TypeAlias = pd.DataFrame | Batch | str | Path
"""What the matcher accepts as one input: a frame, a validated batch, or a file path."""

_REJECT_COLUMNS = ["source", "row", "record_id", "column", "value", "reason"]


def collect_inputs(data: InputLike | Iterable[InputLike]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Validate and concatenate inputs into canonical records and rejects.

    DataFrames and paths go through :func:`migrant_records.io.read_records` (so bad rows land
    in the rejects instead of disappearing); a ``Batch`` is used as it is. A record whose
    ``(source, record_id)`` already appeared in an earlier input is rejected as
    ``duplicate_record_id``.

    Args:
        data: One input or an iterable of inputs.

    Returns:
        ``(records, rejects)``.
    """
    items: list[InputLike]
    if isinstance(data, (pd.DataFrame, Batch, str, Path)):
        items = [data]
    else:
        items = list(data)
    batches = [item if isinstance(item, Batch) else read_records(item) for item in items]
    frames = [b.records for b in batches]
    rejects = [b.rejects for b in batches if len(b.rejects)]
    if not frames:
        return pd.DataFrame(), pd.DataFrame(columns=_REJECT_COLUMNS)
    records = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    if len(frames) > 1:
        dup = records.duplicated(["source", "record_id"], keep="first")
        if dup.any():
            bad = records.loc[dup]
            rejects.append(
                pd.DataFrame(
                    {
                        "source": bad["source"].to_numpy(),
                        "row": pd.NA,
                        "record_id": bad["record_id"].to_numpy(),
                        "column": "record_id",
                        "value": bad["record_id"].to_numpy(),
                        "reason": "duplicate_record_id",
                    }
                )
            )
            records = records.loc[~dup].reset_index(drop=True)
    reject_frame = (
        pd.concat(rejects, ignore_index=True) if rejects else pd.DataFrame(columns=_REJECT_COLUMNS)
    )
    return records.reset_index(drop=True), reject_frame
