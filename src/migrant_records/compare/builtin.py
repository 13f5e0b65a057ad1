"""Built-in comparators for prepared worker records.

Each comparator reads prepared columns (see ``docs/architecture.md``) for aligned pairs of
rows and returns one ``int8`` level per pair: ``-1`` null, ``0`` else, higher = stronger.
String metrics run in rapidfuzz on all cores and only on pairs that still need them (exact
pairs are settled by a cheap equality test first).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from migrant_records.compare.base import (
    NAT,
    BaseComparator,
    cached,
    check_method,
    date_days,
    similarity,
    string_pairs,
    string_values,
)
from migrant_records.compare.text import coded_threshold_levels, pair_scores_at_least
from migrant_records.errors import ConfigError

__all__ = [
    "Address",
    "BirthDate",
    "BirthPlace",
    "Exact",
    "MotherName",
    "Nik",
    "PersonName",
    "Phone",
    "Region",
    "Sex",
    "StringSimilarity",
]


def _has(frame: pd.DataFrame, column: str) -> bool:
    return column in frame.columns


class Exact(BaseComparator):
    """Exact agreement on one column.

    Levels: ``0`` different, ``1`` equal; ``-1`` when either value is missing.

    Args:
        column: The prepared column.
        name: Comparator name (default: the column).
        tf: Whether the model should adjust the exact level by value frequency.

    Example:
        >>> import numpy as np, pandas as pd
        >>> f = pd.DataFrame({"passport_no": ["A1", "A1", None]})
        >>> Exact("passport_no").compare(f, f, np.array([0, 0]), np.array([1, 2])).tolist()
        [1, -1]
    """

    kind = "exact"
    _params = ("column", "name", "tf")

    def __init__(self, column: str, *, name: str | None = None, tf: bool = False) -> None:
        self.column = column
        self.name = name or column
        self.tf = tf
        self.tf_column = column if tf else None
        self.labels = ("different", "exact")
        self.columns = (column,)

    def compare(
        self, left: pd.DataFrame, right: pd.DataFrame, i: np.ndarray, j: np.ndarray
    ) -> np.ndarray:
        """Levels per pair (see class docs)."""
        a, b, null = string_pairs(left, right, self.column, i, j, self.name)
        out = (a == b).astype(np.int8)
        out[null] = -1
        return out


class StringSimilarity(BaseComparator):
    """Fuzzy string agreement with threshold levels.

    Levels: ``0`` else, then one level per threshold in ascending order
    (``score >= threshold``), and the top level for exact equality.

    Args:
        column: The prepared column.
        method: ``jaro_winkler``, ``jaro``, ``levenshtein``, ``damerau_levenshtein``,
            ``indel``, ``qgram`` (bigram Dice), ``token_sort`` or ``token_set``.
        thresholds: Score thresholds in ``[0, 1]`` (any order).
        name: Comparator name (default: the column).
        tf: Whether the model should adjust the exact level by value frequency.

    Example:
        >>> import numpy as np, pandas as pd
        >>> f = pd.DataFrame({"birth_place_norm": ["cilacap", "cilacap", "cilacapp", "medan"]})
        >>> c = StringSimilarity("birth_place_norm")
        >>> c.labels
        ('else', 'jaro_winkler >= 0.88', 'jaro_winkler >= 0.95', 'exact')
        >>> c.compare(f, f, np.array([0, 0, 0]), np.array([1, 2, 3])).tolist()
        [3, 2, 0]
    """

    kind = "string"
    _params: tuple[str, ...] = ("column", "method", "thresholds", "name", "tf")

    def __init__(
        self,
        column: str,
        method: str = "jaro_winkler",
        thresholds: Sequence[float] = (0.95, 0.88),
        *,
        name: str | None = None,
        tf: bool = False,
    ) -> None:
        check_method(method)
        ts = tuple(sorted(float(t) for t in thresholds))
        if any(not 0.0 < t <= 1.0 for t in ts):
            raise ConfigError(f"Similarity thresholds must lie in (0, 1], got {thresholds}.")
        self.column = column
        self.method = method
        self.thresholds = ts
        self.name = name or column
        self.tf = tf
        self.tf_column = column if tf else None
        self.columns = (column,)
        self.labels: tuple[str, ...] = ("else", *(f"{method} >= {t:g}" for t in ts), "exact")

    def compare(
        self, left: pd.DataFrame, right: pd.DataFrame, i: np.ndarray, j: np.ndarray
    ) -> np.ndarray:
        """Levels per pair (see class docs)."""
        return coded_threshold_levels(
            left, right, self.column, i, j, self.method, self.thresholds, self.name
        )


class PersonName(BaseComparator):
    """Agreement of person names, robust to Indonesian naming patterns.

    Reads ``name_norm`` (patronym already removed), ``name_sorted``, ``name_key`` (phonetic),
    ``name_initials`` and ``name_core`` (without low-identity tokens such as Balinese
    birth-order names, so that sharing only "ni luh putu" is weak evidence).

    | level | label | rule |
    | --- | --- | --- |
    | -1 | null | either ``name_norm`` missing |
    | 0 | else | none below |
    | 1 | initials | ``name_initials`` equal |
    | 2 | fuzzy | Jaro-Winkler of ``name_core`` >= ``fuzzy`` (0.80) |
    | 3 | phonetic or close | ``name_key`` equal, or token-sort similarity of cores >= 0.90 |
    | 4 | contained | one core's tokens all in the other's (sharing a first or last token) |
    | 5 | same tokens | ``name_sorted`` equal (any order) |
    | 6 | exact | ``name_norm`` equal |

    ``tf_column`` is ``name_norm``: the model adjusts the exact level by name frequency.

    Args:
        name: Comparator name.
        fuzzy: Jaro-Winkler threshold of the fuzzy level.
        close: Token-sort similarity threshold of level 3.
    """

    kind = "person_name"
    _params = ("name", "fuzzy", "close")

    def __init__(self, *, name: str = "name", fuzzy: float = 0.80, close: float = 0.90) -> None:
        self.name = name
        self.fuzzy = float(fuzzy)
        self.close = float(close)
        self.tf_column = "name_norm"
        self.columns = ("name_norm", "name_sorted", "name_key", "name_initials", "name_core")
        self.labels = (
            "else",
            "initials agree",
            "fuzzy",
            "phonetic or close",
            "one name contains the other",
            "same tokens any order",
            "exact",
        )

    def _record_parts(self, frame: pd.DataFrame) -> tuple[np.ndarray, ...]:
        """Per record: first token, last token and length of the name core."""

        def build() -> tuple[np.ndarray, ...]:
            col = "name_core" if _has(frame, "name_core") else "name_norm"
            core = pd.Series(string_values(frame, col, self.name), dtype=object)
            norm = pd.Series(string_values(frame, "name_norm", self.name), dtype=object)
            core = core.where(core != "", norm)
            if _has(frame, "name_first") and _has(frame, "name_last"):
                first = string_values(frame, "name_first", self.name)
                last = string_values(frame, "name_last", self.name)
            else:
                first = core.str.split(" ", n=1).str[0].to_numpy(dtype=object)
                last = core.str.rsplit(" ", n=1).str[-1].to_numpy(dtype=object)
            length = core.str.len().to_numpy(dtype=np.float64)
            return first, last, length

        return cached(frame, "person_name_parts", build)  # type: ignore[no-any-return]

    @staticmethod
    def _ends(
        parts: tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]],
        i: np.ndarray,
        j: np.ndarray,
        k: int,
    ) -> tuple[np.ndarray, np.ndarray]:
        return parts[0][k][i], parts[1][k][j]

    def compare(
        self, left: pd.DataFrame, right: pd.DataFrame, i: np.ndarray, j: np.ndarray
    ) -> np.ndarray:
        """Levels per pair (see class docs)."""
        a, b, null = string_pairs(left, right, "name_norm", i, j, self.name)
        out = np.zeros(len(a), dtype=np.int8)
        out[a == b] = 6
        todo = np.flatnonzero((out == 0) & ~null)

        def col(c: str, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            if not (_has(left, c) and _has(right, c)):
                fallback = a[idx], b[idx]
                return fallback[0], fallback[1], np.zeros(len(idx), dtype=bool)
            ca, cb, cn = string_pairs(left, right, c, i[idx], j[idx], self.name)
            return ca, cb, cn

        if len(todo):
            sa, sb, sn = col("name_sorted", todo)
            hit = (sa == sb) & ~sn
            out[todo[hit]] = 5
            todo = todo[~hit]
        if len(todo):
            ca, cb, _ = col("name_core", todo)
            ca = np.where(ca == "", a[todo], ca)
            cb = np.where(cb == "", b[todo], cb)
            # Containment: one core's first or last token equals one of the other's ends;
            # confirmed by token-set scoring.
            lp = self._record_parts(left)
            parts = (lp, lp if right is left else self._record_parts(right))
            fa, fb = self._ends(parts, i[todo], j[todo], 0)
            la_, lb_ = self._ends(parts, i[todo], j[todo], 1)
            cand = np.flatnonzero((fa == fb) | (la_ == lb_) | (fa == lb_) | (la_ == fb))
            contained = np.zeros(len(todo), dtype=bool)
            if len(cand):
                contained[cand] = similarity(ca[cand], cb[cand], "token_set") >= 0.9999
            out[todo[contained]] = 4
            rest = ~contained
            todo, ca, cb = todo[rest], ca[rest], cb[rest]
            # Token-sort similarity >= close needs a length ratio of at least close.
            lens = self._ends(parts, i[todo], j[todo], 2)
            ratio = 2.0 * np.minimum(*lens) / np.maximum(lens[0] + lens[1], 1)
            ts = np.zeros(len(todo), dtype=np.float32)
            near = np.flatnonzero(ratio >= self.close - 1e-6)
            if len(near):
                ts[near] = similarity(ca[near], cb[near], "token_sort")
            if len(todo):
                ka, kb, kn = col("name_key", todo)
                lvl3 = ((ka == kb) & ~kn) | (ts >= self.close)
                out[todo[lvl3]] = 3
                todo, ca, cb = todo[~lvl3], ca[~lvl3], cb[~lvl3]
            if len(todo):
                fuzzy = pair_scores_at_least(ca, cb, "jaro_winkler", self.fuzzy) >= self.fuzzy
                out[todo[fuzzy]] = 2
                todo = todo[~fuzzy]
            if len(todo):
                ia, ib, inn = col("name_initials", todo)
                out[todo[(ia == ib) & ~inn]] = 1
        out[null] = -1
        return out


class MotherName(BaseComparator):
    """Agreement of the mother's name (``mother_norm``).

    Levels: ``-1`` null, ``0`` else, ``1`` fuzzy (Jaro-Winkler >= ``fuzzy``, 0.88, or one
    name's tokens contained in the other's), ``2`` exact.
    """

    kind = "mother_name"
    _params = ("name", "column", "fuzzy")

    def __init__(
        self, *, name: str = "mother", column: str = "mother_norm", fuzzy: float = 0.88
    ) -> None:
        self.name = name
        self.column = column
        self.fuzzy = float(fuzzy)
        self.tf_column = column
        self.columns = (column,)
        self.labels = ("else", "fuzzy", "exact")

    def compare(
        self, left: pd.DataFrame, right: pd.DataFrame, i: np.ndarray, j: np.ndarray
    ) -> np.ndarray:
        """Levels per pair (see class docs)."""
        a, b, null = string_pairs(left, right, self.column, i, j, self.name)
        out = np.zeros(len(a), dtype=np.int8)
        out[a == b] = 2
        todo = np.flatnonzero((out == 0) & ~null)
        if len(todo):
            fuzzy = pair_scores_at_least(a[todo], b[todo], "jaro_winkler", self.fuzzy) >= self.fuzzy
            rest = np.flatnonzero(~fuzzy)
            if len(rest):
                fuzzy[rest] = similarity(a[todo[rest]], b[todo[rest]], "token_set") >= 0.9999
            out[todo[fuzzy]] = 1
        out[null] = -1
        return out


class BirthPlace(StringSimilarity):
    """Agreement of the birth place (``birth_place_norm``).

    Levels: ``-1`` null, ``0`` else, ``1`` fuzzy (Jaro-Winkler >= 0.88), ``2`` exact.
    """

    kind = "birth_place"
    _params = ("name", "threshold")

    def __init__(self, *, name: str = "birth_place", threshold: float = 0.88) -> None:
        super().__init__("birth_place_norm", "jaro_winkler", (threshold,), name=name)
        self.threshold = float(threshold)
        self.labels = ("else", "fuzzy", "exact")


class Address(StringSimilarity):
    """Agreement of the address (``address_norm``) by Indel similarity.

    Indel similarity (``1 - insertions and deletions / total length``) tolerates a missing
    ``rw`` part or a house number typo and runs bit-parallel in rapidfuzz, several times
    faster than token-set scoring on long strings.

    Levels: ``-1`` null, ``0`` else, ``1`` similarity >= 0.7, ``2`` >= 0.85, ``3`` exact.
    """

    kind = "address"
    _params = ("name", "thresholds")

    def __init__(self, *, name: str = "address", thresholds: Sequence[float] = (0.7, 0.85)) -> None:
        super().__init__("address_norm", "indel", thresholds, name=name)
        self.labels = ("else", *(f"similarity >= {t:g}" for t in self.thresholds), "exact")


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
    def _digits(frame: pd.DataFrame, values: np.ndarray) -> np.ndarray:
        """Per record: 16 character codes plus a 17th column flagging a 16-character NIK."""

        def build() -> np.ndarray:
            lengths = pd.Series(values, dtype=object).str.len().to_numpy()
            ok = lengths == 16
            out = np.zeros((len(values), 17), dtype=np.uint8)
            try:
                fixed = np.where(ok, values, "").astype("S16")
            except UnicodeEncodeError:
                return out
            out[:, :16] = np.frombuffer(fixed.tobytes(), dtype=np.uint8).reshape(-1, 16)
            out[:, 16] = ok
            return out

        return cached(frame, "nik_digits16", build)  # type: ignore[no-any-return]

    @staticmethod
    def _heads(frame: pd.DataFrame, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        def build() -> tuple[np.ndarray, np.ndarray]:
            s = pd.Series(values, dtype=object)
            return s.str[:12].to_numpy(dtype=object), s.str.len().to_numpy()

        return cached(frame, "nik_heads", build)  # type: ignore[no-any-return]

    def __init__(self, *, name: str = "nik") -> None:
        self.name = name
        self.tf_column = None
        self.columns = ("nik_digits", "nik_id")
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
        lv = string_values(left, "nik_digits", self.name)
        rv = lv if right is left else string_values(right, "nik_digits", self.name)
        a, b = lv[i], rv[j]
        null = (a == "") | (b == "")
        if _has(left, "nik_id") and _has(right, "nik_id"):
            ia, ib, _ = string_pairs(left, right, "nik_id", i, j, self.name)
            both_valid = (ia != "") & (ib != "")
        else:
            both_valid = np.zeros(len(a), dtype=bool)
        suspect = np.zeros(len(a), dtype=bool)
        if _has(left, "nik_suspect") and _has(right, "nik_suspect"):
            ls = left["nik_suspect"].fillna(False).to_numpy(dtype=bool)
            rs = ls if right is left else right["nik_suspect"].fillna(False).to_numpy(dtype=bool)
            suspect = ls[i] | rs[j]
        out = np.where(both_valid, 0, 1).astype(np.int8)
        same = a == b
        out[same & ~suspect] = 4
        todo = np.flatnonzero(~same & ~null)
        if len(todo):
            ldig = self._digits(left, lv)
            rdig = ldig if right is left else self._digits(right, rv)
            # Equal-length 16-digit NIKs: distance 1 needs at most 2 differing positions.
            da, db = ldig[i[todo]], rdig[j[todo]]
            near = (
                ((da[:, :16] != db[:, :16]).sum(axis=1) <= 2) | (da[:, 16] == 0) | (db[:, 16] == 0)
            )
            lvl = np.zeros(len(todo), dtype=np.int64)
            check = np.flatnonzero(near)
            if len(check):
                dist = process.cpdist(
                    a[todo[check]],
                    b[todo[check]],
                    scorer=DamerauLevenshtein.distance,
                    score_cutoff=1,
                    workers=-1,
                )
                lvl[check] = np.where(np.asarray(dist) == 1, 3, 0)
            lhead, llen = self._heads(left, lv)
            rhead, rlen = (lhead, llen) if right is left else self._heads(right, rv)
            head = (
                (lhead[i[todo]] == rhead[j[todo]]) & (llen[i[todo]] >= 12) & (rlen[j[todo]] >= 12)
            )
            lvl = np.where((lvl == 0) & head, 2, lvl)
            out[todo] = np.where(lvl > 0, lvl, out[todo]).astype(np.int8)
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
        nik = date_days(frame, "nik_birth_date", who) if _has(frame, "nik_birth_date") else None
        dob = date_days(frame, "dob", who) if _has(frame, "dob") else None
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

    @staticmethod
    def _tails(frame: pd.DataFrame, values: np.ndarray) -> np.ndarray:
        return cached(  # type: ignore[no-any-return]
            frame,
            "phone_tails",
            lambda: pd.Series(values, dtype=object).str[-8:].to_numpy(dtype=object),
        )

    def compare(
        self, left: pd.DataFrame, right: pd.DataFrame, i: np.ndarray, j: np.ndarray
    ) -> np.ndarray:
        """Levels per pair (see class docs)."""
        lv = string_values(left, "phone_e164", self.name)
        rv = lv if right is left else string_values(right, "phone_e164", self.name)
        ltail = self._tails(left, lv)
        rtail = ltail if right is left else self._tails(right, rv)
        a, b = lv[i], rv[j]
        null = (a == "") | (b == "")
        out = np.zeros(len(a), dtype=np.int8)
        out[ltail[i] == rtail[j]] = 1
        out[a == b] = 2
        out[null] = -1
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
            if not (_has(left, column) and _has(right, column)):
                continue
            a, b, _ = string_pairs(left, right, column, i, j, self.name)
            has_a, has_b = a != "", b != ""
            any_a |= has_a
            any_b |= has_b
            out[(a == b) & has_a & has_b] = level
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
        sex = string_values(frame, "sex_norm", who) if _has(frame, "sex_norm") else None
        nik = string_values(frame, "nik_sex", who) if _has(frame, "nik_sex") else None
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
        lv = self._values(left, self.name)
        rv = lv if right is left else self._values(right, self.name)
        a, b = lv[i], rv[j]
        out = (a == b).astype(np.int8)
        out[(a == "") | (b == "")] = -1
        return out


def builtin_factories() -> dict[str, Any]:
    """Registry names of the built-in comparators and their classes."""
    return {
        "exact": Exact,
        "string": StringSimilarity,
        "person_name": PersonName,
        "mother_name": MotherName,
        "birth_place": BirthPlace,
        "address": Address,
        "nik": Nik,
        "birth_date": BirthDate,
        "phone": Phone,
        "region": Region,
        "sex": Sex,
    }
