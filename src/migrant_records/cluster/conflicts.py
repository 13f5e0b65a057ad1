"""What makes two records impossible to be one person, and what must keep them together.

:func:`conflict_attributes` reads the per-record attributes that conflict splitting needs from
a prepared records frame (the output of :func:`migrant_records.standardize.standardize`);
:func:`nik_conflict` says whether two trusted NIKs prove two different people.

A NIK keying error is evidence *for* a match, not a conflict: one substituted digit or two
adjacent digits swapped often leaves a valid NIK (a real district code, a real date), so two
NIKs within one keying error of each other do not conflict by themselves. Two different NIKs
conflict when they differ by more than a keying error *and* what they encode disagrees (their
birth dates or their districts differ), or when the names written with them are not variants
of each other (twins registered together get NIKs one serial apart: different NIK, different
name).

Example:
    >>> nik_conflict("3201014101900001", "3201014101900010")  # two digits swapped
    False
    >>> nik_conflict("3201014101900001", "3301025505920003")
    True
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from rapidfuzz.distance import DamerauLevenshtein

__all__ = [
    "CONFLICT_COLUMNS",
    "conflict_attributes",
    "names_compatible",
    "nik_conflict",
    "within_one_keying_error",
]

#: Columns of the frame :func:`conflict_attributes` returns (the ``conflicts`` contract of
#: :func:`~migrant_records.cluster.cluster_pairs`).
CONFLICT_COLUMNS = (
    "nik_id",
    "nik_agrees_dob",
    "nik_birth_date",
    "nik_district_code",
    "sex",
    "name",
    "dob",
)


def within_one_keying_error(a: str, b: str) -> bool:
    """Whether ``b`` is ``a`` with at most one keying error.

    A keying error is one substituted character or two adjacent characters swapped.

    Args:
        a: One identifier.
        b: The other identifier.

    Returns:
        ``True`` for equal strings and strings one keying error apart.

    Example:
        >>> within_one_keying_error("1234", "1243"), within_one_keying_error("1234", "4321")
        (True, False)
    """
    if a == b:
        return True
    if len(a) != len(b):
        return False
    diff = [k for k in range(len(a)) if a[k] != b[k]]
    if len(diff) == 1:
        return True
    if len(diff) == 2 and diff[1] == diff[0] + 1:
        x, y = diff
        return a[x] == b[y] and a[y] == b[x]
    return False


def nik_conflict(
    a: str,
    b: str,
    dob_a: object = None,
    dob_b: object = None,
    district_a: object = None,
    district_b: object = None,
    names_a: frozenset[str] | None = None,
    names_b: frozenset[str] | None = None,
) -> bool:
    """Whether two trusted NIKs prove two different people.

    Args:
        a: One NIK.
        b: The other NIK.
        dob_a: Birth date decoded from ``a`` (``None`` when unknown).
        dob_b: Birth date decoded from ``b``.
        district_a: District code decoded from ``a``.
        district_b: District code decoded from ``b``.
        names_a: Name tokens of the records carrying ``a`` (``None`` when unknown).
        names_b: Name tokens of the records carrying ``b``.

    Returns:
        ``False`` for equal NIKs. Otherwise ``True`` when both names are known and not
        compatible (see :func:`names_compatible`); else ``False`` when
        the NIKs are one keying error apart or both decoded birth dates and districts are
        known and equal; ``True`` otherwise.
    """
    if a == b:
        return False
    if names_a and names_b and not names_compatible(names_a, names_b):
        return True
    if within_one_keying_error(a, b):
        return False
    known = not (_missing(dob_a) or _missing(dob_b) or _missing(district_a) or _missing(district_b))
    return not (known and dob_a == dob_b and district_a == district_b)


def _token_match(t: str, others: frozenset[str]) -> bool:
    if t in others:
        return True
    for o in others:
        if len(t) == 1 or len(o) == 1:
            if t[:1] == o[:1]:
                return True
        elif DamerauLevenshtein.normalized_similarity(t, o) >= 0.75:
            return True
    return False


def names_compatible(a: frozenset[str], b: frozenset[str]) -> bool:
    """Whether every token of the shorter name has a counterpart in the other name.

    A counterpart is the same token, a one-letter initial of it, or a spelling at most a
    quarter of its characters away (a typo, a letter swap).

    Example:
        >>> names_compatible(frozenset({"n", "wahyuni"}), frozenset({"nur", "wahyuni"}))
        True
        >>> names_compatible(frozenset({"eka", "wahyuni"}), frozenset({"endang", "wahyuni"}))
        False
    """
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    return all(_token_match(t, long_) for t in short)


def _missing(value: object) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))  # type: ignore[call-overload]


def _column(records: pd.DataFrame, name: str) -> pd.Series:
    if name in records.columns:
        return records[name].reset_index(drop=True)
    return pd.Series([None] * len(records), dtype=object)


def conflict_attributes(records: pd.DataFrame) -> pd.DataFrame:
    """Per-record attributes that conflict splitting reads, from a prepared records frame.

    Args:
        records: Prepared records (derived columns of ``standardize``); absent columns are
            treated as missing.

    Returns:
        A frame with one row per record (same order, fresh index) and the columns of
        :data:`CONFLICT_COLUMNS`: ``nik_id`` (the usable NIK: valid, not suspect),
        ``nik_agrees_dob`` (the NIK's encoded birth date equals the record's own, so the
        NIK is trusted as evidence of who the person is), ``nik_birth_date`` and
        ``nik_district_code`` (what the NIK encodes), ``sex`` (``M`` / ``F`` from the
        record, else from the NIK), ``name`` and ``dob`` (the normalised name and birth
        date: records agreeing exactly on both are never separated by a split unless they
        conflict themselves, and the name's tokens tell twins from NIK keying errors).

    Example:
        >>> frame = pd.DataFrame({"name_norm": ["siti"], "dob": pd.to_datetime(["1990-01-02"])})
        >>> conflict_attributes(frame)["name"].tolist()
        ['siti']
    """
    n = len(records)
    nik = _column(records, "nik_id")
    agrees = np.zeros(n, dtype=bool)
    if "nik_birth_date" in records.columns and "dob" in records.columns:
        agrees = (
            (_column(records, "nik_birth_date") == _column(records, "dob"))
            .fillna(False)
            .to_numpy(dtype=bool)
        )
    sex = _column(records, "sex_norm").astype(object)
    sex = sex.where(sex.notna(), _column(records, "nik_sex").astype(object))
    name = _column(records, "name_norm").astype(object)
    return pd.DataFrame(
        {
            "nik_id": nik.astype(object).to_numpy(),
            "nik_agrees_dob": agrees,
            "nik_birth_date": _column(records, "nik_birth_date").to_numpy(),
            "nik_district_code": _column(records, "nik_district_code").astype(object).to_numpy(),
            "sex": sex.to_numpy(),
            "name": name.to_numpy(),
            "dob": _column(records, "dob").to_numpy(),
        }
    )
