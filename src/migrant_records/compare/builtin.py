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

from migrant_records.compare.base import (
    BaseComparator,
    cached,
    check_method,
    string_values,
)
from migrant_records.compare.text import (
    coded,
    coded_threshold_levels,
    has_column,
    joint_codes,
    pair_codes_of,
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
    "builtin_factories",
]


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
        ca, cb = pair_codes_of(left, right, self.column, i, j, self.name)
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
        self.optional_columns = ("name_first", "name_last")
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
            col = "name_core" if has_column(frame, "name_core") else "name_norm"
            core = pd.Series(string_values(frame, col, self.name), dtype=object)
            norm = pd.Series(string_values(frame, "name_norm", self.name), dtype=object)
            core = core.where(core != "", norm)
            if has_column(frame, "name_first") and has_column(frame, "name_last"):
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
        na, nb = pair_codes_of(left, right, "name_norm", i, j, self.name)
        null = (na < 0) | (nb < 0)
        out = np.zeros(len(na), dtype=np.int8)
        out[na == nb] = 6
        todo = np.flatnonzero((out == 0) & ~null)

        def agree(column: str, idx: np.ndarray) -> np.ndarray:
            """Same non-missing value (a side without the column falls back to name_norm)."""
            if not (has_column(left, column) and has_column(right, column)):
                column = "name_norm"
            ca, cb = pair_codes_of(left, right, column, i[idx], j[idx], self.name)
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
        ja, jb = pair_codes_of(left, right, self.column, i, j, self.name)
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


from migrant_records.compare.identifiers import (  # noqa: E402 - kept beside the others
    BirthDate,
    Nik,
    Phone,
    Region,
    Sex,
)


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
