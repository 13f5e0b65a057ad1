"""What a read keeps of the index between calls: stored columns, term-frequency counts.

A lookup on its own is a few small queries; reading the index's settings again on every call
would cost more than the lookup itself. :class:`ReadCache` keeps them on the open
:class:`~migrant_records.index.PersonIndex` and drops them whenever the index has changed
since they were read: every writing operation advances the run counter in ``mr_meta``, which
each read compares first (one indexed row), so a change made by another process (a shared
PostgreSQL index) is seen as well as one made through this object.

The term-frequency counts (``mr_tf``: one row per distinct value of each term-frequency
column) are kept whole while they have at most :data:`TF_CACHE_ROWS` rows: a lookup then
finds its values' counts without a query, which on a large index costs more than the rest
of the lookup's reading. A larger table is queried per call.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from migrant_records.index.rows import read_columns
from migrant_records.index.store import Backend

__all__ = ["TF_CACHE_ROWS", "ReadCache"]

TF_CACHE_ROWS = 2_000_000
"""Largest ``mr_tf`` (distinct values of all term-frequency columns) a read keeps in memory
(a few hundred MiB at most; about 47,000 rows at a million synthetic records)."""


class ReadCache:
    """Settings read from the index, valid while its run counter stays the same."""

    def __init__(self) -> None:
        self.generation: object = None
        self._columns: dict[str, str] | None = None
        self._totals: dict[str, float] | None = None
        self._counts: dict[str, dict[object, float]] | None = None
        self._counts_read = False

    def clear(self) -> None:
        """Forget everything (after this process wrote to the index)."""
        self.generation = None
        self._columns = None
        self._totals = None
        self._counts = None
        self._counts_read = False

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

    def counts(self, backend: Backend) -> dict[str, dict[object, float]] | None:
        """Column -> value -> count of every term-frequency value, or None when ``mr_tf``
        has more than :data:`TF_CACHE_ROWS` rows (then each call queries its own values)."""
        if not self._counts_read:
            self._counts_read = True
            size = backend.scalar("SELECT COUNT(*) FROM mr_tf")
            if int(size or 0) <= TF_CACHE_ROWS:
                table: dict[str, dict[object, float]] = {}
                for col, value, n in backend.rows("SELECT col, value, n FROM mr_tf"):
                    table.setdefault(str(col), {})[value] = float(n)
                self._counts = table
        return self._counts

    def totals(self, backend: Backend, columns: Sequence[str]) -> dict[str, float]:
        """Number of counted values of every term-frequency column."""
        if self._totals is None and self._counts is not None:
            self._totals = {col: float(sum(n.values())) for col, n in self._counts.items()}
        if self._totals is None or any(c not in self._totals for c in columns):
            rows = backend.query("SELECT col, SUM(n) AS total FROM mr_tf GROUP BY col")
            totals = rows["total"].astype(np.float64).tolist()
            self._totals = dict(zip(rows["col"].astype(str).tolist(), totals))
            for column in columns:
                self._totals.setdefault(column, 0.0)
        return self._totals
