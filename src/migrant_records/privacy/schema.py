"""The encoding schema: which fields are encoded how, shared by every party as JSON.

Two encodings can be linked only when they were made with the same schema (and the same
key): the schema fixes the fields, the Bloom-filter lengths, hash counts and q-gram sizes,
the hardening options and the blocking keys. Its fingerprint (a SHA-256 of its canonical
JSON) travels with every encoded file.

Field kinds (each turns standardised columns into encoded columns and has a comparator):

| kind | reads (prepared columns) | comparator levels |
| --- | --- | --- |
| ``person_name`` | ``name_norm``, ``name_sorted``, ``name_key``, ``name_initials``, ``name_core``, ``name_first``, ``name_last`` | as :class:`~migrant_records.compare.PersonName` |
| ``nik`` | ``nik_digits``, ``nik_id``, ``nik_suspect`` | as :class:`~migrant_records.compare.Nik` |
| ``birth_date`` | ``dob``, ``nik_birth_date`` | as :class:`~migrant_records.compare.BirthDate` |
| ``sex`` | ``sex_norm`` (else ``nik_sex``) | different, same |
| ``phone`` | ``phone_e164`` | else, last 8 digits, exact |
| ``region`` | ``province_code`` ... ``village_code`` | else, province, regency, district, village |
| ``text`` | ``column`` | else, Dice >= each threshold, exact |
| ``token`` | ``column`` | different, exact |

Example:
    >>> schema = default_schema()
    >>> [f.name for f in schema.fields][:3]
    ['name', 'nik', 'birth_date']
    >>> EncodingSchema.from_dict(schema.to_dict()) == schema
    True
"""  # noqa: E501

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from migrant_records._json import read_json, write_json
from migrant_records.errors import ConfigError

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "KINDS",
    "BlockingKey",
    "BloomSpec",
    "EncodingSchema",
    "FieldSpec",
    "LshSpec",
    "default_schema",
]

FORMAT = "migrant-records-encoding-schema"
FORMAT_VERSION = 1
KINDS = ("person_name", "nik", "birth_date", "sex", "phone", "region", "text", "token")
_BLOOM_KINDS = ("person_name", "text")
_COLUMN_KINDS = ("text", "token")


@dataclass(frozen=True)
class BloomSpec:
    """How one field's q-grams become a Bloom filter.

    Attributes:
        bits: Filter length in bits (a multiple of 64).
        hashes: Bits set per q-gram.
        q: q-gram length.
        balance: Append the complement and permute (every filter half full).
        fold: XOR-fold the filter to half its length.
        salt: A prepared column whose value is mixed into every q-gram hash (for example
            ``birth_year``); records with different salt values then never match on this field.
    """

    bits: int = 512
    hashes: int = 10
    q: int = 2
    balance: bool = False
    fold: bool = False
    salt: str | None = None

    @property
    def stored_bits(self) -> int:
        """Length of the stored filter after hardening."""
        n = self.bits * (2 if self.balance else 1)
        return n // 2 if self.fold else n


@dataclass(frozen=True)
class FieldSpec:
    """One encoded field.

    Attributes:
        name: Field name (the comparator's name and the prefix of its encoded columns).
        kind: One of :data:`KINDS`.
        column: The prepared column read by ``text`` and ``token`` fields.
        bloom: Bloom filter settings of ``person_name`` and ``text`` fields.
        thresholds: Dice thresholds of the fuzzy levels of ``text`` fields (descending).
        tf: Adjust the exact level by token frequency (``token``/``text``/``person_name``).
    """

    name: str
    kind: str
    column: str | None = None
    bloom: BloomSpec | None = None
    thresholds: tuple[float, ...] = (0.8,)
    tf: bool = False


@dataclass(frozen=True)
class BlockingKey:
    """A keyed blocking key: records with the same token of these key items are paired.

    Attributes:
        name: Pass name (the encoded column is ``k_<name>``).
        items: Key items as saved by the blocking module: a column name, or
            ``[column, transform]`` with transform ``"first"``, ``"last"``, ``"year"``,
            ``"month"`` or ``{"slice": [start, stop]}``.
        max_block_size: Blocks larger than this are skipped (with a warning).
    """

    name: str
    items: tuple[Any, ...]
    max_block_size: int | None = 1000


@dataclass(frozen=True)
class LshSpec:
    """MinHash LSH over one field's Bloom filter bits, within a keyed group.

    Attributes:
        field: The ``person_name``/``text`` field whose filter is hashed.
        bands: Number of bands.
        rows: MinHash values per band.
        within: Key items whose joint token must also agree (``k_<field>_lsh`` column).
        max_block_size: Largest bucket kept.
    """

    field: str
    bands: int = 10
    rows: int = 5
    within: tuple[Any, ...] = ()
    max_block_size: int | None = 200


