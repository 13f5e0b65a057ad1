"""Identity of records and pairs: one record-key format and one pair-count formula.

A record is identified by ``(source, record_id)``. Wherever the two must become one value (an
index key, a lookup), :func:`record_key` joins them with the ASCII unit separator, which never
occurs in a source name or record id read by the library.

Example:
    >>> import pandas as pd

from migrant_records.errors import ConfigError
    >>> record_key(pd.Series(["bps"]), pd.Series([7])).tolist()
    ['bps\\x1f7']
    >>> total_pairs(4), total_pairs(3, 5)
    (6, 15)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from migrant_records.errors import ConfigError

__all__ = ["KEY_SEPARATOR", "record_key", "total_pairs"]

KEY_SEPARATOR = "\x1f"
"""Separator between source and record id in a record key."""


def record_key(
    source: pd.Series | Sequence[Any], record_id: pd.Series | Sequence[Any]
) -> pd.Series:
    """One string key per record from its source and record id (aligned by position; the
    result keeps the index of ``source`` when it is a Series)."""
    src = source.astype(str) if isinstance(source, pd.Series) else pd.Series(source, dtype=str)
    rid = pd.Series(record_id).astype(str).set_axis(src.index)
    return src.str.cat(rid, sep=KEY_SEPARATOR)


def total_pairs(n_left: int, n_right: int | None = None) -> int:
    """Number of possible record pairs: ``n(n-1)/2`` within one set, ``n_left * n_right``
    across two.

    Raises:
        ConfigError: A count is negative.
    """
    if n_left < 0 or (n_right is not None and n_right < 0):
        raise ConfigError(f"Record counts must not be negative (got {n_left}, {n_right}).")
    if n_right is None:
        return n_left * (n_left - 1) // 2
    return n_left * n_right
