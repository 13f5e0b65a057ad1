"""Golden records: survivorship rules, clean values and provenance on hand-made clusters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from migrant_records.errors import ConfigError, SchemaError
from migrant_records.golden import GOLDEN_FIELDS, SurvivorshipRule, golden_records

NA = None


def prepared() -> pd.DataFrame:
    """Three records of one person (P1) and one record of another (P2), standardised."""
    rows = [
        {
            "source": "A",
            "record_id": "1",
            "full_name": "Siti Aminah",
            "name_norm": "siti aminah",
            "nik": "3201-0141-0190-0002",
            "nik_digits": "3201014101900002",
            "nik_valid": False,
            "nik_id": NA,
            "nik_birth_date": pd.NaT,
            "birth_date": "01-01-1990",
            "dob": pd.Timestamp("1990-01-01"),
            "sex": "P",
            "sex_norm": "F",
            "phone": "0811-1111-1111",
            "phone_e164": "+6281111111111",
            "village": "Sukamaju",
            "village_code": "32.01.01.2001",
            "mother_name": "Aisyah",
            "passport_no": NA,
            "address": NA,
        },
        {
            "source": "B",
            "record_id": "7",
            "full_name": "SITI  AMINAH",
            "name_norm": "siti aminah",
            "nik": "3201014101900001",
            "nik_digits": "3201014101900001",
            "nik_valid": True,
            "nik_id": "3201014101900001",
            "nik_birth_date": pd.Timestamp("1990-01-01"),
            "birth_date": "10/01/1990",
            "dob": pd.Timestamp("1990-01-10"),
            "sex": "F",
            "sex_norm": "F",
            "phone": "0822 2222 2222",
            "phone_e164": "+6282222222222",
            "village": "Desa Sukamaju",
            "village_code": "32.01.01.2001",
            "mother_name": NA,
            "passport_no": NA,
            "address": NA,
        },
        {
            "source": "C",
            "record_id": "3",
            "full_name": "Sity Aminah Rahayu",
            "name_norm": "siti aminah rahayu",
            "nik": "3201014101900002",
            "nik_digits": "3201014101900002",
            "nik_valid": False,
            "nik_id": NA,
            "nik_birth_date": pd.NaT,
            "birth_date": "1990-01-10",
            "dob": pd.Timestamp("1990-01-10"),
            "sex": "perempuan",
            "sex_norm": "F",
            "phone": NA,
            "phone_e164": NA,
            "village": "Sukamulya",
            "village_code": "32.01.01.2002",
            "mother_name": "Aisah",
            "passport_no": "C1234567",
            "address": "Jl. Merdeka 1",
        },
        {
            "source": "D",
            "record_id": "9",
            "full_name": "Budi Santoso",
            "name_norm": "budi santoso",
            "nik": NA,
            "nik_digits": NA,
            "nik_valid": False,
            "nik_id": NA,
            "nik_birth_date": pd.NaT,
            "birth_date": NA,
            "dob": pd.NaT,
            "sex": NA,
            "sex_norm": NA,
            "phone": NA,
            "phone_e164": NA,
            "village": NA,
            "village_code": NA,
            "mother_name": NA,
            "passport_no": NA,
            "address": NA,
        },
    ]
    return pd.DataFrame(rows)


def clusters() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source": ["A", "B", "C", "D"],
            "record_id": ["1", "7", "3", "9"],
            "person_id": ["P1", "P1", "P1", "P2"],
        }
    )


def person(frame: pd.DataFrame, pid: str) -> pd.Series:
    return frame.set_index("person_id").loc[pid]


def test_default_rules_choose_clean_values_with_provenance() -> None:
    golden = golden_records(prepared(), clusters())
    assert list(golden["person_id"]) == ["P1", "P2"]
    p1 = person(golden, "P1")
    assert p1["n_records"] == 3
    assert p1["sources"] == "A;B;C"
    # The valid NIK wins over the more frequent invalid one.
    assert p1["nik"] == "3201014101900001"
    assert p1["nik_from"] == "B:7"
    assert bool(p1["nik_valid"]) is True
    # Most frequent normalised name, then the longest spelling; ties -> smallest key.
    assert p1["full_name"] == "Siti Aminah"
    assert p1["full_name_from"] == "A:1"
    # The date agreeing with the valid NIK wins over the more frequent one; ISO output.
    assert p1["birth_date"] == "1990-01-01"
    assert p1["birth_date_from"] == "A:1"
    # Sex is clean M/F; all agree, so the most complete record (C:3) is the provenance.
    assert p1["sex"] == "F"
    assert p1["sex_from"] == "C:3"
    # Phone: one each -> most complete record (A:1 has a mother's name, B:7 not).
    assert p1["phone"] == "+6281111111111"
    assert p1["phone_from"] == "A:1"
    # Villages counted by code: "Sukamaju" and "Desa Sukamaju" are one value.
    assert p1["village"] == "Sukamaju"
    assert p1["village_from"] == "A:1"
    assert p1["passport_no"] == "C1234567"
    assert p1["passport_no_from"] == "C:3"
    assert p1["district"] is None and p1["district_from"] is None


def test_single_record_person_keeps_its_values() -> None:
    golden = golden_records(prepared(), clusters())
    p2 = person(golden, "P2")
    assert p2["full_name"] == "Budi Santoso"
    assert p2["full_name_from"] == "D:9"
    assert p2["n_records"] == 1
    assert p2["nik"] is None and p2["nik_from"] is None
    assert pd.isna(p2["nik_valid"])


def test_output_columns() -> None:
    golden = golden_records(prepared(), clusters())
    expected = ["person_id", "n_records", "sources", "nik", "nik_valid"]
    expected += [f for f in GOLDEN_FIELDS if f != "nik"]
    expected += [f"{f}_from" for f in GOLDEN_FIELDS]
    assert list(golden.columns) == expected


def test_most_recent_phone_with_recency_mapping() -> None:
    recency = {"A": "2020-01-01", "B": "2023-05-01", "C": "2024-01-01"}
    golden = golden_records(prepared(), clusters(), recency=recency)
    p1 = person(golden, "P1")
    assert p1["phone"] == "+6282222222222"
    assert p1["phone_from"] == "B:7"


def test_most_recent_with_a_date_column() -> None:
    recs = prepared()
    recs["extracted"] = ["2024-02-01", "2021-01-01", "2019-01-01", NA]
    golden = golden_records(
        recs, clusters(), rules={"full_name": "most_recent"}, recency="extracted"
    )
    p1 = person(golden, "P1")
    assert p1["phone_from"] == "A:1"
    assert p1["full_name"] == "Siti Aminah"


def test_source_priority_rule_and_tie_break() -> None:
    golden = golden_records(
        prepared(),
        clusters(),
        rules={"birth_date": SurvivorshipRule.SOURCE_PRIORITY},
        source_priority=["C", "B", "A"],
    )
    p1 = person(golden, "P1")
    assert p1["birth_date"] == "1990-01-10"
    assert p1["birth_date_from"] == "C:3"
    # Tie on the normalised name between A:1 and B:7 goes to the preferred source B.
    assert p1["full_name"] == "SITI AMINAH"
    assert p1["full_name_from"] == "B:7"


def test_longest_and_most_complete_rules() -> None:
    golden = golden_records(
        prepared(), clusters(), rules={"full_name": "longest", "mother_name": "most-complete"}
    )
    p1 = person(golden, "P1")
    assert p1["full_name"] == "Sity Aminah Rahayu"
    assert p1["full_name_from"] == "C:3"
    assert p1["mother_name"] == "Aisah"
    assert p1["mother_name_from"] == "C:3"


def test_canonical_frame_without_standardised_columns() -> None:
    recs = pd.DataFrame(
        {
            "source": ["A", "B", "C"],
            "record_id": ["1", "2", "3"],
            "full_name": ["siti  aminah", "Siti Aminah", "SITI AMINAH"],
            "sex": ["F", "F", "M"],
            "nik": ["123", "3201014101900001", "123"],
        }
    )
    cl = pd.DataFrame({"source": ["A", "B", "C"], "record_id": ["1", "2", "3"], "person_id": 1})
    golden = golden_records(recs, cl, source_priority=["B"])
    row = golden.iloc[0]
    assert row["full_name"] == "Siti Aminah"  # all three are one value; B preferred
    assert row["sex"] == "F"
    assert row["nik"] == "3201014101900001"  # 16 digits counts as valid without nik_valid
    assert "nik_valid" not in golden.columns


def test_unknown_rule_lists_valid_rules() -> None:
    with pytest.raises(ConfigError, match=r"most_frequent.*valid_nik"):
        golden_records(prepared(), clusters(), rules={"nik": "best_guess"})


def test_unknown_field_is_an_error() -> None:
    with pytest.raises(ConfigError, match="salary"):
        golden_records(prepared(), clusters(), rules={"salary": "most_frequent"})


def test_rules_that_need_arguments() -> None:
    with pytest.raises(ConfigError, match="recency"):
        golden_records(prepared(), clusters(), rules={"phone": "most_recent"})
    with pytest.raises(ConfigError, match="source_priority"):
        golden_records(prepared(), clusters(), rules={"phone": "source_priority"})
    with pytest.raises(ConfigError, match="not a column"):
        golden_records(prepared(), clusters(), recency="extract_date")
    with pytest.raises(ConfigError, match="not a date"):
        golden_records(prepared(), clusters(), recency={"A": "yesterday"})


def test_schema_errors() -> None:
    with pytest.raises(SchemaError, match="person_id"):
        golden_records(prepared(), clusters().drop(columns="person_id"))
    extra = pd.concat(
        [clusters(), pd.DataFrame({"source": ["Z"], "record_id": ["0"], "person_id": ["P9"]})]
    )
    with pytest.raises(SchemaError, match="Z:0"):
        golden_records(prepared(), extra)
    with pytest.raises(SchemaError, match="more than once"):
        golden_records(prepared(), pd.concat([clusters(), clusters().iloc[:1]]))


def test_unclustered_records_are_left_out() -> None:
    golden = golden_records(prepared(), clusters().iloc[:3])
    assert list(golden["person_id"]) == ["P1"]


def test_many_persons_vectorized_matches_per_person_choice() -> None:
    rng = np.random.default_rng(3)
    n = 20_000
    pid = rng.integers(0, 5_000, n)
    places = np.array(["Ambon", "Bima", "Cirebon", "Demak"])[rng.integers(0, 4, n)]
    recs = pd.DataFrame(
        {
            "source": "S",
            "record_id": [str(i) for i in range(n)],
            "full_name": "X",
            "birth_place": places,
        }
    )
    cl = pd.DataFrame({"source": "S", "record_id": recs["record_id"], "person_id": pid})
    golden = golden_records(recs, cl).set_index("person_id")
    # Check a few persons against a direct computation.
    for p in np.unique(pid)[:50]:
        mine = recs.loc[pid == p]
        counts = mine["birth_place"].value_counts()
        top = counts[counts == counts.max()].index
        # Ties: smallest (source, record_id) among the tied values, by string order.
        best = mine.loc[mine["birth_place"].isin(top)].sort_values("record_id").iloc[0]
        assert golden.loc[p, "birth_place"] == best["birth_place"]
        assert golden.loc[p, "birth_place_from"] == f"S:{best['record_id']}"
