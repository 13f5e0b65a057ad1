"""The "changes since last run" section of a person index's report.

:func:`changes_section` renders one run's :class:`~migrant_records.index.ChangeSet` (from
``index.add(...)`` or read back with ``index.changes()``): counts per kind of event, then
new persons, records attached, merges and splits, each with the pair scores behind it, and
corrections, erasures and retired ids. :func:`write_index_report` writes the whole report of
an index; :func:`changes_text` is the same content as plain text for the command line.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from migrant_records.explain.report import _esc, _section, _table, write_report

if TYPE_CHECKING:  # pragma: no cover
    from migrant_records.index import ChangeSet, PersonIndex

__all__ = ["changes_section", "changes_text", "write_index_report"]

_KINDS = (
    ("new", "New persons"),
    ("attach", "Records attached"),
    ("merge", "Merges"),
    ("split", "Splits"),
    ("update", "Records corrected"),
    ("erase", "Records erased"),
    ("retire", "Ids retired"),
)

_SHOWN = {
    "new": ["person_id", "record"],
    "attach": ["record", "person_id", "evidence"],
    "merge": ["person_id", "other_id", "evidence"],
    "split": ["other_id", "person_id", "evidence"],
    "update": ["record", "person_id"],
    "erase": ["person_id"],
    "retire": ["person_id"],
}

_HEADERS = {
    "person_id": "person",
    "other_id": "from / alias",
    "record": "record",
    "evidence": "evidence (pair: probability)",
}


def _named(source: object, record_id: object) -> str:
    if pd.isna(source) or pd.isna(record_id):  # type: ignore[call-overload]
        return "(erased)"
    return f"{source}:{record_id}"


def _event_rows(changes: ChangeSet, kind: str, max_pairs: int = 3) -> pd.DataFrame:
    """One row per event of a kind, with its strongest pairs as text."""
    events = changes.events[changes.events["event"] == kind]
    evidence = changes.evidence.sort_values(["event_id", "probability"], ascending=[True, False])
    texts: dict[int, str] = {}
    for event_id, group in evidence.groupby("event_id", sort=False):
        assert isinstance(event_id, (int, np.integer))
        pairs = [
            f"{_named(r.source_a, r.record_id_a)} ~ {_named(r.source_b, r.record_id_b)}: "
            f"{r.probability:.3f}"
            for r in group.head(max_pairs).itertuples(index=False)
        ]
        if len(group) > max_pairs:
            pairs.append(f"+{len(group) - max_pairs} more")
        texts[int(event_id)] = "; ".join(pairs)
    out = pd.DataFrame(
        {
            "person_id": events["person_id"].to_numpy(object),
            "other_id": events["other_id"].to_numpy(object),
            "record": [
                _named(s, r)
                for s, r in zip(events["source"].tolist(), events["record_id"].tolist())
            ],
            "evidence": [texts.get(int(e), "") for e in events["event_id"].tolist()],
        }
    )
    return out[_SHOWN[kind]].rename(columns=_HEADERS)


def changes_section(changes: ChangeSet | None, *, max_rows: int = 50) -> str:
    """The HTML section ``changes`` ("Changes since last run") of one run's change set.

    Args:
        changes: The run's change set (``None``: the section says that none was given).
        max_rows: Rows shown per kind of event.
    """
    title = "Changes since last run"
    if changes is None:
        return _section("changes", title, '<p class="note">No index run given.</p>')
    counts = changes.events["event"].value_counts()
    head = (
        f'<p class="note">Run {changes.run_id} ({_esc(changes.operation)}): what it did to '
        "the person ids, and the pair scores behind each change.</p>"
    )
    summary = pd.DataFrame(
        {
            "change": [label for _, label in _KINDS],
            "count": [int(counts.get(k, 0)) for k, _ in _KINDS],
        }
    )
    parts = [head, _table(summary, max_rows=None, table_id="changes-counts")]
    if changes.events.empty:
        parts.append('<p class="note">Nothing changed: no person id was issued or moved.</p>')
    for kind, label in _KINDS:
        if counts.get(kind, 0) == 0:
            continue
        parts.append(f"<h3>{_esc(label)}</h3>")
        parts.append(
            _table(_event_rows(changes, kind), max_rows=max_rows, table_id=f"changes-{kind}")
        )
    return _section("changes", title, "".join(parts))


def changes_text(changes: ChangeSet, *, max_rows: int = 20) -> str:
    """The same content as plain text (for the command line)."""
    counts = changes.events["event"].value_counts()
    lines = [f"changes since last run: run {changes.run_id} ({changes.operation})"]
    lines += [f"  {label.lower():<20}{int(counts.get(kind, 0))}" for kind, label in _KINDS]
    for kind, label in _KINDS:
        if counts.get(kind, 0) == 0 or kind in ("erase", "retire"):
            continue
        rows = _event_rows(changes, kind)
        lines.append(f"{label.lower()}:")
        lines.append(rows.head(max_rows).to_string(index=False))
        if len(rows) > max_rows:
            lines.append(f"  ... {len(rows) - max_rows} more")
    return "\n".join(lines)


def write_index_report(index: PersonIndex, path: str | Path, run_id: int | None = None) -> Path:
    """Write the report of a person index: its size and the changes since the last run.

    Args:
        index: An open person index.
        path: Output ``.html`` file.
        run_id: The run to show (default: the latest ``add``, ``update`` or ``remove``).

    Returns:
        The path written.
    """
    persons = index.persons()
    status = persons["status"].value_counts()
    runs = index.runs()
    summary = {
        "records": len(index),
        "persons": int(status.get("active", 0)),
        "aliases": int(status.get("alias", 0)),
        "retired ids": int(status.get("retired", 0)),
        "runs": len(runs),
    }
    return write_report(
        path,
        title="migrant-records: person index report",
        summary=summary,
        changes=index.changes(run_id),
    )
