"""Zero configuration on any person data: profiles, date range, derived-column collisions."""

from __future__ import annotations

import pandas as pd
import pytest

from migrant_records.errors import ConfigError, SchemaError
from migrant_records.standardize import standardize
from migrant_records.standardize.person_columns import recognize_person_columns


def test_user_column_named_like_a_derived_column_is_kept_under_a_new_name() -> None:
    frame = pd.DataFrame(
        {"full_name": ["Ann Lee"], "birth_date": ["1990-05-12"], "dob": ["my own value"]}
    )
    out = standardize(frame, reference_date="2026-01-01")
    assert out["input_dob"].tolist() == ["my own value"]
    assert str(out["dob"].iloc[0].date()) == "1990-05-12"
    assert out.attrs["renamed_columns"] == {"dob": "input_dob"}


def test_collision_that_cannot_be_set_aside_is_refused_clearly() -> None:
    frame = pd.DataFrame({"full_name": ["Ann Lee"], "dob": ["x"], "input_dob": ["y"]})
    with pytest.raises(SchemaError, match="input_dob"):
        standardize(frame)


def test_pre_1900_date_is_parsed_when_the_range_allows_it() -> None:
    frame = pd.DataFrame(
        {"full_name": ["Ann Lee", "Bo Chen"], "birth_date": ["1850-03-04", "12/06/1788"]}
    )
    default = standardize(frame, reference_date="2026-01-01")
    assert default["dob"].isna().all()
    assert set(default["dob_reason"]) == {"impossible"}
    wide = standardize(frame, reference_date="2026-01-01", min_year=1700)
    assert wide["dob"].dt.strftime("%Y-%m-%d").tolist() == ["1850-03-04", "1788-06-12"]
    with pytest.raises(ConfigError, match="1678"):
        standardize(frame, min_year=1600)


def test_generic_profile_keeps_english_names_as_written() -> None:
    frame = pd.DataFrame(
        {"full_name": ["Charles Tjoe"], "given_name": ["Charles"], "surname": ["Tjoe"]}
    )
    out = standardize(frame)
    assert out.attrs["profile"] == "generic"
    assert out["name_norm"].tolist() == ["charles tjoe"]
    indonesian = standardize(frame, profile="indonesia")
    assert indonesian["name_norm"].tolist() != ["charles tjoe"]  # ch -> kh, tj -> c
    worker = standardize(pd.DataFrame({"full_name": ["MOCH. DJOKO SOESILO"]}))
    assert worker.attrs["profile"] == "indonesia"
    assert worker["name_norm"].tolist() == ["muhammad joko susilo"]


def test_generic_person_columns_are_recognised_by_name_and_content() -> None:
    frame = pd.DataFrame(
        {
            "full_name": ["Ann Lee", "Bo Chen"],
            "First Name": ["Ann", "Bo"],
            "last_name": ["Lee", "Chen"],
            "ZIP": ["02139", "94105"],
            "SSN": ["123-45-6789", None],
            "contact": ["ann@example.org", "bo@example.com"],
        }
    )
    roles = recognize_person_columns(frame, exclude=frozenset({"full_name"}))
    assert roles == {
        "given_name": "First Name",
        "surname": "last_name",
        "postcode": "ZIP",
        "email": "contact",
        "national_id": "SSN",
    }
    out = standardize(frame)
    assert out["national_id_norm"].tolist() == ["123456789", None]
    assert out["email_norm"].tolist() == ["ann@example.org", "bo@example.com"]


def test_parts_standardised_with_the_whole_data_s_decisions_equal_the_whole() -> None:
    """An engine standardising records in parts passes the profile and person columns decided
    on all records; each part then equals the same rows of the whole."""
    from migrant_records.schemas import CANONICAL_COLUMNS
    from migrant_records.standardize.core import (
        choose_profile,
        profile_evidence,
        profile_from_evidence,
    )

    frame = pd.DataFrame(
        {
            "full_name": ["Ann Lee", "Bo Chen", "Cy Diaz", "Di Eve"],
            "surname": ["Lee", "Chen", "Diaz", "Eve"],
            "occupation": [None, None, "nurse", "cook"],
            "phone": ["+1 617 555 0101", None, "0812 3456 789", "+1 415 555 0199"],
        }
    )
    whole = standardize(frame)
    parts = [frame.iloc[:2], frame.iloc[2:]]
    sums = [sum(v) for v in zip(*(profile_evidence(p) for p in parts))]
    assert profile_from_evidence((sums[0], sums[1], sums[2], sums[3])) == choose_profile(frame)
    roles = recognize_person_columns(frame, exclude=frozenset(CANONICAL_COLUMNS))
    assert set(roles) == {"surname", "occupation"}
    first = standardize(parts[0], profile=choose_profile(frame), person_columns=roles)
    alone = standardize(parts[0])
    assert "occupation_norm" not in alone.columns  # the part alone has no occupation
    assert first.columns.tolist() == whole.columns.tolist()
    pd.testing.assert_frame_equal(first, whole.iloc[:2], check_dtype=False)
