"""The prior rule picks the strongest exact-agreement pattern, with or without a NIK."""

from __future__ import annotations

from migrant_records.compare import (
    Address,
    BirthDate,
    Comparator,
    Exact,
    Nik,
    PersonName,
    StringSimilarity,
)
from migrant_records.model import Rule
from migrant_records.model.prior import default_prior_rule as _rule


def default_prior_rule(comps: list[Comparator]) -> Rule | None:
    return _rule([c.name for c in comps], [c.labels for c in comps])


def test_nik_rule_when_there_is_a_nik() -> None:
    rule = default_prior_rule([PersonName(), Nik(), BirthDate()])
    assert rule is not None and rule.name == "same_nik_and_name"
    assert rule.conditions["nik"] == (">=", 4)


def test_national_id_rule_for_generic_person_data() -> None:
    comps = [
        PersonName(),
        BirthDate(),
        StringSimilarity("national_id_norm", "damerau_levenshtein", (0.7,), name="national_id"),
    ]
    rule = default_prior_rule(comps)
    assert rule is not None and rule.name == "same_national_id_and_name"
    assert rule.conditions["national_id"] == (">=", 2)


def test_name_and_birth_date_rule_without_any_identifier() -> None:
    rule = default_prior_rule([PersonName(), BirthDate(), Address()])
    assert rule is not None and rule.name == "same_name_birth_date_and_address"
    assert set(rule.conditions) == {"name", "birth_date", "address"}
    assert default_prior_rule([PersonName(), Exact("postcode")]) is None
    # without level labels only the NIK rule is available
    assert _rule(["name", "birth_date"]) is None
    nik_rule = _rule(["nik", "name"])
    assert nik_rule is not None and nik_rule.name == "same_nik_and_name"
