"""Per-kind field encoders: prepared (standardised) columns in, keyed encodings out.

Encoded column prefixes: ``t_`` keyed token (hex text), ``b_`` packed Bloom filter (bytes),
``w_`` several 64-bit keyed tokens (bytes), ``f_`` a boolean flag, ``k_`` a keyed blocking key.
Nothing here is reversible without the key; each distinct value is hashed once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from migrant_records.blocking._keys import item_from_json, key_codes, strip_empty
from migrant_records.errors import SchemaError
from migrant_records.privacy.bloom import bloom_filters, harden
from migrant_records.privacy.columns import Columns, merged
from migrant_records.privacy.keys import (
    coded_tokens,
    digest_words,
    field_key,
    keyed_digests,
    keyed_tokens,
    keyed_words,
    siphash_key,
)
from migrant_records.privacy.schema import EncodingSchema, FieldSpec
from migrant_records.privacy.siphash import siphash24

__all__ = [
    "DATE_WORDS",
    "NIK_WORDS",
    "KeyParts",
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
    import pyarrow as pa

    flat = np.ascontiguousarray(matrix)
    width = flat.shape[1] * flat.itemsize
    if not len(flat) or not width:
        out = np.empty(len(flat), dtype=object)
        out[:] = [b""] * len(flat)
        return out
    # a fixed-width binary array over the rows' bytes: pyarrow makes the bytes objects in C
    rows = pa.Array.from_buffers(pa.binary(width), len(flat), [None, pa.py_buffer(flat)])
    return rows.to_numpy(zero_copy_only=False)  # type: ignore[no-any-return]


def _and_missing(distinct: np.ndarray) -> np.ndarray:
    """Distinct values with ``None`` appended (where code ``-1`` points after indexing)."""
    return np.concatenate([np.asarray(distinct, dtype=object), np.array([None], dtype=object)])


def _per_record(coded: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    codes, distinct = coded
    return _and_missing(distinct)[np.where(codes >= 0, codes, len(distinct))]  # type: ignore[no-any-return]


def _factorized(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes.astype(np.int64), np.asarray(uniques, dtype=object)


def _bloom(
    spec: FieldSpec,
    values: pd.Series | tuple[np.ndarray, np.ndarray],
    frame: pd.DataFrame,
    key: bytes,
) -> np.ndarray:
    """Packed filters per record as ``bytes``; ``values`` a column or ``(codes, distinct)``.

    Without a salt a filter depends on the value alone: it is built once per distinct value.
    """
    assert spec.bloom is not None
    b = spec.bloom
    salt = None
    if b.salt:
        if isinstance(values, tuple):
            values = pd.Series(_per_record(values), dtype=object)
        salt_values = _col(frame, b.salt, spec)
        if pd.api.types.is_datetime64_any_dtype(salt_values):
            salt_values = salt_values.dt.strftime("%Y-%m-%d")
        salt = salt_values.to_numpy(dtype=object)
    codes: np.ndarray | None = None
    if isinstance(values, tuple):
        codes, distinct = values[0], _and_missing(values[1])
    else:
        distinct = values.to_numpy(dtype=object)
    packed = bloom_filters(
        distinct,
        key,
        f"{spec.name}:bloom",
        bits=b.bits,
        hashes=b.hashes,
        q=b.q,
        salt=salt,
    )
    if b.balance or b.fold:
        packed = harden(packed, key, spec.name, balance=b.balance, fold=b.fold)
    rows = rows_of_bytes(packed)
    if codes is None:
        return rows
    return rows[np.where(codes >= 0, codes, len(distinct) - 1)]  # type: ignore[no-any-return]


def _date_text(days: np.ndarray) -> np.ndarray:
    """ISO text of int64 day numbers (``None`` where missing)."""
    ok = days != np.iinfo(np.int64).min
    out = np.full(len(days), None, dtype=object)
    if ok.any():
        out[ok] = np.datetime_as_string(days[ok].astype("datetime64[D]"), unit="D").astype(object)
    return out


def _days(series: pd.Series) -> np.ndarray:
    if pd.api.types.is_datetime64_any_dtype(series) and getattr(series.dt, "tz", None) is None:
        values = series.to_numpy(dtype="datetime64[ns]")
    else:
        values = pd.to_datetime(series, errors="coerce").to_numpy(dtype="datetime64[ns]")
    return values.astype("datetime64[D]").astype(np.int64)


def _date_forms(days: np.ndarray) -> list[np.ndarray]:
    """Text forms of distinct dates: date, next day, year-month, next year, swapped."""
    d = days.astype("datetime64[D]")
    months = d.astype("datetime64[M]")
    year = (months.astype("datetime64[Y]").astype(np.int64) + 1970).tolist()
    month = (months.astype(np.int64) % 12 + 1).tolist()
    day = ((d - months.astype("datetime64[D]")).astype(np.int64) + 1).tolist()
    ymd = list(zip(year, month, day))

    def text(values: list[str]) -> np.ndarray:
        out = np.empty(len(values), dtype=object)
        out[:] = values
        return out

    return [
        text([f"{y:04d}-{m:02d}-{dd:02d}" for y, m, dd in ymd]),
        _date_text(days + 1),
        text([f"ym:{y:04d}-{m:02d}" for y, m, dd in ymd]),
        text([f"{y + 1:04d}-{m:02d}-{dd:02d}" for y, m, dd in ymd]),
        text([f"{y:04d}-{dd:02d}-{m:02d}" for y, m, dd in ymd]),
    ]


def _birth_date_words(frame: pd.DataFrame, spec: FieldSpec, key: bytes) -> np.ndarray:
    nat = np.iinfo(np.int64).min
    dob = _days(_opt(frame, "dob"))
    nik = _days(_opt(frame, "nik_birth_date"))
    eff = np.where(dob == nat, nik, dob)
    n = len(frame)
    # the dates of both columns factorised together: a date in both is hashed once
    both = np.concatenate([eff, nik])
    codes, uniq = pd.factorize(np.where(both == nat, -1, both))
    uniq = np.asarray(uniq, dtype=np.int64)
    present = uniq != -1
    of_eff = np.zeros(len(uniq), dtype=bool)
    of_eff[codes[:n]] = True
    out = np.zeros((n, len(DATE_WORDS)), dtype=np.uint64)
    forms = _date_forms(np.where(present, uniq, 0))
    for target, values in zip((0, 1, 3, 4, 5), forms):
        kept = np.asarray(values, dtype=object).copy()
        kept[~(present if target == 0 else present & of_eff)] = None
        table = keyed_words(kept, key, spec.name)
        out[:, target] = table[codes[:n]]
        if target == 0:
            out[:, 2] = table[codes[n:]]  # the NIK's date
    return out


def _nik_words(coded: tuple[np.ndarray, np.ndarray], key: bytes, field: str) -> np.ndarray:
    """Per record the keyed tokens of its NIK with each pair of adjacent digits masked.

    The 16 digits are packed as 4-bit nibbles into one ``uint64``; a masked pair becomes two
    ``0xF`` nibbles; each masked NIK is hashed with SipHash-2-4 under a sub-key.
    """
    codes, uniques = coded
    out = np.zeros((len(codes), NIK_WORDS), dtype=np.uint64)
    if not len(uniques):
        return out
    texts = np.array([str(u) for u in uniques], dtype=str)  # each distinct NIK once
    points = texts.view(np.uint32).reshape(len(texts), -1)
    if points.shape[1] < 16:
        return out
    points = points[:, :16]
    ok = (np.char.str_len(texts) == 16) & ((points >= 48) & (points <= 57)).all(axis=1)
    if not ok.any():
        return out
    nibbles = (points[ok] - 48).astype(np.uint64)
    shifts = np.arange(16, dtype=np.uint64) * np.uint64(4)
    packed = np.bitwise_or.reduce(nibbles << shifts[None, :], axis=1)
    sub = siphash_key(key, field + ":typo")
    table = np.zeros((len(texts) + 1, NIK_WORDS), dtype=np.uint64)
    good = np.flatnonzero(ok)
    for p in range(NIK_WORDS):
        mask = np.uint64(0xFF) << np.uint64(4 * p)
        w = siphash24(sub, [packed | mask])
        table[good, p] = np.where(w == 0, np.uint64(1), w)
    return table[np.where(codes >= 0, codes, len(texts))]  # type: ignore[no-any-return]


def encode_field(
    spec: FieldSpec,
    frame: pd.DataFrame,
    key: bytes,
    token_bytes: int,
    columns: Columns | None = None,
) -> dict[str, np.ndarray]:
    """Encoded columns of one field over a prepared frame.

    Args:
        spec: The field.
        frame: Standardised records.
        key: The secret key.
        token_bytes: Bytes kept of each token.
        columns: The frame's factorised columns, shared by the fields of one encoding.

    Returns:
        Column name -> values, in :func:`field_columns` order.
    """
    n = spec.name
    cols = columns if columns is not None else Columns(frame)

    def tok(values: Any, sub: str) -> np.ndarray:
        return keyed_tokens(values, key, f"{n}:{sub}", nbytes=token_bytes)

    def coded(coded: tuple[np.ndarray, np.ndarray], sub: str) -> np.ndarray:
        return coded_tokens(coded[0], coded[1], key, f"{n}:{sub}", nbytes=token_bytes)

    def tok2(
        first: tuple[np.ndarray, np.ndarray], second: tuple[np.ndarray, np.ndarray], sub: str
    ) -> tuple[np.ndarray, np.ndarray]:
        """Tokens of two columns under one sub-key: values in both are hashed once."""
        (a, b), distinct = merged([first, second])
        both = coded((np.concatenate([a, b]), distinct), sub)
        return both[: len(a)], both[len(a) :]

    out: dict[str, np.ndarray] = {}
    if spec.kind == "person_name":
        _col(frame, "name_norm", spec)
        for col, sub in (
            ("name_norm", ""),
            ("name_sorted", "_sorted"),
            ("name_key", "_key"),
            ("name_initials", "_initials"),
        ):
            out[f"t_{n}{sub}"] = coded(cols.codes(col), sub or "norm")
        core = cols.either(
            "name_core", "name_norm", lambda u: np.array([str(v) != "" for v in u], dtype=bool)
        )
        if _opt(frame, "name_first").isna().all():
            text = pd.Series(_per_record(core), dtype=object)
            out[f"t_{n}_first"], out[f"t_{n}_last"] = tok2(
                _factorized(text.str.split(" ", n=1).str[0]),
                _factorized(text.str.rsplit(" ", n=1).str[-1]),
                "end",
            )
        else:
            out[f"t_{n}_first"], out[f"t_{n}_last"] = tok2(
                cols.codes("name_first"), cols.codes("name_last"), "end"
            )
        out[f"b_{n}"] = _bloom(spec, core, frame, key)
    elif spec.kind == "nik":
        _col(frame, "nik_digits", spec)
        digits = cols.codes("nik_digits")
        out[f"t_{n}"], out[f"t_{n}_valid"] = tok2(digits, cols.codes("nik_id"), "nik")
        out[f"t_{n}_head"] = coded(
            cols.cut("nik_digits", slice(0, 12), min_length=12),
            "head",
        )
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
        _col(frame, "phone_e164", spec)
        out[f"t_{n}"] = coded(cols.codes("phone_e164"), "phone")
        tail = cols.cut("phone_e164", slice(-8, None))
        out[f"t_{n}_tail"] = coded(tail, "tail")
    elif spec.kind == "region":
        for lvl in ("province", "regency", "district", "village"):
            out[f"t_{n}_{lvl}"] = coded(cols.codes(f"{lvl}_code"), lvl)
    elif spec.kind == "text":
        assert spec.column is not None
        _col(frame, spec.column, spec)
        values = cols.codes(spec.column)
        out[f"t_{n}"] = coded(values, "exact")
        out[f"b_{n}"] = _bloom(spec, values, frame, key)
    else:
        assert spec.column is not None
        _col(frame, spec.column, spec)
        out[f"t_{n}"] = coded(cols.codes(spec.column), "exact")
    return out


def _key_texts(uniques: Any) -> list[str]:
    """Text of each distinct key value (dates as ISO dates, whole floats as integers)."""
    if isinstance(uniques, pd.DatetimeIndex) and uniques.tz is None:
        days = uniques.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
        return np.datetime_as_string(days, unit="D").tolist()  # type: ignore[no-any-return]
    values = np.asarray(uniques, dtype=object)
    if pd.api.types.infer_dtype(values, skipna=False) == "string":
        return values.tolist()  # type: ignore[no-any-return]
    return [_key_text(u) for u in values]


def _key_text(value: Any) -> str:
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


class KeyParts:
    """Per-record 64-bit keyed tokens of blocking-key items, each item hashed once.

    A token is the first 8 bytes of the HMAC-SHA256 of the item's value (``0`` = missing),
    computed once per distinct value and shared by every blocking key that uses the item.
    """

    def __init__(self, frame: pd.DataFrame, key: bytes, columns: Columns | None = None) -> None:
        self.frame = frame
        self.key = key
        self.columns = columns if columns is not None else Columns(frame)
        self._cache: dict[str, np.ndarray] = {}
        self._raw: dict[str, tuple[np.ndarray, list[str] | None]] = {}

    def _sliced(self, column: str, part: slice) -> tuple[np.ndarray, list[str]] | None:
        """Codes and texts of a slice of a text column (``None``: not a text column).

        The same values as the blocking key's slice transform (empty or blank slices are
        missing), cut from each distinct value once with plain Python slicing.
        """
        if column not in self.frame.columns:
            return None
        if column not in self._raw:
            raw_codes, distinct = self.columns.codes(column)
            text = pd.api.types.infer_dtype(distinct, skipna=False) in ("string", "empty")
            self._raw[column] = (raw_codes.astype(np.int64), distinct.tolist() if text else None)
        codes, values = self._raw[column]
        if values is None:
            return None
        cut = np.empty(len(values), dtype=object)
        cut[:] = [v[part] for v in values]
        cut_codes, texts = pd.factorize(cut)
        texts = np.asarray(texts, dtype=object)
        blank = (texts == "") | (texts == " ")
        cut_codes = (
            np.where(blank[np.maximum(cut_codes, 0)], -1, cut_codes) if len(texts) else cut_codes
        )
        keep = np.flatnonzero(~blank)
        renumber = np.full(len(texts) + 1, -1, dtype=np.int64)
        renumber[keep] = np.arange(len(keep))
        mapped = renumber[np.where(cut_codes >= 0, cut_codes, len(texts))]
        out = np.where(codes >= 0, mapped[np.maximum(codes, 0)] if len(mapped) else -1, -1)
        return out.astype(np.int64), texts[keep].tolist()

    def _text_column(self, column: str) -> bool:
        return column in self.frame.columns and self.frame[column].dtype == object

    def words(self, item: Any) -> np.ndarray:
        """The tokens of one key item (in its JSON form)."""
        item = list(item) if isinstance(item, tuple) else item
        label = json.dumps(item, sort_keys=True)
        if label not in self._cache:
            parsed = item_from_json(item)
            sliced = None
            if isinstance(parsed, tuple) and isinstance(parsed[1], slice):
                sliced = self._sliced(parsed[0], parsed[1])
            if sliced is not None:
                codes, texts = sliced
            elif isinstance(parsed, str) and self._text_column(parsed):
                codes, uniques = self.columns.codes(parsed)  # shared with the field encoders
                codes = strip_empty(codes, uniques)
                texts = _key_texts(uniques)
            else:
                codes, uniques = key_codes([parsed], [self.frame]).parts[0]
                texts = _key_texts(uniques)
            digests = keyed_digests(texts, field_key(self.key, "part:" + label))
            table = np.zeros(len(texts) + 1, dtype=np.uint64)
            if len(texts):
                w = digest_words(digests)[:, 0]
                table[: len(texts)] = np.where(w == 0, np.uint64(1), w)
            codes = np.asarray(codes, dtype=np.int64)
            self._cache[label] = table[np.where(codes >= 0, codes, len(texts))]
        return self._cache[label]


def blocking_tokens(items: Sequence[Any], parts: KeyParts, name: str) -> pd.arrays.IntegerArray:
    """Keyed 64-bit tokens of a (composite) blocking key; missing where a key part is missing.

    The parts' keyed tokens are combined with SipHash-2-4 under the key's own sub-key.
    """
    words = [parts.words(it) for it in items]
    token = siphash24(siphash_key(parts.key, "block:" + name), words)
    missing = np.zeros(len(token), dtype=bool)
    for w in words:
        missing |= w == 0
    return pd.arrays.IntegerArray(token, missing)


def schema_columns(schema: EncodingSchema) -> list[str]:
    """Every encoded column a schema writes, in order (after ``source`` and ``record_id``)."""
    cols = [c for f in schema.fields for c in field_columns(f)]
    cols += [f"k_{b.name}" for b in schema.blocking]
    if schema.lsh is not None and schema.lsh.within:
        cols.append(f"k_{schema.lsh.field}_lsh")
    return cols
