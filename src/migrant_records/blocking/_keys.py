"""Blocking keys: columns and simple derived keys turned into integer codes (internal).

A key item is a column name (``"dob"``), a ``(column, transform)`` pair or a callable
``frame -> Series``. Transforms: ``"first"`` / ``"last"`` (first / last space-separated token),
``"year"`` / ``"month"`` (of a date), a ``slice`` (characters), or a callable ``Series ->
Series``. String transforms run on the unique values only, so they stay fast on large frames.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from migrant_records.errors import ConfigError, SchemaError

__all__ = [
    "KeyCodes",
    "KeyItem",
    "Transform",
    "item_from_json",
    "item_label",
    "item_to_json",
    "key_cache",
    "key_codes",
    "normalize_items",
    "strip_empty",
]

Transform = str | slice | Callable[[pd.Series], pd.Series]
KeyItem = str | tuple[str, Transform] | Callable[[pd.DataFrame], pd.Series]

_STRING_TRANSFORMS = ("first", "last", "year", "month")


def normalize_items(columns: KeyItem | Sequence[KeyItem]) -> list[KeyItem]:
    """Accept one key item or a sequence of them; validate their shape."""
    if isinstance(columns, str) or callable(columns):
        items: list[Any] = [columns]
    elif isinstance(columns, tuple) and len(columns) == 2 and _is_transform(columns[1]):
        items = [columns]
    else:
        items = list(columns)
    if not items:
        raise ConfigError("A blocking key needs at least one column.")
    out: list[KeyItem] = []
    for item in items:
        if isinstance(item, list):
            item = tuple(item)
        if isinstance(item, str) or callable(item):
            out.append(item)
        elif isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
            if not _is_transform(item[1]):
                raise ConfigError(
                    f"Unknown key transform {item[1]!r} for column {item[0]!r}: use one of "
                    f"{_STRING_TRANSFORMS}, a slice such as slice(0, 6), or a callable."
                )
            out.append((item[0], item[1]))
        else:
            raise ConfigError(
                f"Invalid blocking key item {item!r}: give a column name, a (column, transform) "
                "pair or a callable frame -> Series."
            )
    return out


def _is_transform(value: object) -> bool:
    return (
        (isinstance(value, str) and value in _STRING_TRANSFORMS)
        or isinstance(value, slice)
        or callable(value)
    )


def item_label(item: KeyItem) -> str:
    """A short readable name for a key item (``name_key[first]``, ``nik_digits[0:6]``)."""
    if isinstance(item, str):
        return item
    if isinstance(item, tuple):
        col, tr = item
        if isinstance(tr, str):
            return f"{col}[{tr}]"
        if isinstance(tr, slice):
            start = "" if tr.start is None else tr.start
            stop = "" if tr.stop is None else tr.stop
            return f"{col}[{start}:{stop}]"
        return f"{col}[{getattr(tr, '__name__', 'fn')}]"
    return getattr(item, "__name__", "key")


def item_to_json(item: KeyItem) -> Any:
    """JSON form of a key item; callables cannot be saved."""
    if isinstance(item, str):
        return item
    if isinstance(item, tuple):
        col, tr = item
        if isinstance(tr, str):
            return [col, tr]
        if isinstance(tr, slice):
            return [col, {"slice": [tr.start, tr.stop]}]
    raise ConfigError(
        f"Blocking key {item_label(item)!r} uses a Python callable and cannot be saved to JSON; "
        "use a column, a named transform ('first', 'last', 'year', 'month') or a slice."
    )


def item_from_json(value: Any) -> KeyItem:
    """Inverse of :func:`item_to_json`."""
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)) and len(value) == 2:
        col, tr = value
        if isinstance(tr, dict) and "slice" in tr:
            start, stop = tr["slice"]
            return (str(col), slice(start, stop))
        if isinstance(tr, str):
            return (str(col), tr)
    raise ConfigError(f"Invalid saved blocking key {value!r}.")


def _column(frame: pd.DataFrame, col: str) -> pd.Series:
    if col not in frame.columns:
        raise SchemaError(
            f"Blocking key column {col!r} is not in the prepared frame; columns present: "
            f"{list(frame.columns)[:40]}. Run standardize() first or choose another column."
        )
    return frame[col]


def strip_empty(codes: np.ndarray, uniques: Any) -> np.ndarray:
    """Treat empty / whitespace-only strings as missing."""
    arr = np.asarray(uniques, dtype=object)
    if arr.size == 0 or not isinstance(arr[0], str):
        return codes
    empty = (arr == "") | (arr == " ")
    if empty.any():
        codes = np.where((codes >= 0) & empty[np.maximum(codes, 0)], -1, codes)
    return codes


def _as_text(value: Any) -> str | None:
    """A distinct key value as text, as pandas' ``string`` dtype writes it (``None``: missing)."""
    if isinstance(value, str):
        return value
    return None if pd.isna(value) else str(value)


