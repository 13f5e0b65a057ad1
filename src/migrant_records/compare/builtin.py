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
    string_values,
)
from migrant_records.compare.text import (
    ValueCodes,
    coded,
    coded_threshold_levels,
    column_codes,
    joint_codes,
    scores_at_least,
    value_codes,
)
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


def _code_pairs(
    left: pd.DataFrame, right: pd.DataFrame, column: str, i: np.ndarray, j: np.ndarray, who: str
) -> tuple[np.ndarray, np.ndarray]:
    """Per-pair value codes of a string column in one code space (-1 = missing)."""
    cl, cr = column_codes(left, right, column, who)
    return cl[i], cr[j]


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
        ca, cb = _code_pairs(left, right, self.column, i, j, self.name)
        out = (ca == cb).astype(np.int8)
        out[(ca < 0) | (cb < 0)] = -1
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
        """Per record: first token, last token, length and text of the name core."""

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
            return first, last, length, core.to_numpy(dtype=object)

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
        na, nb = _code_pairs(left, right, "name_norm", i, j, self.name)
        null = (na < 0) | (nb < 0)
        out = np.zeros(len(na), dtype=np.int8)
        out[na == nb] = 6
        todo = np.flatnonzero((out == 0) & ~null)

        def agree(column: str, idx: np.ndarray) -> np.ndarray:
            """Same non-missing value (a side without the column falls back to name_norm)."""
            if not (_has(left, column) and _has(right, column)):
                column = "name_norm"
            ca, cb = _code_pairs(left, right, column, i[idx], j[idx], self.name)
            return (ca == cb) & (ca >= 0)

        if len(todo):
            hit = agree("name_sorted", todo)
            out[todo[hit]] = 5
            todo = todo[~hit]
        if len(todo):
            lp = self._record_parts(left)
            parts = (lp, lp if right is left else self._record_parts(right))
            vl = coded(left, "person_name_core", lambda: lp[3])
            vr = vl if right is left else coded(right, "person_name_core", lambda: parts[1][3])
            ta, tb = vl.codes[i[todo]], vr.codes[j[todo]]
            # Containment: one core's first or last token equals one of the other's ends;
            # confirmed by token-set scoring. First and last tokens share one code space.
            el, er = joint_codes(
                left,
                right,
                "person_name_ends",
                lambda f: np.concatenate(self._record_parts(f)[:2]),
            )
            fa, la_ = el[i[todo]], el[len(left) + i[todo]]
            fb, lb_ = er[j[todo]], er[len(right) + j[todo]]
            cand = np.flatnonzero((fa == fb) | (la_ == lb_) | (fa == lb_) | (la_ == fb))
            contained = np.zeros(len(todo), dtype=bool)
            if len(cand):
                scores = scores_at_least(vl, vr, ta[cand], tb[cand], "token_set", 1.0)
                contained[cand] = scores >= 0.9999
            out[todo[contained]] = 4
            rest = ~contained
            todo, ta, tb = todo[rest], ta[rest], tb[rest]
            # Token-sort similarity >= close needs a length ratio of at least close.
            lens = self._ends(parts, i[todo], j[todo], 2)
            ratio = 2.0 * np.minimum(*lens) / np.maximum(lens[0] + lens[1], 1)
            ts = np.zeros(len(todo), dtype=np.float32)
            near = np.flatnonzero(ratio >= self.close - 1e-6)
            if len(near):
                ts[near] = scores_at_least(vl, vr, ta[near], tb[near], "token_sort", self.close)
            if len(todo):
                lvl3 = agree("name_key", todo) | (ts >= self.close)
                out[todo[lvl3]] = 3
                todo, ta, tb = todo[~lvl3], ta[~lvl3], tb[~lvl3]
            if len(todo):
                fuzzy = scores_at_least(vl, vr, ta, tb, "jaro_winkler", self.fuzzy) >= self.fuzzy
                out[todo[fuzzy]] = 2
                todo = todo[~fuzzy]
            if len(todo):
                out[todo[agree("name_initials", todo)]] = 1
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
        vl = value_codes(left, self.column, self.name)
        vr = vl if right is left else value_codes(right, self.column, self.name)
        ca, cb = vl.codes[i], vr.codes[j]
        null = (ca < 0) | (cb < 0)
        ja, jb = _code_pairs(left, right, self.column, i, j, self.name)
        out = np.zeros(len(ca), dtype=np.int8)
        out[ja == jb] = 2
        todo = np.flatnonzero((out == 0) & ~null)
        if len(todo):
            ta, tb = ca[todo], cb[todo]
            fuzzy = scores_at_least(vl, vr, ta, tb, "jaro_winkler", self.fuzzy) >= self.fuzzy
            rest = np.flatnonzero(~fuzzy)
            if len(rest):
                contained = scores_at_least(vl, vr, ta[rest], tb[rest], "token_set", 1.0)
                fuzzy[rest] = contained >= 0.9999
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
        ca, cb = _code_pairs(left, right, "nik_digits", i, j, self.name)
        null = (ca < 0) | (cb < 0)
        if _has(left, "nik_id") and _has(right, "nik_id"):
            ia, ib = _code_pairs(left, right, "nik_id", i, j, self.name)
            both_valid = (ia >= 0) & (ib >= 0)
        else:
            both_valid = np.zeros(len(ca), dtype=bool)
        suspect = np.zeros(len(ca), dtype=bool)
        if _has(left, "nik_suspect") and _has(right, "nik_suspect"):
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
                    workers=-1,
                )
                lvl[check] = np.where(np.asarray(dist) == 1, 3, 0)

            def heads(frame: pd.DataFrame) -> np.ndarray:
                values = pd.Series(string_values(frame, "nik_digits", self.name), dtype=object)
                return values.where(values.str.len() >= 12, "").str[:12].to_numpy(dtype=object)

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

    def compare(
        self, left: pd.DataFrame, right: pd.DataFrame, i: np.ndarray, j: np.ndarray
    ) -> np.ndarray:
        """Levels per pair (see class docs)."""
        ca, cb = _code_pairs(left, right, "phone_e164", i, j, self.name)

        def tails(frame: pd.DataFrame) -> np.ndarray:
            values = pd.Series(string_values(frame, "phone_e164", self.name), dtype=object)
            return values.str[-8:].to_numpy(dtype=object)

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
            if not (_has(left, column) and _has(right, column)):
                continue
            ca, cb = _code_pairs(left, right, column, i, j, self.name)
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
        cl, cr = joint_codes(left, right, "sex", lambda f: self._values(f, self.name))
        ca, cb = cl[i], cr[j]
        out = (ca == cb).astype(np.int8)
        out[(ca < 0) | (cb < 0)] = -1
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
