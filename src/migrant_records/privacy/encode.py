"""Encode records with a secret key, and read and write encoded files.

:func:`encode` validates the records, runs the library's own standardisation
(:func:`~migrant_records.standardize.standardize`: names, NIK, dates, phones, regions), and
replaces every identifying value by keyed encodings (see :mod:`migrant_records.privacy.fields`).
The encoded frame keeps only ``source`` and ``record_id`` in clear, so that the link result
can be joined back to the records by their holder.

An encoded frame carries its encoding description in ``frame.attrs["encoding"]``: the schema,
its fingerprint and the key fingerprint (never the key). Parquet files written by
:func:`write_encoded` store the same description in their metadata; :func:`read_encoded`
restores it, and linking refuses frames whose schema or key fingerprints differ.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from migrant_records import __version__
from migrant_records.blocking._keys import key_cache
from migrant_records.errors import ConfigError, InputFileError, SchemaError
from migrant_records.inputs import InputLike, collect_inputs
from migrant_records.io import Batch
from migrant_records.privacy.columns import Columns
from migrant_records.privacy.fields import (
    KeyParts,
    blocking_tokens,
    encode_field,
    schema_columns,
)
from migrant_records.privacy.keys import key_fingerprint
from migrant_records.privacy.schema import EncodingSchema, default_schema
from migrant_records.standardize import standardize

__all__ = [
    "ENCODING_FORMAT",
    "METADATA_KEY",
    "check_compatible",
    "encode",
    "encode_prepared",
    "encoding_info",
    "is_encoded_file",
    "read_encoded",
    "write_encoded",
]

logger = logging.getLogger(__name__)

ENCODING_FORMAT = "migrant-records-encoded"
"""Format marker of encoded frames and files."""

METADATA_KEY = b"migrant_records.encoding"
"""Parquet metadata key holding the encoding description."""

_DIGITS = re.compile(r"\D")


def _description(schema: EncodingSchema, key: bytes) -> dict[str, Any]:
    return {
        "format": ENCODING_FORMAT,
        "schema": schema.to_dict(),
        "schema_fingerprint": schema.fingerprint(),
        "key_fingerprint": key_fingerprint(key),
        "library_version": __version__,
    }


def _refuse_identifying_ids(prepared: pd.DataFrame) -> None:
    """``record_id`` stays in clear: refuse ids that are the record's own NIK or phone."""
    raw = prepared["record_id"].astype(str)
    chars = np.array(raw.tolist() or [""], dtype=str)
    points = chars.view(np.uint32).reshape(len(chars), -1)[: len(raw)]
    long_ids = pd.Series(((points >= 48) & (points <= 57)).sum(axis=1) >= 8, index=raw.index)
    if not long_ids.any():  # ids of fewer than 8 digits are neither NIKs nor phone numbers
        return
    ids = pd.Series("", index=prepared.index, dtype=object)
    ids[long_ids] = raw[long_ids].str.replace(_DIGITS, "", regex=True)
    for column in ("nik_digits", "phone_e164"):
        if column not in prepared.columns:
            continue
        other = prepared[column].astype(object).where(prepared[column].notna(), "")
        other = other.astype(str).str.replace("+", "", regex=False)
        same = long_ids & (ids == other)
        if same.any():
            row = int(np.flatnonzero(same.to_numpy())[0])
            raise ConfigError(
                f"record_id of {int(same.sum())} record(s) (first: row {row + 1}) equals the "
                f"record's {'NIK' if column == 'nik_digits' else 'phone number'}; record ids "
                "stay readable in encoded files, so give the records an internal id (a row "
                "number or the register's own key) before encoding."
            )


def encode_prepared(
    prepared: pd.DataFrame, key: bytes, schema: EncodingSchema | None = None
) -> pd.DataFrame:
    """Encode already standardised records (the output of ``standardize``).

    Args:
        prepared: Standardised records with ``source`` and ``record_id``.
        key: The secret key.
        schema: The encoding schema (default: :func:`default_schema`).

    Returns:
        The encoded frame: ``source``, ``record_id`` and the schema's encoded columns.
    """
    schema = schema or default_schema()
    for column in ("source", "record_id"):
        if column not in prepared.columns:
            raise SchemaError(f"Records to encode need a {column!r} column.")
    _refuse_identifying_ids(prepared)
    index = prepared.index
    plain = isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1
    frame = prepared if plain else prepared.reset_index(drop=True)
    out: dict[str, Any] = {
        "source": frame["source"].astype(str).to_numpy(dtype=object),
        "record_id": frame["record_id"].astype(str).to_numpy(dtype=object),
    }
    columns = Columns(frame)  # each column factorised once for every field and key
    for spec in schema.fields:
        out.update(encode_field(spec, frame, key, schema.token_bytes, columns))
    parts = KeyParts(frame, key, columns)
    with key_cache():  # a column used by several key items is factorised once
        for block in schema.blocking:
            out[f"k_{block.name}"] = blocking_tokens(block.items, parts, block.name)
        if schema.lsh is not None and schema.lsh.within:
            name = f"{schema.lsh.field}_lsh"
            out[f"k_{name}"] = blocking_tokens(schema.lsh.within, parts, name)
    encoded = pd.DataFrame(out, copy=False)  # fresh arrays: not copied into one block
    encoded.attrs["encoding"] = _description(schema, key)
    return encoded