def _apply_transform(
    values: pd.Series,
    tr: Transform,
    sort: bool,
    frames: Sequence[pd.DataFrame] = (),
    item: Any = None,
) -> tuple[np.ndarray, Any]:
    """Factorize ``values`` after ``tr``; string transforms run on unique values only (the
    column's own codes come from the :func:`key_cache` when it is on)."""
    if isinstance(tr, str) and tr in ("year", "month"):
        if pd.api.types.is_datetime64_any_dtype(values):
            part = values.dt.year if tr == "year" else values.dt.month
        elif pd.api.types.is_numeric_dtype(values):
            part = values
        else:
            dates = pd.to_datetime(values, errors="coerce")
            part = dates.dt.year if tr == "year" else dates.dt.month
        codes, uniques = pd.factorize(part, sort=sort)
        return codes.astype(np.int64), uniques
    if callable(tr) and not isinstance(tr, str):
        out = pd.Series(tr(values))
        codes, uniques = pd.factorize(out, sort=sort)
        return strip_empty(codes.astype(np.int64), uniques), uniques
    if item is not None and frames:
        codes, uniques = _factorized_raw(values, frames, item)
    else:
        codes, uniques = pd.factorize(values)
    # plain Python string operations on each distinct value (as text) once
    texts = [_as_text(u) for u in np.asarray(uniques, dtype=object).tolist()]
    if tr == "first":
        cut = [None if t is None else t.split(" ", 1)[0] for t in texts]
    elif tr == "last":
        cut = [None if t is None else t.rsplit(" ", 1)[-1] for t in texts]
    elif isinstance(tr, slice):
        cut = [None if t is None else t[tr] for t in texts]
    else:  # pragma: no cover - normalize_items rejects anything else
        raise ConfigError(f"Unknown key transform {tr!r}.")
    tvalues = np.empty(len(cut), dtype=object)
    tvalues[:] = cut
    tcodes, tuniques = pd.factorize(tvalues, sort=sort)
    tcodes = strip_empty(tcodes.astype(np.int64), tuniques)
    mapped = np.where(codes >= 0, tcodes[np.maximum(codes, 0)] if len(tcodes) else -1, -1)
    return mapped.astype(np.int64), tuniques


def _factorized_raw(
    values: pd.Series, frames: Sequence[pd.DataFrame], item: Any
) -> tuple[np.ndarray, Any]:
    """Plain ``pd.factorize`` of a transformed item's column, shared through the cache."""
    key = (tuple(id(f) for f in frames), item[0], "plain")
    if _CACHE is not None and key in _CACHE:
        return _CACHE[key]
    codes, uniques = pd.factorize(values)
    if _CACHE is not None:
        _CACHE[key] = (codes, uniques)
    return codes, uniques


def _item_values(
    item: KeyItem, frames: Sequence[pd.DataFrame]
) -> tuple[pd.Series, Transform | None]:
    if isinstance(item, str):
        parts = [_column(f, item) for f in frames]
        tr: Transform | None = None
    elif isinstance(item, tuple):
        parts = [_column(f, item[0]) for f in frames]
        tr = item[1]
    else:
        parts = [pd.Series(item(f)) for f in frames]
        tr = None
    if len(parts) == 1:
        values = parts[0].reset_index(drop=True)
    else:
        values = pd.concat([p.reset_index(drop=True) for p in parts], ignore_index=True)
    return values, tr


#: Codes of key items already factorised in the current :func:`key_cache` (``None``: off).
_CACHE: dict[Hashable, tuple[np.ndarray, Any]] | None = None


@contextmanager
def key_cache() -> Iterator[None]:
    """Factorise each key item once while the block runs, however many passes use it.

    The blocking passes of one run share columns (``dob`` in six passes, ``name_key`` in four,
    ``nik_digits`` in four): inside this block the codes of a column, or of a named transform
    of it, are computed the first time and reused. Callables are not cached. The cache holds
    the frames by identity, so use it only while the frames do not change (one ``union_pairs``).
    """
    global _CACHE
    outer = _CACHE
    if outer is None:
        _CACHE = {}
    try:
        yield
    finally:
        if outer is None:
            _CACHE = None


