"""What a read keeps of the index between calls: stored columns, term-frequency totals.

A lookup on its own is a few small queries; reading the index's settings again on every call
would cost more than the lookup itself. :class:`ReadCache` keeps them on the open
:class:`~migrant_records.index.PersonIndex` and drops them whenever the index has changed
since they were read: every writing operation advances the run counter in ``mr_meta``, which
each read compares first (one indexed row), so a change made by another process (a shared
PostgreSQL index) is seen as well as one made through this object.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from migrant_records.index.rows import read_columns
from migrant_records.index.store import Backend

__all__ = ["ReadCache"]


class ReadCache:
    """Settings read from the index, valid while its run counter stays the same."""

    def __init__(self) -> None:
        self.generation: object = None
        self._columns: dict[str, str] | None = None
        self._totals: dict[str, float] | None = None

    def clear(self) -> None:
        """Forget everything (after this process wrote to the index)."""
        self.generation = None
        self._columns = None
        self._totals = None

    def check(self, backend: Backend) -> None:
        """Drop what was read if the index changed since (call inside the read transaction)."""
        generation = backend.scalar("SELECT value FROM mr_meta WHERE name = ?", ["next_run"])
        if generation != self.generation or generation is None:
            self.clear()
            self.generation = generation

    def columns(self, backend: Backend) -> dict[str, str]:
        """Stored prepared column -> pandas dtype (see :func:`~.rows.read_columns`)."""
        if self._columns is None:
            self._columns = read_columns(backend)
        return self._columns

    def totals(self, backend: Backend, columns: Sequence[str]) -> dict[str, float]:
        """Number of counted values of every term-frequency column."""
        if self._totals is None or any(c not in self._totals for c in columns):
            rows = backend.query("SELECT col, SUM(n) AS total FROM mr_tf GROUP BY col")
            totals = rows["total"].astype(np.float64).tolist()
            self._totals = dict(zip(rows["col"].astype(str).tolist(), totals))
            for column in columns:
                self._totals.setdefault(column, 0.0)
        return self._totals
