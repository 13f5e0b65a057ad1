"""Turn what a user passes (frames, batches, paths) into one canonical frame plus rejects."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TypeAlias

import pandas as pd

from migrant_records.io import Batch, read_many

__all__ = ["InputLike", "collect_inputs"]

InputLike: TypeAlias = pd.DataFrame | Batch | str | Path
"""What the matcher accepts as one input: a frame, a validated batch, or a file path."""


def collect_inputs(data: InputLike | Iterable[InputLike]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Validate and concatenate inputs into canonical records and rejects.

    DataFrames and paths go through :func:`migrant_records.io.read_records` (so bad rows land
    in the rejects instead of disappearing); a ``Batch`` is used as it is. A record whose
    ``(source, record_id)`` already appeared in an earlier input is rejected as
    ``duplicate_record_id`` (see :func:`migrant_records.io.read_many`).

    Args:
        data: One input or an iterable of inputs.

    Returns:
        ``(records, rejects)``.
    """
    batch = read_many(data)
    return batch.records.reset_index(drop=True), batch.rejects
