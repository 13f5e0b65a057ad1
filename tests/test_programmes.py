"""Programme views: persons counted once, overlaps, headline overlaps and journeys."""

from __future__ import annotations

import pandas as pd
import pytest

from migrant_records.errors import SchemaError
from migrant_records.golden import HEADLINE_OVERLAPS, journey, programme_overview


def clusters() -> pd.DataFrame:
    rows = [
        ("KP2MI", "1", "P1"),
        ("KEMENDES", "a", "P1"),
        ("KEMENKOP", "x", "P1"),
        ("KEMENDES", "b", "P2"),
        ("KEMENDES", "c", "P2"),
        ("KEMNAKER", "t1", "P3"),
        ("KP2MI", "2", "P3"),
        ("KEMNAKER", "t2", "P4"),
        ("KP2MI", "3", "P4"),
    ]
    return pd.DataFrame(rows, columns=["source", "record_id", "person_id"])


def programmes() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "program_id": ["DME1", "CAP1", "PDT1"],
            "name": ["Desa Migran Emas Sukamaju", "Modal Usaha 2023", "Pelatihan Las"],
            "program_type": ["DESA_MIGRAN_EMAS", "BUSINESS_CAPITAL", "PRE_DEPARTURE_TRAINING"],
            "ministry": ["KEMENDES", "KEMENKOP", "KEMNAKER"],
        }
    )


def participations() -> pd.DataFrame:
    rows = [
        ("p1", "KEMENDES", "a", "DME1", "2023-01-01"),
        ("p2", "KEMENKOP", "x", "CAP1", "2023-06-01"),
        ("p3", "KEMENDES", "b", "DME1", "2023-02-01"),
        ("p4", "KEMENDES", "c", "DME1", "2023-02-01"),
        ("p5", "KEMNAKER", "t1", "PDT1", "2021-02-01"),
        ("p6", "KEMNAKER", "t2", "PDT1", "2022-01-01"),
        ("p7", "ZZZ", "9", "DME1", "2023-01-01"),
    ]
    return pd.DataFrame(
        rows, columns=["participation_id", "source", "record_id", "program_id", "start_date"]
    )


def placements() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "placement_id": ["PL1", "PL2", "PL3"],
            "source": ["KP2MI"] * 3,
            "record_id": ["1", "2", "3"],
            "destination_country": ["TW", "JP", "MY"],
            "occupation": ["Caregiver", "Welder", "Welder"],
            "employer": ["Care Co", "Steel <Works>", "Shipyard"],
            "departure_date": ["2019-01-01", "2021-05-01", "2020-01-01"],
            "return_date": ["2022-06-01", None, None],
        }
    )


def overview():  # type: ignore[no-untyped-def]
    return programme_overview(clusters(), participations(), programmes(), placements())


def test_unique_persons_beside_naive_counts() -> None:
    persons = overview().persons.set_index("program_type")
    dme = persons.loc["DESA_MIGRAN_EMAS"]
    assert dme["ministry"] == "KEMENDES"
    assert dme["participations"] == 3
    assert dme["records"] == 3
    assert dme["persons"] == 2
    assert dme["double_counted"] == 1
    assert persons.loc["PRE_DEPARTURE_TRAINING", "persons"] == 2
    assert persons.loc["BUSINESS_CAPITAL", "persons"] == 1
    # Largest first.
    assert list(overview().persons["persons"]) == sorted(overview().persons["persons"])[::-1]


def test_by_ministry_and_by_programme() -> None:
    ov = overview()
    ministry = ov.by_ministry.set_index("ministry")
    assert ministry.loc["KEMENDES", "persons"] == 2
    assert ministry.loc["KEMENDES", "records"] == 3
    prog = ov.by_programme.set_index("program_id")
    assert prog.loc["DME1", "name"] == "Desa Migran Emas Sukamaju"
    assert prog.loc["DME1", "program_type"] == "DESA_MIGRAN_EMAS"
    assert prog.loc["DME1", "persons"] == 2


