"""Reading the clusters, pairs and truth files that evaluation compares."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from migrant_records.errors import InputFileError

__all__ = ["read_table"]


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV (or Parquet) file with every column as a string.

    Raises:
        InputFileError: The file does not exist or cannot be read.
    """
    p = Path(path)
    if not p.is_file():
        raise InputFileError(f"{p} does not exist or is not a file; check the path")
    try:
        if p.suffix.lower() == ".parquet":
            return pd.read_parquet(p).astype(str)
        return pd.read_csv(p, dtype=str, keep_default_na=False, na_values=[""])
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise InputFileError(f"cannot read {p}: {exc}") from exc
