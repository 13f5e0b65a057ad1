"""How each synthetic ministry dataset looks and how dirty it is.

:data:`ERROR_PROFILES` holds, for every source, the rate of every deliberate error. A rate
is the probability that one record gets that error *among the records where the error can
happen* (a Muhammad variant needs a name with ``Muhammad``, a day/month swap needs a day of
12 or less that differs from the month, an initial needs a name of two or more tokens).
The NIK errors (``nik_missing``, ``nik_typo``, ``nik_transposed``, ``nik_kk``,
``nik_excel``) exclude each other, as do the two-error combinations (``two_*``, drawn only
for records whose name no single error changed); the others are drawn independently.
``docs/synthetic-data.md`` says how the rates were chosen.

:data:`SOURCE_STYLES` holds the formats each source uses for dates, sex, names, regions
and phone numbers: they are not errors, just how that ministry keeps its data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["ERRORS", "ERROR_PROFILES", "SOURCES", "SOURCE_STYLES", "SourceStyle"]

SOURCES: tuple[str, ...] = (
    "kp2mi_placements",
    "kemendes_dme",
    "kemenkop_capital",
    "kemenpar_training",
    "bps_survey",
    "migran_centre",
)
"""The synthetic source datasets, in output order."""

ERRORS: dict[str, str] = {
    "name_old_spelling": "pre-1972 spelling of the name (u->oe, j->dj, c->tj, y->j, kh->ch)",
    "name_muhammad": "Muhammad written Moch., Muh., M., Mochammad, Mohamad, ... (names with it)",
    "name_title": "a title added: H./Hj. before, or S.Pd / S.E. / A.Md. after the name",
    "name_patronym": "bin/binti (or bt.) and the father's name appended",
    "name_typo": "one character edit (substitution, deletion, insertion or transposition)",
    "name_initial": "one token before the last written as its initial (names of 2+ tokens)",
    "name_dropped": "only one token of a 2+ token name kept (mononym vs full name)",
    "name_upper": "name in upper case in a source that otherwise writes title case",
    "name_letter_swap": "two adjacent letters of a short (3-5 letter) name token swapped, the "
    "first two included (Rudi -> Urdi)",
    "two_typo_year": "two errors: one name character edit and the birth year off by one",
    "two_title_old_year": "three errors: a title (H./Hj.), the old spelling and the birth year "
    "off by one (names the old spelling changes)",
    "two_initial_swap": "two errors: one name token as its initial and the birth day and month "
    "swapped (names of 2+ tokens born on days 1-12)",
    "nik_missing": "NIK blank",
    "nik_typo": "one NIK digit changed",
    "nik_transposed": "two adjacent different NIK digits swapped",
    "nik_kk": "the family card (KK) number in place of the NIK (shared by the household)",
    "nik_excel": "NIK mangled by a spreadsheet: last digit zeroed or scientific notation",
    "birth_date_missing": "birth date blank",
    "date_swap": "day and month of the birth date swapped (days 1-12 that differ from month)",
    "sex_missing": "sex blank",
    "phone_missing": "phone blank",
    "phone_foreign": "the worker's foreign number abroad instead of the Indonesian one "
    "(people with one)",
    "address_missing": "address blank",
    "address_abbrev": "address abbreviated: Jl./Jln./Dsn./Kp., RT/RW shortened",
    "region_typo": "one character edit in the village, district or regency name",
    "region_missing": "village and district blank",
    "mother_missing": "mother's name blank (sources that hold it)",
    "birth_place_missing": "birth place blank",
    "duplicate": "the same person registered twice in the source (second record, new id)",
    "exact_duplicate": "a record copied verbatim with a new id (an import run twice); one in ten "
    "copied records is copied two to four times",
}
"""Every error the generator can apply, with what it does."""

_COMMON_NAME = {
    "name_old_spelling": 0.03,
    "name_muhammad": 0.35,
    "name_title": 0.02,
    "name_patronym": 0.02,
    "name_typo": 0.04,
    "name_initial": 0.02,
    "name_dropped": 0.04,
    "name_letter_swap": 0.015,
    "two_typo_year": 0.006,
    "two_title_old_year": 0.01,
    "two_initial_swap": 0.008,
}


def _profile(**rates: float) -> dict[str, float]:
    out = dict(_COMMON_NAME)
    out.update(rates)
    return out


ERROR_PROFILES: dict[str, dict[str, float]] = {
    "kp2mi_placements": _profile(
        name_old_spelling=0.02,
        name_typo=0.02,
        name_dropped=0.02,
        name_upper=0.0,
        nik_missing=0.01,
        nik_typo=0.01,
        nik_transposed=0.005,
        nik_kk=0.005,
        nik_excel=0.0,
        birth_date_missing=0.0,
        date_swap=0.01,
        sex_missing=0.0,
        phone_missing=0.03,
        phone_foreign=0.05,
        address_missing=0.01,
        address_abbrev=0.3,
        region_typo=0.01,
        region_missing=0.01,
        mother_missing=0.05,
        birth_place_missing=0.01,
        duplicate=0.0,
        exact_duplicate=0.005,
    ),
    "kemendes_dme": _profile(
        name_old_spelling=0.05,
        name_title=0.05,
        name_patronym=0.06,
        name_typo=0.05,
        name_dropped=0.06,
        name_upper=0.15,
        nik_missing=0.08,
        nik_typo=0.03,
        nik_transposed=0.02,
        nik_kk=0.04,
        nik_excel=0.0,
        birth_date_missing=0.03,
        date_swap=0.03,
        sex_missing=0.02,
        phone_missing=0.15,
        phone_foreign=0.10,
        address_missing=0.02,
        address_abbrev=0.6,
        region_typo=0.04,
        region_missing=0.02,
        mother_missing=0.3,
        birth_place_missing=0.03,
        duplicate=0.02,
        exact_duplicate=0.03,
    ),
    "kemenkop_capital": _profile(
        name_title=0.04,
        name_typo=0.04,
        name_upper=0.3,
        nik_missing=0.05,
        nik_typo=0.02,
        nik_transposed=0.01,
        nik_kk=0.02,
        nik_excel=0.03,
        birth_date_missing=0.05,
        date_swap=0.0,
        sex_missing=0.05,
        phone_missing=0.05,
        phone_foreign=0.05,
        address_missing=0.05,
        address_abbrev=0.7,
        region_typo=0.03,
        region_missing=0.05,
        mother_missing=1.0,
        birth_place_missing=0.2,
        duplicate=0.03,
        exact_duplicate=0.02,
    ),
    "kemenpar_training": _profile(
        name_typo=0.03,
        name_upper=0.1,
        nik_missing=0.15,
        nik_typo=0.02,
        nik_transposed=0.01,
        nik_kk=0.01,
        nik_excel=0.0,
        birth_date_missing=0.02,
        date_swap=0.02,
        sex_missing=0.01,
        phone_missing=0.02,
        phone_foreign=0.05,
        address_missing=0.1,
        address_abbrev=0.5,
        region_typo=0.02,
        region_missing=0.1,
        mother_missing=1.0,
        birth_place_missing=0.05,
        duplicate=0.01,
        exact_duplicate=0.01,
    ),
    "bps_survey": _profile(
        name_old_spelling=0.04,
        name_typo=0.05,
        name_dropped=0.08,
        name_upper=0.0,
        nik_missing=0.25,
        nik_typo=0.02,
        nik_transposed=0.01,
        nik_kk=0.03,
        nik_excel=0.0,
        birth_date_missing=0.05,
        date_swap=0.05,
        sex_missing=0.0,
        phone_missing=0.3,
        phone_foreign=0.0,
        address_missing=0.0,
        address_abbrev=0.4,
        region_typo=0.01,
        region_missing=0.0,
        mother_missing=1.0,
        birth_place_missing=0.1,
        duplicate=0.0,
        exact_duplicate=0.02,
    ),
    "migran_centre": _profile(
        name_title=0.0,
        name_typo=0.03,
        name_upper=0.2,
        nik_missing=0.1,
        nik_typo=0.02,
        nik_transposed=0.01,
        nik_kk=0.01,
        nik_excel=0.0,
        birth_date_missing=0.02,
        date_swap=0.02,
        sex_missing=0.02,
        phone_missing=0.01,
        phone_foreign=0.0,
        address_missing=0.05,
        address_abbrev=0.5,
        region_typo=0.02,
        region_missing=0.05,
        mother_missing=1.0,
        birth_place_missing=0.05,
        duplicate=0.01,
        exact_duplicate=0.01,
    ),
}
"""Error rates per source: ``ERROR_PROFILES[source][error]`` (see :data:`ERRORS`)."""


@dataclass(frozen=True)
class SourceStyle:
    """How one ministry writes its data (formats, not errors).

    Attributes:
        ministry: The :class:`~migrant_records.schemas.Ministry` value.
        id_prefix: Prefix of the record ids.
        date_format: ``iso``, ``dmy_dash``, ``dmy_slash``, ``indonesian``, ``excel`` or
            ``iso_time``.
        sex_codes: The values written for (male, female).
        name_case: ``upper`` or ``title``.
        region_style: ``upper`` (``KABUPATEN CILACAP``), ``kab`` (``Kab. Cilacap``),
            ``plain`` (``Cilacap``) or ``mixed``.
        ttl_combined: Whether birth place and date are one ``TEMPAT/TGL LAHIR`` value
            (written into both columns).
        phone_formats: Weights of the phone formats ``0``, ``+62``, ``62``, ``dash``,
            ``space``, ``+62space``.
        has_passport: Whether the source holds passport numbers.
        has_mother: Whether the source holds the mother's name.
    """

    ministry: str
    id_prefix: str
    date_format: str
    sex_codes: tuple[str, str]
    name_case: str
    region_style: str
    ttl_combined: bool = False
    phone_formats: dict[str, float] = field(default_factory=dict)
    has_passport: bool = False
    has_mother: bool = False


SOURCE_STYLES: dict[str, SourceStyle] = {
    "kp2mi_placements": SourceStyle(
        ministry="KP2MI",
        id_prefix="SKP",
        date_format="iso",
        sex_codes=("L", "P"),
        name_case="upper",
        region_style="upper",
        phone_formats={"0": 0.6, "+62": 0.2, "62": 0.2},
        has_passport=True,
        has_mother=True,
    ),
    "kemendes_dme": SourceStyle(
        ministry="KEMENDES",
        id_prefix="DME-",
        date_format="dmy_dash",
        sex_codes=("LAKI-LAKI", "PEREMPUAN"),
        name_case="title",
        region_style="kab",
        ttl_combined=True,
        phone_formats={"0": 0.5, "dash": 0.2, "space": 0.1, "62": 0.2},
        has_mother=True,
    ),
    "kemenkop_capital": SourceStyle(
        ministry="KEMENKOP",
        id_prefix="KUKM/",
        date_format="excel",
        sex_codes=("Laki-laki", "Perempuan"),
        name_case="title",
        region_style="mixed",
        phone_formats={"0": 0.4, "+62": 0.3, "dash": 0.2, "+62space": 0.1},
    ),
    "kemenpar_training": SourceStyle(
        ministry="KEMENPAREKRAF",
        id_prefix="PAR",
        date_format="indonesian",
        sex_codes=("Pria", "Wanita"),
        name_case="title",
        region_style="plain",
        phone_formats={"0": 0.5, "+62": 0.3, "space": 0.2},
    ),
    "bps_survey": SourceStyle(
        ministry="BPS",
        id_prefix="R",
        date_format="dmy_slash",
        sex_codes=("1", "2"),
        name_case="upper",
        region_style="upper",
        phone_formats={"0": 0.9, "62": 0.1},
    ),
    "migran_centre": SourceStyle(
        ministry="OTHER",
        id_prefix="MC-",
        date_format="iso_time",
        sex_codes=("M", "F"),
        name_case="title",
        region_style="kab",
        phone_formats={"0": 0.3, "+62": 0.5, "62": 0.2},
    ),
}
"""Formats per source."""
