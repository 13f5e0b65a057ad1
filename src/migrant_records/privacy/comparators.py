"""Comparators over keyed encodings.

Each comparator reads encoded columns only (keyed tokens and Bloom filters) and gives the
same levels, with the same labels, as its clear-text counterpart, so that the Fellegi-Sunter
model, the prior rule and the explanations work unchanged. Agreement of keyed tokens is an
integer comparison of value codes; Dice similarity of Bloom filters is a vectorised popcount
(:mod:`~migrant_records.privacy.dice`).

Encoded comparators show no values in explanations (``columns`` is empty): only levels and
weights. They are registered under ``encoded_*`` names so that saved matchers load again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from migrant_records.compare import BaseComparator, register_comparator
from migrant_records.compare.base import cached
from migrant_records.compare.text import column_codes
from migrant_records.errors import SchemaError
from migrant_records.privacy.dice import dice_from_counts, pair_intersections, popcount_rows
from migrant_records.privacy.fields import DATE_WORDS, field_columns
from migrant_records.privacy.schema import EncodingSchema, FieldSpec

__all__ = [
    "BloomText",
    "EncodedBirthDate",
    "EncodedNik",
    "EncodedPersonName",
    "TokenLevels",
    "schema_comparators",
]


def _need(frame: pd.DataFrame, column: str, who: str) -> None:
    if column not in frame.columns:
        raise SchemaError(
            f"Encoded comparator {who!r} needs the encoded column {column!r}, which the records "
            "lack: link encodings made with the same encoding schema."
        )


def byte_matrix(frame: pd.DataFrame, column: str, who: str, dtype: Any = np.uint8) -> np.ndarray:
    """A ``bytes`` column as a 2-D array (cached while comparing)."""
    _need(frame, column, who)

    def build() -> np.ndarray:
        values = frame[column].to_numpy(dtype=object)
        if len(values) == 0:
            return np.zeros((0, 1), dtype=dtype)
        raw = b"".join(values)
        width = len(values[0])
        if len(raw) != width * len(values) or width == 0:
            raise SchemaError(
                f"Encoded column {column!r} holds values of different lengths; the file is "
                "damaged or was not written by migrant-records."
            )
        return np.frombuffer(raw, dtype=np.uint8).reshape(len(values), width).view(dtype)

    return cached(frame, f"bytes:{column}:{np.dtype(dtype).str}", build)  # type: ignore[no-any-return]


def _bits(frame: pd.DataFrame, column: str, who: str) -> tuple[np.ndarray, np.ndarray]:
    packed = byte_matrix(frame, column, who)
    counts = cached(frame, f"popcount:{column}", lambda: popcount_rows(packed))
    return packed, counts


class _Dice:
    """Dice of the Bloom filters of one column over candidate pairs.

    Attributes:
        dice: Dice coefficient per pair (``nan`` where both filters are empty).
        inter: Set bits the two filters share, per pair.
        count_l: Set bits of the left filter per pair (0 = missing).
        count_r: Set bits of the right filter per pair (0 = missing).
    """

    def __init__(
        self,
        left: pd.DataFrame,
        right: pd.DataFrame,
        column: str,
        i: np.ndarray,
        j: np.ndarray,
        who: str,
    ) -> None:
        a, ca = _bits(left, column, who)
        b, cb = (a, ca) if right is left else _bits(right, column, who)
        self.inter = pair_intersections(a, b, i, j)
        self.count_l, self.count_r = ca[i], cb[j]
        self.dice = dice_from_counts(self.inter, self.count_l + self.count_r)
        self.missing = (self.count_l == 0) | (self.count_r == 0)

    def at_least(self, threshold: float) -> np.ndarray:
        """Pairs whose Dice reaches ``threshold``."""
        return self.dice >= threshold - 1e-6  # type: ignore[no-any-return]


def _codes(
    left: pd.DataFrame, right: pd.DataFrame, column: str, i: np.ndarray, j: np.ndarray, who: str
) -> tuple[np.ndarray, np.ndarray]:
    _need(left, column, who)
    _need(right, column, who)
    cl, cr = column_codes(left, right, column, who)
    return cl[i], cr[j]


def _agree(
    left: pd.DataFrame, right: pd.DataFrame, column: str, i: np.ndarray, j: np.ndarray, who: str
) -> np.ndarray:
    ca, cb = _codes(left, right, column, i, j, who)
    return (ca == cb) & (ca >= 0)  # type: ignore[no-any-return]


class _Encoded(BaseComparator):
    columns: tuple[str, ...] = ()
    encoded_columns: tuple[str, ...] = ()
    field_kind = ""
    """The encoding schema's field kind whose columns the comparator reads (if one)."""

    def __init__(self, *, name: str, field: str = "", labels: Sequence[str] = ()) -> None:
        self.name = name
        self.field = field
        self.labels = tuple(labels)
        if self.field_kind:
            self.encoded_columns = field_columns(FieldSpec(field, self.field_kind))

    def _exact(
        self, left: pd.DataFrame, right: pd.DataFrame, i: np.ndarray, j: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Codes of the field's exact token on both sides, and where either is missing."""
        ca, cb = _codes(left, right, f"t_{self.field}", i, j, self.name)
        return ca, cb, (ca < 0) | (cb < 0)


class TokenLevels(_Encoded):
    """Levels from agreement of keyed tokens: level ``k`` when token column ``k`` agrees.

    Level 0 is the else level; a pair takes the highest level whose token agrees; ``-1`` when
    either record has none of the tokens.

    Args:
        name: Comparator name.
        tokens: Token columns, weakest first (level 1 ... level ``len(tokens)``).
        labels: One label per level (``len(tokens) + 1``).
        tf: Adjust the top level by token frequency.
    """

    kind = "encoded_tokens"
    _params = ("name", "tokens", "labels", "tf")

    def __init__(
        self, *, name: str, tokens: Sequence[str], labels: Sequence[str], tf: bool = False
    ) -> None:
        super().__init__(name=name, labels=labels)
        self.tokens = tuple(tokens)
        self.tf = bool(tf)
        self.tf_column = self.tokens[-1] if tf else None
        self.encoded_columns = self.tokens
        if len(self.labels) != len(self.tokens) + 1:
            raise SchemaError(f"{name!r}: give one label per level ({len(self.tokens) + 1}).")

    def compare(
        self, left: pd.DataFrame, right: pd.DataFrame, i: np.ndarray, j: np.ndarray
    ) -> np.ndarray:
        """Levels per pair (see class docs)."""
        out = np.zeros(len(i), dtype=np.int8)
        any_a = np.zeros(len(i), dtype=bool)
        any_b = np.zeros(len(i), dtype=bool)
        for level, column in enumerate(self.tokens, start=1):
            ca, cb = _codes(left, right, column, i, j, self.name)
            any_a |= ca >= 0
            any_b |= cb >= 0
            out[(ca == cb) & (ca >= 0)] = level
        out[~any_a | ~any_b] = -1
        return out


class BloomText(_Encoded):
    """A fuzzy text field: exact keyed token, else Dice of Bloom filters at thresholds.

    Levels: ``0`` else, one level per threshold (ascending similarity), last ``exact``.

    Args:
        name: Comparator name.
        field: Encoded field name (columns ``t_<field>`` and ``b_<field>``).
        thresholds: Dice thresholds.
        tf: Adjust the exact level by token frequency.
    """

    kind = "encoded_text"
    _params = ("name", "field", "thresholds", "tf")

    def __init__(
        self, *, name: str, field: str, thresholds: Sequence[float] = (0.8,), tf: bool = False
    ) -> None:
        self.thresholds = tuple(sorted(float(t) for t in thresholds))
        labels = ("else", *(f"dice >= {t:g}" for t in self.thresholds), "exact")
        super().__init__(name=name, field=field, labels=labels)
        self.tf = bool(tf)
        self.tf_column = f"t_{field}" if tf else None
        self.encoded_columns = (f"t_{field}", f"b_{field}")

    def compare(
        self, left: pd.DataFrame, right: pd.DataFrame, i: np.ndarray, j: np.ndarray
    ) -> np.ndarray:
        """Levels per pair (see class docs)."""
        dice = _Dice(left, right, f"b_{self.field}", i, j, self.name)
        out = np.zeros(len(i), dtype=np.int8)
        for level, t in enumerate(self.thresholds, start=1):
            out[dice.at_least(t)] = level
        out[_agree(left, right, f"t_{self.field}", i, j, self.name)] = len(self.thresholds) + 1
        out[dice.missing] = -1
        return out


class EncodedPersonName(_Encoded):
    """Person names on encodings, with the levels of :class:`~migrant_records.compare.PersonName`.

    | level | label | rule on encodings |
    | --- | --- | --- |
    | 6 | exact | tokens of ``name_norm`` agree |
    | 5 | same tokens any order | tokens of ``name_sorted`` agree |
    | 4 | one name contains the other | one core's filter inside the other's and a first or last token agrees |
    | 3 | phonetic or close | tokens of ``name_key`` agree, or Dice >= ``close`` |
    | 2 | fuzzy | Dice >= ``fuzzy`` |
    | 1 | initials agree | tokens of ``name_initials`` agree |
    """  # noqa: E501

    kind = "encoded_person_name"
    field_kind = "person_name"
    _params = ("name", "field", "fuzzy", "close")

    def __init__(
        self, *, name: str = "name", field: str = "name", fuzzy: float = 0.7, close: float = 0.85
    ) -> None:
        labels = (
            "else",
            "initials agree",
            "fuzzy",
            "phonetic or close",
            "one name contains the other",
            "same tokens any order",
            "exact",
        )
        super().__init__(name=name, field=field, labels=labels)
        self.fuzzy = float(fuzzy)
        self.close = float(close)
        self.tf_column = f"t_{field}"

    def compare(
        self, left: pd.DataFrame, right: pd.DataFrame, i: np.ndarray, j: np.ndarray
    ) -> np.ndarray:
        """Levels per pair (see class docs)."""
        f = self.field
        ca, cb, null = self._exact(left, right, i, j)
        dice = _Dice(left, right, f"b_{f}", i, j, self.name)
        out = np.zeros(len(i), dtype=np.int8)
        out[_agree(left, right, f"t_{f}_initials", i, j, self.name)] = 1
        out[dice.at_least(self.fuzzy)] = 2
        close = dice.at_least(self.close) | _agree(left, right, f"t_{f}_key", i, j, self.name)
        out[close] = 3
        smaller = np.minimum(dice.count_l, dice.count_r)
        inside = (dice.inter >= smaller) & (smaller > 0)
        fa, fb = _codes(left, right, f"t_{f}_first", i, j, self.name)
        la, lb = _codes(left, right, f"t_{f}_last", i, j, self.name)
        end = ((fa == fb) & (fa >= 0)) | ((la == lb) & (la >= 0))
        out[inside & end] = 4
        out[_agree(left, right, f"t_{f}_sorted", i, j, self.name)] = 5
        out[ca == cb] = 6
        out[null] = -1
        return out


class EncodedNik(_Encoded):
    """NIKs on encodings, with the levels of :class:`~migrant_records.compare.Nik`.

    | level | label | rule on encodings |
    | --- | --- | --- |
    | 0 | both valid, different | both have a token of a usable NIK |
    | 1 | different (invalid or suspect) | otherwise |
    | 2 | same region and birth date | tokens of the first 12 digits agree |
    | 3 | one typo | a token of the NIK with two adjacent digits masked agrees |
    | 4 | exact | tokens agree and neither NIK is flagged as a dummy |

    The "one typo" level also takes two mistyped digits side by side (the clear comparator
    counts that as two errors): each token masks two adjacent positions, which covers one
    substitution and one transposition with 15 tokens per NIK.
    """

    kind = "encoded_nik"
    field_kind = "nik"
    _params = ("name", "field")

    def __init__(self, *, name: str = "nik", field: str = "nik") -> None:
        labels = (
            "both valid, different",
            "different (invalid or suspect)",
            "same region and birth date",
            "one typo",
            "exact",
        )
        super().__init__(name=name, field=field, labels=labels)
        self.tf_column = None

    def compare(
        self, left: pd.DataFrame, right: pd.DataFrame, i: np.ndarray, j: np.ndarray
    ) -> np.ndarray:
        """Levels per pair (see class docs)."""
        f = self.field
        ca, cb, null = self._exact(left, right, i, j)
        va, vb = _codes(left, right, f"t_{f}_valid", i, j, self.name)
        out = np.where((va >= 0) & (vb >= 0), 0, 1).astype(np.int8)
        out[_agree(left, right, f"t_{f}_head", i, j, self.name)] = 2
        wa = byte_matrix(left, f"w_{f}", self.name, np.uint64)
        wb = wa if right is left else byte_matrix(right, f"w_{f}", self.name, np.uint64)
        step = 1 << 19
        typo = np.zeros(len(i), dtype=bool)
        for s in range(0, len(i), step):
            x, y = wa[i[s : s + step]], wb[j[s : s + step]]
            typo[s : s + step] = ((x == y) & (x != 0)).any(axis=1)
        out[typo] = 3
        _need(left, f"f_{f}_suspect", self.name)
        _need(right, f"f_{f}_suspect", self.name)
        sl = left[f"f_{f}_suspect"].to_numpy(dtype=bool)
        sr = sl if right is left else right[f"f_{f}_suspect"].to_numpy(dtype=bool)
        same = ca == cb
        out[same & (sl[i] | sr[j])] = 1
        out[same & ~(sl[i] | sr[j])] = 4
        out[null] = -1
        return out


class EncodedBirthDate(_Encoded):
    """Birth dates on encodings, with the levels of :class:`~migrant_records.compare.BirthDate`.

    Each record holds keyed tokens of its date, the next day, its NIK's date, its year and
    month, the same day a year later and the date with day and month exchanged; the levels are
    token agreements: exact, swapped (my swapped = your date), +-1 day (my next day = your
    date, or yours = mine), agrees with the other's NIK date, same year and month, year +-1.
    """

    kind = "encoded_birth_date"
    _params = ("name", "field")

    def __init__(self, *, name: str = "birth_date", field: str = "birth_date") -> None:
        labels = (
            "else",
            "year +-1, same day and month",
            "same year and month",
            "agrees with the other's NIK date",
            "+-1 day",
            "day and month swapped",
            "exact",
        )
        super().__init__(name=name, field=field, labels=labels)
        self.tf_column = None
        self.encoded_columns = (f"w_{field}",)

    def compare(
        self, left: pd.DataFrame, right: pd.DataFrame, i: np.ndarray, j: np.ndarray
    ) -> np.ndarray:
        """Levels per pair (see class docs)."""
        col = f"w_{self.field}"
        wl = byte_matrix(left, col, self.name, np.uint64)
        wr = wl if right is left else byte_matrix(right, col, self.name, np.uint64)
        k = {name: n for n, name in enumerate(DATE_WORDS)}
        out = np.zeros(len(i), dtype=np.int8)
        step = 1 << 19
        for s in range(0, len(i), step):
            a, b = wl[i[s : s + step]], wr[j[s : s + step]]
            da, db = a[:, k["date"]], b[:, k["date"]]
            null = (da == 0) | (db == 0)

            def eq(x: np.ndarray, y: np.ndarray) -> np.ndarray:
                return (x == y) & (x != 0)  # type: ignore[no-any-return]

            lvl = np.zeros(len(a), dtype=np.int8)
            lvl[eq(a[:, k["next_year"]], db) | eq(b[:, k["next_year"]], da)] = 1
            lvl[eq(a[:, k["year_month"]], b[:, k["year_month"]])] = 2
            lvl[eq(da, b[:, k["nik_date"]]) | eq(db, a[:, k["nik_date"]])] = 3
            lvl[eq(a[:, k["next_day"]], db) | eq(b[:, k["next_day"]], da)] = 4
            lvl[eq(a[:, k["swapped"]], db)] = 5
            lvl[eq(da, db)] = 6
            lvl[null] = -1
            out[s : s + step] = lvl
        return out


def schema_comparators(schema: EncodingSchema) -> list[BaseComparator]:
    """The comparators of an encoding schema's fields, in field order."""
    out: list[BaseComparator] = []
    for f in schema.fields:
        n = f.name
        if f.kind == "person_name":
            out.append(EncodedPersonName(name=n, field=n))
        elif f.kind == "nik":
            out.append(EncodedNik(name=n, field=n))
        elif f.kind == "birth_date":
            out.append(EncodedBirthDate(name=n, field=n))
        elif f.kind == "sex":
            out.append(TokenLevels(name=n, tokens=[f"t_{n}"], labels=["different", "same"]))
        elif f.kind == "phone":
            out.append(
                TokenLevels(
                    name=n,
                    tokens=[f"t_{n}_tail", f"t_{n}"],
                    labels=["else", "last 8 digits", "exact"],
                )
            )
        elif f.kind == "region":
            levels = ("province", "regency", "district", "village")
            out.append(
                TokenLevels(
                    name=n, tokens=[f"t_{n}_{lvl}" for lvl in levels], labels=["else", *levels]
                )
            )
        elif f.kind == "text":
            out.append(BloomText(name=n, field=n, thresholds=f.thresholds, tf=f.tf))
        else:
            out.append(
                TokenLevels(name=n, tokens=[f"t_{n}"], labels=["different", "exact"], tf=f.tf)
            )
    return out


register_comparator("encoded_tokens", TokenLevels)
register_comparator("encoded_text", BloomText)
register_comparator("encoded_person_name", EncodedPersonName)
register_comparator("encoded_nik", EncodedNik)
register_comparator("encoded_birth_date", EncodedBirthDate)
