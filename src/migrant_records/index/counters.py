"""Counters and person rows of the index: run, record, person and event numbers.

Counters live in ``mr_meta`` and are read and written inside the writing transaction, so a
rolled-back operation issues nothing: the ids it would have minted are minted again by the
next operation (they were never seen outside the transaction).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timezone

import numpy as np
import pandas as pd

from migrant_records.index.store import Backend

__all__ = ["Counters", "format_person_id"]

_NAMES = ("run", "rid", "person", "event")


def format_person_id(seq: int) -> str:
    """The person id issued as number ``seq`` (``P000000001`` for the first)."""
    return f"P{seq:09d}"


class Counters:
    """The next free number of each kind, loaded from and saved to ``mr_meta``."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        rows = backend.query("SELECT name, value FROM mr_meta")
        stored = dict(zip(rows["name"].tolist(), rows["value"].tolist()))
        self.values = {name: int(stored.get(f"next_{name}", 1)) for name in _NAMES}
        self._minted: list[int] = []

    def next(self, name: str) -> int:
        """Take one number."""
        value = self.values[name]
        self.values[name] = value + 1
        return value

    def take(self, name: str, n: int) -> np.ndarray:
        """Take ``n`` consecutive numbers."""
        start = self.values[name]
        self.values[name] = start + n
        return np.arange(start, start + n, dtype=np.int64)

    def mint(self) -> str:
        """Issue a new person id."""
        seq = self.next("person")
        self._minted.append(seq)
        return format_person_id(seq)

    def person_seq(self, person_ids: Sequence[str]) -> dict[str, int]:
        """Issue number of existing person ids."""
        if not person_ids:
            return {}
        self.backend.temp("mr_tmp_pids", pd.DataFrame({"person_id": list(person_ids)}))
        rows = self.backend.query(
            "SELECT person_id, seq FROM mr_persons WHERE person_id IN "
            "(SELECT person_id FROM mr_tmp_pids)"
        )
        return dict(zip(rows["person_id"].tolist(), rows["seq"].astype(int).tolist()))

    def write_persons(
        self,
        new: Sequence[tuple[str, str | None]],
        aliases: Sequence[tuple[str, str]],
        retired: Sequence[str],
        run_id: int,
    ) -> None:
        """Record issued ids, merged ids (aliases) and retired ids."""
        b = self.backend
        if new:
            b.insert(
                "mr_persons",
                pd.DataFrame(
                    {
                        "person_id": [p for p, _ in new],
                        "seq": np.array([int(p[1:]) for p, _ in new], dtype=np.int64),
                        "status": "active",
                        "alias_of": pd.Series([None] * len(new), dtype=object),
                        "origin": pd.Series([o for _, o in new], dtype=object),
                        "run_id": np.int64(run_id),
                    }
                ),
            )
        for alias, survivor in aliases:
            b.execute(
                "UPDATE mr_persons SET status = 'alias', alias_of = ? WHERE person_id = ?",
                [survivor, alias],
            )
        for person in retired:
            b.execute("UPDATE mr_persons SET status = 'retired' WHERE person_id = ?", [person])

    def log_run(self, run_id: int, operation: str, n_records: int, events: pd.DataFrame) -> None:
        """Append the run to ``mr_runs`` with its event counts, and save the counters."""
        counts = events["event"].value_counts().to_dict() if len(events) else {}
        self.backend.insert(
            "mr_runs",
            pd.DataFrame(
                {
                    "run_id": [np.int64(run_id)],
                    "run_at": [datetime.now(timezone.utc).isoformat(timespec="seconds")],
                    "operation": [operation],
                    "n_records": [np.int64(n_records)],
                    "summary": [json.dumps({str(k): int(v) for k, v in counts.items()})],
                }
            ),
        )
        self.save()

    def save(self) -> None:
        """Write the counters back to ``mr_meta``."""
        names = [f"next_{name}" for name in _NAMES]
        in_sql, params = self.backend.in_list(names)
        self.backend.execute(f"DELETE FROM mr_meta WHERE name IN {in_sql}", params)
        self.backend.insert(
            "mr_meta",
            pd.DataFrame({"name": names, "value": [str(self.values[n]) for n in _NAMES]}),
        )
