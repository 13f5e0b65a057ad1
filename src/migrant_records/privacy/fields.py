"""Per-kind field encoders: prepared (standardised) columns in, keyed encodings out.

Encoded column prefixes: ``t_`` keyed token (hex text), ``b_`` packed Bloom filter (bytes),
``w_`` several 64-bit keyed tokens (bytes), ``f_`` a boolean flag, ``k_`` a keyed blocking key.
Nothing here is reversible without the key; each distinct value is hashed once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from migrant_records.blocking._keys import item_from_json, key_codes
from migrant_records.errors import SchemaError
from migrant_records.privacy.bloom import bloom_filters, harden
from migrant_records.privacy.keys import keyed_tokens, keyed_words
from migrant_records.privacy.schema import EncodingSchema, FieldSpec

__all__ = [
    "DATE_WORDS",
    "NIK_WORDS",
    "blocking_tokens",
    "encode_field",
    "field_columns",
    "rows_of_bytes",
]

NIK_WORDS = 15
"""Keyed tokens per NIK of its one-typo neighbourhood: the NIK with positions p, p+1 masked."""

DATE_WORDS = ("date", "next_day", "nik_date", "year_month", "next_year", "swapped")
"""The keyed date tokens of a birth date (see :class:`EncodedBirthDate`)."""


def field_columns(spec: FieldSpec) -> tuple[str, ...]:
    """Encoded columns written for one field."""
    n = spec.name
    if spec.kind == "person_name":
        parts = ("", "_sorted", "_key", "_initials", "_first", "_last")
        return (*(f"t_{n}{p}" for p in parts), f"b_{n}")
    if spec.kind == "nik":
        return (f"t_{n}", f"t_{n}_valid", f"t_{n}_head", f"w_{n}", f"f_{n}_suspect")
    if spec.kind == "birth_date":
        return (f"w_{n}",)
    if spec.kind == "phone":
        return (f"t_{n}", f"t_{n}_tail")
    if spec.kind == "region":
        return tuple(f"t_{n}_{lvl}" for lvl in ("province", "regency", "district", "village"))
    if spec.kind == "text":
        return (f"t_{n}", f"b_{n}")
    return (f"t_{n}",)


def _col(frame: pd.DataFrame, column: str, spec: FieldSpec) -> pd.Series:
    if column not in frame.columns:
        raise SchemaError(
            f"Encoding field {spec.name!r} ({spec.kind}) needs the standardised column "
            f"{column!r}, which the records lack; give the records a column it derives from or "
            "drop the field from the encoding schema."
        )
    return frame[column]


def _opt(frame: pd.DataFrame, column: str) -> pd.Series:
    if column in frame.columns:
        return frame[column]
    return pd.Series(None, index=frame.index, dtype=object)


def rows_of_bytes(matrix: np.ndarray) -> np.ndarray:
    """One ``bytes`` object per row of a 2-D array (for storage in a frame or Parquet)."""
    flat = np.ascontiguousarray(matrix)
    width = flat.shape[1] * flat.itemsize
    raw = flat.tobytes()
    out = np.empty(len(flat), dtype=object)
    out[:] = [raw[k * width : (k + 1) * width] for k in range(len(flat))]
    return out


def _bloom(spec: FieldSpec, values: pd.Series, frame: pd.DataFrame, key: bytes) -> np.ndarray:
    assert spec.bloom is not None
    b = spec.bloom
    salt = None
    if b.salt:
        salt_values = _col(frame, b.salt, spec)
        if pd.api.types.is_datetime64_any_dtype(salt_values):
            salt_values = salt_values.dt.strftime("%Y-%m-%d")
        salt = salt_values.to_numpy(dtype=object)
    packed = bloom_filters(
        values.to_numpy(dtype=object),
        key,
        f"{spec.name}:bloom",
        bits=b.bits,
        hashes=b.hashes,
        q=b.q,
        salt=salt,
    )
    if b.balance or b.fold:
        packed = harden(packed, key, spec.name, balance=b.balance, fold=b.fold)
    return rows_of_bytes(packed)


def _date_text(days: np.ndarray) -> np.ndarray:
    """ISO text of int64 day numbers (``None`` where missing)."""
    ok = days != np.iinfo(np.int64).min
    out = np.full(len(days), None, dtype=object)
    if ok.any():
        out[ok] = np.datetime_as_string(days[ok].astype("datetime64[D]"), unit="D").astype(object)
    return out


def _days(series: pd.Series) -> np.ndarray:
    values = pd.to_datetime(series, errors="coerce").to_numpy(dtype="datetime64[ns]")
    return values.astype("datetime64[D]").astype(np.int64)


def _birth_date_words(frame: pd.DataFrame, spec: FieldSpec, key: bytes) -> np.ndarray:
    nat = np.iinfo(np.int64).min
    dob = _days(_opt(frame, "dob"))
    nik = _days(_opt(frame, "nik_birth_date"))
    eff = np.where(dob == nat, nik, dob)
    text = _date_text(eff)
    has = eff != nat
    nxt = _date_text(np.where(has, eff + 1, nat))
    parts = pd.Series(text, dtype=object).str.split("-", expand=True)
    if parts.shape[1] < 3:
        parts = pd.DataFrame({0: [None] * len(text), 1: [None] * len(text), 2: [None] * len(text)})
    y, m, d = parts[0], parts[1], parts[2]
    year_month = ("ym:" + y + "-" + m).to_numpy(dtype=object)
    next_year = (
        (pd.to_numeric(y, errors="coerce") + 1).map(lambda v: "" if pd.isna(v) else f"{int(v):04d}")
        + "-"
        + m
        + "-"
        + d
    ).to_numpy(dtype=object)
    swapped = (y + "-" + d + "-" + m).to_numpy(dtype=object)
    field = spec.name
    columns = [text, nxt, _date_text(nik), year_month, next_year, swapped]
    out = np.zeros((len(frame), len(DATE_WORDS)), dtype=np.uint64)
    for k, values in enumerate(columns):
        values = np.where(has | (k == 2), values, None)
        out[:, k] = keyed_words(values, key, field)
    return out


def _nik_words(digits: pd.Series, key: bytes, field: str) -> np.ndarray:
    """Per record the keyed tokens of its NIK with each pair of adjacent digits masked."""
    values = digits.to_numpy(dtype=object)
    codes, uniques = pd.factorize(pd.Series(values, dtype=object))
    out = np.zeros((len(values), NIK_WORDS), dtype=np.uint64)
    texts = [str(u) for u in uniques]
    ok = np.array([len(t) == 16 for t in texts], dtype=bool)
    good = [t for t, keep in zip(texts, ok) if keep]
    if not good:
        return out
    masked = [t[:p] + "**" + t[p + 2 :] for t in good for p in range(NIK_WORDS)]
    table = np.zeros((len(texts), NIK_WORDS), dtype=np.uint64)
    table[ok] = keyed_words(masked, key, field + ":typo").reshape(len(good), NIK_WORDS)
    found = codes >= 0
    out[found] = table[codes[found]]
    return out


def encode_field(
    spec: FieldSpec, frame: pd.DataFrame, key: bytes, token_bytes: int
) -> dict[str, np.ndarray]:
    """Encoded columns of one field over a prepared frame.

    Args:
        spec: The field.
        frame: Standardised records.
        key: The secret key.
        token_bytes: Bytes kept of each token.

    Returns:
        Column name -> values, in :func:`field_columns` order.
    """
    n = spec.name

    def tok(values: Any, sub: str) -> np.ndarray:
        return keyed_tokens(values, key, f"{n}:{sub}", nbytes=token_bytes)

    out: dict[str, np.ndarray] = {}
    if spec.kind == "person_name":
        norm = _col(frame, "name_norm", spec)
        for col, sub in (
            ("name_norm", ""),
            ("name_sorted", "_sorted"),
            ("name_key", "_key"),
            ("name_initials", "_initials"),
        ):
            out[f"t_{n}{sub}"] = tok(_opt(frame, col) if col != "name_norm" else norm, sub or "norm")
        core = _opt(frame, "name_core")
        core = core.where(core.notna() & (core.astype(str) != ""), norm)
        first = _opt(frame, "name_first")
        last = _opt(frame, "name_last")
        if first.isna().all():
            first = core.str.split(" ", n=1).str[0]
            last = core.str.rsplit(" ", n=1).str[-1]
        out[f"t_{n}_first"] = tok(first, "end")
        out[f"t_{n}_last"] = tok(last, "end")
        out[f"b_{n}"] = _bloom(spec, core, frame, key)
    elif spec.kind == "nik":
        digits = _col(frame, "nik_digits", spec)
        out[f"t_{n}"] = tok(digits, "nik")
        out[f"t_{n}_valid"] = tok(_opt(frame, "nik_id"), "nik")
        head = digits.where(digits.astype(str).str.len() >= 12).astype(object).str[:12]
        out[f"t_{n}_head"] = tok(head, "head")
        out[f"w_{n}"] = rows_of_bytes(_nik_words(digits, key, n))
        suspect = _opt(frame, "nik_suspect").fillna(False).astype(bool)
        out[f"f_{n}_suspect"] = suspect.to_numpy(dtype=bool)
    elif spec.kind == "birth_date":
        if "dob" not in frame.columns and "nik_birth_date" not in frame.columns:
            _col(frame, "dob", spec)
        out[f"w_{n}"] = rows_of_bytes(_birth_date_words(frame, spec, key))
    elif spec.kind == "sex":
        sex = _opt(frame, "sex_norm")
        sex = sex.where(sex.notna() & (sex.astype(str) != ""), _opt(frame, "nik_sex"))
        out[f"t_{n}"] = tok(sex, "sex")
    elif spec.kind == "phone":
        phone = _col(frame, "phone_e164", spec)
        out[f"t_{n}"] = tok(phone, "phone")
        out[f"t_{n}_tail"] = tok(phone.astype(object).str[-8:], "tail")
    elif spec.kind == "region":
        for lvl in ("province", "regency", "district", "village"):
            out[f"t_{n}_{lvl}"] = tok(_opt(frame, f"{lvl}_code"), lvl)
    elif spec.kind == "text":
        assert spec.column is not None
        values = _col(frame, spec.column, spec)
        out[f"t_{n}"] = tok(values, "exact")
        out[f"b_{n}"] = _bloom(spec, values, frame, key)
    else:
        assert spec.column is not None
        out[f"t_{n}"] = tok(_col(frame, spec.column, spec), "exact")
    return out


def _key_text(value: Any) -> str:
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def blocking_tokens(
    items: Sequence[Any], frame: pd.DataFrame, key: bytes, name: str, token_bytes: int
) -> np.ndarray:
    """Keyed tokens of a (composite) blocking key; ``None`` where a key part is missing."""
    parsed = [item_from_json(list(it) if isinstance(it, tuple) else it) for it in items]
    codes = key_codes(parsed, [frame])
    n_codes = codes.n_codes
    if n_codes == 0:
        return np.full(len(frame), None, dtype=object)
    first = np.full(n_codes, -1, dtype=np.int64)
    valid = np.flatnonzero(codes.codes >= 0)
    uniq, where = np.unique(codes.codes[valid], return_index=True)
    first[uniq] = valid[where]
    texts = []
    for row in first:
        vals = [_key_text(u[c[row]]) for c, u in codes.parts]
        texts.append("\x1f".join(vals))
    table = keyed_tokens(texts, key, f"block:{name}", nbytes=token_bytes)
    table = np.append(table, None)
    return table[np.where(codes.codes >= 0, codes.codes, n_codes)]  # type: ignore[no-any-return]


def schema_columns(schema: EncodingSchema) -> list[str]:
    """Every encoded column a schema writes, in order (after ``source`` and ``record_id``)."""
    cols = [c for f in schema.fields for c in field_columns(f)]
    cols += [f"k_{b.name}" for b in schema.blocking]
    if schema.lsh is not None and schema.lsh.within:
        cols.append(f"k_{schema.lsh.field}_lsh")
    return cols
