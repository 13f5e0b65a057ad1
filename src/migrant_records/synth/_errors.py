"""Error injection bookkeeping: which records get which error, and the error log."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from migrant_records.synth._arrays import BoolArray, IntArray
from migrant_records.synth._dates import ymd
from migrant_records.synth._people import People

__all__ = ["TWO_ERRORS", "ErrorLog", "draw_error", "two_errors"]


@dataclass
class ErrorLog:
    """Rows that got each error, and how many records could have got it."""

    rows: dict[str, list[IntArray]] = field(default_factory=dict)
    eligible: dict[str, int] = field(default_factory=dict)

    def add(self, error: str, mask: BoolArray, eligible: BoolArray | int) -> None:
        self.rows.setdefault(error, []).append(np.flatnonzero(mask))
        count = int(eligible) if isinstance(eligible, int) else int(np.count_nonzero(eligible))
        self.eligible[error] = self.eligible.get(error, 0) + count


def draw_error(
    rng: np.random.Generator, rate: float, eligible: BoolArray, log: ErrorLog, error: str
) -> BoolArray:
    """Eligible records that get ``error`` at ``rate``, logged."""
    mask = eligible & (rng.random(len(eligible)) < rate)
    log.add(error, mask, eligible)
    return mask


TWO_ERRORS = ("two_typo_year", "two_title_old_year", "two_initial_swap")


def two_errors(
    rng: np.random.Generator,
    p: People,
    idx: IntArray,
    rates: dict[str, float],
    log: ErrorLog,
    clean: BoolArray,
) -> dict[str, BoolArray]:
    """Records that get two errors at once (the combinations exclude each other).

    Only records whose name no single error touched are eligible, so that a combination is
    exactly two (or three) errors.
    """
    n = len(idx)
    _, m, d = ymd(p.dob[idx])
    eligible = {
        "two_typo_year": clean,
        "two_title_old_year": clean & p.old_ok[idx],
        "two_initial_swap": clean & (p.ntok[idx] >= 2) & (d <= 12) & (d != m),
    }
    edges = np.cumsum([rates.get(e, 0.0) for e in TWO_ERRORS])
    kind = np.searchsorted(edges, rng.random(n), side="right")
    out: dict[str, BoolArray] = {}
    for k, error in enumerate(TWO_ERRORS):
        out[error] = (kind == k) & eligible[error]
        log.add(error, out[error], eligible[error])
    return out
