"""Privacy-preserving record linkage: link records without exchanging identities.

Each data holder standardises and encodes its own records locally with a secret key shared
by the parties (:func:`encode`): exact identifiers become keyed HMAC-SHA256 tokens, fuzzy
ones (names, mother's name, birth place) keyed Bloom filters of their q-grams, following a
versioned :class:`EncodingSchema` that every party shares. Only the encodings are exchanged
and linked (:class:`EncodedMatcher`, :func:`link_encoded`), with the same Fellegi-Sunter
model as a clear-text link. See the documentation page "Linking without sharing identities"
for what this protects against and what it does not.

Example:
    >>> from migrant_records.privacy import default_schema, key_fingerprint
    >>> default_schema().name
    'indonesia'
    >>> len(key_fingerprint(bytes(range(32))))
    16
"""

from __future__ import annotations

from migrant_records.privacy.blocking import BloomLSH, schema_blocking
from migrant_records.privacy.bloom import bloom_filters, dice_matrix, dice_pairs, harden
from migrant_records.privacy.comparators import (
    BloomText,
    EncodedBirthDate,
    EncodedNik,
    EncodedPersonName,
    TokenLevels,
    schema_comparators,
)
from migrant_records.privacy.encode import (
    check_compatible,
    encode,
    encode_prepared,
    encoding_info,
    is_encoded_file,
    read_encoded,
    write_encoded,
)
from migrant_records.privacy.keys import (
    generate_key,
    key_fingerprint,
    keyed_tokens,
    read_key,
    write_key,
)
from migrant_records.privacy.matching import EncodedMatcher, link_encoded
from migrant_records.privacy.schema import (
    BlockingKey,
    BloomSpec,
    EncodingSchema,
    FieldSpec,
    LshSpec,
    default_schema,
)

__all__ = [
    "BlockingKey",
    "BloomLSH",
    "BloomSpec",
    "BloomText",
    "EncodedBirthDate",
    "EncodedMatcher",
    "EncodedNik",
    "EncodedPersonName",
    "EncodingSchema",
    "FieldSpec",
    "LshSpec",
    "TokenLevels",
    "bloom_filters",
    "check_compatible",
    "default_schema",
    "dice_matrix",
    "dice_pairs",
    "encode",
    "encode_prepared",
    "encoding_info",
    "generate_key",
    "harden",
    "is_encoded_file",
    "key_fingerprint",
    "keyed_tokens",
    "link_encoded",
    "read_encoded",
    "read_key",
    "schema_blocking",
    "schema_comparators",
    "write_encoded",
    "write_key",
]
