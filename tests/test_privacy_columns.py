"""Encoding per distinct value (each column factorised once) gives the same encodings as
encoding value by value with the public functions, on awkward values."""

from __future__ import annotations

import numpy as np
import pandas as pd

from migrant_records.privacy import default_schema
from migrant_records.privacy.bloom import bloom_filters
from migrant_records.privacy.columns import Columns
from migrant_records.privacy.fields import encode_field, rows_of_bytes
from migrant_records.privacy.keys import keyed_tokens

KEY = bytes(range(32))


def _frame() -> pd.DataFrame:
    nik = ["3201234567890001", "3201234567890001", "", " ", None, "32012", "320123456789", 7]
    phone = ["+6281234567890", "+6281234567890", None, "", "12", "+62  ", np.nan, "+6281299"]
    names = ["siti aminah", "siti aminah", "", None, " ", "budi", "budi santoso", "x"]
    return pd.DataFrame(
        {
            "source": "a",
            "record_id": [str(k) for k in range(8)],
            "nik_digits": nik,
            "nik_id": [nik[0], None, None, None, None, None, nik[6], None],
            "nik_suspect": [False, True, False, False, False, False, False, False],
            "phone_e164": phone,
            "mother_norm": names[::-1],
            "birth_place_norm": names,
        }
    )


def test_tokens_per_distinct_value_equal_tokens_value_by_value() -> None:
    frame = _frame()
    schema = default_schema()
    cols = Columns(frame)
    by_name = {f.name: f for f in schema.fields}
    nik = encode_field(by_name["nik"], frame, KEY, schema.token_bytes, cols)
    digits = frame["nik_digits"]
    expected_head = keyed_tokens(
        digits.where(digits.astype(str).str.len() >= 12).astype(object).str[:12],
        KEY,
        "nik:head",
        nbytes=schema.token_bytes,
    )
    assert nik["t_nik_head"].tolist() == expected_head.tolist()
    expected = keyed_tokens(digits, KEY, "nik:nik", nbytes=schema.token_bytes)
    assert nik["t_nik"].tolist() == expected.tolist()
    assert nik["t_nik"][2] is None and nik["t_nik"][3] is None  # blank is missing
    phone = encode_field(by_name["phone"], frame, KEY, schema.token_bytes, cols)
    tail = frame["phone_e164"].astype(object).str[-8:]
    assert (
        phone["t_phone_tail"].tolist()
        == keyed_tokens(tail, KEY, "phone:tail", nbytes=schema.token_bytes).tolist()
    )
    for field in ("mother", "birth_place"):
        spec = by_name[field]
        assert spec.bloom is not None and spec.column is not None
        got = encode_field(spec, frame, KEY, schema.token_bytes, cols)[f"b_{field}"]
        one_by_one = bloom_filters(
            frame[spec.column],
            KEY,
            f"{field}:bloom",
            bits=spec.bloom.bits,
            hashes=spec.bloom.hashes,
            q=spec.bloom.q,
        )
        assert got.tolist() == rows_of_bytes(one_by_one).tolist()


def test_rows_of_bytes_keeps_trailing_zero_bytes() -> None:
    matrix = np.array([[1, 0, 0, 0], [0, 0, 0, 0], [255, 0, 7, 0]], dtype=np.uint8)
    assert rows_of_bytes(matrix).tolist() == [bytes(row) for row in matrix.tolist()]
    assert rows_of_bytes(np.zeros((0, 4), dtype=np.uint8)).tolist() == []
