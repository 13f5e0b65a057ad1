"""Region names to Kemendagri codes."""

from __future__ import annotations

from typing import Any

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from migrant_records.standardize import normalize_place, resolve_region
from migrant_records.standardize.regions import REGION_COLUMNS, region_key


def resolve(**kwargs: object) -> pd.Series:
    series: dict[str, Any] = {k: pd.Series([v], dtype=object) for k, v in kwargs.items()}
    return resolve_region(**series).iloc[0]


def test_prefixes_and_full_hierarchy() -> None:
    row = resolve(
        province="Jawa Tengah",
        regency="Kab. Cilacap",
        district="Kec. Kroya",
        village="Desa Sikampuh",
    )
    assert row["province_code"] == "33"
    assert row["regency_code"] == "33.01"
    assert row["district_code"] == "33.01.06"
    assert row["village_code"] == "33.01.06.2001"
    assert row["region_reason"] is None


def test_typos_within_candidates() -> None:
    row = resolve(province="Jawa Tengh", regency="Cilacp", district="Kroja")
    assert (row["province_code"], row["regency_code"], row["district_code"]) == (
        "33",
        "33.01",
        "33.01.06",
    )


def test_mistyped_or_glued_prefixes() -> None:
    out = resolve_region(
        province=pd.Series(["Jawa Barat", "NTB", "Jawa Tengah", "Jawa Barat", "Jawa Timur"]),
        regency=pd.Series(
            [
                "KJAB. GARUT",
                "KAUPATEN LOMBOK TIMUR",
                "KABUPBATEN BREBES",
                "KABUPATENnINDRAMAYU",
                "KABUPATENNGAWI",
            ]
        ),
    )
    assert out["regency_code"].tolist() == ["32.05", "52.03", "33.29", "32.12", "35.21"]


def test_province_aliases() -> None:
    out = resolve_region(province=pd.Series(["DKI Jakarta", "Jateng", "NTB", "Prov. Jawa Timur"]))
    assert out["province_code"].tolist() == ["31", "33", "52", "35"]


def test_kota_and_kabupaten_are_different() -> None:
    out = resolve_region(
        province=pd.Series(["Jawa Timur"] * 4 + ["Jawa Barat"] * 2),
        regency=pd.Series(
            ["Kota Malang", "Kabupaten Malang", "Malang", "Malang", "Kota Cirebon", "Kab. Cirebon"]
        ),
        district=pd.Series([None, None, None, "Lowokwaru", None, None]),
    )
    assert out["regency_code"].tolist() == ["35.73", "35.07", None, "35.73", "32.74", "32.09"]
    assert out["region_reason"].tolist()[2] == "ambiguous_regency"
    assert out["province_code"].tolist()[2] == "35"  # what is known is kept
    assert out["district_code"].tolist()[3] == "35.73.05"


def test_ambiguous_and_unknown() -> None:
    out = resolve_region(
        province=pd.Series(["Jawa Tengah", "Atlantis", None]),
        village=pd.Series(["Sidomulyo", None, "Sidomulyo"]),
    )
    assert out["region_reason"].tolist() == [
        "ambiguous_village",
        "unknown_province",
        "ambiguous_village",
    ]
    assert out["province_code"].tolist() == ["33", None, None]


def test_district_fills_parents_and_alignment() -> None:
    out = resolve_region(district=pd.Series(["Lowokwaru"], index=[42]))
    assert out.index.tolist() == [42]
    assert list(out.columns) == list(REGION_COLUMNS)
    assert out.loc[42, "regency_code"] == "35.73" and out.loc[42, "province_code"] == "35"


def test_new_papua_province() -> None:
    row = resolve(province="Papua Selatan", regency="Merauke")
    assert (row["province_code"], row["regency_code"]) == ("93", "93.01")


def test_keys_and_places() -> None:
    assert region_key("KAB. CILACAP", 2) == "cilacap"
    assert region_key("Kecamatan Kroya", 3) == "kroya"
    assert region_key("Kota", 2) == "kota"
    assert normalize_place(pd.Series(["KAB. CILACAP", "Kota Malang", None])).tolist() == [
        "cilacap",
        "malang",
        None,
    ]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=15)), min_size=1, max_size=5))
def test_never_raises(values: list[str | None]) -> None:
    s = pd.Series(values, dtype=object)
    out = resolve_region(s, s, s, s)
    assert len(out) == len(values)
