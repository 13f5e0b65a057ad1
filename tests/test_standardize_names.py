"""Indonesian name normalisation, parsing and the phonetic key."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migrant_records.errors import ConfigError
from migrant_records.standardize import (
    LOW_IDENTITY_TOKENS,
    name_key,
    normalize_name,
    parse_names,
    phonetic,
)
from migrant_records.standardize.names import NAME_COLUMNS


def norm(value: str) -> str | None:
    return normalize_name(pd.Series([value])).iloc[0]


def key(value: str) -> str | None:
    return name_key(pd.Series([value])).iloc[0]


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("MOCH. DJOKO SOESILO, S.Pd", "Muhammad Joko Susilo"),
        ("Soekarno", "Sukarno"),
        ("Djoko", "Joko"),
        ("Tjahjono", "Cahyono"),
        ("Joesoef", "Yusuf"),
        ("Machmud", "Mahmud"),
        ("Achmad Rachmat", "Ahmad Rahmat"),
        ("Akhmad", "Ahmad"),
        ("Njoman Soenjoto", "Nyoman Sunyoto"),
        ("Sjarifuddin", "Syarifuddin"),
        ("Sandjaja", "Sanjaya"),
        ("Ir. H. Mochamad Abd. Rachman, M.M.", "Muhammad Abdul Rahman"),
        ("Hj.Siti Nurhayati,S.Pd.I", "Siti Nurhayati"),
        ("Drs. Muh. Yusuf, M.Si.", "Muhammad Yusuf"),
        ("M. Yusuf", "Muhammad Yusuf"),
        ("Mhd Yusuf", "Mohd. Yusuf"),
        ("Abdoel Kadir", "Abd Kadir"),
        ("Chandra", "Khandra"),
        ("Ahmad Saleh S. Pd", "Ahmad Saleh"),
        ("  SITI   aminah ", "Siti Aminah"),
        ("Siti Aminah binti H. Abdullah, S.E.", "Siti Aminah"),
        ("José Rizal", "Jose Rizal"),
        ("Ma'ruf Amin", "Maruf Amin"),
        ("St. Aminah", "Siti Aminah"),
    ],
)
def test_known_pairs_normalise_equal(left: str, right: str) -> None:
    assert norm(left) == norm(right)


@pytest.mark.parametrize(
    ("left", "right"),
    [("siti aminah", "siti amanah"), ("Agus", "Bagus"), ("Rina", "Rini"), ("Joko", "Eko")],
)
def test_different_names_stay_different(left: str, right: str) -> None:
    assert norm(left) != norm(right)
    assert key(left) != key(right)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("MOCH. DJOKO SOESILO, S.Pd", "muhammad joko susilo"),
        ("Haji", "haji"),  # a person named Haji keeps the name
        ("H.", "h"),
        ("Dra", "dra"),
        ("Chandra", "khandra"),  # "dra" inside a word is not a title
        ("Hendra Dra", "hendra dra"),  # only before the name
        ("M", "m"),  # a bare initial alone is not Muhammad
        ("Yusuf M.", "yusuf m"),  # nor at the end
        ("Susilo, Joko", "susilo joko"),
        ("Dr. Ir. H. Budi Santoso, S.T., M.T.", "budi santoso"),
        ("Ny. Siti Fatimah", "siti fatimah"),
        ("   ", None),
        ("123", None),
    ],
)
def test_normalize_name_table(raw: str, expected: str | None) -> None:
    assert norm(raw) == expected


def test_patronym_is_split_into_its_own_column() -> None:
    out = parse_names(pd.Series(["Ahmad bin Saleh", "Siti Aminah bt. H. Abdullah", "Bintang Bin"]))
    assert out["name_norm"].tolist() == ["ahmad", "siti aminah", "bintang bin"]
    assert out["name_patronym"].tolist() == ["saleh", "abdullah", None]


def test_parse_names_columns_and_alignment() -> None:
    s = pd.Series(
        ["I Wayan Sudarta", None, "Ni Luh Putu Ayu Kartika", "I Wayan Sudarta"], index=[7, 3, 9, 1]
    )
    out = parse_names(s)
    assert list(out.columns) == list(NAME_COLUMNS)
    assert out.index.tolist() == [7, 3, 9, 1]
    row = out.loc[7]
    assert row["name_norm"] == "i wayan sudarta"
    assert row["name_core"] == "sudarta"
    assert row["name_first"] == row["name_last"] == "sudarta"
    assert row["name_initials"] == "iws"
    assert row["name_tokens"] == ("i", "wayan", "sudarta")
    assert row["name_low_identity"] == "i wayan"
    assert out.loc[3].isna().all()
    assert out.loc[9, "name_core"] == "ayu kartika"
    assert out.loc[1, "name_sorted"] == "i sudarta wayan"


def test_balinese_titles_and_common_prefixes() -> None:
    out = parse_names(
        pd.Series(
            [
                "Ida Bagus Made Oka",
                "Anak Agung Gede Agung",
                "Bagus Santoso",
                "Muhammad Rizki",
                "Ketut",
            ]
        )
    )
    assert out["name_core"].tolist() == ["oka", "agung", "bagus santoso", "muhammad rizki", "ketut"]
    assert out["name_low_identity"].tolist()[3] == "muhammad"
    assert {"wayan", "made", "nyoman", "ketut", "putu", "kadek", "komang", "gede"} <= set(
        LOW_IDENTITY_TOKENS
    )


@pytest.mark.parametrize(
    "group",
    [
        ("Yusuf", "Yusup", "Jusuf", "Joesoef"),
        ("Syaiful", "Saiful", "Syaeful"),
        ("Fitri", "Pitri"),
        ("Zainal", "Jainal", "Zaenal"),
        ("Rachmat", "Rahmat", "Rakhmat"),
        ("Dewi", "Dewie"),
        ("Nurhayati", "Nurhayaty"),
        ("Ahmad", "Achmad", "Akhmad"),
        ("Sholeh", "Soleh", "Saleh"),
        ("Taufik", "Taufiq", "Topik"),
        ("Khairul", "Chairul", "Hairul"),
        ("Suryadi", "Suriadi"),
        ("Wahyudi", "Wahjudi"),
        ("Dzulkifli", "Zulkifli", "Julkipli"),
        ("Fadhil", "Fadil"),
        ("Fatimah", "Fatima"),
        ("Muhammad", "Muhamad", "Moch."),
        ("Christina", "Kristina"),
    ],
)
def test_phonetic_key_must_collide(group: tuple[str, ...]) -> None:
    keys = {key(name) for name in group}
    assert len(keys) == 1, keys


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Siti Aminah", "Siti Amanah"),
        ("Agus", "Bagus"),
        ("Dewi", "Devi"),  # w and v kept apart: Dewi and Devi are different names
        ("Rina", "Rini"),
        ("Joko", "Eko"),
        ("Hasan", "Husin"),
        ("Said", "Sahid"),
    ],
)
def test_phonetic_key_must_not_collide(left: str, right: str) -> None:
    assert key(left) != key(right)


def test_name_key_examples() -> None:
    assert name_key(pd.Series(["Yusuf Rachmat", "Jusuf Rahmat"])).tolist() == [
        "yusup ramat",
        "yusup ramat",
    ]


def test_phonetic_alternatives() -> None:
    s = pd.Series(["Joko Susilo", None])
    assert phonetic(s, "soundex").tolist() == ["J200 S240", None]
    assert phonetic(s, "indonesian").tolist() == name_key(s).tolist()
    assert phonetic(s, "nysiis").iloc[0].count(" ") == 1
    with pytest.raises(ConfigError, match="soundex"):
        phonetic(s, "caverphone")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=40)), max_size=8))
def test_names_never_raise(values: list[str | None]) -> None:
    out = parse_names(pd.Series(values, dtype=object))
    assert len(out) == len(values)
    for norm_value, key_value in zip(out["name_norm"], out["name_key"]):
        assert (norm_value is None) == (key_value is None)
        if norm_value is not None:
            assert norm_value == norm_value.strip() and "  " not in norm_value
            assert len(key_value.split()) == len(norm_value.split())