def _cache_key(item: Any, frames: Sequence[pd.DataFrame], sort: bool) -> Hashable | None:
    ids = tuple(id(f) for f in frames)
    if isinstance(item, str):
        return (ids, item, None, sort)
    if isinstance(item, tuple) and isinstance(item[1], str):
        return (ids, item[0], item[1], sort)
    if isinstance(item, tuple) and isinstance(item[1], slice):
        tr = item[1]
        return (ids, item[0], ("slice", tr.start, tr.stop, tr.step), sort)
    return None


def _item_codes(
    item: KeyItem, frames: Sequence[pd.DataFrame], sort: bool
) -> tuple[np.ndarray, Any]:
    """Codes and uniques of one key item (from the :func:`key_cache` when it is on)."""
    key = _cache_key(item, frames, sort) if _CACHE is not None else None
    if key is not None and _CACHE is not None and key in _CACHE:
        return _CACHE[key]
    values, tr = _item_values(item, frames)
    if tr is None:
        codes, uniques = _factorized(values, frames, item, sort)
    else:
        codes, uniques = _apply_transform(values, tr, sort, frames, item)
    if key is not None and _CACHE is not None:
        _CACHE[key] = (codes, uniques)
    return codes, uniques


def _factorized(
    values: pd.Series, frames: Sequence[pd.DataFrame], item: Any, sort: bool
) -> tuple[np.ndarray, Any]:
    """``pd.factorize`` of a column (empty strings are missing), shared through the cache."""
    col = item if isinstance(item, str) else item[0] if isinstance(item, tuple) else None
    key = (tuple(id(f) for f in frames), col, "raw", sort) if col is not None else None
    if key is not None and _CACHE is not None and key in _CACHE:
        return _CACHE[key]
    codes, uniques = pd.factorize(values, sort=sort)
    codes = codes.astype(np.int64)
    if values.dtype == object or pd.api.types.is_string_dtype(values):
        codes = strip_empty(codes, uniques)
    if key is not None and _CACHE is not None:
        _CACHE[key] = (codes, uniques)
    return codes, uniques


@dataclass
class KeyCodes:
    """Integer block codes for a key over one or more frames.

    Attributes:
        codes: One int64 code per row of the concatenated frames (``-1``: a key part is null).
        n_codes: Number of distinct codes.
        parts: Per key item, ``(codes, uniques)`` used to render readable key values.
        labels: The readable name of each key item.
    """

    codes: np.ndarray
    n_codes: int
    parts: list[tuple[np.ndarray, Any]]
    labels: list[str]

    def describe(self, code: int) -> str:
        """Readable key value of block ``code`` (``name_key=siti, birth_year=1990``)."""
        pos = np.flatnonzero(self.codes == code)
        if len(pos) == 0:
            return f"<block {code}>"
        p = int(pos[0])
        vals = []
        for (c, u), label in zip(self.parts, self.labels):
            v = u[c[p]] if c[p] >= 0 else None
            if isinstance(v, (float, np.floating)) and float(v).is_integer():
                v = int(v)
            if isinstance(v, pd.Timestamp):
                v = v.date().isoformat()
            vals.append(f"{label}={v}")
        return ", ".join(vals)


def key_codes(
    items: Sequence[KeyItem], frames: Sequence[pd.DataFrame], *, sort: bool = False
) -> KeyCodes:
    """Factorize a (possibly composite) key over the concatenation of ``frames``.

    Args:
        items: Key items (see module docs).
        frames: One frame (dedupe) or two (link); codes are shared across frames.
        sort: Whether codes follow the sort order of the key values (single-item keys only).

    Returns:
        The codes and what is needed to describe them.
    """
    parts: list[tuple[np.ndarray, Any]] = []
    combined: np.ndarray | None = None
    for item in items:
        codes, uniques = _item_codes(item, frames, sort)
        parts.append((codes, uniques))
        if combined is None:
            combined = codes
        else:
            width = np.int64(max(int(codes.max(initial=-1)) + 1, 1))
            valid = (combined >= 0) & (codes >= 0)
            merged = np.full(len(codes), -1, dtype=np.int64)
            if valid.any():
                sub, _ = pd.factorize(combined[valid] * width + codes[valid], sort=sort)
                merged[valid] = sub
            combined = merged
    assert combined is not None
    return KeyCodes(
        codes=combined,
        n_codes=int(combined.max(initial=-1)) + 1,
        parts=parts,
        labels=[item_label(it) for it in items],
    )
