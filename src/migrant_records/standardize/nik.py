"""NIK (Nomor Induk Kependudukan): cleaning, structural validation and decoding.

A NIK has 16 digits ``PPKKCC DDMMYY SSSS``: province, regency/city and district of first
registration, birth date (day + 40 for women) and a serial number. See
``docs/indonesian-data.md`` for the rules and what goes wrong in real files.

All checks are vectorized with numpy over the unique values of the column.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from migrant_records._pandas import object_frame
from migrant_records.data import load_district_codes
from migrant_records.standardize._util import as_series, unique_strings

__all__ = ["NIK_COLUMNS", "NIK_REASONS", "flag_repeated_nik", "parse_nik"]

logger = logging.getLogger(__name__)

#: Columns returned by :func:`parse_nik`, in order.
NIK_COLUMNS = (
    "nik",
    "valid",
    "reason",
    "birth_date",
    "sex",
    "province_code",
    "regency_code",
    "district_code",
    "suspect",
)

#: Reason codes, in the order they are checked (the first failing rule is reported).
NIK_REASONS = (
    "missing",
    "scientific_notation",
    "non_digit",
    "length",
    "dummy",
    "province",
    "regency",
    "district",
    "day",
    "month",
    "date",
    "serial",
)

_SCIENTIFIC = r"[+-]?[0-9]+(?:[.,][0-9]+)?[eE][+-]?[0-9]+"


@lru_cache(maxsize=1)
def _known_codes() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Historical province, regency and district codes as sorted integer arrays."""
    codes = load_district_codes()["code"].str.replace(".", "", regex=False)
    lengths = codes.str.len()
    return tuple(  # type: ignore[return-value]
        np.unique(codes[lengths == n].astype(np.int64).to_numpy()) for n in (2, 4, 6)
    )