def encode(
    records: InputLike | Iterable[InputLike],
    key: bytes,
    schema: EncodingSchema | None = None,
    *,
    progress: bool = False,
) -> Batch:
    """Standardise and encode records with a secret key, locally.

    Args:
        records: Canonical records: a DataFrame, a ``Batch``, a file path or a list of them.
        key: The secret key shared by the parties (see :func:`~migrant_records.privacy.read_key`).
        schema: The encoding schema shared by the parties (default: :func:`default_schema`).
        progress: Show a progress bar while standardising.

    Returns:
        A :class:`~migrant_records.io.Batch`: ``records`` is the encoded frame (to share),
        ``rejects`` the input rows that could not be read (in clear: keep them local).

    Example:
        >>> import migrant_records as mr
        >>> from migrant_records.privacy import encode
        >>> sample = mr.datasets.load_sample()
        >>> frame = next(iter(sample.sources.values()))
        >>> batch = encode(frame, bytes(range(32)))
        >>> list(batch.records.columns[:3])
        ['source', 'record_id', 't_name']
    """
    read = records if isinstance(records, Batch) else None
    canonical, rejects = collect_inputs(records)
    prepared = standardize(canonical, progress=progress)
    encoded = encode_prepared(prepared, key, schema)
    return Batch(
        records=encoded,
        rejects=rejects,
        mapping=dict(read.mapping) if read is not None else {},
        source_name=", ".join(sorted(set(encoded["source"]))),
        n_input=len(encoded) + int(rejects["row"].nunique() if len(rejects) else 0),
        notes=["encoded with keyed HMAC-SHA256 tokens and Bloom filters"],
    )


def encoding_info(frame: pd.DataFrame, where: str = "the records") -> dict[str, Any]:
    """The encoding description of an encoded frame.

    Raises:
        SchemaError: The frame is not an encoded frame.
    """
    info = frame.attrs.get("encoding")
    if not isinstance(info, Mapping) or info.get("format") != ENCODING_FORMAT:
        raise SchemaError(
            f"{where} are not keyed encodings made by migrant-records (no encoding description); "
            "encode them with `migrant-records encode` or migrant_records.privacy.encode()."
        )
    return dict(info)


def check_compatible(
    left: pd.DataFrame, right: pd.DataFrame, names: tuple[str, str] = ("left", "right")
) -> EncodingSchema:
    """Refuse to link encodings made with different schemas or keys.

    Returns:
        The shared schema.

    Raises:
        ConfigError: The schema or key fingerprints differ.
    """
    a = encoding_info(left, names[0])
    b = encoding_info(right, names[1])
    if a["schema_fingerprint"] != b["schema_fingerprint"]:
        raise ConfigError(
            f"{names[0]} and {names[1]} were encoded with different encoding schemas "
            f"(fingerprints {a['schema_fingerprint']} and {b['schema_fingerprint']}); every "
            "party must encode with the same schema file."
        )
    if a["key_fingerprint"] != b["key_fingerprint"]:
        raise ConfigError(
            f"{names[0]} and {names[1]} were encoded with different keys (key fingerprints "
            f"{a['key_fingerprint']} and {b['key_fingerprint']}); their encodings cannot match. "
            "Every party must encode with the same key file."
        )
    schema = EncodingSchema.from_dict(a["schema"])
    if schema.fingerprint() != a["schema_fingerprint"]:
        raise ConfigError(f"The encoding description of {names[0]} is inconsistent (altered?).")
    missing = [c for c in schema_columns(schema) if c not in left or c not in right]
    if missing:
        raise SchemaError(
            f"Encoded records lack columns {missing[:5]} that their schema writes; encode them "
            "again."
        )
    return schema


def write_encoded(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write an encoded frame as Parquet with its encoding description in the metadata.

    The same encoded frame always gives the same bytes.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    info = encoding_info(frame)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    meta = {k: v for k, v in (table.schema.metadata or {}).items() if k != b"pandas"}
    meta[METADATA_KEY] = json.dumps(info, sort_keys=True).encode("utf-8")
    table = table.replace_schema_metadata(meta)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp, compression="zstd")
    tmp.replace(path)
    return path


def _parquet_meta(path: Path) -> dict[bytes, bytes] | None:
    import pyarrow.parquet as pq

    try:
        return pq.read_schema(path).metadata
    except Exception:
        return None


def is_encoded_file(path: str | Path) -> bool:
    """Whether ``path`` is a Parquet file written by :func:`write_encoded`."""
    p = Path(path)
    if not p.is_file() or p.suffix.lower() not in (".parquet", ".pq"):
        return False
    meta = _parquet_meta(p)
    return bool(meta and METADATA_KEY in meta)


def read_encoded(path: str | Path) -> pd.DataFrame:
    """Read an encoded Parquet file (with its encoding description in ``attrs``).

    Raises:
        InputFileError: The file cannot be read.
        SchemaError: The file is not an encoded file.
    """
    import pyarrow.parquet as pq

    p = Path(path)
    if not p.is_file():
        raise InputFileError(f"Encoded file {p} does not exist.")
    meta = _parquet_meta(p)
    if meta is None:
        raise InputFileError(f"{p} is not a readable Parquet file.")
    if METADATA_KEY not in meta:
        raise SchemaError(
            f"{p} holds no keyed encodings (no encoding description in its metadata); encode "
            "the records with `migrant-records encode` first."
        )
    import pyarrow as pa

    # 64-bit blocking tokens stay exact unsigned integers (not floats) where some are missing
    frame = pq.read_table(p).to_pandas(types_mapper={pa.uint64(): pd.UInt64Dtype()}.get)
    for column in frame.columns:
        if column.startswith("t_") or column in ("source", "record_id"):
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    frame.attrs["encoding"] = json.loads(meta[METADATA_KEY].decode("utf-8"))
    return frame
