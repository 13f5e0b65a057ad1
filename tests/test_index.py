"""The person index: incremental adds agree with dedupe, ids are stable, corrections and
erasure, lookups; every test runs on DuckDB and on PostgreSQL (see ``index_target``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import migrant_records as mr
from migrant_records.blocking import ExactBlock
from migrant_records.compare import get_comparator
from migrant_records.evaluate import pairwise_metrics
from migrant_records.index import (
    IndexSchemaError,
    PersonIndex,
    UnknownPersonError,
    UnknownRecordError,
)
from migrant_records.index.ids import assign_ids
from migrant_records.index.store import create_schema
from migrant_records.model import Rule, RuleModel
from migrant_records.synth import generate


@pytest.fixture(scope="module")
def synth():  # type: ignore[no-untyped-def]
    data = generate(people=500, seed=31)
    records = data.records().sample(frac=1.0, random_state=4).reset_index(drop=True)
    return data, records


@pytest.fixture(scope="module")
def trained(synth):  # type: ignore[no-untyped-def]
    _, records = synth
    matcher = mr.Matcher(progress=False, u_sample_pairs=250_000)
    result = matcher.dedupe(records)
    return matcher, result


def _pairs(clusters: pd.DataFrame) -> set[tuple[str, str]]:
    keys = clusters["source"].astype(str) + "|" + clusters["record_id"].astype(str)
    out: set[tuple[str, str]] = set()
    for members in keys.groupby(clusters["person_id"].to_numpy()).apply(sorted):
        out.update((a, b) for n, a in enumerate(members) for b in members[n + 1 :])
    return out


def test_twelve_monthly_batches_agree_with_one_shot_dedupe(index_target, synth, trained):  # type: ignore[no-untyped-def]
    data, records = synth
    matcher, one_shot = trained
    index = PersonIndex.create(index_target, matcher)
    for batch in np.array_split(np.arange(len(records)), 12):
        index.add(records.iloc[batch])
    crosswalk = index.crosswalk()
    assert len(crosswalk) == len(records)
    mine, theirs = _pairs(crosswalk), _pairs(one_shot.clusters)
    agreement = 2 * len(mine & theirs) / (len(mine) + len(theirs))
    assert agreement >= 0.995
    f1_index = pairwise_metrics(crosswalk, data.truth).f1
    f1_once = pairwise_metrics(one_shot.clusters, data.truth).f1
    assert abs(f1_index - f1_once) <= 0.003
    index.close()


def test_exact_copies_by_the_thousand_fold_as_dedupe_does(index_target, trained):  # type: ignore[no-untyped-def]
    matcher, _ = trained
    base = generate(people=150, seed=77).records()
    copies = []
    for row, n in ((5, 1500), (17, 40)):
        block = pd.concat([base.iloc[[row]]] * n, ignore_index=True)
        block["record_id"] = [f"copy{row}-{k}" for k in range(n)]
        copies.append(block)
    records = pd.concat([base, *copies], ignore_index=True)
    records = records.sample(frac=1.0, random_state=9).reset_index(drop=True)
    one_shot = matcher.dedupe(records)
    with PersonIndex.create(index_target, matcher) as index:
        for batch in np.array_split(np.arange(len(records)), 6):
            index.add(records.iloc[batch])
        crosswalk = index.crosswalk()
        assert len(crosswalk) == len(records)
        assert _pairs(crosswalk) == _pairs(one_shot.clusters)
        person = crosswalk[crosswalk["record_id"].str.startswith("copy5-")]["person_id"]
        assert person.nunique() == 1
        # erase the original and the first copy added (one of them is the representative):
        # the other copies stay one person, keep its id and are still found
        history = index.history()
        attached = history[(history["event"] == "attach") & history["record_id"].notna()]
        first = attached[attached["record_id"].str.startswith("copy5-")].iloc[0]
        original = (str(base["source"].iloc[5]), str(base["record_id"].iloc[5]))
        changes = index.remove([original, (first["source"], first["record_id"])])
        assert changes.merges.empty and changes.splits.empty
        after = index.crosswalk()
        kept = after[after["record_id"].str.startswith("copy5-")]["person_id"]
        assert len(kept) == 1499
        assert kept.nunique() == 1 and kept.iloc[0] == person.iloc[0]
        query = base.iloc[[5]].drop(columns=["source", "record_id"])
        assert index.lookup(query, k=1)["person_id"].tolist() == [person.iloc[0]]


def test_created_from_a_result_keeps_its_clusters(index_target, trained, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    from migrant_records.index import build

    matcher, result = trained

    def stored(index: PersonIndex) -> list[pd.DataFrame]:
        return [
            index._backend.query(f"SELECT {', '.join(cols)} FROM {table}")
            .sort_values(cols)
            .reset_index(drop=True)
            for table, cols in (("mr_tf", ["col", "value", "n"]), ("mr_keys", ["key", "rid"]))
        ]

    with PersonIndex.create(tmp_path / "whole.duckdb", matcher, result) as whole:
        expected = stored(whole)
    monkeypatch.setattr(build, "CHUNK", 97)  # written a slice at a time: the same index
    with PersonIndex.create(index_target, matcher, result) as index:
        assert _pairs(index.crosswalk()) == _pairs(result.clusters)
        for mine, theirs in zip(stored(index), expected):
            pd.testing.assert_frame_equal(mine, theirs, check_dtype=False)
        persons = index.persons()
        assert persons["person_id"].tolist()[0] == "P000000001"
        assert (persons["status"] == "active").all()


def test_re_adding_a_batch_changes_nothing(index_target, synth, trained):  # type: ignore[no-untyped-def]
    _, records = synth
    matcher, _ = trained
    with PersonIndex.create(index_target, matcher) as index:
        index.add(records.iloc[:300])
        before = (index.crosswalk(), index.persons(), len(index.history()))
        changes = index.add(records.iloc[:300])
        assert changes.unchanged == 300
        assert changes.events.empty
        pd.testing.assert_frame_equal(index.crosswalk(), before[0])
        pd.testing.assert_frame_equal(index.persons(), before[1])
        assert len(index.history()) == before[2]


def test_unrelated_records_change_no_existing_id(index_target, trained):  # type: ignore[no-untyped-def]
    matcher, _ = trained
    first = generate(people=150, seed=101).records()
    other = generate(people=150, seed=202).records()
    other["source"] = "other_" + other["source"].astype(str)
    with PersonIndex.create(index_target, matcher) as index:
        index.add(first)
        before = index.crosswalk()
        changes = index.add(other)
        after = index.crosswalk().merge(before, on=["source", "record_id"], suffixes=("", "_b"))
        assert len(after) == len(before)
        assert (after["person_id"] == after["person_id_b"]).all()
        assert changes.merges.empty and changes.splits.empty


# ---------------------------------------------------------------- id rules, deterministic
def _rule_matcher(records: pd.DataFrame) -> mr.Matcher:
    """Match on an exact NIK or an exact phone: who links to whom is known in advance."""
    nik, phone = get_comparator("nik"), get_comparator("phone")
    model = RuleModel(
        [
            Rule("nik", {"nik": len(nik.labels) - 1}),
            Rule("phone", {"phone": len(phone.labels) - 1}),
        ],
        comparator_names=["nik", "phone"],
    )
    blocking = [ExactBlock(["nik_id"], name="nik"), ExactBlock(["phone_e164"], name="phone")]
    matcher = mr.Matcher(blocking, [nik, phone], model, progress=False)
    return matcher.fit(records)


NIK_X = "3201014501900001"
PHONE_Y = "081234567890"


def _rec(rid: str, nik: str | None = None, phone: str | None = None) -> dict[str, object]:
    return {
        "source": "kp2mi",
        "record_id": rid,
        "full_name": "Siti Aminah",
        "nik": nik,
        "phone": phone,
        "sex": "F",
        "birth_date": "1990-01-05",
    }


@pytest.fixture
def xy_index(index_target):  # type: ignore[no-untyped-def]
    """Person X (two records sharing a NIK) and person Y (one record with a phone)."""
    start = pd.DataFrame(
        [
            _rec("x1", nik=NIK_X),
            _rec("x2", nik=NIK_X, phone="082222222222"),
            _rec("y1", phone=PHONE_Y),
        ]
    )
    matcher = _rule_matcher(start)
    index = PersonIndex.create(index_target, matcher)
    index.add(start.iloc[:2])
    index.add(start.iloc[2:])
    yield index
    index.close()


def _person(index: PersonIndex, rid: str, source: str = "kp2mi") -> str:
    cw = index.crosswalk().set_index(["source", "record_id"])["person_id"]
    return str(cw[(source, rid)])


def test_merge_keeps_the_earliest_id_and_the_other_resolves_to_it(xy_index):  # type: ignore[no-untyped-def]
    x, y = _person(xy_index, "x1"), _person(xy_index, "y1")
    assert (x, y) == ("P000000001", "P000000002")
    changes = xy_index.add(pd.DataFrame([_rec("z1", nik=NIK_X, phone=PHONE_Y)]))
    assert changes.merges[["person_id", "other_id"]].values.tolist() == [[x, y]]
    merge_id = int(changes.merges["event_id"].iloc[0])
    assert not changes.evidence_for(merge_id).empty  # the pair scores behind the merge
    assert {_person(xy_index, r) for r in ("x1", "x2", "y1", "z1")} == {x}
    assert xy_index.resolve(y) == x
    assert xy_index.resolve(x) == x
    history = xy_index.history(y)
    assert "merge" in history["event"].tolist()


def test_changes_since_last_run_are_read_back_with_their_evidence(xy_index, tmp_path):  # type: ignore[no-untyped-def]
    from migrant_records.explain import write_index_report

    added = xy_index.add(pd.DataFrame([_rec("z1", nik=NIK_X, phone=PHONE_Y)]))
    stored = xy_index.changes()
    assert stored.run_id == added.run_id and stored.operation == "add"
    assert {k: v for k, v in stored.summary().items() if k != "unchanged"} == {
        k: v for k, v in added.summary().items() if k != "unchanged"
    }
    assert stored.merges[["person_id", "other_id"]].values.tolist() == [
        ["P000000001", "P000000002"]
    ]
    columns = ["event_id", "source_a", "record_id_a", "source_b", "record_id_b"]
    assert sorted(map(tuple, stored.evidence[columns].astype(str).values.tolist())) == sorted(
        map(tuple, added.evidence[columns].astype(str).values.tolist())
    )
    assert stored.attached[["source", "record_id"]].values.tolist() == [["kp2mi", "z1"]]
    earlier = xy_index.changes(added.run_id - 1)  # the run that added y1
    assert earlier.new_persons["person_id"].tolist() == ["P000000002"]
    with pytest.raises(mr.errors.ConfigError, match="no run 99"):
        xy_index.changes(99)
    html = write_index_report(xy_index, tmp_path / "report.html").read_text(encoding="utf-8")
    assert 'id="changes"' in html and "Changes since last run" in html
    assert "Merges" in html and "kp2mi:z1" in html and "P000000002" in html


def test_split_keeps_the_id_with_most_earlier_records(xy_index):  # type: ignore[no-untyped-def]
    x = _person(xy_index, "x1")
    xy_index.add(pd.DataFrame([_rec("z1", nik=NIK_X, phone=PHONE_Y)]))
    # a correction: z1's phone was wrong, so y1 no longer belongs with the others
    changes = xy_index.update(pd.DataFrame([_rec("z1", nik=NIK_X, phone="089999999999")]))
    assert _person(xy_index, "x1") == x
    assert _person(xy_index, "z1") == x
    y_new = _person(xy_index, "y1")
    assert y_new not in (x, "P000000002")  # never reused, never renamed silently
    assert changes.splits[["person_id", "other_id"]].values.tolist() == [[y_new, x]]
    persons = xy_index.persons().set_index("person_id")
    assert persons.loc[y_new, "origin"] == x


def test_erasure_deletes_the_record_and_keeps_a_non_identifying_entry(xy_index):  # type: ignore[no-untyped-def]
    y = _person(xy_index, "y1")
    changes = xy_index.remove([("kp2mi", "y1")])
    assert changes.events["event"].tolist() == ["erase", "retire"]
    assert "y1" not in xy_index.crosswalk()["record_id"].tolist()
    assert xy_index.resolve(y) is None  # retired, never reused
    history = xy_index.history()
    assert "y1" not in history["record_id"].dropna().tolist()
    assert history["event"].tolist()[-2:] == ["erase", "retire"]
    backend = xy_index._backend
    backend.begin(write=False)
    try:
        assert backend.scalar("SELECT COUNT(*) FROM mr_records WHERE record_id = ?", ["y1"]) == 0
        rids = backend.query("SELECT rid FROM mr_history WHERE rid IS NOT NULL")["rid"].tolist()
        kept = backend.query("SELECT rid FROM mr_records")["rid"].tolist()
        assert set(rids) <= set(kept)
        ends = backend.query("SELECT a, b FROM mr_evidence")
        assert set(ends["a"]).union(ends["b"]) <= set(kept)
    finally:
        backend.rollback()
    with pytest.raises(UnknownRecordError):
        xy_index.remove([("kp2mi", "y1")])


def test_update_and_resolve_refuse_unknown_names(xy_index):  # type: ignore[no-untyped-def]
    with pytest.raises(UnknownRecordError, match="not in the index"):
        xy_index.update(pd.DataFrame([_rec("nobody", nik=NIK_X)]))
    with pytest.raises(UnknownPersonError):
        xy_index.resolve("P999999999")


def test_id_rules_on_their_own() -> None:
    # two earlier persons meet in one cluster; the earliest issued survives
    plan = assign_ids(
        np.array([0, 0, 0]),
        np.array(["P7", "P3", None], dtype=object),
        np.array([1, 2, 3]),
        {"P7": 7, "P3": 3},
        iter(["P9"]).__next__,
    )
    assert plan.person_of.tolist() == ["P3"] * 3
    assert plan.aliases == [("P7", "P3")]
    # a person splits 2:1; the larger part keeps the id, the smaller gets a new one
    plan = assign_ids(
        np.array([0, 1, 1]),
        np.array(["P3", "P3", "P3"], dtype=object),
        np.array([1, 2, 3]),
        {"P3": 3},
        iter(["P9"]).__next__,
    )
    assert plan.person_of.tolist() == ["P9", "P3", "P3"]
    assert plan.new_persons == [("P9", "P3")]
    # a tie goes to the part holding the earliest added record
    plan = assign_ids(
        np.array([1, 0]),
        np.array(["P3", "P3"], dtype=object),
        np.array([5, 4]),
        {"P3": 3},
        iter(["P9"]).__next__,
    )
    assert plan.person_of.tolist() == ["P9", "P3"]


# ---------------------------------------------------------------- lookup and schema
def test_lookup_finds_the_person_and_adds_nothing(index_target, synth, trained):  # type: ignore[no-untyped-def]
    _, records = synth
    matcher, _ = trained
    with PersonIndex.create(index_target, matcher) as index:
        index.add(records.iloc[:400])
        n = len(index)
        probe = records.iloc[10].to_dict()
        expected = _person(index, probe["record_id"], probe["source"])
        probe.pop("source")
        probe.pop("record_id")
        found = index.lookup(probe, k=3)
        assert expected in found["person_id"].tolist()
        assert found.set_index("person_id").loc[expected, "probability"] > 0.9
        assert found["rank"].tolist() == list(range(1, len(found) + 1))
        assert "nik" in found["explanation"].iloc[0]
        assert len(index) == n
        stranger = {"full_name": "Zzyzx Quortlebaum", "birth_date": "1901-02-03"}
        assert index.lookup(stranger).empty


def test_schema_version_is_checked(index_target, trained):  # type: ignore[no-untyped-def]
    matcher, _ = trained
    PersonIndex.create(index_target, matcher).close()
    index = PersonIndex.open(index_target)
    backend = index._backend
    backend.begin(write=True)
    backend.execute("UPDATE mr_meta SET value = '99' WHERE name = 'schema_version'")
    backend.commit()
    index.close()
    with pytest.raises(IndexSchemaError, match="Upgrade migrant-records"):
        PersonIndex.open(index_target)
    from migrant_records.index.core import connect

    backend = connect(index_target)
    backend.begin(write=True)
    backend.execute("UPDATE mr_meta SET value = '0' WHERE name = 'schema_version'")
    backend.commit()
    backend.close()
    with pytest.raises(IndexSchemaError, match="migrate=True"):
        PersonIndex.open(index_target)
    with pytest.raises(IndexSchemaError, match="No migration from schema version 0"):
        PersonIndex.open(index_target, migrate=True)
    with pytest.raises(IndexSchemaError, match="already holds a person index"):
        PersonIndex.create(index_target, matcher)


def test_create_needs_a_trained_matcher_and_open_an_index(tmp_path: Path) -> None:
    with pytest.raises(mr.errors.ModelError, match="trained matcher"):
        PersonIndex.create(tmp_path / "a.duckdb", mr.Matcher())
    with pytest.raises(mr.errors.ConfigError, match="No index at"):
        PersonIndex.open(tmp_path / "missing.duckdb")


def test_schema_creation_is_refused_twice(tmp_path: Path) -> None:
    from migrant_records.index.duck import DuckDBBackend

    backend = DuckDBBackend(tmp_path / "s.duckdb")
    create_schema(backend)
    with pytest.raises(IndexSchemaError):
        create_schema(backend)
    backend.close()


def test_keys_of_one_record_equal_the_keys_computed_for_a_frame(trained) -> None:  # type: ignore[no-untyped-def]
    from migrant_records.index.keys import block_keys

    matcher, result = trained
    frame = result.records.head(150)
    together = block_keys(matcher.blocking_, frame)
    for pos in range(len(frame)):
        alone = block_keys(matcher.blocking_, frame.iloc[[pos]].reset_index(drop=True))
        expected = together[together["pos"] == pos]
        assert sorted(alone["key"].tolist()) == sorted(expected["key"].tolist()), pos


def test_clustering_reads_every_column_the_conflict_rule_needs(trained) -> None:  # type: ignore[no-untyped-def]
    from migrant_records.cluster import conflict_attributes
    from migrant_records.index._engine import CLUSTER_COLUMNS

    _, result = trained
    records = result.records
    stored = records[[c for c in CLUSTER_COLUMNS if c in records.columns]]
    pd.testing.assert_frame_equal(conflict_attributes(stored), conflict_attributes(records))


# ---------------------------------------------------------------- the lookup fast path
def test_one_record_lookups_equal_a_lookup_of_the_whole_frame(  # type: ignore[no-untyped-def]
    index_target, synth, trained, assert_lookups_agree
):
    # a frame of many records takes the batch path (keys in a temporary table, every
    # setting read afresh); one record takes the one-query path with the settings kept
    # between calls: both must give the same persons, scores and explanations
    _, records = synth
    matcher, _ = trained
    with PersonIndex.create(index_target, matcher) as index:
        index.add(records.iloc[:500])
        probes = records.iloc[480:520].drop(columns=["source", "record_id"])
        probes = probes.reset_index(drop=True)
        together = assert_lookups_agree(index, probes)
        assert together["query"].nunique() > 20


def test_lookup_after_add_sees_the_new_records(index_target, synth, trained):  # type: ignore[no-untyped-def]
    _, records = synth
    matcher, _ = trained
    with PersonIndex.create(index_target, matcher) as index:
        index.add(records.iloc[:300])
        probe = records.iloc[400].to_dict()
        before = index.lookup({k: v for k, v in probe.items() if k not in ("source", "record_id")})
        index.add(records.iloc[[400]])
        person = _person(index, probe["record_id"], probe["source"])
        after = index.lookup({k: v for k, v in probe.items() if k not in ("source", "record_id")})
        assert person not in before["person_id"].tolist()
        assert after["person_id"].iloc[0] == person
        assert after["record_id"].iloc[0] == probe["record_id"]
        index.remove([(probe["source"], probe["record_id"])])
        gone = index.lookup({k: v for k, v in probe.items() if k not in ("source", "record_id")})
        assert probe["record_id"] not in gone["record_id"].tolist()


def test_lookup_sees_a_change_written_through_another_connection(index_target, synth, trained):  # type: ignore[no-untyped-def]
    # the settings a lookup keeps are checked against the index's run counter, so a write
    # by another process (one PostgreSQL index, many desks) is seen at once
    _, records = synth
    matcher, _ = trained
    index = PersonIndex.create(index_target, matcher)
    index.add(records.iloc[:200])
    probe = records.iloc[250].drop(["source", "record_id"]).to_dict()
    index.lookup(probe)
    generation = index._cache.generation
    if str(index_target).startswith("postgresql"):
        other = PersonIndex.open(index_target)
        other.add(records.iloc[[250]])
        other.close()
    else:  # DuckDB: one process holds the file; write through the same connection
        PersonIndex(index._backend, index.matcher).add(records.iloc[[250]])
    found = index.lookup(probe)
    assert index._cache.generation != generation
    assert records.iloc[250]["record_id"] in found["record_id"].tolist()
    index.close()


def test_person_roles_agree_with_recognising_every_column() -> None:
    from migrant_records.index._engine import person_roles
    from migrant_records.schemas import CANONICAL_COLUMNS
    from migrant_records.standardize.person_columns import recognize_person_columns

    frames = [
        pd.DataFrame({"full_name": ["Ann Lee"], "Given Name": ["Ann"], "ZIP": ["02139"]}),
        pd.DataFrame({"full_name": ["A"], "contact": ["a@b.org"], "occupation": [None]}),
        pd.DataFrame({"full_name": ["A", "B"], "notes": ["x", "y@z"], "job": ["tani", None]}),
        pd.DataFrame({"full_name": ["A"], "amount": [3.0], "city": [None]}),
        generate(people=20, seed=5).records(),
    ]
    for frame in frames:
        expected = recognize_person_columns(frame, exclude=frozenset(CANONICAL_COLUMNS))
        assert person_roles(frame) == expected


def test_duckdb_answers_a_lookups_candidates_from_the_key_index(tmp_path, synth, trained):  # type: ignore[no-untyped-def]
    from migrant_records.index import _engine as engine
    from migrant_records.index.candidates import find_candidates

    _, records = synth
    matcher, _ = trained
    with PersonIndex.create(str(tmp_path / "p.duckdb"), matcher) as index:
        index.add(records.iloc[:300])
        backend = index._backend
        prepared = engine.prepare(records.iloc[[310]], index.matcher)
        seen: list[tuple[str, list[object]]] = []
        rows, query = backend.rows, backend.query

        def spy_rows(sql, params=()):  # type: ignore[no-untyped-def]
            seen.append((sql, list(params)))
            return rows(sql, params)

        def spy_query(sql, params=()):  # type: ignore[no-untyped-def]
            seen.append((sql, list(params)))
            return query(sql, params)

        backend.rows = spy_rows  # type: ignore[method-assign]
        backend.query = spy_query  # type: ignore[method-assign]
        backend.begin(write=False)
        find_candidates(backend, index.matcher.blocking_, prepared)
        assert len(seen) == 1  # one round trip for all of the record's keys
        plan = backend.con.execute("EXPLAIN ANALYZE " + seen[0][0], seen[0][1]).fetchall()
        backend.rollback()
        text = "\n".join(str(row[1]) for row in plan)
        assert "Index Scan" in text and "Sequential Scan" not in text
