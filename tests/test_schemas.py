"""Tests for migrant_records.schemas: models, enums, constants, JSON Schema export."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest
from pydantic import ValidationError

import migrant_records.schemas as schemas
from migrant_records.errors import ConfigError
from migrant_records.schemas import (
    CANONICAL_COLUMNS,
    ISO_ALPHA2,
    REQUIRED_COLUMNS,
    Ministry,
    Participation,
    Placement,
    Program,
    ProgramType,
    Sex,
    SourceDataset,
    WorkerRecord,
    json_schema,
)


def test_canonical_columns_order_and_required() -> None:
    assert CANONICAL_COLUMNS == (
        "source",
        "record_id",
        "nik",
        "full_name",
        "sex",
        "birth_date",
        "birth_place",
        "phone",
        "passport_no",
        "address",
        "village",
        "district",
        "regency",
        "province",
        "mother_name",
    )
    assert REQUIRED_COLUMNS == ("source", "record_id", "full_name")
    assert tuple(WorkerRecord.model_fields) == CANONICAL_COLUMNS


def test_worker_record_keeps_text_and_extras() -> None:
    r = WorkerRecord(
        source="KP2MI",
        record_id="7",
        full_name="  Siti Aminah ",
        nik="0012345678901234",
        phone="",
        kecamatan_asal="Kroya",
    )
    assert r.full_name == "Siti Aminah"
    assert r.nik == "0012345678901234"  # leading zeros kept
    assert r.phone is None  # blank optional -> None
    assert r.model_extra == {"kecamatan_asal": "Kroya"}
    assert r.model_dump()["kecamatan_asal"] == "Kroya"


@pytest.mark.parametrize("field", ["source", "record_id", "full_name"])
def test_worker_record_required_fields_must_be_non_blank(field: str) -> None:
    values = {"source": "KP2MI", "record_id": "1", "full_name": "Siti"}
    values[field] = "   "
    with pytest.raises(ValidationError) as info:
        WorkerRecord(**values)
    assert info.value.errors()[0]["loc"] == (field,)
    assert field in str(info.value)


def test_worker_record_missing_required_names_field() -> None:
    with pytest.raises(ValidationError) as info:
        WorkerRecord(source="KP2MI", record_id="1")  # type: ignore[call-arg]
    assert "full_name" in str(info.value)


def test_enums_values_and_case_insensitive() -> None:
    assert [m.value for m in Ministry] == [
        "KP2MI",
        "KEMENDES",
        "KEMENKOP",
        "KEMENPAREKRAF",
        "BPS",
        "KEMNAKER",
        "DUKCAPIL",
        "OTHER",
    ]
    assert {p.value for p in ProgramType} >= {"MIGRAN_CENTRE", "DESA_MIGRAN_EMAS", "SURVEY"}
    assert len(ProgramType) == 9
    assert [s.value for s in Sex] == ["M", "F"]
    assert Ministry(" kemendes ") is Ministry.KEMENDES
    assert ProgramType("desa migran emas") is ProgramType.DESA_MIGRAN_EMAS
    assert Sex("f") is Sex.F
    with pytest.raises(ValueError):
        Sex("X")


def test_program_model() -> None:
    p = Program(
        program_id="P1",
        name="Desa Migran Emas Kroya",
        program_type="desa_migran_emas",
        ministry="KEMENDES",
        regency_code="33.01",
        year=2024,
    )
    assert p.program_type is ProgramType.DESA_MIGRAN_EMAS
    assert p.ministry is Ministry.KEMENDES
    with pytest.raises(ValidationError) as info:
        Program(program_id="P1", name="x", program_type="NOPE", ministry="KP2MI")
    assert "program_type" in str(info.value)


def test_participation_dates() -> None:
    p = Participation(
        participation_id="X1",
        source="KEMENDES",
        record_id="9",
        program_id="P1",
        start_date="2024-01-10",
        end_date="2024-03-01",
        status="",
    )
    assert p.start_date == dt.date(2024, 1, 10)
    assert p.status is None
    with pytest.raises(ValidationError, match="end_date"):
        Participation(
            participation_id="X1",
            source="KEMENDES",
            record_id="9",
            program_id="P1",
            start_date="2024-03-01",
            end_date="2024-01-01",
        )


def test_placement_country_and_dates() -> None:
    p = Placement(
        placement_id="PL1",
        source="KP2MI",
        record_id="1",
        destination_country=" tw ",
        departure_date="2021-05-01",
        return_date=dt.date(2023, 5, 1),
    )
    assert p.destination_country == "TW"
    assert p.departure_date == dt.date(2021, 5, 1)
    for bad in ("XX", "Taiwan", "AC"):  # AC is a phone region, not an ISO country
        with pytest.raises(ValidationError) as info:
            Placement(placement_id="PL1", source="KP2MI", record_id="1", destination_country=bad)
        assert info.value.errors()[0]["loc"] == ("destination_country",)
    with pytest.raises(ValidationError, match="return_date"):
        Placement(
            placement_id="PL1",
            source="KP2MI",
            record_id="1",
            destination_country="MY",
            departure_date="2022-01-01",
            return_date="2021-12-31",
        )
    with pytest.raises(ValidationError, match="departure_date"):
        Placement(
            placement_id="PL1",
            source="KP2MI",
            record_id="1",
            destination_country="MY",
            departure_date="not a date",
        )


def test_iso_list_is_the_official_one() -> None:
    assert len(ISO_ALPHA2) == 249
    assert {"ID", "MY", "SG", "HK", "TW", "SA", "AE", "JP", "KR", "AQ"} <= ISO_ALPHA2
    assert not {"UK", "XK", "AC", "EU"} & ISO_ALPHA2


def test_source_dataset() -> None:
    s = SourceDataset(ministry="bps", name="sakernas_2023", extract_date="2023-08-31")
    assert s.ministry is Ministry.BPS
    assert s.extract_date == dt.date(2023, 8, 31)
    assert s.description is None


def test_json_schema_export() -> None:
    schema = json.loads(json_schema("WorkerRecord"))
    assert schema["title"] == "WorkerRecord"
    assert schema["required"] == ["source", "record_id", "full_name"]
    assert list(schema["properties"]) == list(CANONICAL_COLUMNS)
    assert schema["additionalProperties"] is True
    placement = json.loads(json_schema("placement"))  # case-insensitive
    assert placement["properties"]["destination_country"]["maxLength"] == 2
    for name in schemas.MODELS:
        assert json.loads(json_schema(name))["title"] == name


def test_json_schema_unknown_name_lists_valid_ones() -> None:
    with pytest.raises(ConfigError) as info:
        json_schema("Worker")
    message = str(info.value)
    assert "'Worker'" in message
    for name in ("WorkerRecord", "Program", "Participation", "Placement", "SourceDataset"):
        assert name in message


def test_json_schema_command_line() -> None:
    code = "import migrant_records.schemas as s; print(s.json_schema('WorkerRecord'))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out)["title"] == "WorkerRecord"