@lru_cache(maxsize=1)
def _code_labels() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dotted labels (``PP``, ``PP.KK``, ``PP.KK.CC``) aligned with :func:`_known_codes`."""
    out = []
    for codes, width in zip(_known_codes(), (2, 4, 6)):
        text = [str(c).zfill(width) for c in codes]
        out.append(
            np.array(
                [".".join(s[i : i + 2] for i in range(0, width, 2)) for s in text], dtype=object
            )
        )
    return out[0], out[1], out[2]


def _known(values: np.ndarray, known: np.ndarray) -> np.ndarray:
    """``np.isin(values, known)`` for a sorted ``known``; few values are looked up by bisection
    (``np.isin`` sorts ``known`` again on every call)."""
    if len(values) >= len(known):
        return np.isin(values, known)
    pos = np.minimum(np.searchsorted(known, values), len(known) - 1)
    return known[pos] == values


_SEPARATORS = re.compile(r"[\s.\-_/'’`,]+")
_FLOAT_ZERO = re.compile(r"(?<=[0-9]{15})\.0+$")
_SCIENTIFIC_RE = re.compile(_SCIENTIFIC)


def _clean(raw: str | None) -> tuple[str | None, str | None]:
    """``(cleaned digits, reason)``; reason ``None`` means 16 ASCII digits."""
    if raw is None:
        return None, "missing"
    if len(raw) == 16 and raw.isascii() and raw.isdigit():
        return raw, None
    text = raw.strip()
    if _SCIENTIFIC_RE.fullmatch(text):
        return text, "scientific_notation"
    text = _SEPARATORS.sub("", _FLOAT_ZERO.sub("", text.lstrip("'’`")))
    if not text:
        return None, "missing"
    if not (text.isascii() and text.isdigit()):
        return text, "non_digit"
    if len(text) != 16:
        return text, "length"
    return text, None


def _to_datetime(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """datetime64[ns] from valid year/month/day integer arrays (numpy only)."""
    months = (year.astype(np.int64) - 1970) * 12 + (month.astype(np.int64) - 1)
    days = months.astype("datetime64[M]").astype("datetime64[D]") + (day.astype(np.int64) - 1)
    return days.astype("datetime64[ns]")


def _reference(reference_date: Any) -> pd.Timestamp:
    if reference_date is None:
        return pd.Timestamp(dt.date.today())
    return pd.Timestamp(reference_date).normalize()


def _digits_matrix(values: np.ndarray) -> np.ndarray:
    """``(n, 16)`` int8 matrix of the digits of ``n`` 16-digit ASCII strings."""
    if len(values) == 0:
        return np.zeros((0, 16), dtype=np.int8)
    buffer = "".join(values.tolist()).encode("ascii")
    return (np.frombuffer(buffer, dtype=np.uint8).reshape(-1, 16) - 48).astype(np.int8)


def _is_dummy(d: np.ndarray) -> np.ndarray:
    """All the same digit, an ascending/descending run, or a repeated pair (1212...)."""
    diff = np.mod(np.diff(d.astype(np.int16), axis=1), 10)
    same = (diff == 0).all(axis=1)
    ascending = (diff == 1).all(axis=1)
    descending = (diff == 9).all(axis=1)
    pair = (d[:, 2:] == d[:, :-2]).all(axis=1)
    return same | ascending | descending | pair


def parse_nik(s: Any, reference_date: Any = None) -> pd.DataFrame:
    """Clean, validate and decode NIKs.

    Separators (spaces, dots, dashes, slashes), a leading apostrophe left by Excel and a
    trailing ``.0`` left by a float conversion are removed. A NIK is valid when it has 16
    digits, a known province, regency and district code (historical codes 2016-2025, since
    a NIK keeps the code of its first registration), a day of 01-31 (men) or 41-71
    (women), a month of 01-12, a real calendar date not after ``reference_date``, a serial
    other than ``0000`` and is not a dummy (all one digit, an ascending or descending run,
    a repeated pair). An invalid NIK keeps its digits and gets a reason; it is never dropped.

    Args:
        s: NIK values (Series or list-like), any dtype.
        reference_date: Date used for the century pivot and the "not in the future" rule
            (default today): a two-digit year greater than the reference's is 19yy,
            otherwise 20yy, so a worker born in 2003 is not read as born in 1903.

    Returns:
        DataFrame aligned to ``s`` with columns ``nik`` (cleaned digits, any length),
        ``valid`` (bool), ``reason`` (see :data:`NIK_REASONS`, ``None`` when valid),
        ``birth_date`` (datetime64[ns]), ``sex`` (``"M"``/``"F"``), ``province_code``
        (``PP``), ``regency_code`` (``PP.KK``), ``district_code`` (``PP.KK.CC``) and
        ``suspect`` (bool, dummy NIKs). Decoded fields are filled for valid NIKs only.

    Example:
        >>> out = parse_nik(pd.Series(["3301014509900001"]), reference_date="2025-01-01")
        >>> bool(out["valid"].iloc[0]), out["sex"].iloc[0], out["district_code"].iloc[0]
        (True, 'F', '33.01.01')
        >>> str(out["birth_date"].iloc[0].date())
        '1990-09-05'
    """
    series = as_series(s)
    ref = _reference(reference_date)
    codes, uniques = unique_strings(series)
    n = len(uniques)

    cleaned = [_clean(v) for v in uniques]
    nik_text = np.empty(n, dtype=object)
    nik_text[:] = [c[0] for c in cleaned]
    reason = np.empty(n, dtype=object)
    reason[:] = [c[1] for c in cleaned]
    ok16 = np.array([c[1] is None for c in cleaned], dtype=bool)
    idx = np.flatnonzero(ok16)
    d = _digits_matrix(nik_text[idx])
    di = d.astype(np.int64)
    prov = di[:, 0] * 10 + di[:, 1]
    reg = prov * 100 + di[:, 2] * 10 + di[:, 3]
    dist = reg * 100 + di[:, 4] * 10 + di[:, 5]
    dd = di[:, 6] * 10 + di[:, 7]
    mm = di[:, 8] * 10 + di[:, 9]
    yy = di[:, 10] * 10 + di[:, 11]
    serial = di[:, 12:].sum(axis=1)
    female = dd > 40
    day = np.where(female, dd - 40, dd)
    century = ref.year // 100 * 100
    year = np.where(yy > ref.year % 100, century - 100 + yy, century + yy)

    known_p, known_r, known_d = _known_codes()
    month_ok = (mm >= 1) & (mm <= 12)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_len = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[
        np.clip(mm - 1, 0, 11)
    ] + ((mm == 2) & leap)
    day_ok = ((dd >= 1) & (dd <= 31)) | ((dd >= 41) & (dd <= 71))
    stamp = (year * 10000 + mm * 100 + day).astype(np.int64)
    ref_stamp = ref.year * 10000 + ref.month * 100 + ref.day
    date_ok = (day <= month_len) & (stamp <= ref_stamp)

    checks = (
        ("dummy", ~_is_dummy(d)),
        ("province", _known(prov, known_p)),
        ("regency", _known(reg, known_r)),
        ("district", _known(dist, known_d)),
        ("day", day_ok),
        ("month", month_ok),
        ("date", date_ok),
        ("serial", serial > 0),
    )
    sub_reason = np.full(len(idx), None, dtype=object)
    for code, ok in reversed(checks):
        sub_reason[~ok] = code
    reason[idx] = sub_reason
    dummy = np.zeros(n, dtype=bool)
    dummy[idx] = sub_reason == "dummy"

    valid = np.zeros(n, dtype=bool)
    valid[idx] = pd.isna(sub_reason)
    vpos = np.flatnonzero(valid[idx])
    vidx = idx[vpos]

    birth = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    birth[vidx] = _to_datetime(year[vpos], mm[vpos], day[vpos])
    sex = np.full(n, None, dtype=object)
    sex[vidx] = np.where(female[vpos], "F", "M")
    p_code = np.full(n, None, dtype=object)
    r_code = np.full(n, None, dtype=object)
    d_code = np.full(n, None, dtype=object)
    labels_p, labels_r, labels_d = _code_labels()
    p_code[vidx] = labels_p[np.searchsorted(known_p, prov[vpos])]
    r_code[vidx] = labels_r[np.searchsorted(known_r, reg[vpos])]
    d_code[vidx] = labels_d[np.searchsorted(known_d, dist[vpos])]

    def expand(values: np.ndarray, fill: Any) -> np.ndarray:
        padded = np.empty(n + 1, dtype=values.dtype)
        padded[:n] = values
        padded[n] = fill
        return padded[codes]

    out = object_frame(
        {
            "nik": expand(nik_text, None),
            "valid": expand(valid, False),
            "reason": expand(reason, "missing"),
            "birth_date": expand(birth, np.datetime64("NaT")),
            "sex": expand(sex, None),
            "province_code": expand(p_code, None),
            "regency_code": expand(r_code, None),
            "district_code": expand(d_code, None),
            "suspect": expand(dummy, False),
        },
        series.index,
    )
    return out


def flag_repeated_nik(
    nik: Any, names: Any, min_people: int = 3, similarity: float = 60.0
) -> pd.Series:
    """Flag NIKs shared by several clearly different people.

    A family card number (No. KK) or a village officer's own NIK typed into the NIK field
    of many records shows up as one NIK carried by people with unrelated names. Such a
    NIK cannot identify anyone; every record carrying it is flagged.

    Args:
        nik: Cleaned NIKs (e.g. ``parse_nik(...)["nik"]``), row-aligned with ``names``.
        names: Normalised names (e.g. ``normalize_name(...)``).
        min_people: Number of clearly different names at which a NIK is flagged.
        similarity: Two names with a rapidfuzz ``token_sort_ratio`` below this are
            clearly different people; above it they are spellings of one name.

    Returns:
        Boolean Series aligned to ``nik``.

    Example:
        >>> flag_repeated_nik(
        ...     pd.Series(["3301010101900001"] * 3),
        ...     pd.Series(["budi santoso", "siti aminah", "agus salim"]),
        ... ).tolist()
        [True, True, True]
    """
    from rapidfuzz import fuzz, process

    nik_s = as_series(nik)
    names_s = as_series(names)
    flagged = np.zeros(len(nik_s), dtype=bool)
    if len(nik_s) < min_people:  # too few records for any NIK to carry that many names
        return pd.Series(flagged, index=nik_s.index)
    nik_codes, nik_uniques = pd.factorize(np.asarray(nik_s, dtype=object))
    name_codes, _ = pd.factorize(np.asarray(names_s, dtype=object))
    both = (nik_codes >= 0) & (name_codes >= 0)
    if not both.any():
        return pd.Series(flagged, index=nik_s.index)
    # distinct (NIK, name) pairs, then distinct names per NIK, all on integer codes
    pairs = np.unique(
        nik_codes[both].astype(np.int64) * (int(name_codes.max()) + 1) + name_codes[both]
    )
    per_nik = np.bincount(pairs // (int(name_codes.max()) + 1), minlength=len(nik_uniques))
    candidates = np.flatnonzero(per_nik >= min_people)
    if len(candidates) == 0:
        return pd.Series(flagged, index=nik_s.index)
    rows = both & np.isin(nik_codes, candidates)
    sub = pd.DataFrame(
        {
            "nik": np.asarray(nik_s, dtype=object)[rows],
            "name": np.asarray(names_s, dtype=object)[rows],
        }
    )
    bad: list[str] = []
    for value, group in sub.groupby("nik", sort=False)["name"]:
        uniq = list(dict.fromkeys(str(x) for x in group))
        sim = process.cdist(uniq, uniq, scorer=fuzz.token_sort_ratio)
        reps: list[int] = []
        for i in range(len(uniq)):
            if all(sim[i, j] < similarity for j in reps):
                reps.append(i)
                if len(reps) >= min_people:
                    bad.append(str(value))
                    break
    if bad:
        flagged = nik_s.isin(bad).to_numpy()
        logger.info("%d NIK values are shared by >= %d different people", len(bad), min_people)
    return pd.Series(flagged, index=nik_s.index)
