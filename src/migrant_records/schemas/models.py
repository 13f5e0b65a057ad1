"""Pydantic v2 models and enums for worker records, programmes and placements."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from migrant_records.schemas.countries import ISO_ALPHA2

__all__ = [
    "CANONICAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "Ministry",
    "Participation",
    "Placement",
    "Program",
    "ProgramType",
    "Sex",
    "SourceDataset",
    "WorkerRecord",
]

CANONICAL_COLUMNS: tuple[str, ...] = (
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
"""The columns of a canonical worker-record frame, in order."""

REQUIRED_COLUMNS: tuple[str, ...] = ("source", "record_id", "full_name")
"""Canonical columns that must be present and non-blank in every record."""

NonBlank = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
"""A string that is not empty after stripping whitespace."""


class _CaseInsensitiveEnum(str, Enum):
    """A string enum that also accepts its values in any case, with surrounding spaces."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if isinstance(value, str):
            wanted = value.strip().upper().replace(" ", "_").replace("-", "_")
            for member in cls:
                if member.value == wanted:
                    return member
        return None


class Ministry(_CaseInsensitiveEnum):
    """The institution that holds a dataset.

    Examples:
        >>> Ministry("kp2mi")
        <Ministry.KP2MI: 'KP2MI'>
    """

    KP2MI = "KP2MI"
    """Ministry of Protection of Indonesian Migrant Workers (placements, SISKOP2MI)."""
    KEMENDES = "KEMENDES"
    """Ministry of Villages (Desa Migran Emas)."""
    KEMENKOP = "KEMENKOP"
    """Ministry of Cooperatives and SMEs (business capital, cooperatives)."""
    KEMENPAREKRAF = "KEMENPAREKRAF"
    """Ministry of Tourism and Creative Economy (hospitality training)."""
    BPS = "BPS"
    """Statistics Indonesia (surveys)."""
    KEMNAKER = "KEMNAKER"
    """Ministry of Manpower (training, certification)."""
    DUKCAPIL = "DUKCAPIL"
    """Civil registration (population register)."""
    OTHER = "OTHER"
    """Any other institution (campus Migran Centres, local government, ...)."""


class ProgramType(_CaseInsensitiveEnum):
    """The kind of programme a worker took part in."""

    MIGRAN_CENTRE = "MIGRAN_CENTRE"
    DESA_MIGRAN_EMAS = "DESA_MIGRAN_EMAS"
    PRE_DEPARTURE_TRAINING = "PRE_DEPARTURE_TRAINING"
    CERTIFICATION = "CERTIFICATION"
    PLACEMENT = "PLACEMENT"
    BUSINESS_CAPITAL = "BUSINESS_CAPITAL"
    COOPERATIVE = "COOPERATIVE"
    SURVEY = "SURVEY"
    OTHER = "OTHER"


class Sex(_CaseInsensitiveEnum):
    """Sex as recorded: ``M`` (male, *laki-laki*) or ``F`` (female, *perempuan*)."""

    M = "M"
    F = "F"


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


class _Base(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, use_enum_values=False)


class WorkerRecord(_Base):
    """One person record as a ministry holds it, in the canonical columns.

    All values are strings as read from the source (the standardiser parses NIK, dates and
    phones later); only ``source``, ``record_id`` and ``full_name`` are required. Blank
    optional values become ``None``. Extra fields are allowed and kept.

    Examples:
        >>> r = WorkerRecord(source="KP2MI", record_id="17", full_name="Siti Aminah",
        ...                  nik="3201234567890001", kecamatan_asal="Cibinong")
        >>> r.nik, r.model_extra
        ('3201234567890001', {'kecamatan_asal': 'Cibinong'})
    """

    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)

    source: NonBlank = Field(description="Name of the source dataset, e.g. 'KP2MI'.")
    record_id: NonBlank = Field(description="Identifier of the record within its source.")
    nik: str | None = Field(None, description="NIK (16-digit national identity number) as given.")
    full_name: NonBlank = Field(description="Full name as written in the source.")
    sex: str | None = Field(None, description="Sex as given (L/P, M/F, laki-laki, ...).")
    birth_date: str | None = Field(None, description="Date of birth as given, any format.")
    birth_place: str | None = Field(None, description="Place of birth (or a combined TTL value).")
    phone: str | None = Field(None, description="Phone / WhatsApp number as given.")
    passport_no: str | None = Field(None, description="Passport number.")
    address: str | None = Field(None, description="Street address.")
    village: str | None = Field(None, description="Desa / kelurahan.")
    district: str | None = Field(None, description="Kecamatan.")
    regency: str | None = Field(None, description="Kabupaten / kota.")
    province: str | None = Field(None, description="Provinsi.")
    mother_name: str | None = Field(None, description="Mother's name (nama ibu kandung).")

    @field_validator(
        "nik",
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
        mode="before",
    )
    @classmethod
    def _optional_blank(cls, value: Any) -> Any:
        return _blank_to_none(value)


