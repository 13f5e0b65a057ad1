"""End-to-end behaviour of Matcher, dedupe, link and MatchResult."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import migrant_records as mr
from migrant_records.evaluate import pairwise_metrics


def test_every_record_appears_in_clusters_exactly_once(small_synth, small_result) -> None:
    n_input = sum(len(f) for f in small_synth.sources.values())
    clusters = small_result.clusters
    assert list(clusters.columns) == ["source", "record_id", "person_id"]
    assert len(clusters) + len(small_result.rejects) == n_input
    assert not clusters.duplicated(["source", "record_id"]).any()


def test_zero_configuration_dedupe_is_accurate(small_synth, small_result) -> None:
    metrics = pairwise_metrics(small_result.clusters, small_synth.truth)
    assert metrics.f1 >= 0.9, metrics


def test_pairs_table_has_ids_scores_and_levels(small_result) -> None:
    pairs = small_result.pairs
    for col in ["source_l", "record_id_l", "source_r", "record_id_r"]:
        assert col in pairs
    assert pairs["match_probability"].between(0, 1).all()
    gamma_cols = [c for c in pairs.columns if c.startswith("gamma_")]
    assert gamma_cols, "one level column per comparator"
    assert len(pairs) == small_result.summary()["candidate_pairs"]


def test_summary_counts_are_consistent(small_result) -> None:
    s = small_result.summary()
    assert s["persons"] == small_result.clusters["person_id"].nunique()
    assert s["records"] == len(small_result.clusters)
    assert set(s["timings"]) >= {"standardize", "blocking", "compare", "train", "cluster"}


def test_person_ids_are_deterministic(small_synth, small_result) -> None:
    again = mr.dedupe(list(small_synth.sources.values()), progress=False)
    merged = small_result.clusters.merge(again.clusters, on=["source", "record_id"])
    assert (merged["person_id_x"] == merged["person_id_y"]).all()


def test_save_load_round_trip_gives_same_scores(tmp_path, small_synth) -> None:
    frames = list(small_synth.sources.values())
    matcher = mr.Matcher(progress=False)
    first = matcher.dedupe(frames)
    path = matcher.save(tmp_path / "model.json")
    assert json.loads(path.read_text())["format"] == "migrant-records-matcher"
    loaded = mr.Matcher.load(path)
    second = loaded.dedupe(frames)
    np.testing.assert_allclose(
        np.sort(first.match_probability), np.sort(second.match_probability), rtol=1e-9
    )
    assert (first.clusters["person_id"].to_numpy() == second.clusters["person_id"].to_numpy()).all()


def test_load_rejects_a_file_that_is_not_a_model(tmp_path) -> None:
    bad = tmp_path / "x.json"
    bad.write_text("{}")
    with pytest.raises(mr.ModelError, match="not a saved"):
        mr.Matcher.load(bad)


def test_link_two_sources(small_synth) -> None:
    left = small_synth.sources["kp2mi_placements"]
    right = small_synth.sources["kemendes_dme"]
    result = mr.link(left, right, progress=False)
    assert len(result.clusters) == len(left) + len(right)
    pairs = result.pairs
    assert set(pairs["source_l"].astype(str)) <= {"kp2mi_placements"}
    assert set(pairs["source_r"].astype(str)) <= {"kemendes_dme"}
    truth = small_synth.truth
    lt = truth[truth["source"] == "kp2mi_placements"]
    rt = truth[truth["source"] == "kemendes_dme"]
    true_pairs = set(
        map(tuple, lt.merge(rt, on="person_id")[["record_id_x", "record_id_y"]].values)
    )
    found = result.matches()
    predicted = set(zip(found["record_id_l"].astype(str), found["record_id_r"].astype(str)))
    assert true_pairs, "the sample has people in both sources"
    precision = len(predicted & true_pairs) / max(len(predicted), 1)
    recall = len(predicted & true_pairs) / len(true_pairs)
    assert precision >= 0.9 and recall >= 0.9, (precision, recall)


def test_explain_breaks_down_the_weight(small_result) -> None:
    top = small_result.matches().iloc[0]
    table = small_result.explain(
        (str(top["source_l"]), str(top["record_id_l"])),
        (str(top["source_r"]), str(top["record_id_r"])),
    )
    assert table["comparator"].iloc[0] == "prior"
    assert table["comparator"].iloc[-1] == "total"
    body = table.iloc[1:-1]
    total = table.iloc[-1]
    assert np.isclose(
        table["weight"].iloc[0]
        + body["weight"].fillna(0).sum()
        + body["tf_weight"].fillna(0).sum(),
        total["weight"],
    )
    assert np.isclose(total["weight"], top["match_weight"])
    assert {"value_l", "value_r", "label", "m", "u"} <= set(table.columns)


def _explained_totals(result: mr.MatchResult, n: int) -> list[tuple[float, float, float]]:
    """(explained total, sum of the explained parts, match_weight) of the top ``n`` pairs."""
    top = result.matches().head(n)
    out = []
    for k in range(len(top)):
        row = top.iloc[k]
        table = result.explain(
            (str(row["source_l"]), str(row["record_id_l"])),
            (str(row["source_r"]), str(row["record_id_r"])),
        )
        parts = table["weight"].iloc[:-1].fillna(0).sum() + table["tf_weight"].fillna(0).sum()
        out.append((float(table["weight"].iloc[-1]), float(parts), float(row["match_weight"])))
    return out


@pytest.mark.parametrize("term_frequency", [True, False])
def test_explanations_sum_to_the_match_weight(small_synth, term_frequency: bool) -> None:
    frames = list(small_synth.sources.values())
    result = mr.Matcher(term_frequency=term_frequency, progress=False).dedupe(frames)
    assert (result.tf is not None) == term_frequency
    totals = _explained_totals(result, 15)
    for total, parts, weight in totals:
        assert total == weight  # the explanation is the pair's own score
        assert parts == pytest.approx(weight, abs=1e-9)
    if not term_frequency:
        return
    # exact name agreements carry a term-frequency part, and an unscored pair fills the cache
    tables = [
        result.explain(("kp2mi_placements", r), ("bps_survey", b))
        for r, b in zip(
            result.records.loc[result.records.source == "kp2mi_placements", "record_id"][:1],
            result.records.loc[result.records.source == "bps_survey", "record_id"][:1],
        )
    ]
    assert tables and "name_norm" in result._frequencies


def test_not_a_match_label_keeps_records_apart(small_synth) -> None:
    frames = list(small_synth.sources.values())
    base = mr.dedupe(frames, progress=False)
    sizes = base.clusters.groupby("person_id").size()
    big = sizes[sizes >= 3].index[0]
    members = base.clusters[base.clusters["person_id"] == big].reset_index(drop=True)
    a, b = members.iloc[0], members.iloc[1]
    labels = pd.DataFrame(
        {
            "source_l": [a["source"]],
            "record_id_l": [a["record_id"]],
            "source_r": [b["source"]],
            "record_id_r": [b["record_id"]],
            "is_match": [False],
        }
    )
    result = mr.dedupe(frames, labels=labels, progress=False)
    ids = result.clusters.set_index(["source", "record_id"])["person_id"]
    assert ids[(a["source"], a["record_id"])] != ids[(b["source"], b["record_id"])]


def test_custom_function_comparator_is_used(small_synth) -> None:
    from migrant_records.compare import FunctionComparator, default_comparators

    frames = list(small_synth.sources.values())
    records = mr.standardize.standardize(pd.concat(frames, ignore_index=True))

    def same_passport(a: pd.Series, b: pd.Series) -> np.ndarray:
        out = (a.to_numpy() == b.to_numpy()).astype(np.int8)
        out[(a.isna() | b.isna()).to_numpy()] = -1
        return out

    custom = FunctionComparator(
        same_passport, name="passport", labels=("different", "same"), columns=("passport_no",)
    )
    comparators = [*default_comparators(records), custom]
    result = mr.Matcher(comparators=comparators, progress=False).dedupe(frames)
    assert "gamma_passport" in result.pairs
    assert set(np.unique(result.pairs["gamma_passport"])) <= {-1, 0, 1}


def test_bad_threshold_is_a_clear_error() -> None:
    with pytest.raises(mr.ConfigError, match="threshold"):
        mr.Matcher(threshold=1.5)


def test_second_processes_change_nothing(  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch, dying_background
) -> None:
    """With every piece of work that may go to a second process sent there (standardising,
    half of the blocking passes, training's random pairs), the model, the scores and the
    persons are those of one process; a random-pair process that dies is redone here."""
    import os

    import migrant_records._fork as fork_module
    import migrant_records.pipeline as pipeline
    from migrant_records.synth import generate

    if not fork_module.can_fork():
        pytest.skip("no fork or a single core here: everything runs in one process")
    records = generate(people=500, seed=11, reference_date="2025-06-30").records()
    one = mr.Matcher(progress=False).dedupe(records)
    monkeypatch.setattr(fork_module, "PARALLEL_MIN_RECORDS", 1)
    started: list[int] = []
    start = pipeline.start_random_levels

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        ahead = start(*args, **kwargs)
        started.append(0 if ahead is None else ahead.n)
        return ahead

    here: list[int] = []  # random pairs compared in this process
    levels = pipeline.random_pair_levels

    def compared_here(*args, **kwargs):  # type: ignore[no-untyped-def]
        if os.getpid() == parent:
            here.append(1)
        return levels(*args, **kwargs)

    parent = os.getpid()
    monkeypatch.setattr(pipeline, "start_random_levels", counted)
    monkeypatch.setattr(pipeline, "random_pair_levels", compared_here)
    two = mr.Matcher(progress=False).dedupe(records)
    assert started and started[0] > 0 and not here  # compared in the second process only
    assert one.model.to_dict() == two.model.to_dict()
    np.testing.assert_array_equal(one.match_probability, two.match_probability)
    pd.testing.assert_frame_equal(one.clusters, two.clusters)

    monkeypatch.setattr(pipeline, "Background", dying_background)
    three = mr.Matcher(progress=False).dedupe(records)
    assert here == [1]  # redone here
    assert one.model.to_dict() == three.model.to_dict()
    pd.testing.assert_frame_equal(one.clusters, three.clusters)
