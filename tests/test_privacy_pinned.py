"""Encodings are pinned: the same key, schema and records give the same bytes as the first
release of the encoding (schema version 1), whatever makes encoding faster.

The digests below were computed from the encodings written before encoding was vectorised
further; a change to any of them means parties encoding with different library versions
would no longer match each other.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from migrant_records.privacy import EncodingSchema, encode
from migrant_records.synth import generate

KEY = bytes(range(32))
SCHEMA_V1 = Path(__file__).parent / "data" / "encoding_schema_v1.json"


def _digests(frame: pd.DataFrame) -> dict[str, str]:
    """A short SHA-256 of each encoded column's values, in row order."""
    out = {}
    for column in frame.columns:
        h = hashlib.sha256()
        for v in frame[column].tolist():
            if v is None or v is pd.NA or (isinstance(v, float) and v != v):
                h.update(b"\x00missing")
            elif isinstance(v, bytes):
                h.update(b"b" + v)
            elif isinstance(v, (bool, np.bool_)):
                h.update(b"f" + bytes([bool(v)]))
            else:
                h.update(b"s" + str(v).encode())
            h.update(b"\x1f")
        out[column] = h.hexdigest()[:16]
    return out


def _schema(hardened: bool) -> EncodingSchema:
    spec: dict[str, Any] = json.loads(SCHEMA_V1.read_text(encoding="utf-8"))
    if hardened:
        for field in spec["fields"]:
            if field["name"] == "birth_place":
                field["bloom"].update(salt="birth_year", balance=True)
            if field["name"] == "mother":
                field["bloom"].update(fold=True)
    return EncodingSchema.from_dict(spec)


@pytest.fixture(scope="module")
def records() -> pd.DataFrame:
    data = generate(people=400, seed=23)
    return pd.concat(list(data.sources.values()), ignore_index=True)


PINNED: dict[bool, dict[str, str]] = {
    False: {
        "source": "45dba8065a1a814f",
        "record_id": "79f7d2466b32a0ca",
        "t_name": "b04e71cc59697644",
        "t_name_sorted": "fd0f97f6b531bf72",
        "t_name_key": "fe43c69954ae344b",
        "t_name_initials": "2499476d757a63ea",
        "t_name_first": "7770cd94629620b4",
        "t_name_last": "388949aac6027afe",
        "b_name": "04ab974301006eb4",
        "t_nik": "3b9fdb036e9d38f6",
        "t_nik_valid": "7eb8eb31b3eeb487",
        "t_nik_head": "dc5352529477809a",
        "w_nik": "bc24c00a9054b608",
        "f_nik_suspect": "d5ad0e270c53fbb1",
        "w_birth_date": "0a48ab8fa8a5331c",
        "t_sex": "aeb9d746f990287b",
        "t_phone": "c4fbe5cffaf3fe34",
        "t_phone_tail": "47501f8e789aa1ae",
        "t_region_province": "75ab07821a87ba12",
        "t_region_regency": "369d247526df6668",
        "t_region_district": "b5ed545290c42e70",
        "t_region_village": "ceea437d60495be3",
        "t_mother": "f27af5cc1f2a2a32",
        "b_mother": "9e3eefac8cc77c1e",
        "t_birth_place": "5be5ac4340505e3a",
        "b_birth_place": "49aa29a82877276c",
        "k_nik": "0c04d9ef17c2956a",
        "k_nik_abc": "6533b688e6ceec55",
        "k_nik_abd": "1cebc4b077d085e2",
        "k_nik_acd": "24367c8237893b56",
        "k_nik_bcd": "d6bb9e429b1d9bec",
        "k_phone": "98d48755fd6b4a32",
        "k_sorted_dob": "c60f4e1b27504f3b",
        "k_initials_dob": "c0091798ae8c875c",
        "k_first_dob": "ea5f7d1fce1a598e",
        "k_last_dob": "15697a66353e536a",
        "k_mother_dob": "a898b53135bc884f",
        "k_initials_month": "aeddd1805593aa12",
        "k_name_district": "1db72cbee54bf756",
        "k_name_region_mother": "837f1709cb892fd5",
        "k_name_lsh": "0bcfb4708c7dfbdc",
    },
    True: {
        "source": "45dba8065a1a814f",
        "record_id": "79f7d2466b32a0ca",
        "t_name": "b04e71cc59697644",
        "t_name_sorted": "fd0f97f6b531bf72",
        "t_name_key": "fe43c69954ae344b",
        "t_name_initials": "2499476d757a63ea",
        "t_name_first": "7770cd94629620b4",
        "t_name_last": "388949aac6027afe",
        "b_name": "04ab974301006eb4",
        "t_nik": "3b9fdb036e9d38f6",
        "t_nik_valid": "7eb8eb31b3eeb487",
        "t_nik_head": "dc5352529477809a",
        "w_nik": "bc24c00a9054b608",
        "f_nik_suspect": "d5ad0e270c53fbb1",
        "w_birth_date": "0a48ab8fa8a5331c",
        "t_sex": "aeb9d746f990287b",
        "t_phone": "c4fbe5cffaf3fe34",
        "t_phone_tail": "47501f8e789aa1ae",
        "t_region_province": "75ab07821a87ba12",
        "t_region_regency": "369d247526df6668",
        "t_region_district": "b5ed545290c42e70",
        "t_region_village": "ceea437d60495be3",
        "t_mother": "f27af5cc1f2a2a32",
        "b_mother": "deb643c605a1572a",
        "t_birth_place": "5be5ac4340505e3a",
        "b_birth_place": "527435ea12813be9",
        "k_nik": "0c04d9ef17c2956a",
        "k_nik_abc": "6533b688e6ceec55",
        "k_nik_abd": "1cebc4b077d085e2",
        "k_nik_acd": "24367c8237893b56",
        "k_nik_bcd": "d6bb9e429b1d9bec",
        "k_phone": "98d48755fd6b4a32",
        "k_sorted_dob": "c60f4e1b27504f3b",
        "k_initials_dob": "c0091798ae8c875c",
        "k_first_dob": "ea5f7d1fce1a598e",
        "k_last_dob": "15697a66353e536a",
        "k_mother_dob": "a898b53135bc884f",
        "k_initials_month": "aeddd1805593aa12",
        "k_name_district": "1db72cbee54bf756",
        "k_name_region_mother": "837f1709cb892fd5",
        "k_name_lsh": "0bcfb4708c7dfbdc",
    },
}


