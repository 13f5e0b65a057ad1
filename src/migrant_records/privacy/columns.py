"""Each column of a frame factorised once per encoding, and values derived per distinct value.

Encoding reads the same standardised columns for several tokens, Bloom filters and blocking
keys; :class:`Columns` factorises a column the first time it is read (codes per record, the
distinct values once), so that every later step works on the distinct values only and maps
its result back to the records with one ``take``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

__all__ = ["Columns", "merged"]


def merged(
    parts: list[tuple[np.ndarray, np.ndarray]],
) -> tuple[list[np.ndarray], np.ndarray]:
    """Codes of several coded columns over one table of their distinct values together."""
    sizes = [len(u) for _, u in parts]
    joined = np.concatenate([u for _, u in parts]) if parts else np.empty(0, dtype=object)
    where, uniques = pd.factorize(joined.astype(object), use_na_sentinel=True)
    where = np.append(where.astype(np.int64), -1)  # position len(joined): missing stays -1
    out = []
    start = 0
    for (codes, _), size in zip(parts, sizes):
        at = np.where(codes >= 0, codes + start, len(joined))
        out.append(where[at])
        start += size
    return out, np.asarray(uniques, dtype=object)


class Columns:
    """Codes (``-1`` = missing) and distinct values of the columns of one frame."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self._codes: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def codes(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        """Codes per record and the distinct values (as Python objects) of one column.

        An absent column is missing in every record.
        """
        if column not in self._codes:
            if column not in self.frame.columns:
                found = (np.full(len(self.frame), -1, dtype=np.int64), np.empty(0, dtype=object))
            else:
                values = self.frame[column]
                if values.dtype != object:
                    values = values.astype(object)
                codes, uniques = pd.factorize(values, use_na_sentinel=True)
                found = (codes.astype(np.int64), np.asarray(uniques, dtype=object))
            self._codes[column] = found
        return self._codes[column]

    def cut(self, column: str, part: slice, min_length: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Codes and distinct values of ``value[part]`` for the text values of a column.

        Values that are not text, or shorter than ``min_length``, are missing.
        """
        codes, uniques = self.codes(column)
        values = np.empty(len(uniques), dtype=object)
        if pd.api.types.infer_dtype(uniques, skipna=False) == "string":
            texts: list[str] = uniques.tolist()
            values[:] = [v[part] for v in texts]
            if min_length:
                lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
                values[lengths < min_length] = None
        else:
            values[:] = [
                v[part] if type(v) is str and len(v) >= min_length else None
                for v in uniques.tolist()
            ]
        (out,), distinct = merged([(codes, values)])
        return out, distinct

    def either(
        self, first: str, second: str, use_first: Callable[[np.ndarray], np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per record the value of ``first`` where ``use_first(distinct values)`` holds for
        its value, else the value of ``second``."""
        c1, u1 = self.codes(first)
        c2, u2 = self.codes(second)
        ok = np.append(np.asarray(use_first(u1), dtype=bool), False)
        take1 = ok[np.where(c1 >= 0, c1, len(u1))]
        codes = np.where(take1, c1, np.where(c2 >= 0, c2 + len(u1), -1))
        joined = np.concatenate([u1, u2]).astype(object)
        return codes.astype(np.int64), joined
