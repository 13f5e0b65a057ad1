"""Comparators: levels on hand-made pairs, user comparators, registry and config."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest

from migrant_records.compare import (
    Address,
    BaseComparator,
    BirthDate,
    BirthPlace,
    Comparator,
    Exact,
    FunctionComparator,
    MotherName,
    Nik,
    PersonName,
    Phone,
    Region,
    Sex,
    StringSimilarity,
    as_comparator,
    available_comparators,
    comparator,
    comparator_from_dict,
    compare_pairs,
    default_comparators,
    get_comparator,
    register_comparator,
)
from migrant_records.errors import ConfigError, SchemaError

NAME_COLUMNS = ["name_norm", "name_sorted", "name_key", "name_initials", "name_core"]


def names_frame(rows: list[tuple[str | None, ...]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=NAME_COLUMNS)


def levels_of(comp: Comparator, frame: pd.DataFrame, pairs: list[tuple[int, int]]) -> list[int]:
    i = np.array([p[0] for p in pairs], dtype=np.int64)
    j = np.array([p[1] for p in pairs], dtype=np.int64)
    out = comp.compare(frame, frame, i, j)
    assert out.dtype == np.int8
    return out.tolist()


def test_person_name_levels() -> None:
    f = names_frame(
        [
            ("siti aminah", "aminah siti", "sit amin", "sa", "siti aminah"),  # 0
            ("siti aminah", "aminah siti", "sit amin", "sa", "siti aminah"),  # 1 exact
            ("aminah siti", "aminah siti", "amin sit", "as", "aminah siti"),  # 2 same tokens
            ("sumiati", "sumiati", "sumiat", "s", "sumiati"),  # 3
            ("siti sumiati", "siti sumiati", "sit sumiat", "ss", "siti sumiati"),  # 4 contains 3
            ("siti aminah", "aminah siti", "sit amin", "sa", "siti aminah"),  # 5
            ("sity aminah", "aminah sity", "sit amin", "sa", "sity aminah"),  # 6 phonetic = 0
            ("siti aminah", "aminah siti", "sit amin", "sa", "siti aminah"),  # 7
            ("sitti amina", "amina sitti", "sit amn", "sa", "sitti amina"),  # 8 fuzzy/close
            ("slamet arif", "arif slamet", "slamet arif", "sa", "slamet arif"),  # 9 initials
            ("budi", "budi", "bud", "b", "budi"),  # 10 else vs 0
            (None, None, None, None, None),  # 11 null
            ("ni luh putu ayu", "ayu luh ni putu", "ni lu put ay", "nlpa", "ayu"),  # 12
            ("ni luh putu sari", "luh ni putu sari", "ni lu put sar", "nlps", "sari"),  # 13
        ]
    )
    comp = PersonName()
    assert comp.labels[0] == "else" and comp.labels[-1] == "exact"
    assert comp.tf_column == "name_norm"
    got = levels_of(comp, f, [(0, 1), (0, 2), (3, 4), (5, 6), (7, 8), (0, 9), (0, 10), (0, 11)])
    assert got == [6, 5, 4, 3, got[4], 1, 0, -1]
    assert got[4] in (2, 3)
    # sharing only low-identity tokens ("ni luh putu") must not reach a high level
    assert levels_of(comp, f, [(12, 13)])[0] <= 1


def test_person_name_fuzzy_level() -> None:
    f = names_frame(
        [
            ("wahyuningsih", "wahyuningsih", "wahyuningsih", "w", "wahyuningsih"),
            ("wahyuningsi", "wahyuningsi", "wahyuningsi", "w", "wahyuningsi"),
            ("wahyu ningrum", "ningrum wahyu", "wahyu ningrum", "wn", "wahyu ningrum"),
        ]
    )
    got = levels_of(PersonName(), f, [(0, 1), (0, 2)])
    assert got[0] == 3  # one letter dropped: close
    assert got[1] == 2  # shares a long prefix only: fuzzy


def nik_frame() -> pd.DataFrame:
    digits = [
        "3201014101900001",  # 0 valid
        "3201014101900001",  # 1 same
        "3201014101900002",  # 2 same first 12, serial differs -> but also 1 typo
        "3201014101900123",  # 3 same first 12, serial differs a lot
        "3201014110900001",  # 4 adjacent transposition of 0
        "3302025505850009",  # 5 valid, different
        "99",  # 6 invalid
        None,  # 7 missing
        "1234567890123456",  # 8 suspect dummy
        "1234567890123456",  # 9 suspect dummy
    ]
    valid = [True, True, True, True, True, True, False, False, True, True]
    suspect = [False] * 8 + [True, True]
    nik_id = [d if v and not s else None for d, v, s in zip(digits, valid, suspect)]
    return pd.DataFrame(
        {"nik_digits": digits, "nik_valid": valid, "nik_suspect": suspect, "nik_id": nik_id}
    )


def test_nik_levels() -> None:
    f = nik_frame()
    got = levels_of(Nik(), f, [(0, 1), (0, 2), (0, 3), (0, 4), (0, 5), (0, 6), (0, 7), (8, 9)])
    assert got == [4, 3, 2, 3, 0, 1, -1, 1]


def test_birth_date_levels() -> None:
    dob = pd.to_datetime(
        [
            "1990-03-04",  # 0
            "1990-03-04",  # 1 exact
            "1990-04-03",  # 2 swapped
            "1990-03-05",  # 3 +1 day
            "1990-03-20",  # 4 same year+month
            "1991-03-04",  # 5 +1 year
            "1975-01-01",  # 6 else
            None,  # 7 missing dob, falls back to NIK date
            "1980-01-01",  # 8 dob differs, but NIK date equals 0's dob
        ]
    )
    nik_date = pd.to_datetime(
        [None, None, None, None, None, None, None, "1990-03-04", "1990-03-04"]
    )
    f = pd.DataFrame({"dob": dob, "nik_birth_date": nik_date})
    pairs = [(0, 1), (0, 2), (0, 3), (0, 4), (0, 5), (0, 6), (0, 7), (0, 8)]
    assert levels_of(BirthDate(), f, pairs) == [6, 5, 4, 2, 1, 0, 6, 3]
    g = pd.DataFrame({"dob": pd.to_datetime(["1990-03-04", None])})
    assert levels_of(BirthDate(), g, [(0, 1)]) == [-1]


def test_phone_region_sex_levels() -> None:
    f = pd.DataFrame(
        {
            "phone_e164": [
                "+6281234567890",
                "+6281234567890",
                "+6289934567890",
                "+6285511112222",
                None,
            ],
            "province_code": ["32", "32", "32", "33", None],
            "regency_code": ["32.01", "32.01", "32.02", "33.01", None],
            "district_code": ["32.01.01", "32.01.01", None, None, None],
            "village_code": ["32.01.01.2001", "32.01.01.2002", None, None, None],
            "sex_norm": ["F", "F", None, "M", None],
            "nik_sex": [None, None, "F", None, None],
        }
    )
    pairs = [(0, 1), (0, 2), (0, 3), (0, 4)]
    assert levels_of(Phone(), f, pairs) == [2, 1, 0, -1]
    assert levels_of(Region(), f, pairs) == [3, 1, 0, -1]
    assert levels_of(Sex(), f, pairs) == [1, 1, 0, -1]


def test_mother_birthplace_address_exact_levels() -> None:
    f = pd.DataFrame(
        {
            "mother_norm": ["suminah", "suminah", "sumina", "karsih", None],
            "birth_place_norm": ["cilacap", "cilacap", "cilacapp", "medan", None],
            "address_norm": [
                "jalan mawar 5 rt 1 rw 2",
                "jalan mawar 5 rt 1 rw 2",
                "jalan mawar 5 rt 1",
                "dusun krajan",
                None,
            ],
            "passport_no": ["A1", "A1", "B2", "C3", None],
        }
    )
    pairs = [(0, 1), (0, 2), (0, 3), (0, 4)]
    assert levels_of(MotherName(), f, pairs) == [2, 1, 0, -1]
    assert levels_of(BirthPlace(), f, pairs) == [2, 1, 0, -1]
    assert levels_of(Address(), f, pairs) == [3, 2, 0, -1]
    assert levels_of(Exact("passport_no"), f, pairs) == [1, 0, 0, -1]


@pytest.mark.parametrize(
    "method",
    ["jaro_winkler", "jaro", "levenshtein", "damerau_levenshtein", "indel", "qgram", "token_sort"],
)
def test_string_similarity_methods(method: str) -> None:
    f = pd.DataFrame({"v": ["kartini", "kartini", "kartinii", "zzz", None]})
    comp = StringSimilarity("v", method=method, thresholds=(0.8, 0.5))
    assert comp.labels == ("else", f"{method} >= 0.5", f"{method} >= 0.8", "exact")
    assert levels_of(comp, f, [(0, 1), (0, 2), (0, 3), (0, 4)]) == [3, 2, 0, -1]


def test_unknown_method_and_missing_column_errors() -> None:
    with pytest.raises(ConfigError, match="jaro_winkler"):
        StringSimilarity("v", method="soundex-ish")
    f = pd.DataFrame({"x": ["a"]})
    with pytest.raises(SchemaError, match="name_norm"):
        PersonName().compare(f, f, np.array([0]), np.array([0]))


def test_compare_pairs_matrix_chunks_and_link() -> None:
    left = pd.DataFrame({"phone_e164": ["+62811111111", None, "+62822222222"]})
    right = pd.DataFrame({"phone_e164": ["+62811111111", "+62822222222"]})
    i = np.array([0, 1, 2, 2])
    j = np.array([0, 0, 1, 0])
    out = compare_pairs([Phone(), Exact("phone_e164")], left, right, i, j, chunk_size=3)
    assert out.dtype == np.int8 and out.shape == (4, 2)
    assert out.tolist() == [[2, 1], [-1, -1], [2, 1], [0, 0]]
    assert compare_pairs([Phone()], left, right, i[:0], j[:0]).shape == (0, 1)


def test_function_comparator_and_decorator() -> None:
    f = pd.DataFrame({"passport_no": ["A1", "A1", None], "birth_year": [1990.0, 1990.0, 1991.0]})

    def same_passport(a: pd.Series, b: pd.Series) -> np.ndarray:
        out = (a.to_numpy() == b.to_numpy()).astype(np.int8)
        out[(a.isna() | b.isna()).to_numpy()] = -1
        return out

    comp = FunctionComparator(
        same_passport, name="passport", labels=("different", "same"), columns=("passport_no",)
    )
    assert isinstance(comp, Comparator)
    assert levels_of(comp, f, [(0, 1), (0, 2)]) == [1, -1]
    with pytest.raises(ConfigError, match="registered"):
        comp.to_dict()

    @comparator(
        name="passport_and_year", labels=("no", "yes"), columns=("passport_no", "birth_year")
    )
    def both(a: pd.DataFrame, b: pd.DataFrame) -> Any:
        assert list(a.columns) == ["passport_no", "birth_year"]
        return (a["passport_no"].eq(b["passport_no"]) & a["birth_year"].eq(b["birth_year"])).astype(
            int
        )

    assert levels_of(both, f, [(0, 1), (1, 2)]) == [1, 0]
    assert "passport_and_year" in available_comparators()
    assert comparator_from_dict(both.to_dict()) is both

    bad = FunctionComparator(
        lambda a, b: np.full(len(a), 5), name="bad", labels=("a", "b"), columns=("passport_no",)
    )
    with pytest.raises(ConfigError, match="outside"):
        compare_pairs([bad], f, f, np.array([0]), np.array([1]))


def test_notebook_style_subclass() -> None:
    class SameFirstLetter(BaseComparator):
        kind = "same_first_letter"
        _params = ("name",)

        def __init__(self, *, name: str = "first_letter") -> None:
            self.name = name
            self.labels = ("different", "same")
            self.columns = ("name_norm",)

        def compare(self, left, right, i, j):  # type: ignore[no-untyped-def]
            a = left["name_norm"].str[0].to_numpy()[i]
            b = right["name_norm"].str[0].to_numpy()[j]
            return (a == b).astype(np.int8)

    register_comparator("same_first_letter", SameFirstLetter)
    comp = as_comparator("same_first_letter")
    f = pd.DataFrame({"name_norm": ["siti", "sri", "budi"]})
    assert levels_of(comp, f, [(0, 1), (0, 2)]) == [1, 0]
    saved = json.loads(json.dumps(comp.to_dict()))
    assert saved == {"comparator": "same_first_letter", "name": "first_letter"}
    assert isinstance(comparator_from_dict(saved), SameFirstLetter)


def test_registry_and_as_comparator() -> None:
    names = available_comparators()
    assert {"person_name", "nik", "birth_date", "phone", "region", "sex", "string"} <= set(names)
    assert get_comparator("string", column="x", thresholds=(0.9,)).labels[-1] == "exact"
    with pytest.raises(ConfigError, match="Unknown comparator"):
        get_comparator("nope")
    with pytest.raises(ConfigError, match="Invalid parameters"):
        get_comparator("phone", colour="red")
    with pytest.raises(ConfigError, match="FunctionComparator"):
        as_comparator(lambda a, b: a == b)
    with pytest.raises(ConfigError, match="not a comparator"):
        as_comparator(42)
    phone = Phone()
    assert as_comparator(phone) is phone
    assert isinstance(as_comparator({"comparator": "sex"}), Sex)


def test_builtin_config_round_trip() -> None:
    comps: list[Any] = [
        PersonName(fuzzy=0.82),
        Nik(),
        BirthDate(),
        Sex(),
        Phone(),
        Region(),
        MotherName(fuzzy=0.9),
        BirthPlace(threshold=0.9),
        Address(thresholds=(0.5, 0.9)),
        Exact("passport_no", tf=True),
        StringSimilarity("birth_place_norm", method="levenshtein", thresholds=(0.7,), name="bp"),
    ]
    for comp in comps:
        data = json.loads(json.dumps(comp.to_dict()))
        again = comparator_from_dict(data)
        assert type(again) is type(comp)
        assert again.to_dict() == comp.to_dict()
        assert again.labels == comp.labels


def test_default_comparators_pick_filled_columns() -> None:
    f = pd.DataFrame(
        {
            "name_norm": ["siti"],
            "nik_digits": [None],
            "dob": pd.to_datetime(["1990-01-01"]),
            "phone_e164": ["+62811"],
            "regency_code": ["32.01"],
            "sex_norm": [None],
            "nik_sex": ["F"],
        }
    )
    assert [c.name for c in default_comparators(f)] == [
        "name",
        "birth_date",
        "sex",
        "phone",
        "region",
    ]
    right = f.assign(phone_e164=None)
    assert "phone" not in [c.name for c in default_comparators(f, right)]


def test_nik_one_typo_across_lengths_and_characters() -> None:
    f = pd.DataFrame(
        {
            "nik_digits": [
                "3201014101900001",
                "320101410190001",  # one digit dropped
                "32010141019000x1",  # one character substituted
                "3201014101909991",  # serial differs in three positions
            ],
            "nik_id": [None] * 4,
        }
    )
    assert levels_of(Nik(), f, [(0, 1), (0, 2), (0, 3)]) == [3, 3, 2]


def test_similarity_on_repeated_values_equals_direct_scoring() -> None:
    from rapidfuzz import process
    from rapidfuzz.distance import JaroWinkler

    from migrant_records.compare import similarity

    rng = np.random.default_rng(3)
    pool = np.array(["sumiati", "sumiyati", "siti aminah", "siti amanah", "joko", ""], dtype=object)
    a = pool[rng.integers(0, len(pool), 30_000)]
    b = pool[rng.integers(0, len(pool), 30_000)]
    direct = process.cpdist(a, b, scorer=JaroWinkler.normalized_similarity, dtype=np.float32)
    np.testing.assert_allclose(similarity(a, b, "jaro_winkler"), direct, rtol=1e-6)


def test_string_similarity_on_many_repeated_pairs_matches_plain_scoring() -> None:
    from migrant_records.compare.base import similarity, string_pairs

    rng = np.random.default_rng(5)
    pool = ["sumiati", "sumiyati", "siti aminah", "siti amanah", "joko susilo", None]
    frame = pd.DataFrame({"name_norm": [pool[k] for k in rng.integers(0, len(pool), 500)]})
    i = rng.integers(0, 500, 40_000)
    j = rng.integers(0, 500, 40_000)
    comp = StringSimilarity("name_norm", thresholds=(0.95, 0.88))
    a, b, null = string_pairs(frame, frame, "name_norm", i, j)
    scores = similarity(a, b, "jaro_winkler")
    plain = np.zeros(len(a), dtype=np.int8)
    plain[scores >= 0.88] = 1
    plain[scores >= 0.95] = 2
    plain[a == b] = 3
    plain[null] = -1
    np.testing.assert_array_equal(comp.compare(frame, frame, i, j), plain)
