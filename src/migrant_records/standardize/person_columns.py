"""Generic person columns: recognise them by name and content, and normalise them.

Files that are not Indonesian ministry data still carry good evidence: a given name and a
surname column, a postcode, a city, an e-mail address, an occupation, a national identity or
social security number. :func:`recognize_person_columns` finds such columns among the ones
that do not map to a canonical column, by header name first and then by content (e-mail
addresses), and logs what it chose. :func:`normalize_person_columns` adds one normalised
``<role>_norm`` column per recognised role (see :data:`PERSON_ROLES`), which the default
comparators and blocking passes use.

Example:
    >>> frame = pd.DataFrame({"full_name": ["Ann Lee"], "Given Name": ["Ann"], "ZIP": ["02139"]})
    >>> recognize_person_columns(frame)
    {'given_name': 'Given Name', 'postcode': 'ZIP'}
"""

from __future__ import annotations

import logging
import re

import numpy as np
import pandas as pd

from migrant_records.standardize._util import fold_text, none_where, unique_strings

__all__ = ["PERSON_ROLES", "normalize_person_columns", "recognize_person_columns"]

logger = logging.getLogger(__name__)

#: Role -> normalised header names that name it (lower case, non-alphanumerics as ``_``).
PERSON_ROLES: dict[str, tuple[str, ...]] = {
    "given_name": ("given_name", "first_name", "firstname", "forename", "given", "nama_depan"),
    "surname": ("surname", "last_name", "lastname", "family_name", "nama_belakang"),
    "postcode": ("postcode", "post_code", "postal_code", "zip", "zipcode", "zip_code", "kode_pos"),
    "city": ("city", "town", "suburb", "locality", "kota"),
    "state": ("state", "county", "region"),
    "email": ("email", "e_mail", "email_address", "surel"),
    "occupation": ("occupation", "job", "profession", "pekerjaan"),
    "national_id": (
        "national_id",
        "soc_sec_id",
        "ssn",
        "social_security",
        "social_security_number",
        "national_insurance_number",
        "nin",
        "id_number",
        "passport",
    ),
}

_IDENTIFIER_ROLES = ("postcode", "national_id")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_SPACES = re.compile(r"[^\w]+|_")


def _header(name: object) -> str:
    return _NOT_ALNUM.sub("_", fold_text(str(name))).strip("_")


def _looks_like_email(values: pd.Series) -> bool:
    """Whether more than 80% of the first 200 filled values are e-mail addresses."""
    raw = values.to_numpy(dtype=object)
    sample = [str(v) for v in raw[np.flatnonzero(pd.notna(raw))[:200]]]
    return bool(sample) and sum(bool(_EMAIL.match(v.strip())) for v in sample) / len(sample) > 0.8


def recognize_person_columns(
    frame: pd.DataFrame, exclude: tuple[str, ...] | frozenset[str] = ()
) -> dict[str, str]:
    """Generic person columns of ``frame``: role -> column name.

    A column is recognised by its header (see :data:`PERSON_ROLES`); a column whose header
    says nothing but whose values are e-mail addresses is recognised as ``email``. Columns
    in ``exclude`` (the canonical ones) and empty columns are never chosen.

    Args:
        frame: Records.
        exclude: Column names not to consider.

    Returns:
        The roles found, in the order of :data:`PERSON_ROLES`.
    """
    by_header = {_header(c): c for c in frame.columns if c not in exclude}
    found: dict[str, str] = {}
    used: set[str] = set()
    for role, names in PERSON_ROLES.items():
        for name in names:
            col = by_header.get(name)
            if col is not None and col not in used and frame[col].notna().any():
                found[role] = str(col)
                used.add(col)
                break
    if "email" not in found:
        for col in frame.columns:
            if col in exclude or col in used or frame[col].dtype.kind not in "OSU":
                continue
            if _looks_like_email(frame[col]):
                found["email"] = str(col)
                break
    order = list(PERSON_ROLES)
    return dict(sorted(found.items(), key=lambda kv: order.index(kv[0])))


def _normalize(values: pd.Series, identifier: bool) -> pd.Series:
    codes, uniques = unique_strings(values)
    out: list[str | None] = []
    for u in uniques:
        if u is None:
            out.append(None)
            continue
        text = fold_text(str(u))
        text = _NOT_ALNUM.sub("", text) if identifier else " ".join(_SPACES.sub(" ", text).split())
        out.append(text or None)
    arr = pd.Series([*out, None], dtype=object).to_numpy()
    return pd.Series(arr[codes], index=values.index, dtype=object)


def normalize_person_columns(frame: pd.DataFrame, roles: dict[str, str]) -> dict[str, pd.Series]:
    """Normalised ``<role>_norm`` columns for recognised roles.

    Text is folded (case, accents) with punctuation removed; identifiers (postcode,
    national id) keep only letters and digits; e-mail addresses are folded and stripped.

    Args:
        frame: Records.
        roles: Role -> column, from :func:`recognize_person_columns`.

    Returns:
        Derived column name -> values (aligned to ``frame``).

    Example:
        >>> f = pd.DataFrame({"SSN": ["123-45-6789", None]})
        >>> normalize_person_columns(f, {"national_id": "SSN"})["national_id_norm"].tolist()
        ['123456789', None]
    """
    out: dict[str, pd.Series] = {}
    for role, col in roles.items():
        values = frame[col].astype(object)
        values = pd.Series(none_where(values, values.isna().to_numpy()), index=frame.index)
        if role == "email":
            norm = values.map(lambda v: None if v is None else fold_text(str(v)).strip() or None)
        else:
            norm = _normalize(values, role in _IDENTIFIER_ROLES)
        out[f"{role}_norm"] = norm.astype(object)
    if roles:
        logger.info(
            "recognised person columns: %s",
            ", ".join(f"{col!r} as {role}" for role, col in roles.items()),
        )
    return out
