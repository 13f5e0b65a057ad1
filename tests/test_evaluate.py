"""Evaluation metrics: hand-made examples with exact numbers, and recordlinkage cross-checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from migrant_records.cli.reports import evaluate_text
from migrant_records.errors import ConfigError, InputFileError, SchemaError
from migrant_records.evaluate import (
    best_threshold,
    blocking_metrics,
    cluster_metrics,
    evaluate_labels,
    pairwise_metrics,
    threshold_sweep,
)

# truth: persons x (a1, a2, b1), y (b2, b3), z (a3)
TRUTH = pd.DataFrame(
    {
        "source": ["a", "a", "b", "b", "b", "a"],
        "record_id": ["1", "2", "1", "2", "3", "3"],
        "person_id": ["x", "x", "x", "y", "y", "z"],
    }
)


def _clusters(ids: list[str]) -> pd.DataFrame:
    return TRUTH.assign(person_id=ids)


def _pairs(rows: list[tuple[str, str, str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        rows, columns=["source_l", "record_id_l", "source_r", "record_id_r", "match_probability"]
    )


def test_perfect_clusters_score_one() -> None:
    m = pairwise_metrics(TRUTH, TRUTH)
    assert (m.tp, m.fp, m.fn, m.true_pairs) == (4, 0, 0, 4)
    assert m.precision == m.recall == m.f1 == 1.0
    c = cluster_metrics(TRUTH, TRUTH)
    assert c.precision == c.recall == c.f1 == 1.0
    assert (c.over_merged, c.under_merged, c.exact) == (0, 0, 3)


def test_pairwise_counts_on_a_hand_made_example() -> None:
    # predicted: {a1, a2}, {b1, b2, b3}, {a3}
    pred = _clusters(["c1", "c1", "c2", "c2", "c2", "c3"])
    m = pairwise_metrics(pred, TRUTH)
    # predicted pairs: 1 + 3 = 4; true among them: (a1,a2), (b2,b3) -> 2
    assert (m.predicted_pairs, m.tp, m.fp, m.fn) == (4, 2, 2, 2)
    assert m.precision == pytest.approx(0.5)
    assert m.recall == pytest.approx(0.5)
    assert m.f1 == pytest.approx(0.5)
    assert m.to_dict()["tp"] == 2
    assert "precision 0.5000" in str(m)


def test_bcubed_on_a_hand_made_example() -> None:
    pred = _clusters(["c1", "c1", "c2", "c2", "c2", "c3"])
    c = cluster_metrics(pred, TRUTH)
    # precision per record: a1 1, a2 1, b1 1/3, b2 2/3, b3 2/3, a3 1
    assert c.precision == pytest.approx((1 + 1 + 1 / 3 + 2 / 3 + 2 / 3 + 1) / 6)
    # recall per record: a1 2/3, a2 2/3, b1 1/3, b2 1, b3 1, a3 1
    assert c.recall == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 1 + 1 + 1) / 6)
    assert c.over_merged == 1  # c2 holds x and y
    assert c.under_merged == 1  # x is split over c1 and c2
    assert c.exact == 1  # c3 == z
    assert (c.predicted_clusters, c.true_persons, c.records) == (3, 3, 6)


def test_records_missing_from_clusters_count_as_singletons() -> None:
    pred = _clusters(["c1", "c1", "c1", "c2", "c2", "c3"]).iloc[:4]
    m = pairwise_metrics(pred, TRUTH)
    assert (m.tp, m.fp, m.fn) == (3, 0, 1)


def test_pairs_frame_with_threshold() -> None:
    pairs = _pairs(
        [
            ("a", "1", "a", "2", 0.95),  # true
            ("b", "1", "a", "1", 0.90),  # true, reversed orientation
            ("a", "1", "b", "1", 0.80),  # duplicate of the previous pair
            ("b", "2", "b", "3", 0.40),  # true, below 0.5
            ("a", "3", "b", "2", 0.70),  # false
        ]
    )
    m = pairwise_metrics(pairs, TRUTH, threshold=0.5)
    assert (m.predicted_pairs, m.tp, m.fp, m.fn) == (3, 2, 1, 2)
    m = pairwise_metrics(pairs, TRUTH, threshold=0.3)
    assert (m.predicted_pairs, m.tp, m.fp, m.fn) == (4, 3, 1, 1)
    with pytest.raises(ConfigError):
        pairwise_metrics(pairs, TRUTH, threshold=2)


def test_never_materialises_a_huge_cluster() -> None:
    n = 200_000
    truth = pd.DataFrame(
        {"source": "s", "record_id": np.arange(n).astype(str), "person_id": np.arange(n) % 2}
    )
    pred = truth.assign(person_id="one")
    m = pairwise_metrics(pred, truth)
    assert m.predicted_pairs == n * (n - 1) // 2
    assert m.tp == 2 * ((n // 2) * (n // 2 - 1) // 2)


def test_bad_inputs_raise_schema_errors() -> None:
    with pytest.raises(SchemaError, match="person_id"):
        pairwise_metrics(TRUTH, TRUTH.drop(columns="person_id"))
    with pytest.raises(SchemaError, match="more than once"):
        pairwise_metrics(TRUTH, pd.concat([TRUTH, TRUTH]))
    with pytest.raises(SchemaError):
        cluster_metrics(TRUTH.drop(columns="record_id"), TRUTH)


def _mi(pairs: list[tuple[str, str]]) -> pd.MultiIndex:
    return pd.MultiIndex.from_tuples(pairs)


def test_agrees_with_recordlinkage_metrics() -> None:
    recordlinkage = pytest.importorskip(
        "recordlinkage", reason='needs the recordlinkage extra: pip install -e ".[recordlinkage]"'
    )
    rng = np.random.default_rng(3)
    n = 400
    person = rng.integers(0, 150, size=n)
    truth = pd.DataFrame(
        {"source": "s", "record_id": [f"r{i}" for i in range(n)], "person_id": person}
    )
    # noisy predicted clusters: merge some persons, split others
    pred_ids = np.where(rng.random(n) < 0.15, rng.integers(0, 150, size=n), person)
    pred = truth.assign(person_id=pred_ids)

    def links(ids: np.ndarray) -> pd.MultiIndex:
        out = []
        for g in pd.Series(np.arange(n)).groupby(ids):
            idx = sorted(g[1].tolist())
            out += [(f"r{i}", f"r{j}") for k, i in enumerate(idx) for j in idx[k + 1 :]]
        return _mi(out)

    true_links, pred_links = links(person), links(pred_ids)
    # recordlinkage compares MultiIndexes as given, so orient both the same way
    true_links = _mi(sorted(tuple(sorted(t)) for t in true_links))
    pred_links = _mi(sorted(tuple(sorted(t)) for t in pred_links))
    m = pairwise_metrics(pred, truth)
    assert m.precision == pytest.approx(recordlinkage.precision(true_links, pred_links))
    assert m.recall == pytest.approx(recordlinkage.recall(true_links, pred_links))
    assert m.f1 == pytest.approx(recordlinkage.fscore(true_links, pred_links))
    # the same through a pairs frame
    pf = pd.DataFrame(
        {
            "source_l": "s",
            "record_id_l": pred_links.get_level_values(0),
            "source_r": "s",
            "record_id_r": pred_links.get_level_values(1),
        }
    )
    mp = pairwise_metrics(pf, truth)
    assert (mp.tp, mp.fp, mp.fn) == (m.tp, m.fp, m.fn)


def test_blocking_metrics_dedupe_and_link() -> None:
    ids = ["x", "x", "x", "y", "y", "z"]  # 3 + 1 = 4 true pairs, 15 possible
    m = blocking_metrics([0, 1, 0, 3, 2], [1, 0, 5, 4, 2], ids, n_left=6)
    # distinct non-self candidates: (0,1), (0,5), (3,4) -> 3; true found (0,1), (3,4)
    assert (m.candidates, m.true_pairs, m.true_pairs_found, m.total_pairs) == (3, 4, 2, 15)
    assert m.pair_completeness == pytest.approx(0.5)
    assert m.reduction_ratio == pytest.approx(1 - 3 / 15)
    assert m.pairs_quality == pytest.approx(2 / 3)
    # link: left [x, y, z], right [x, x, w]
    ml = blocking_metrics([0, 0, 1], [0, 2, 1], ["x", "y", "z", "x", "x", "w"], 3, 3)
    assert (ml.candidates, ml.true_pairs, ml.true_pairs_found, ml.total_pairs) == (3, 2, 1, 9)
    with pytest.raises(SchemaError, match="truth_person_ids"):
        blocking_metrics([0], [1], ["x"], n_left=6)
    with pytest.raises(SchemaError, match="outside"):
        blocking_metrics([0], [9], ids, n_left=6)


def test_missing_person_ids_in_blocking_are_singletons() -> None:
    m = blocking_metrics([0, 2], [1, 3], ["x", "x", None, None], n_left=4)
    assert (m.true_pairs, m.true_pairs_found) == (1, 1)


def test_threshold_sweep_and_best_threshold() -> None:
    pairs = _pairs(
        [
            ("a", "1", "a", "2", 0.95),
            ("a", "1", "b", "1", 0.90),
            ("a", "2", "b", "1", 0.30),
            ("a", "3", "b", "2", 0.70),
        ]
    )  # (b2, b3) never scored: recall can not reach 1
    sweep = threshold_sweep(pairs, TRUTH, [0.2, 0.5, 0.8, 0.99])
    assert list(sweep["threshold"]) == [0.2, 0.5, 0.8, 0.99]
    assert list(sweep["predicted_pairs"]) == [4, 3, 2, 0]
    assert list(sweep["tp"]) == [3, 2, 2, 0]
    assert list(sweep["fn"]) == [1, 2, 2, 4]
    assert sweep.loc[2, "precision"] == 1.0 and sweep.loc[2, "recall"] == 0.5
    assert sweep.loc[0, "recall"] == pytest.approx(0.75)
    assert sweep.loc[3, "precision"] == 0.0
    # agrees with pairwise_metrics at every threshold
    for _, row in sweep.iterrows():
        m = pairwise_metrics(pairs, TRUTH, threshold=row["threshold"])
        assert (m.tp, m.fp, m.fn) == (row["tp"], row["fp"], row["fn"])
    assert len(threshold_sweep(pairs, TRUTH)) == 99
    assert best_threshold(pairs, TRUTH, [0.2, 0.5, 0.8]) == 0.2  # F1 .75 vs .57 vs .67
    assert best_threshold(pairs, TRUTH, [0.2, 0.5, 0.8], metric="precision") == 0.8
    with pytest.raises(ConfigError):
        best_threshold(pairs, TRUTH, metric="accuracy")
    with pytest.raises(ConfigError):
        threshold_sweep(pairs, TRUTH, [1.5])


def test_evaluate_labels_on_pairs_and_clusters() -> None:
    pairs = _pairs(
        [("a", "1", "a", "2", 0.9), ("a", "3", "b", "2", 0.8), ("b", "2", "b", "3", 0.1)]
    )
    labels = pd.DataFrame(
        {
            "source_l": ["a", "b", "b", "a"],
            "record_id_l": ["2", "2", "3", "1"],
            "source_r": ["a", "a", "b", "b"],
            "record_id_r": ["1", "3", "2", "1"],
            "is_match": ["yes", "0", "1", "true"],
        }
    )
    m = evaluate_labels(pairs, labels)
    # (a2,a1) TP; (b2,a3) FP; (b3,b2) FN (0.1); (a1,b1) unscored -> FN
    assert (m.tp, m.fp, m.fn, m.tn, m.unscored) == (1, 1, 2, 0, 1)
    assert m.accuracy == pytest.approx(0.25)
    c = evaluate_labels(_clusters(["c1", "c1", "c2", "c3", "c3", "c4"]), labels)
    # (a2,a1) same c1 TP; (b2,a3) c3 vs c4 TN; (b3,b2) c3 TP; (a1,b1) c1 vs c2 FN
    assert (c.tp, c.fp, c.fn, c.tn) == (2, 0, 1, 1)
    with pytest.raises(SchemaError, match="is_match"):
        evaluate_labels(pairs, labels.assign(is_match="maybe"))


def test_evaluate_command_reads_files(tmp_path) -> None:
    truth = tmp_path / "truth.csv"
    clusters = tmp_path / "clusters.csv"
    TRUTH.to_csv(truth, index=False)
    _clusters(["c1", "c1", "c2", "c2", "c2", "c3"]).to_csv(clusters, index=False)
    text = evaluate_text(clusters, truth)
    assert "pairwise precision 0.5000" in text and "B-cubed" in text
    pairs = tmp_path / "pairs.csv"
    _pairs([("a", "1", "a", "2", 0.9), ("a", "3", "b", "2", 0.8)]).to_csv(pairs, index=False)
    assert "best threshold" in evaluate_text(pairs, truth)
    with pytest.raises(InputFileError):
        evaluate_text(tmp_path / "nope.csv", truth)


def test_metrics_on_generated_data() -> None:
    from migrant_records.synth import generate

    data = generate(people=300, seed=2)
    assert pairwise_metrics(data.truth, data.truth).f1 == 1.0
    # every record alone: precision 0 by convention, B-cubed precision 1
    alone = data.truth.assign(person_id=data.truth["source"] + data.truth["record_id"])
    assert pairwise_metrics(alone, data.truth).recall == 0.0
    assert cluster_metrics(alone, data.truth).precision == 1.0
