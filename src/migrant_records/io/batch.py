"""The :class:`Batch`: accepted records, rejected rows and how the input was mapped."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from migrant_records.schemas import CANONICAL_COLUMNS

__all__ = ["REJECT_COLUMNS", "Batch", "empty_rejects"]

REJECT_COLUMNS: tuple[str, ...] = ("source", "row", "record_id", "column", "value", "reason")
"""Columns of :attr:`Batch.rejects`."""

_CANON = frozenset(CANONICAL_COLUMNS)


def empty_rejects() -> pd.DataFrame:
    """An empty rejects frame with the standard columns and dtypes (a new one each call)."""
    return _EMPTY_REJECTS.copy()


def _empty_rejects() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source": pd.Series([], dtype=object),
            "row": pd.Series([], dtype="int64"),
            "record_id": pd.Series([], dtype=object),
            "column": pd.Series([], dtype=object),
            "value": pd.Series([], dtype=object),
            "reason": pd.Series([], dtype=object),
        }
    )


_EMPTY_REJECTS = _empty_rejects()


@dataclass
class Batch:
    """The result of reading one input (or several with ``read_many``).

    Every input row is either in ``records`` (once) or in ``rejects`` (once):
    ``len(records) + rejects["row"].nunique() == n_input`` for one input.

    Attributes:
        records: Canonical columns in order (all text, missing as ``None``) followed by the
            extra input columns, one row per accepted input row, ``RangeIndex``.
        rejects: One row per rejected input row: ``source, row, record_id, column, value,
            reason``; ``row`` is the 1-based data row number in the input (first data row
            = 1), ``column``/``value`` the offending cell, ``reason`` a code such as
            ``blank_full_name``, ``duplicate_record_id``, ``too_long:address``.
        mapping: Input header -> canonical column, as detected or given.
        source_name: The source of the records (several joined with ``", "``).
        n_input: Number of data rows read.
        notes: Human-readable remarks on the mapping (generated ids, combined TTL column,
            unmapped headers).
        info: What was read (``format``, ``input``, ``delimiter``, ``encoding``, ``sheet``).
        row_numbers: The input row number (1-based) of each record, aligned with
            ``records``.
    """

    records: pd.DataFrame
    rejects: pd.DataFrame
    mapping: dict[str, str]
    source_name: str
    n_input: int
    notes: list[str] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)
    row_numbers: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64), repr=False)

    @property
    def n_records(self) -> int:
        """Number of accepted records."""
        return len(self.records)

    @property
    def n_rejected(self) -> int:
        """Number of rejected input rows."""
        return len(self.rejects)

    def rejects_by_reason(self) -> dict[str, int]:
        """Count of rejected rows per reason, most frequent first."""
        if self.rejects.empty:
            return {}
        counts = self.rejects["reason"].value_counts()
        return {str(k): int(v) for k, v in counts.items()}

    def summary(self) -> dict[str, Any]:
        """Counts and mapping as a plain dict.

        Returns:
            ``source``, ``input_rows``, ``records``, ``rejected_rows``,
            ``rejects_by_reason``, ``mapping``, ``unmapped_columns``, ``notes``.

        Examples:
            >>> import pandas as pd
            >>> from migrant_records.io import read_records
            >>> b = read_records(pd.DataFrame({"NAMA": ["Siti", ""]}), source="KP2MI")
            >>> b.summary()["rejects_by_reason"]
            {'blank_full_name': 1}
        """
        canonical = set(self.mapping.values())
        extra = [c for c in self.records.columns if c not in canonical and c not in _CANON]
        return {
            "source": self.source_name,
            "input_rows": int(self.n_input),
            "records": int(self.n_records),
            "rejected_rows": int(self.n_rejected),
            "rejects_by_reason": self.rejects_by_reason(),
            "mapping": dict(self.mapping),
            "unmapped_columns": extra,
            "notes": list(self.notes),
        }

    def __repr__(self) -> str:
        return (
            f"Batch(source={self.source_name!r}, input_rows={self.n_input}, "
            f"records={self.n_records}, rejected_rows={self.n_rejected})"
        )

    def _repr_html_(self) -> str:
        esc = html.escape
        rows = [
            ("source", self.source_name),
            ("input rows", f"{self.n_input:,}"),
            ("records", f"{self.n_records:,}"),
            ("rejected rows", f"{self.n_rejected:,}"),
        ]
        parts = ["<div><table>", "<thead><tr><th colspan='2'>Batch</th></tr></thead><tbody>"]
        parts += [f"<tr><th>{esc(k)}</th><td>{esc(str(v))}</td></tr>" for k, v in rows]
        parts.append("</tbody></table>")
        by_reason = self.rejects_by_reason()
        if by_reason:
            parts.append("<table><thead><tr><th>reason</th><th>rows</th></tr></thead><tbody>")
            parts += [f"<tr><td>{esc(k)}</td><td>{v:,}</td></tr>" for k, v in by_reason.items()]
            parts.append("</tbody></table>")
        if self.mapping:
            parts.append("<table><thead><tr><th>input header</th><th>column</th></tr></thead>")
            parts.append("<tbody>")
            parts += [
                f"<tr><td>{esc(k)}</td><td>{esc(v)}</td></tr>" for k, v in self.mapping.items()
            ]
            parts.append("</tbody></table>")
        if self.notes:
            parts.append("<ul>" + "".join(f"<li>{esc(n)}</li>" for n in self.notes) + "</ul>")
        parts.append("</div>")
        return "".join(parts)
