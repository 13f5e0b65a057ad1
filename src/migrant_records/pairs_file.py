"""Writing the scored pairs to ``pairs.parquet``: dictionary-encoded ids, a probability floor.

Most candidate pairs of a large run are clear non-matches (probability near 0) that nobody
reviews; by default only the pairs at or above :data:`DEFAULT_PAIRS_FLOOR` are written, which
keeps the file and the time to write it small. ``floor=None`` (``--all-pairs`` on the command
line) writes every scored pair. Record ids and sources are dictionary-encoded (each distinct
id stored once per row group) and the file is written in row groups.

Example:
    >>> import numpy as np, pandas as pd, tempfile, pathlib
    >>> from migrant_records.pairs_file import write_pairs
    >>> records = pd.DataFrame({"source": ["a", "a", "b"], "record_id": ["1", "2", "3"]})
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "pairs.parquet"
    >>> n = write_pairs(
    ...     path, records, np.array([0, 0]), np.array([1, 2]),
    ...     weight=np.array([9.0, -12.0]), probability=np.array([0.998, 0.0002]),
    ...     gamma=np.array([[2], [0]], dtype=np.int8), comparator_names=["name"],
    ... )
    >>> n, pd.read_parquet(path)["record_id_r"].astype(str).tolist()
    (1, ['2'])
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from migrant_records.errors import ConfigError

__all__ = ["DEFAULT_PAIRS_FLOOR", "ROW_GROUP_SIZE", "pairs_to_write", "write_pairs"]

#: Pairs below this match probability are left out of ``pairs.parquet`` by default.
DEFAULT_PAIRS_FLOOR = 0.01

#: Rows per Parquet row group.
ROW_GROUP_SIZE = 1_000_000


def pairs_to_write(probability: np.ndarray, floor: float | None) -> np.ndarray:
    """Positions of the pairs to write: those at or above ``floor`` (all when ``None``).

    Raises:
        ConfigError: ``floor`` is outside 0..1.
    """
    if floor is None:
        return np.arange(len(probability), dtype=np.int64)
    if not 0.0 <= float(floor) <= 1.0:
        raise ConfigError(
            f"The pairs floor must be a probability between 0 and 1, got {floor!r}; use "
            "floor=None (--all-pairs) to write every scored pair."
        )
    return np.flatnonzero(np.asarray(probability) >= float(floor))


def _dictionary(values: pd.Series, rows: np.ndarray) -> object:
    """A pyarrow dictionary array of ``values[rows]`` holding only the values it uses."""
    import pyarrow as pa

    codes, uniques = pd.factorize(values.astype(str).to_numpy()[rows])
    return pa.DictionaryArray.from_arrays(
        pa.array(codes.astype(np.int32)), pa.array(np.asarray(uniques, dtype=object), pa.string())
    )


def write_pairs(
    path: str | Path,
    records: pd.DataFrame,
    left: np.ndarray,
    right: np.ndarray,
    *,
    weight: np.ndarray,
    probability: np.ndarray,
    gamma: np.ndarray,
    comparator_names: Sequence[str],
    floor: float | None = DEFAULT_PAIRS_FLOOR,
) -> int:
    """Write the scored pairs at or above ``floor`` to a Parquet file.

    Columns as in :attr:`MatchResult.pairs <migrant_records.MatchResult.pairs>`:
    ``source_l, record_id_l, source_r, record_id_r, match_weight, match_probability`` and one
    ``gamma_<comparator>`` column per comparator.

    Args:
        path: The Parquet file.
        records: The records (``source`` and ``record_id``); pairs index its rows.
        left: Row of the first record of each pair.
        right: Row of the second record of each pair.
        weight: Match weight per pair.
        probability: Match probability per pair.
        gamma: Comparison levels, pairs x comparators.
        comparator_names: Names of the ``gamma`` columns.
        floor: Smallest probability written (``None``: every pair).

    Returns:
        The number of pairs written.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    keep = pairs_to_write(probability, floor)
    rows = np.concatenate([np.asarray(left)[keep], np.asarray(right)[keep]])
    source = _dictionary(records["source"], rows)
    record_id = _dictionary(records["record_id"], rows)
    n = len(keep)
    columns: dict[str, object] = {
        "source_l": source.slice(0, n),  # type: ignore[attr-defined]
        "record_id_l": record_id.slice(0, n),  # type: ignore[attr-defined]
        "source_r": source.slice(n),  # type: ignore[attr-defined]
        "record_id_r": record_id.slice(n),  # type: ignore[attr-defined]
        "match_weight": pa.array(np.asarray(weight, dtype=np.float64)[keep]),
        "match_probability": pa.array(np.asarray(probability, dtype=np.float64)[keep]),
    }
    for k, name in enumerate(comparator_names):
        columns[f"gamma_{name}"] = pa.array(np.asarray(gamma)[keep, k].astype(np.int8))
    table = pa.table(columns)
    pq.write_table(table, Path(path), row_group_size=ROW_GROUP_SIZE, compression="snappy")
    return n
