"""Built-in comparators of identifiers: NIK, birth date, phone, region and sex.

Each comparator reads prepared columns (see ``docs/architecture.md``) for aligned pairs of
rows and returns one ``int8`` level per pair: ``-1`` null, ``0`` else, higher = stronger.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from migrant_records.compare.base import (
    NAT,
    BaseComparator,
    cached,
    date_days,
    rapidfuzz_workers,
    string_values,
)
from migrant_records.compare.text import (
    ValueCodes,
    has_column,
    joint_codes,
    pair_codes_of,
    value_codes,
)

__all__ = ["BirthDate", "Nik", "Phone", "Region", "Sex"]


class Nik(BaseComparator):
    """Agreement of the NIK (national identity number).

    | level | label | rule |
    | --- | --- | --- |
    | -1 | null | either ``nik_digits`` missing |
    | 0 | both valid, different | both have a usable ``nik_id``: strong evidence against |
    | 1 | different | at least one is invalid or suspect (or equal but suspect) |
    | 2 | same region and birth date | first 12 digits equal, serial differs |
    | 3 | one typo | one substitution or one adjacent transposition |
    | 4 | exact | the same digits (not a suspect/dummy NIK) |

    ``tf_column`` is ``nik_digits``.
    """

    kind = "nik"
    _params = ("name",)

    @staticmethod
    def _packed(vc: ValueCodes) -> tuple[np.ndarray, np.ndarray]:
        """Per distinct NIK: its 16 characters as two uint64 words, and whether it has 16."""
        lengths = np.fromiter(map(len, vc.values), dtype=np.int64, count=len(vc.values))
        ok = lengths == 16
        words = np.zeros((len(vc.values), 2), dtype=np.uint64)
        try:
            fixed = np.where(ok, vc.values, "").astype("S16")
        except UnicodeEncodeError:
            return words, np.zeros(len(vc.values), dtype=bool)
        words[:] = np.frombuffer(fixed.tobytes(), dtype=np.uint64).reshape(-1, 2)
        return words, ok

    @staticmethod
    def _bytes_differing(x: np.ndarray) -> np.ndarray:
        """Number of non-zero bytes of each uint64 in ``x``."""
        x = x | (x >> np.uint64(4))
        x |= x >> np.uint64(2)
        x |= x >> np.uint64(1)
        x &= np.uint64(0x0101010101010101)
        return (x * np.uint64(0x0101010101010101)) >> np.uint64(56)

    def __init__(self, *, name: str = "nik") -> None:
        self.name = name
        self.tf_column = None
        self.columns = ("nik_digits", "nik_id")
        self.optional_columns = ("nik_suspect",)
        self.labels = (
            "both valid, different",
            "different (invalid or suspect)",
            "same region and birth date",
            "one typo",
            "exact",
        )

    def compare(
        self, left: pd.DataFrame, right: pd.DataFrame, i: np.ndarray, j: np.ndarray
    ) -> np.ndarray:
        """Levels per pair (see class docs)."""
        ca, cb = pair_codes_of(left, right, "nik_digits", i, j, self.name)
        null = (ca < 0) | (cb < 0)
        if has_column(left, "nik_id") and has_column(right, "nik_id"):
            ia, ib = pair_codes_of(left, right, "nik_id", i, j, self.name)
            both_valid = (ia >= 0) & (ib >= 0)
        else:
            both_valid = np.zeros(len(ca), dtype=bool)
        suspect = np.zeros(len(ca), dtype=bool)
        if has_column(left, "nik_suspect") and has_column(right, "nik_suspect"):
            ls = left["nik_suspect"].fillna(False).to_numpy(dtype=bool)
            rs = ls if right is left else right["nik_suspect"].fillna(False).to_numpy(dtype=bool)
            suspect = ls[i] | rs[j]
        out = np.where(both_valid, 0, 1).astype(np.int8)
        same = ca == cb
        out[same & ~suspect] = 4
        todo = np.flatnonzero(~same & ~null)
        if len(todo):
            vl = value_codes(left, "nik_digits", self.name)
            vr = vl if right is left else value_codes(right, "nik_digits", self.name)
            wl, okl = cached(left, "nik_packed", lambda: self._packed(vl))
            if right is left:
                wr, okr = wl, okl
            else:
                wr, okr = cached(right, "nik_packed", lambda: self._packed(vr))
            va, vb = vl.codes[i[todo]], vr.codes[j[todo]]
            xa, xb = wl[va], wr[vb]
            diff = self._bytes_differing(xa[:, 0] ^ xb[:, 0]) + self._bytes_differing(
                xa[:, 1] ^ xb[:, 1]
            )
            # Equal-length 16-digit NIKs: distance 1 needs at most 2 differing positions.
            both16 = okl[va] & okr[vb]
            near = (diff <= 2) | ~both16
            lvl = np.zeros(len(todo), dtype=np.int8)
            check = np.flatnonzero(near)
            if len(check):
                dist = process.cpdist(
                    vl.values[va[check]],
                    vr.values[vb[check]],
                    scorer=DamerauLevenshtein.distance,
                    score_cutoff=1,
                    workers=rapidfuzz_workers(len(check)),
                )
                lvl[check] = np.where(np.asarray(dist) == 1, 3, 0)

            def heads(frame: pd.DataFrame) -> np.ndarray:
                values = string_values(frame, "nik_digits", self.name).tolist()
                return np.array([v[:12] if len(v) >= 12 else "" for v in values], dtype=object)

            hl, hr = joint_codes(left, right, "nik_digits[:12]", heads)
            ha, hb = hl[i[todo]], hr[j[todo]]
            lvl[(lvl == 0) & (ha == hb) & (ha >= 0)] = 2
            out[todo] = np.where(lvl > 0, lvl, out[todo])
        out[null] = -1
        return out


def _ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d = np.where(days == NAT, 0, days).astype("datetime64[D]")
    months = d.astype("datetime64[M]")
    year = months.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (d - months.astype("datetime64[D]")).astype(np.int64) + 1
    return year, month, day


class BirthDate(BaseComparator):
    """Agreement of the date of birth (``dob``, falling back to ``nik_birth_date``).

    | level | label | rule |
    | --- | --- | --- |
    | -1 | null | either date missing |
    | 0 | else | none below |
    | 1 | year +-1, same day and month | |
    | 2 | same year and month | |
    | 3 | agrees with the other's NIK | one ``dob`` equals the other's ``nik_birth_date`` |
    | 4 | +-1 day | |
    | 5 | day and month swapped | same year, day and month exchanged |
    | 6 | exact | |
    """

    kind = "birth_date"
    _params = ("name",)

    def __init__(self, *, name: str = "birth_date") -> None:
        self.name = name
        self.tf_column = None
        self.columns = ("dob", "nik_birth_date")
        self.labels = (
            "else",
            "year +-1, same day and month",
            "same year and month",
            "agrees with the other's NIK date",
            "+-1 day",
            "day and month swapped",
            "exact",
        )

    @staticmethod
    def _dates(frame: pd.DataFrame, who: str) -> tuple[np.ndarray, np.ndarray]:
        nik = (
            date_days(frame, "nik_birth_date", who) if has_column(frame, "nik_birth_date") else None
        )
        dob = date_days(frame, "dob", who) if has_column(frame, "dob") else None
        if dob is None and nik is None:
            date_days(frame, "dob", who)  # raises SchemaError naming the column
        if dob is None:
            assert nik is not None
            return nik, nik
        if nik is None:
            nik = np.full(len(dob), NAT, dtype=np.int64)
        return np.where(dob == NAT, nik, dob), nik

    def compare(
        self, left: pd.DataFrame, right: pd.DataFrame, i: np.ndarray, j: np.ndarray
    ) -> np.ndarray:
        """Levels per pair (see class docs)."""
        ld, ln = self._dates(left, self.name)
        rd, rn = (ld, ln) if right is left else self._dates(right, self.name)
        da, db = ld[i], rd[j]
        na, nb = ln[i], rn[j]
        null = (da == NAT) | (db == NAT)
        ya, ma, dda = _ymd(da)
        yb, mb, ddb = _ymd(db)
        out = np.zeros(len(da), dtype=np.int8)
        out[(np.abs(ya - yb) == 1) & (ma == mb) & (dda == ddb)] = 1
        out[(ya == yb) & (ma == mb)] = 2
        nik_agree = ((da == nb) & (nb != NAT)) | ((db == na) & (na != NAT))
        out[nik_agree] = 3
        out[np.abs(da - db) == 1] = 4
        out[(ya == yb) & (ma == ddb) & (dda == mb) & (ma != dda)] = 5
        out[da == db] = 6
        out[null] = -1
        return out


class Phone(BaseComparator):
    """Agreement of the phone number (``phone_e164``).

    Levels: ``-1`` null, ``0`` else, ``1`` last 8 digits equal, ``2`` exact E.164.
    """

    kind = "phone"
    _params = ("name",)

    def __init__(self, *, name: str = "phone") -> None:
        self.name = name
        self.tf_column = None
        self.columns = ("phone_e164",)
        self.labels = ("else", "last 8 digits", "exact")

    def compare(
        self, left: pd.DataFrame, right: pd.DataFrame, i: np.ndarray, j: np.ndarray
    ) -> np.ndarray:
        """Levels per pair (see class docs)."""
        ca, cb = pair_codes_of(left, right, "phone_e164", i, j, self.name)

        def tails(frame: pd.DataFrame) -> np.ndarray:
            values = string_values(frame, "phone_e164", self.name).tolist()
            return np.array([v[-8:] for v in values], dtype=object)

        tl, tr = joint_codes(left, right, "phone_e164[-8:]", tails)
        out = np.zeros(len(ca), dtype=np.int8)
        out[tl[i] == tr[j]] = 1
        out[ca == cb] = 2
        out[(ca < 0) | (cb < 0)] = -1
        return out


class Region(BaseComparator):
    """Agreement of the administrative region (Kemendagri codes).

    Levels: ``0`` else, ``1`` same province, ``2`` same regency, ``3`` same district,
    ``4`` same village; ``-1`` when either record has no code at all.
    """

    kind = "region"
    _params = ("name",)
    _levels = ("province_code", "regency_code", "district_code", "village_code")

    def __init__(self, *, name: str = "region") -> None:
        self.name = name
        self.tf_column = None
        self.columns = self._levels
        self.labels = ("else", "province", "regency", "district", "village")

    def compare(
        self, left: pd.DataFrame, right: pd.DataFrame, i: np.ndarray, j: np.ndarray
    ) -> np.ndarray:
        """Levels per pair (see class docs)."""
        out = np.zeros(len(i), dtype=np.int8)
        any_a = np.zeros(len(i), dtype=bool)
        any_b = np.zeros(len(i), dtype=bool)
        for level, column in enumerate(self._levels, start=1):
            if not (has_column(left, column) and has_column(right, column)):
                continue
            ca, cb = pair_codes_of(left, right, column, i, j, self.name)
            has_a, has_b = ca >= 0, cb >= 0
            any_a |= has_a
            any_b |= has_b
            out[(ca == cb) & has_a] = level
        out[~any_a | ~any_b] = -1
        return out


class Sex(BaseComparator):
    """Agreement of sex (``sex_norm``, falling back to ``nik_sex``).

    Levels: ``-1`` null, ``0`` different, ``1`` same.
    """

    kind = "sex"
    _params = ("name",)

    def __init__(self, *, name: str = "sex") -> None:
        self.name = name
        self.tf_column = None
        self.columns = ("sex_norm", "nik_sex")
        self.labels = ("different", "same")

    @staticmethod
    def _values(frame: pd.DataFrame, who: str) -> np.ndarray:
        sex = string_values(frame, "sex_norm", who) if has_column(frame, "sex_norm") else None
        nik = string_values(frame, "nik_sex", who) if has_column(frame, "nik_sex") else None
        if sex is None and nik is None:
            string_values(frame, "sex_norm", who)  # raises SchemaError
        if sex is None:
            assert nik is not None
            return nik
        if nik is None:
            return sex
        return np.where(sex == "", nik, sex)

    def compare(
        self, left: pd.DataFrame, right: pd.DataFrame, i: np.ndarray, j: np.ndarray
    ) -> np.ndarray:
        """Levels per pair (see class docs)."""
        cl, cr = joint_codes(left, right, "sex", lambda f: self._values(f, self.name))
        ca, cb = cl[i], cr[j]
        out = (ca == cb).astype(np.int8)
        out[(ca < 0) | (cb < 0)] = -1
        return out
