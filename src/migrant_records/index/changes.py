"""What one operation did to the index: the change set it returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["ChangeSet", "stored_changes"]


def _keys_of(local: pd.DataFrame, rids: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    source = pd.Series(local["source"].astype(str).to_numpy(), index=local["rid"].to_numpy())
    record = pd.Series(local["record_id"].astype(str).to_numpy(), index=local["rid"].to_numpy())
    return (
        rids.map(source).to_numpy(dtype=object),
        rids.map(record).to_numpy(dtype=object),
    )


@dataclass
class ChangeSet:
    """The id events of one operation and the pair scores behind them.

    Attributes:
        run_id: Number of the run in the index's run log.
        operation: ``create``, ``add``, ``update`` or ``remove``.
        events: One row per id event: ``event_id, event, person_id, other_id, source,
            record_id``. Events: ``new`` (a person id issued), ``attach`` (a new record joined
            ``person_id``), ``merge`` (``other_id`` became an alias of ``person_id``),
            ``split`` (records of ``other_id`` now form or joined ``person_id``), ``update``
            (a record was corrected), ``erase`` (a record was erased), ``retire``
            (``person_id`` lost its last record).
        evidence: Pair scores per event: ``event_id, source_a, record_id_a, source_b,
            record_id_b, probability``.
        unchanged: Records sent again with no change (nothing was done with them).
        erased: Records erased.
        rejects: Input rows refused when reading (with the reason), as in ``dedupe``.
    """

    run_id: int
    operation: str
    events: pd.DataFrame
    evidence: pd.DataFrame
    unchanged: int = 0
    erased: int = 0
    rejects: pd.DataFrame = field(default_factory=pd.DataFrame)

    @classmethod
    def build(
        cls,
        run_id: int,
        operation: str,
        events: pd.DataFrame,
        evidence: pd.DataFrame,
        local: pd.DataFrame,
        unchanged: int,
        erased: int,
    ) -> ChangeSet:
        """Name the records of events and evidence by ``source`` and ``record_id``."""
        src, rec = _keys_of(local, events["rid"].astype("Int64"))
        ev = pd.DataFrame(
            {
                "event_id": events["event_id"].to_numpy(np.int64),
                "event": events["event"].to_numpy(object),
                "person_id": events["person_id"].to_numpy(object),
                "other_id": events["other_id"].to_numpy(object),
                "source": src,
                "record_id": rec,
            }
        )
        sa, ra = _keys_of(local, evidence["a"])
        sb, rb = _keys_of(local, evidence["b"])
        evd = pd.DataFrame(
            {
                "event_id": evidence["event_id"].to_numpy(np.int64),
                "source_a": sa,
                "record_id_a": ra,
                "source_b": sb,
                "record_id_b": rb,
                "probability": evidence["probability"].to_numpy(np.float64),
            }
        )
        return cls(run_id, operation, ev, evd, unchanged, erased)

    def _of(self, event: str) -> pd.DataFrame:
        return self.events[self.events["event"] == event].reset_index(drop=True)

    @property
    def new_persons(self) -> pd.DataFrame:
        """Person ids issued for records of nobody known (``new`` events)."""
        return self._of("new")

    @property
    def attached(self) -> pd.DataFrame:
        """New records and the person each joined (``attach`` events)."""
        return self._of("attach")

    @property
    def merges(self) -> pd.DataFrame:
        """Persons merged: ``other_id`` is now an alias of ``person_id``."""
        return self._of("merge")

    @property
    def splits(self) -> pd.DataFrame:
        """Persons split: records of ``other_id`` now form or joined ``person_id``."""
        return self._of("split")

    def evidence_for(self, event_id: int) -> pd.DataFrame:
        """The pair scores behind one event."""
        return self.evidence[self.evidence["event_id"] == event_id].reset_index(drop=True)

    def summary(self) -> dict[str, Any]:
        """Counts of each kind of event, plus unchanged and erased records."""
        counts = self.events["event"].value_counts()
        out: dict[str, Any] = {"run_id": self.run_id, "operation": self.operation}
        for name in ("new", "attach", "merge", "split", "update", "erase", "retire"):
            out[name] = int(counts.get(name, 0))
        out["unchanged"] = self.unchanged
        return out

    def __repr__(self) -> str:
        parts = ", ".join(f"{k}={v}" for k, v in self.summary().items() if v not in (0,))
        return f"ChangeSet({parts})"


def stored_changes(backend: Any, run_id: int) -> ChangeSet:
    """The change set of an earlier run, read back from the history (inside a transaction).

    Records erased since are no longer named (their ``source`` and ``record_id`` are NA).
    """
    run = backend.query("SELECT operation, summary FROM mr_runs WHERE run_id = ?", [run_id])
    operation = str(run["operation"].iloc[0]) if len(run) else ""
    events = backend.query(
        "SELECT h.event_id AS event_id, h.event AS event, h.person_id AS person_id, "
        "h.other_id AS other_id, r.source AS source, r.record_id AS record_id "
        "FROM mr_history h LEFT JOIN mr_records r ON r.rid = h.rid WHERE h.run_id = ? "
        "ORDER BY h.event_id",
        [run_id],
    )
    evidence = backend.query(
        "SELECT e.event_id AS event_id, ra.source AS source_a, ra.record_id AS record_id_a, "
        "rb.source AS source_b, rb.record_id AS record_id_b, e.probability AS probability "
        "FROM mr_evidence e JOIN mr_history h ON h.event_id = e.event_id "
        "LEFT JOIN mr_records ra ON ra.rid = e.a LEFT JOIN mr_records rb ON rb.rid = e.b "
        "WHERE h.run_id = ? ORDER BY e.event_id, e.probability DESC",
        [run_id],
    )
    events = events.astype({"event_id": np.int64})
    evidence = evidence.astype({"event_id": np.int64, "probability": np.float64})
    erased = int((events["event"] == "erase").sum())
    return ChangeSet(int(run_id), operation, events, evidence, 0, erased)
