"""Dates as written in Indonesian ministry files, and combined birth place/date values.

Every format is recognised by one regular expression applied to the unique values with
pandas ``.str.extract``; year, month and day are then checked with numpy. A value that
cannot be read, is impossible, ambiguous or in the future gives ``NaT`` and a reason,
never a silent guess.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import numpy as np
import pandas as pd

from migrant_records._pandas import object_frame
from migrant_records.errors import ConfigError
from migrant_records.standardize._util import (
    as_series,
    fold_text,
    none_where,
    unique_strings,
    with_missing,
)

__all__ = ["DATE_REASONS", "MONTHS", "parse_date", "split_birth_place_date"]

#: Reason codes for dates that could not be read.
DATE_REASONS = ("missing", "unparseable", "impossible", "ambiguous", "future")

#: Month names and abbreviations (Indonesian, old Indonesian spellings, English).
MONTHS: dict[str, int] = {
    "januari": 1, "january": 1, "jan": 1, "djanuari": 1,
    "februari": 2, "february": 2, "pebruari": 2, "feb": 2, "peb": 2, "febr": 2,
    "maret": 3, "march": 3, "mar": 3, "mrt": 3,
    "april": 4, "apr": 4, "aprl": 4,
    "mei": 5, "may": 5,
    "juni": 6, "june": 6, "jun": 6, "djuni": 6,
    "juli": 7, "july": 7, "jul": 7, "djuli": 7,
    "agustus": 8, "august": 8, "agt": 8, "agu": 8, "ags": 8, "agst": 8, "aug": 8,
    "agus": 8, "augustus": 8,
    "september": 9, "sep": 9, "sept": 9, "spt": 9,
    "oktober": 10, "october": 10, "okt": 10, "oct": 10,
    "november": 11, "nopember": 11, "nov": 11, "nop": 11,
    "desember": 12, "december": 12, "des": 12, "dec": 12, "dsember": 12,
}  # fmt: skip

_SEP = r"[-/.\s]"
_PATTERNS: tuple[tuple[str, str], ...] = (
    ("iso", r"^(?P<y>[0-9]{4})[-/.](?P<m>[0-9]{1,2})[-/.](?P<d>[0-9]{1,2})$"),
    (
        "numeric",
        rf"^(?P<a>[0-9]{{1,2}}){_SEP}+(?P<b>[0-9]{{1,2}}){_SEP}+(?P<y>[0-9]{{4}}|[0-9]{{2}})$",
    ),
    ("compact", r"^(?P<x>[0-9]{8})$"),
    ("excel", r"^(?P<n>[0-9]{5})(?:\.0+)?$"),
    (
        "text_dmy",
        r"^(?P<d>[0-9]{1,2})(?:st|nd|rd|th)?[-/.,\s]*(?P<mon>[a-z]+)\.?[-/.,\s]*"
        r"(?P<y>[0-9]{4}|[0-9]{2})$",
    ),
    (
        "text_mdy",
        r"^(?P<mon>[a-z]+)\.?[-/.\s]*(?P<d>[0-9]{1,2})(?:st|nd|rd|th)?,?[-/.\s]*(?P<y>[0-9]{4})$",
    ),
)
_MONTH_LENGTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
_EXCEL_EPOCH = np.datetime64("1899-12-30")


def _days_in_month(year: np.ndarray, month: np.ndarray) -> np.ndarray:
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    return _MONTH_LENGTH[np.clip(month - 1, 0, 11)] + ((month == 2) & leap)


#: Default earliest plausible year of a date (a setting: ``parse_date(min_year=...)``).
DEFAULT_MIN_YEAR = 1900
#: Earliest year a date can hold (pandas nanosecond timestamps start in September 1677).
EARLIEST_YEAR = 1678


def check_min_year(min_year: int) -> int:
    """Validate the earliest plausible year of a date (a setting, not a fixed floor).

    Raises:
        ConfigError: ``min_year`` is before :data:`EARLIEST_YEAR`.
    """
    if int(min_year) < EARLIEST_YEAR:
        raise ConfigError(
            f"min_year={min_year} is too early: dates are held as pandas timestamps, which "
            f"start in {EARLIEST_YEAR}; use min_year={EARLIEST_YEAR} or later"
        )
    return int(min_year)


def _real(
    year: np.ndarray, month: np.ndarray, day: np.ndarray, min_year: int = DEFAULT_MIN_YEAR
) -> np.ndarray:
    return (
        (year >= min_year)
        & (month >= 1)
        & (month <= 12)
        & (day >= 1)
        & (day <= _days_in_month(year, month))
    )


def _num(values: list[str | None]) -> np.ndarray:
    """Digit strings as integers (``-1`` where missing)."""
    return np.array([-1 if v is None else int(v) for v in values], dtype=np.int64)


_COMPILED = tuple((kind, re.compile(pattern)) for kind, pattern in _PATTERNS)
_TIME_OF_DAY = re.compile(r"[\s t]+[0-9]{1,2}[:.][0-9]{2}(?:[:.][0-9]{2}(?:\.[0-9]+)?)?$")
_SPACES = re.compile(r"\s+")


def _plain(value: str | None) -> str:
    """A date value folded, without a time of day, single-spaced and stripped."""
    text = fold_text(value or "").strip()
    text = _TIME_OF_DAY.sub("", text)
    return _SPACES.sub(" ", text).strip(" ,.")


def _extract(pattern: re.Pattern[str], texts: list[str]) -> tuple[np.ndarray, dict[str, list[Any]]]:
    """Positions of the texts ``pattern`` matches and, per group, its text at each of them."""
    hit: list[int] = []
    groups: dict[str, list[Any]] = {name: [] for name in pattern.groupindex}
    for i, text in enumerate(texts):
        m = pattern.search(text)
        if m is None:
            continue
        found = m.groupdict()
        if all(v is None for v in found.values()):
            continue
        hit.append(i)
        for name, v in found.items():
            groups[name].append(v)
    return np.asarray(hit, dtype=np.intp), groups


def _reference(reference_date: Any) -> pd.Timestamp:
    if reference_date is None:
        return pd.Timestamp(dt.date.today())
    return pd.Timestamp(reference_date).normalize()


def parse_date(
    s: Any,
    dayfirst: bool | None = True,
    pivot_year: int | None = None,
    reference_date: Any = None,
    min_year: int = DEFAULT_MIN_YEAR,
) -> pd.DataFrame:
    """Parse dates in the formats found in Indonesian records.

    Recognised: ISO ``1990-05-12``; ``12-05-1990``, ``12/05/1990``, ``12.05.1990`` (and
    two-digit years); ``19900512`` (or ``12051990``); ``12 Mei 1990``, ``12 Agt 1990``,
    ``12-Agustus-1990``, English month names, old spellings ``Pebruari``/``Nopember``;
    ``May 12, 1990``; Excel serial numbers (5 digits, 1927 onwards); a trailing time
    (``1990-05-12 00:00:00``) is ignored.

    Numeric day/month order: with ``dayfirst=True`` (the Indonesian convention)
    ``2/3/90`` is 2 March 1990. When only the other order gives a real date
    (``03/25/1990``) that reading is used, since it is the only one possible. With
    ``dayfirst=None`` no order is assumed and a value readable both ways is ``ambiguous``.

    Args:
        s: Values (Series or list-like), any dtype.
        dayfirst: ``True`` day before month, ``False`` month before day, ``None``
            neither assumed.
        pivot_year: Two-digit years greater than this are 19yy, the others 20yy
            (default: the two-digit year of ``reference_date``).
        reference_date: Dates after it are rejected as ``future`` (default today).
        min_year: Earliest plausible year (default 1900); earlier dates are ``impossible``.
            Genealogical or historical data can set it as low as 1678.

    Returns:
        DataFrame aligned to ``s`` with ``date`` (datetime64[ns]) and ``reason``
        (``missing``, ``unparseable``, ``impossible``, ``ambiguous``, ``future``; ``None``
        when parsed).

    Example:
        >>> out = parse_date(pd.Series(["12 Mei 1990", "1990-05-12", "12/05/90"]))
        >>> out["date"].dt.strftime("%Y-%m-%d").tolist()
        ['1990-05-12', '1990-05-12', '1990-05-12']
    """
    series = as_series(s)
    min_year = check_min_year(min_year)
    ref = _reference(reference_date)
    pivot = ref.year % 100 if pivot_year is None else int(pivot_year) % 100
    century = ref.year // 100 * 100
    codes, uniques = unique_strings(series)
    n = len(uniques)
    missing = np.array([u is None for u in uniques], dtype=bool)
    text = [_plain(u) for u in uniques]

    year = np.full(n, -1, dtype=np.int64)
    month = np.full(n, -1, dtype=np.int64)
    day = np.full(n, -1, dtype=np.int64)
    reason = np.full(n, None, dtype=object)
    reason[missing] = "missing"
    done = missing.copy()
    excel = np.zeros(n, dtype=bool)

    def two_digit(y: np.ndarray, raw: list[str | None]) -> np.ndarray:
        short = np.array([r is not None and len(r) == 2 for r in raw], dtype=bool)
        return np.where(short, np.where(y > pivot, century - 100 + y, century + y), y)

    for kind, pattern in _COMPILED:
        todo = np.flatnonzero(~done)
        if not len(todo):
            break
        hit, f = _extract(pattern, [text[i] for i in todo.tolist()])
        if not len(hit):
            continue
        rows = todo[hit]
        if kind == "iso":
            y, m, d = _num(f["y"]), _num(f["m"]), _num(f["d"])
        elif kind == "numeric":
            a, b = _num(f["a"]), _num(f["b"])
            y = two_digit(_num(f["y"]), f["y"])
            first = (a, b) if dayfirst in (True, None) else (b, a)
            d1, m1 = first
            d2, m2 = m1, d1
            ok1, ok2 = _real(y, m1, d1, min_year), _real(y, m2, d2, min_year)
            use2 = ~ok1 & ok2
            d, m = np.where(use2, d2, d1), np.where(use2, m2, m1)
            if dayfirst is None:
                amb = ok1 & ok2 & (a != b)
                reason[rows[amb]] = "ambiguous"
                y = np.where(amb, -1, y)
        elif kind == "compact":
            x = f["x"]
            y1, m1, d1 = (_num([v[i:j] for v in x]) for i, j in ((0, 4), (4, 6), (6, 8)))
            d2, m2, y2 = (_num([v[i:j] for v in x]) for i, j in ((0, 2), (2, 4), (4, 8)))
            ok1, ok2 = _real(y1, m1, d1, min_year), _real(y2, m2, d2, min_year)
            amb = ok1 & ok2
            reason[rows[amb]] = "ambiguous"
            use2 = ~ok1 & ok2
            y = np.where(amb, -1, np.where(use2, y2, y1))
            m = np.where(use2, m2, m1)
            d = np.where(use2, d2, d1)
        elif kind == "excel":
            serial = _num(f["n"])
            stamp = _EXCEL_EPOCH + serial.astype("timedelta64[D]")
            parts = pd.DatetimeIndex(stamp)
            y, m, d = (
                np.asarray(parts.year, dtype=np.int64),
                np.asarray(parts.month, dtype=np.int64),
                np.asarray(parts.day, dtype=np.int64),
            )
            excel[rows] = True
        else:
            mon = [MONTHS.get(v) if v is not None else None for v in f["mon"]]
            known = np.array([v is not None for v in mon], dtype=bool)
            rows = rows[known]
            keep = np.flatnonzero(known).tolist()
            y = two_digit(_num([f["y"][i] for i in keep]), [f["y"][i] for i in keep])
            m = np.array([mon[i] for i in keep], dtype=np.int64)
            d = _num([f["d"][i] for i in keep])
        year[rows], month[rows], day[rows] = y, m, d
        done[rows] = True

    reason[~done] = "unparseable"
    has_parts = done & pd.isna(reason)
    real = _real(year, month, day, min_year)
    reason[has_parts & ~real] = "impossible"
    ok = has_parts & real
    stamp = year * 10000 + month * 100 + day
    ref_stamp = ref.year * 10000 + ref.month * 100 + ref.day
    future = ok & (stamp > ref_stamp)
    reason[future] = "future"
    ok &= ~future
    dates = np.full(n + 1, np.datetime64("NaT"), dtype="datetime64[ns]")
    if ok.any():
        dates[:n][ok] = pd.to_datetime(stamp[ok].astype(str), format="%Y%m%d").to_numpy()
    reasons = np.append(reason, "missing")
    return object_frame({"date": dates[codes], "reason": reasons[codes]}, series.index)


_PLACE_DATE = r"^(?P<place>[^0-9]*?)[\s,/;:\-]*(?P<date>[0-9].*)?$"


def split_birth_place_date(
    s: Any,
    dayfirst: bool | None = True,
    reference_date: Any = None,
    min_year: int = DEFAULT_MIN_YEAR,
) -> pd.DataFrame:
    """Split combined birth place and date values (the "tempat/tanggal lahir" field).

    Handles ``"CILACAP, 12-05-1990"``, ``"Cilacap 12 Mei 1990"``, ``"CILACAP/12-05-1990"``.
    The place is everything before the first digit, without trailing separators.

    Args:
        s: Values (Series or list-like).
        dayfirst: Passed to :func:`parse_date`.
        reference_date: Passed to :func:`parse_date`.
        min_year: Passed to :func:`parse_date`.

    Returns:
        DataFrame aligned to ``s`` with ``place`` (str, as written), ``date``
        (datetime64[ns]) and ``reason`` (from :func:`parse_date`; ``missing`` when the
        value holds no date).

    Example:
        >>> out = split_birth_place_date(pd.Series(["CILACAP, 12-05-1990"]))
        >>> out["place"].item(), str(out["date"].item().date())
        ('CILACAP', '1990-05-12')
    """
    series = as_series(s)
    codes, uniques = unique_strings(series)
    u = pd.Series(uniques, dtype=object)
    parts = u.fillna("").str.strip().str.extract(_PLACE_DATE)
    stripped = parts["place"].str.strip(" ,/;:-.")
    place = none_where(stripped, u.isna().to_numpy() | (stripped == "").to_numpy())
    parsed = parse_date(
        parts["date"], dayfirst=dayfirst, reference_date=reference_date, min_year=min_year
    )
    place_arr = with_missing(place, None)
    date_arr = np.append(parsed["date"].to_numpy(), np.datetime64("NaT", "ns"))
    reason_arr = with_missing(parsed["reason"].to_numpy(dtype=object), "missing")
    return object_frame(
        {"place": place_arr[codes], "date": date_arr[codes], "reason": reason_arr[codes]},
        series.index,
    )