def _tuple_items(items: Sequence[Any]) -> tuple[Any, ...]:
    return tuple(tuple(it) if isinstance(it, list) else it for it in items)


def _json_items(items: Sequence[Any]) -> list[Any]:
    return [list(it) if isinstance(it, tuple) else it for it in items]


@dataclass(frozen=True)
class EncodingSchema:
    """The versioned encoding schema every party must share.

    Attributes:
        fields: The encoded fields.
        blocking: Keyed blocking keys.
        lsh: Optional LSH pass over a Bloom filter.
        token_bytes: Bytes kept of each HMAC token.
        name: A label for people (not used in matching).
    """

    fields: tuple[FieldSpec, ...]
    blocking: tuple[BlockingKey, ...] = ()
    lsh: LshSpec | None = None
    token_bytes: int = 16
    name: str = "custom"

    def __post_init__(self) -> None:
        names = [f.name for f in self.fields]
        if not names:
            raise ConfigError("An encoding schema needs at least one field.")
        if len(set(names)) != len(names):
            raise ConfigError(f"Encoding schema field names must be unique, got {names}.")
        for f in self.fields:
            if f.kind not in KINDS:
                raise ConfigError(
                    f"Field {f.name!r} has unknown kind {f.kind!r}; use one of {KINDS}."
                )
            if f.kind in _COLUMN_KINDS and not f.column:
                raise ConfigError(f"Field {f.name!r} of kind {f.kind!r} needs a column.")
            if f.kind in _BLOOM_KINDS and f.bloom is None:
                raise ConfigError(f"Field {f.name!r} of kind {f.kind!r} needs bloom settings.")
            if f.bloom is not None and f.bloom.stored_bits % 64:
                raise ConfigError(
                    f"Field {f.name!r}: the stored filter has {f.bloom.stored_bits} bits, not a "
                    "multiple of 64 (use a length that is a multiple of 128 when folding)."
                )
        if not 8 <= self.token_bytes <= 32:
            raise ConfigError(f"token_bytes must be 8 to 32, got {self.token_bytes}.")
        blocks = [b.name for b in self.blocking]
        if len(set(blocks)) != len(blocks):
            raise ConfigError(f"Blocking key names must be unique, got {blocks}.")
        if self.lsh is not None:
            target = {f.name: f for f in self.fields}.get(self.lsh.field)
            if target is None or target.bloom is None:
                raise ConfigError(
                    f"LSH field {self.lsh.field!r} must be a person_name or text field of the "
                    "schema."
                )

    def field(self, name: str) -> FieldSpec:
        """The field named ``name``."""
        for f in self.fields:
            if f.name == name:
                return f
        raise ConfigError(f"The encoding schema has no field {name!r}.")

    def to_dict(self) -> dict[str, Any]:
        """The schema as JSON-serialisable data (``from_dict`` reads it back)."""
        fields = []
        for f in self.fields:
            item: dict[str, Any] = {"name": f.name, "kind": f.kind}
            if f.column is not None:
                item["column"] = f.column
            if f.bloom is not None:
                item["bloom"] = {
                    "bits": f.bloom.bits,
                    "hashes": f.bloom.hashes,
                    "q": f.bloom.q,
                    "balance": f.bloom.balance,
                    "fold": f.bloom.fold,
                    "salt": f.bloom.salt,
                }
            if f.kind == "text":
                item["thresholds"] = list(f.thresholds)
            item["tf"] = f.tf
            fields.append(item)
        out: dict[str, Any] = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "name": self.name,
            "token_bytes": self.token_bytes,
            "fields": fields,
            "blocking": [
                {"name": b.name, "items": _json_items(b.items), "max_block_size": b.max_block_size}
                for b in self.blocking
            ],
            "lsh": None,
        }
        if self.lsh is not None:
            out["lsh"] = {
                "field": self.lsh.field,
                "bands": self.lsh.bands,
                "rows": self.lsh.rows,
                "within": _json_items(self.lsh.within),
                "max_block_size": self.lsh.max_block_size,
            }
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EncodingSchema:
        """Read a schema from :meth:`to_dict` output, checking its format and version."""
        if data.get("format") != FORMAT:
            raise ConfigError(
                "This is not a migrant-records encoding schema (missing format marker "
                f"{FORMAT!r}); write one with EncodingSchema.save or `migrant-records keygen "
                "--schema`."
            )
        if data.get("version") != FORMAT_VERSION:
            raise ConfigError(
                f"Encoding schema version {data.get('version')!r} is not supported by this "
                f"version of migrant-records (it reads version {FORMAT_VERSION}); encode again "
                "with the same library version on every side."
            )
        try:
            fields = tuple(
                FieldSpec(
                    name=str(f["name"]),
                    kind=str(f["kind"]),
                    column=f.get("column"),
                    bloom=BloomSpec(**f["bloom"]) if f.get("bloom") else None,
                    thresholds=tuple(float(t) for t in f.get("thresholds", (0.8,))),
                    tf=bool(f.get("tf", False)),
                )
                for f in data["fields"]
            )
            blocking = tuple(
                BlockingKey(str(b["name"]), _tuple_items(b["items"]), b.get("max_block_size"))
                for b in data.get("blocking", [])
            )
            lsh_data = data.get("lsh")
            lsh = None
            if lsh_data:
                lsh = LshSpec(
                    field=str(lsh_data["field"]),
                    bands=int(lsh_data["bands"]),
                    rows=int(lsh_data["rows"]),
                    within=_tuple_items(lsh_data.get("within", [])),
                    max_block_size=lsh_data.get("max_block_size"),
                )
            return cls(
                fields=fields,
                blocking=blocking,
                lsh=lsh,
                token_bytes=int(data.get("token_bytes", 16)),
                name=str(data.get("name", "custom")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, ConfigError):
                raise
            raise ConfigError(f"Invalid encoding schema: {exc!r}.") from exc

    def fingerprint(self) -> str:
        """SHA-256 (16 hex digits) of the canonical JSON: equal schemas, equal fingerprints."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    def save(self, path: str | Path) -> Path:
        """Write the schema as JSON."""
        return write_json(self.to_dict(), path)

    @classmethod
    def load(cls, path: str | Path) -> EncodingSchema:
        """Read a schema written by :meth:`save`."""
        return cls.from_dict(read_json(path))


def default_schema() -> EncodingSchema:
    """The schema for the standard worker columns (Indonesian standardisation).

    Fields mirror the default comparators (name, NIK, birth date, sex, phone, region,
    mother's name, birth place). The blocking keys follow the default blocking passes on the
    NIK (whole and three of its four segments), the phone, and name parts with the birth
    date, but are fixed: every party must derive the same keys, so unlike
    :func:`~migrant_records.blocking.default_blocking` they do not adapt to the columns a
    dataset fills (a name is keyed with the district, not the finest region filled). An LSH
    pass over the name filter within birth year, regency and sex finds several typos at once.
    """
    name_bloom = BloomSpec(bits=512, hashes=10, q=2)
    text_bloom = BloomSpec(bits=256, hashes=8, q=2)
    nik = "nik_digits"
    return EncodingSchema(
        name="indonesia",
        fields=(
            FieldSpec("name", "person_name", bloom=name_bloom, tf=True),
            FieldSpec("nik", "nik"),
            FieldSpec("birth_date", "birth_date"),
            FieldSpec("sex", "sex"),
            FieldSpec("phone", "phone"),
            FieldSpec("region", "region"),
            FieldSpec("mother", "text", column="mother_norm", bloom=text_bloom, thresholds=(0.8,)),
            FieldSpec(
                "birth_place",
                "text",
                column="birth_place_norm",
                bloom=text_bloom,
                thresholds=(0.8,),
            ),
        ),
        blocking=(
            BlockingKey("nik", ("nik_id",), 50),
            BlockingKey("nik_abc", ((nik, {"slice": [0, 12]}),), 200),
            BlockingKey("nik_abd", ((nik, {"slice": [0, 8]}), (nik, {"slice": [12, 16]})), 200),
            BlockingKey("nik_acd", ((nik, {"slice": [0, 4]}), (nik, {"slice": [8, 16]})), 200),
            BlockingKey("nik_bcd", ((nik, {"slice": [4, 16]}),), 200),
            BlockingKey("phone", ("phone_e164",), 50),
            BlockingKey("sorted_dob", ("name_sorted", "dob")),
            BlockingKey("initials_dob", ("name_initials", "dob")),
            BlockingKey("first_dob", (("name_key", "first"), "dob")),
            BlockingKey("last_dob", (("name_key", "last"), "dob")),
            BlockingKey("mother_dob", ("mother_norm", "dob")),
            BlockingKey(
                "initials_month",
                ("name_initials", ("dob", "year"), ("dob", "month"), "regency_code"),
                100,
            ),
            BlockingKey("name_district", ("name_key", "district_code"), 50),
            BlockingKey("name_region_mother", ("name_key", "regency_code", "mother_norm"), 100),
        ),
        lsh=LshSpec(
            field="name",
            bands=10,
            rows=5,
            within=("birth_year", "regency_code", "sex_norm"),
            max_block_size=200,
        ),
    )