class Program(_Base):
    """One programme (a row of the programmes table).

    Examples:
        >>> Program(program_id="P1", name="Desa Migran Emas Cibinong",
        ...         program_type="DESA_MIGRAN_EMAS", ministry="KEMENDES", year=2024).ministry
        <Ministry.KEMENDES: 'KEMENDES'>
    """

    program_id: NonBlank = Field(description="Identifier of the programme.")
    name: NonBlank = Field(description="Name of the programme.")
    program_type: ProgramType = Field(description="Kind of programme.")
    ministry: Ministry = Field(description="Institution running the programme.")
    location: str | None = Field(None, description="Where it ran (village, campus, city).")
    regency_code: str | None = Field(None, description="Kemendagri regency code 'PP.KK'.")
    year: int | None = Field(None, ge=1945, le=2100, description="Year the programme ran.")

    @field_validator("location", "regency_code", mode="before")
    @classmethod
    def _optional_blank(cls, value: Any) -> Any:
        return _blank_to_none(value)


class Participation(_Base):
    """One worker record taking part in one programme.

    ``(source, record_id)`` refers to a worker record. Dates are ISO ``YYYY-MM-DD`` (or
    ``datetime.date``); ``end_date`` may not be before ``start_date``.
    """

    participation_id: NonBlank = Field(description="Identifier of the participation.")
    source: NonBlank = Field(description="Source of the worker record.")
    record_id: NonBlank = Field(description="Worker record within that source.")
    program_id: NonBlank = Field(description="The programme (``Program.program_id``).")
    program_type: ProgramType | None = Field(None, description="Kind of programme.")
    ministry: Ministry | None = Field(None, description="Institution running it.")
    start_date: dt.date | None = Field(None, description="First day of participation.")
    end_date: dt.date | None = Field(None, description="Last day of participation.")
    status: str | None = Field(None, description="Status as given (e.g. 'completed').")

    @field_validator("program_type", "ministry", "start_date", "end_date", "status", mode="before")
    @classmethod
    def _optional_blank(cls, value: Any) -> Any:
        return _blank_to_none(value)

    @model_validator(mode="after")
    def _dates_in_order(self) -> Participation:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValueError(f"end_date {self.end_date} is before start_date {self.start_date}")
        return self


class Placement(_Base):
    """One overseas placement of a worker record.

    ``destination_country`` is an ISO 3166-1 alpha-2 code (upper-cased on input, checked
    against the official list); ``return_date`` may not be before ``departure_date``.

    Examples:
        >>> Placement(placement_id="X1", source="KP2MI", record_id="17",
        ...           destination_country="tw", departure_date="2022-03-01").destination_country
        'TW'
    """

    placement_id: NonBlank = Field(description="Identifier of the placement.")
    source: NonBlank = Field(description="Source of the worker record.")
    record_id: NonBlank = Field(description="Worker record within that source.")
    destination_country: str = Field(
        description="Destination country, ISO 3166-1 alpha-2 (e.g. 'MY', 'TW', 'HK').",
        min_length=2,
        max_length=2,
    )
    occupation: str | None = Field(None, description="Job title.")
    sector: str | None = Field(None, description="Formal / informal sector or industry.")
    employer: str | None = Field(None, description="Employer or placement agency.")
    departure_date: dt.date | None = Field(None, description="Date of departure.")
    return_date: dt.date | None = Field(None, description="Date of return.")
    status: str | None = Field(None, description="Status as given (e.g. 'returned').")

    @field_validator(
        "occupation", "sector", "employer", "departure_date", "return_date", "status", mode="before"
    )
    @classmethod
    def _optional_blank(cls, value: Any) -> Any:
        return _blank_to_none(value)

    @field_validator("destination_country", mode="before")
    @classmethod
    def _country_upper(cls, value: Any) -> Any:
        if isinstance(value, str):
            return value.strip().upper()
        return value

    @field_validator("destination_country")
    @classmethod
    def _country_known(cls, value: str) -> str:
        if value not in ISO_ALPHA2:
            raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code (e.g. MY, TW)")
        return value

    @model_validator(mode="after")
    def _dates_in_order(self) -> Placement:
        if self.departure_date and self.return_date and self.return_date < self.departure_date:
            raise ValueError(
                f"return_date {self.return_date} is before departure_date {self.departure_date}"
            )
        return self


class SourceDataset(_Base):
    """Describes one extract: which ministry, which extract, when, and what it holds.

    Examples:
        >>> SourceDataset(ministry="KP2MI", name="siskop2mi_2024q1",
        ...               extract_date="2024-04-02").extract_date
        datetime.date(2024, 4, 2)
    """

    ministry: Ministry = Field(description="Institution that holds the data.")
    name: NonBlank = Field(description="Name of the extract (used as the record ``source``).")
    extract_date: dt.date | None = Field(None, description="Date the extract was taken.")
    description: str | None = Field(None, description="Free-text description of the contents.")

    @field_validator("extract_date", "description", mode="before")
    @classmethod
    def _optional_blank(cls, value: Any) -> Any:
        return _blank_to_none(value)
