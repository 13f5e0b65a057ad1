"""Day numbers and the date formats the sources write."""

from __future__ import annotations

import numpy as np
import pandas as pd

from migrant_records.errors import ConfigError
from migrant_records.synth import _strings as st
from migrant_records.synth._arrays import IntArray, ObjArray

__all__ = [
    "EPOCH",
    "NA_DAY",
    "YEAR_DAYS",
    "date_strings",
    "day_number",
    "format_dates",
    "iso_dates",
    "ymd",
]


EPOCH = np.datetime64("1970-01-01", "D")
YEAR_DAYS = 365.25
NA_DAY = -(10**9)
"""Day number standing for a missing date."""


def day_number(date: str) -> int:
    """Days since 1970-01-01 of an ISO date; a clear error for anything else."""
    try:
        return int((np.datetime64(pd.Timestamp(date).date(), "D") - EPOCH).astype(np.int64))
    except (ValueError, TypeError) as exc:
        raise ConfigError(
            f"reference_date {date!r} is not a date; give an ISO date such as '2026-01-01'"
        ) from exc


def ymd(days: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """Year, month and day of each day number."""
    d = EPOCH + days.astype("timedelta64[D]")
    y = d.astype("datetime64[Y]").astype(np.int64) + 1970
    m = d.astype("datetime64[M]").astype(np.int64) % 12 + 1
    dd = (d - d.astype("datetime64[M]")).astype(np.int64) + 1
    return y, m, dd


def iso_dates(days: IntArray) -> ObjArray:
    """ISO dates for day numbers; negative sentinel (< -10**6) gives None."""
    out = np.full(days.shape, None, dtype=object)
    ok = days > -(10**6)
    if ok.any():
        u, inv = np.unique(days[ok], return_inverse=True)
        text = np.datetime_as_string(EPOCH + u.astype("timedelta64[D]"), unit="D").astype(object)
        out[ok] = text[inv]
    return out


_MONTHS_ID = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip
_MONTHS_ID_ABBR = (
    "Jan", "Peb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agt", "Sep", "Okt", "Nop", "Des",
)  # fmt: skip


def date_strings(days: IntArray, fmt: str, variant: int = 0) -> ObjArray:
    """Format day numbers (all valid) in one of the source date formats."""
    y, m, d = ymd(days)
    dd = st.digits(d, 2)
    mm = st.digits(m, 2)
    yy = y.astype(st.S)
    if fmt == "iso":
        out = st.cat(yy, "-", mm, "-", dd)
    elif fmt == "iso_time":
        out = st.cat(yy, "-", mm, "-", dd, " 00:00:00")
    elif fmt == "dmy_dash":
        out = st.cat(dd, "-", mm, "-", yy)
    elif fmt == "dmy_slash":
        out = st.cat(dd, "/", mm, "/", yy)
    elif fmt == "excel":
        out = (days + 25569).astype(st.S)  # days since 1899-12-30
    elif fmt == "indonesian":
        months = list(_MONTHS_ID_ABBR if variant == 2 else _MONTHS_ID)
        if variant == 1:
            months[1], months[10] = "Pebruari", "Nopember"
        mon = np.asarray(months, dtype=object)[m - 1]
        out = st.cat(d.astype(st.S), " ", mon, " ", yy)
    else:
        raise ConfigError(f"unknown date format {fmt!r}")
    return st.to_obj(out)


def format_dates(rng: np.random.Generator, days: IntArray, fmt: str) -> ObjArray:
    """Format day numbers in a source format (``NA_DAY`` gives None), via unique days."""
    out = np.full(len(days), None, dtype=object)
    ok = days != NA_DAY
    if not ok.any():
        return out
    u, inv = np.unique(days[ok], return_inverse=True)
    if fmt == "indonesian":
        tables = np.stack([date_strings(u, fmt, v) for v in range(3)])
        r = rng.random(len(inv))
        variant = np.where(r < 0.3, 1, np.where(r > 0.8, 2, 0))
        out[ok] = tables[variant, inv]
    else:
        out[ok] = date_strings(u, fmt)[inv]
    return out