@pytest.mark.parametrize("hardened", [False, True])
def test_encodings_are_byte_identical_to_the_pinned_release(
    records: pd.DataFrame, hardened: bool
) -> None:
    encoded = encode(records, KEY, _schema(hardened)).records
    assert len(encoded) == len(records)
    assert _digests(encoded) == PINNED[hardened]


def test_compiled_hmac_equals_hmac_digest() -> None:
    pytest.importorskip("numba")
    import hmac

    from migrant_records.privacy import keys

    module = keys._compiled_hmac()
    assert module is not None
    rng = np.random.default_rng(3)
    texts = ["", "a", "siti aminah", "ñoño é 名字", "x" * 55, "y" * 56, "z" * 63, "w" * 64]
    texts += ["".join(rng.choice(list("abcé "), size=n)) for n in range(0, 300, 7)]
    texts *= 500  # enough messages to spread over threads
    for subkey in (b"k" * 32, b"long key " * 10):
        got = keys._digests_compiled(module, texts, subkey)
        assert got.shape == (len(texts), 32)
        for k in range(0, len(texts), 97):
            assert got[k].tobytes() == hmac.digest(subkey, texts[k].encode(), "sha256")


def test_pinned_encodings_with_the_compiled_hmac(
    records: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("numba")
    from migrant_records.privacy import keys, siphash

    monkeypatch.setattr(keys, "_COMPILED", [])
    monkeypatch.setattr(keys, "_COMPILED_FROM", 0)
    monkeypatch.setattr(siphash, "_COMPILED_FROM", 0)
    encoded = encode(records, KEY, _schema(True)).records
    assert keys._COMPILED and keys._COMPILED[0] is not None
    assert _digests(encoded) == PINNED[True]
    monkeypatch.setattr(keys, "_COMPILED", [None])  # hashlib only
    assert _digests(encode(records, KEY, _schema(False)).records) == PINNED[False]


# ----------------------------------------------------------------------------- conflicts
def _worker(record_id: str, nik: str, name: str) -> dict[str, str]:
    return {
        "source": "kp2mi_placements",
        "record_id": record_id,
        "nik": nik,
        "full_name": name,
        "sex": "L",
        "birth_date": "1987-01-30",
        "birth_place": "LOMBOK TIMUR",
        "regency": "KABUPATEN LOMBOK TIMUR",
        "province": "NUSA TENGGARA BARAT",
        "mother_name": "BAIQ AMINAH",
    }


def test_encoded_conflicts_follow_the_clear_text_rule() -> None:
    """A NIK keying error does not split a person on encodings; twins (NIKs one serial apart,
    different names) and NIKs of another birth date stay apart, as on clear text."""
    from migrant_records.cluster import cluster_pairs, conflict_attributes
    from migrant_records.privacy.matching import _conflicts
    from migrant_records.standardize import standardize

    rows = [
        _worker("a1", "5202073001872232", "MUHAMMAD JUMAIDI"),
        _worker("a2", "5202070301872232", "MUHAMMAD JUMAIDI"),  # two digits swapped
        _worker("a3", "5202073001872932", "MUHAMMAD JUMAIDI"),  # one digit mistyped
        _worker("t1", "5202073001872240", "MUHAMMAD SAHRIL"),
        _worker("t2", "5202073001872241", "AHMAD SAHRONI"),  # twin: next serial, other name
        _worker("o1", "5202073101872259", "ZAINUL ARIFIN"),
        _worker("o2", "5202073001872250", "ZAINUL ARIFIN"),  # two errors, another birth date
    ]
    frame = pd.DataFrame(rows)
    frame.loc[5, "birth_date"] = "1987-01-31"
    encoded = encode(frame, KEY).records
    clear = conflict_attributes(standardize(frame))
    pairs = [(0, 1), (1, 2), (3, 4), (5, 6)]
    for conflicts in (_conflicts(_schema_of(encoded))(encoded), clear):
        labels = cluster_pairs(
            len(encoded),
            np.array([p[0] for p in pairs]),
            np.array([p[1] for p in pairs]),
            np.full(len(pairs), 0.99),
            conflicts=conflicts,
        )
        assert labels[0] == labels[1] == labels[2]
        assert labels[3] != labels[4]
        assert labels[5] != labels[6]


def _schema_of(encoded: pd.DataFrame) -> EncodingSchema:
    return EncodingSchema.from_dict(encoded.attrs["encoding"]["schema"])


def test_compiled_siphash_equals_numpy(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("numba")
    from migrant_records.privacy import siphash

    rng = np.random.default_rng(9)
    words = [rng.integers(0, 2**64, size=30_000, dtype=np.uint64) for _ in range(3)]
    for n_words in (1, 2, 3):
        fast = siphash.siphash24(bytes(range(16)), words[:n_words])
        monkeypatch.setattr(siphash, "_COMPILED_FROM", 10**9)
        slow = siphash.siphash24(bytes(range(16)), words[:n_words])
        monkeypatch.undo()
        assert fast.tobytes() == slow.tobytes()