def test_overlap_matrix_counts_persons() -> None:
    overlap = overview().overlap
    assert overlap.loc["DESA_MIGRAN_EMAS", "DESA_MIGRAN_EMAS"] == 2
    assert overlap.loc["DESA_MIGRAN_EMAS", "BUSINESS_CAPITAL"] == 1
    assert overlap.loc["BUSINESS_CAPITAL", "DESA_MIGRAN_EMAS"] == 1
    assert overlap.loc["PRE_DEPARTURE_TRAINING", "PLACEMENT"] == 2
    assert overlap.loc["PLACEMENT", "PLACEMENT"] == 3
    assert overlap.loc["PRE_DEPARTURE_TRAINING", "DESA_MIGRAN_EMAS"] == 0
    assert list(overlap.index) == list(overlap.columns)


def test_headline_overlaps() -> None:
    ov = overview()
    assert list(ov.headlines["headline"]) == list(HEADLINE_OVERLAPS)
    assert ov.headline("desa_migran_emas_with_business_support") == 1  # P1
    # P3 trained 2021-02 then left 2021-05; P4 trained after leaving: not counted.
    assert ov.headline("trained_then_placed") == 1
    assert ov.headline("welding_trained_then_placed") == 1
    # P1 returned 2022-06 and got capital 2023-06.
    assert ov.headline("returned_then_business_support") == 1
    assert ov.total_persons == 4
    assert ov.unmatched == 1  # the ZZZ participation
    with pytest.raises(KeyError):
        ov.headline("nope")


def test_without_placements_placement_headlines_are_missing() -> None:
    ov = programme_overview(clusters(), participations(), programmes())
    assert ov.headline("trained_then_placed") is None
    assert ov.headline("desa_migran_emas_with_business_support") == 1
    assert "PLACEMENT" not in ov.overlap.columns
    assert ov.notes


def test_missing_programme_type_is_a_schema_error() -> None:
    with pytest.raises(SchemaError, match="program_type"):
        programme_overview(clusters(), participations())


def test_journey_in_time_order_across_ministries() -> None:
    recs = pd.DataFrame(
        {
            "source": ["KP2MI", "KEMENDES", "KEMENKOP", "KEMENDES"],
            "record_id": ["1", "a", "x", "b"],
            "full_name": ["Siti Aminah", "SITI AMINAH", "Siti Aminah", "Other"],
            "nik": ["3201014101900001", None, None, None],
        }
    )
    table = journey("P1", clusters(), recs, participations(), placements(), programmes=programmes())
    assert list(table.columns) == [
        "date",
        "event",
        "source",
        "record_id",
        "ministry",
        "program_type",
        "programme",
        "detail",
    ]
    assert list(table["event"]) == [
        "record",
        "record",
        "record",
        "departure",
        "return",
        "participation",
        "participation",
    ]
    assert list(table["record_id"][:3]) == ["a", "x", "1"]
    assert list(table["date"][3:].dt.strftime("%Y-%m-%d")) == [
        "2019-01-01",
        "2022-06-01",
        "2023-01-01",
        "2023-06-01",
    ]
    assert list(table["ministry"][3:]) == ["KP2MI", "KP2MI", "KEMENDES", "KEMENKOP"]
    assert table.loc[5, "programme"] == "Desa Migran Emas Sukamaju"
    assert table.loc[5, "program_type"] == "DESA_MIGRAN_EMAS"
    assert "to TW" in table.loc[3, "detail"] and "as Caregiver" in table.loc[3, "detail"]
    record_kp2mi = table[(table["event"] == "record") & (table["source"] == "KP2MI")].iloc[0]
    assert record_kp2mi["ministry"] == "KP2MI"
    assert "NIK 3201014101900001" in record_kp2mi["detail"]


def test_journey_of_unknown_person() -> None:
    with pytest.raises(SchemaError, match="P99"):
        journey("P99", clusters(), pd.DataFrame({"source": [], "record_id": []}))
