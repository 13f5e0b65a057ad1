from __future__ import annotations

import json
import math
import sys

import numpy as np
import pandas as pd
import pytest

from migrant_records.errors import ConfigError, ModelError
from migrant_records.model import (
    FellegiSunter,
    RecordLinkageClassifier,
    Rule,
    RuleModel,
    SupervisedModel,
    model_from_dict,
    one_hot,
    sample_random_pairs,
    term_frequencies,
    tf_for_pairs,
    total_pairs,
)

NAMES = ["name", "dob", "nik", "sex"]
LEVELS = [3, 2, 4, 2]
TRUE_M = [
    np.array([0.05, 0.15, 0.80]),
    np.array([0.10, 0.90]),
    np.array([0.05, 0.05, 0.10, 0.80]),
    np.array([0.05, 0.95]),
]
TRUE_U = [
    np.array([0.90, 0.08, 0.02]),
    np.array([0.97, 0.03]),
    np.array([0.95, 0.03, 0.015, 0.005]),
    np.array([0.50, 0.50]),
]
NULL_RATE = [0.1, 0.3, 0.4, 0.2]


def simulate(n: int, lam: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    match = rng.random(n) < lam
    g = np.empty((n, len(LEVELS)), dtype=np.int8)
    for k in range(len(LEVELS)):
        lm = rng.choice(LEVELS[k], size=n, p=TRUE_M[k])
        lu = rng.choice(LEVELS[k], size=n, p=TRUE_U[k])
        g[:, k] = np.where(match, lm, lu)
        g[rng.random(n) < NULL_RATE[k], k] = -1
    return g, match


@pytest.fixture(scope="module")
def simulated() -> tuple[np.ndarray, np.ndarray]:
    return simulate(200_000, 0.1, seed=1)


@pytest.fixture(scope="module")
def fitted(simulated: tuple[np.ndarray, np.ndarray]) -> FellegiSunter:
    gamma, _ = simulated
    random_gamma, _ = simulate(300_000, 0.0, seed=2)
    model = FellegiSunter(
        NAMES,
        LEVELS,
        [
            ["else", "close", "exact"],
            ["else", "exact"],
            ["else", "l1", "l2", "exact"],
            ["diff", "same"],
        ],
    )
    model.estimate_u(random_gamma)
    model.estimate_prior(1000, 10_000_000, recall=0.5)
    model.fit_em(gamma)
    return model


# ---------------------------------------------------------------- EM and u


def test_em_recovers_m_with_u_fixed(fitted: FellegiSunter) -> None:
    assert fitted.m_ is not None and fitted.u_ is not None
    for k in range(len(LEVELS)):
        np.testing.assert_allclose(fitted.m_[k], TRUE_M[k], atol=0.02)
        np.testing.assert_allclose(fitted.u_[k], TRUE_U[k], atol=0.01)
    assert fitted.lambda_candidates_ == pytest.approx(0.1, abs=0.01)
    assert fitted.n_iter_ >= 2
    assert len(fitted.history_) == fitted.n_iter_
    # EM never decreases the log-likelihood
    assert np.all(np.diff(fitted.history_) > -1e-6)


def test_em_recovers_m_and_u_when_u_is_free(simulated: tuple[np.ndarray, np.ndarray]) -> None:
    gamma, _ = simulated
    model = FellegiSunter(NAMES, LEVELS, fix_u=False, max_iter=200).fit_em(gamma)
    assert model.m_ is not None and model.u_ is not None
    for k in range(len(LEVELS)):
        np.testing.assert_allclose(model.m_[k], TRUE_M[k], atol=0.03)
        np.testing.assert_allclose(model.u_[k], TRUE_U[k], atol=0.03)
    assert model.lambda_candidates_ == pytest.approx(0.1, abs=0.01)


def test_aggregated_patterns_give_the_same_fit_as_pairs() -> None:
    gamma, _ = simulate(20_000, 0.2, seed=3)
    full = FellegiSunter(NAMES, LEVELS, fix_u=False).fit_em(gamma)
    patterns, counts = np.unique(gamma, axis=0, return_counts=True)
    agg = FellegiSunter(NAMES, LEVELS, fix_u=False).fit_em(patterns, counts=counts)
    assert full.m_ is not None and agg.m_ is not None and full.u_ is not None
    assert agg.u_ is not None
    for k in range(len(LEVELS)):
        np.testing.assert_allclose(full.m_[k], agg.m_[k], rtol=1e-10)
        np.testing.assert_allclose(full.u_[k], agg.u_[k], rtol=1e-10)
    assert full.history_ == pytest.approx(agg.history_)


def test_estimate_u_ignores_nulls_and_smooths() -> None:
    model = FellegiSunter(["a"], [3])
    model.estimate_u(np.array([[0], [0], [1], [-1], [-1]]))
    assert model.u_ is not None
    # counts 2, 1, 0 plus one each over 3 + 3
    np.testing.assert_allclose(model.u_[0], [3 / 6, 2 / 6, 1 / 6])
    assert model.tf_["a"] == pytest.approx(1 / 6)


def test_nulls_contribute_no_weight(fitted: FellegiSunter) -> None:
    w_null, _ = fitted.score(np.array([[-1, -1, -1, -1]], dtype=np.int8))
    prior = fitted.prior_
    assert prior is not None
    assert w_null[0] == pytest.approx(math.log2(prior / (1 - prior)))


def test_weights_follow_formula_and_probability_is_monotone(fitted: FellegiSunter) -> None:
    gamma = np.array([[2, 1, 3, 1], [0, 0, 0, 0], [2, -1, 3, -1]], dtype=np.int8)
    weight, prob = fitted.score(gamma)
    assert fitted.m_ is not None and fitted.u_ is not None and fitted.prior_ is not None
    expected = math.log2(fitted.prior_ / (1 - fitted.prior_)) + sum(
        math.log2(fitted.m_[k][gamma[0, k]] / fitted.u_[k][gamma[0, k]]) for k in range(4)
    )
    assert weight[0] == pytest.approx(expected)
    assert prob[0] > 0.9 > 0.01 > prob[1]
    np.testing.assert_allclose(prob, 1 / (1 + 2.0**-weight))
    np.testing.assert_allclose(fitted.predict_proba(gamma), prob)


def test_prior_falls_back_to_candidates_share_with_warning(
    simulated: tuple[np.ndarray, np.ndarray], caplog: pytest.LogCaptureFixture
) -> None:
    gamma, _ = simulated
    model = FellegiSunter(NAMES, LEVELS, fix_u=False).fit_em(gamma[:5000])
    with caplog.at_level("WARNING"):
        w, _ = model.score(np.array([[-1, -1, -1, -1]]))
    assert "No prior" in caplog.text
    lam = model.lambda_candidates_
    assert lam is not None
    assert w[0] == pytest.approx(math.log2(lam / (1 - lam)))


def test_prior_init_param_is_used() -> None:
    model = FellegiSunter(["a"], [2], prior=0.001)
    assert model.prior_ == 0.001


def test_untrained_model_raises() -> None:
    with pytest.raises(ModelError):
        FellegiSunter(["a"], [2]).score(np.array([[1]]))


def test_gamma_out_of_range_is_rejected(fitted: FellegiSunter) -> None:
    with pytest.raises(ConfigError, match="outside"):
        fitted.score(np.array([[3, 0, 0, 0]]))
    with pytest.raises(ConfigError, match="column"):
        fitted.score(np.array([[1, 0]]))


def test_supervised_counting_from_labels(simulated: tuple[np.ndarray, np.ndarray]) -> None:
    gamma, match = simulated
    model = FellegiSunter(NAMES, LEVELS, fix_u=False)
    model.fit_em(gamma, labels=match.astype(float))
    assert model.m_ is not None and model.u_ is not None
    for k in range(len(LEVELS)):
        np.testing.assert_allclose(model.m_[k], TRUE_M[k], atol=0.02)
        np.testing.assert_allclose(model.u_[k], TRUE_U[k], atol=0.01)
    # m for level l is (count + 1) / (non-null + L): check one comparator exactly
    pos = gamma[match, 1]
    n1 = (pos == 1).sum()
    nn = (pos >= 0).sum()
    assert model.m_[1][1] == pytest.approx((n1 + 1) / (nn + 2))


def test_partially_labelled_uses_em_for_the_rest(simulated: tuple[np.ndarray, np.ndarray]) -> None:
    gamma, match = simulated
    labels = np.full(len(match), np.nan)
    labels[:2000] = match[:2000]
    model = FellegiSunter(NAMES, LEVELS, fix_u=False, max_iter=200).fit_em(gamma, labels=labels)
    assert model.m_ is not None
    for k in range(len(LEVELS)):
        np.testing.assert_allclose(model.m_[k], TRUE_M[k], atol=0.03)


# ---------------------------------------------------------------- prior and sampling


def test_estimate_prior_and_total_pairs() -> None:
    assert total_pairs(1000) == 499_500
    assert total_pairs(100, 30) == 3000
    assert total_pairs(5) == 10
    model = FellegiSunter(["a"], [2])
    prior = model.estimate_prior(450, 499_500, recall=0.9)
    assert prior == pytest.approx(500 / 499_500)
    assert model.prior_ == prior
    with pytest.raises(ConfigError):
        model.estimate_prior(0, 100)
    with pytest.raises(ConfigError):
        model.estimate_prior(10, 100, recall=0)


def test_sample_random_pairs_dedupe_and_link() -> None:
    i, j = sample_random_pairs(10_000, max_pairs=50_000, seed=3)
    assert (i < j).all() and j.max() < 10_000
    assert len(np.unique(i * 10_000 + j)) == len(i) > 49_000
    again = sample_random_pairs(10_000, max_pairs=50_000, seed=3)
    assert (again[0] == i).all() and (again[1] == j).all()
    # roughly uniform: each record appears about 2 * 50k / 10k = 10 times
    deg = np.bincount(np.concatenate([i, j]), minlength=10_000)
    assert 9 < deg.mean() < 11
    a, b = sample_random_pairs(10, max_pairs=1000)
    assert len(a) == 45 and (a < b).all()
    li, rj = sample_random_pairs(300, 200, max_pairs=1000, seed=1)
    assert li.max() < 300 and rj.max() < 200 and len(li) > 950
    a, b = sample_random_pairs(3, 4, max_pairs=100)
    assert len(a) == 12


# ---------------------------------------------------------------- term frequencies


def test_term_frequencies_and_tf_for_pairs() -> None:
    s = pd.Series(["siti", "siti", "siti", "ayu", None, ""])
    freq = term_frequencies(s)
    assert freq["siti"] == pytest.approx(0.75)
    assert freq["ayu"] == pytest.approx(0.25)
    assert "" not in freq.index
    tf = tf_for_pairs(s, s, np.array([0, 0, 3, 4]), np.array([1, 3, 3, 5]), freq)
    assert tf[0] == pytest.approx(0.75)
    assert np.isnan(tf[1]) and np.isnan(tf[3])
    assert tf[2] == pytest.approx(0.25)


def test_tf_for_pairs_link_uses_both_sides() -> None:
    left = pd.Series(["ani", "budi"])
    right = pd.Series(["ani", "ani", "ani", "citra"])
    tf = tf_for_pairs(left, right, np.array([0, 1]), np.array([0, 3]))
    assert tf[0] == pytest.approx(4 / 6)
    assert np.isnan(tf[1])


def test_tf_adjustment_lowers_the_weight_of_a_common_value(fitted: FellegiSunter) -> None:
    gamma = np.array([[2, 1, -1, -1]] * 3, dtype=np.int8)
    assert fitted.u_ is not None
    u_top = fitted.u_[0][2]
    tf = {"name": np.array([u_top * 10, u_top / 10, np.nan])}
    w, _ = fitted.score(gamma, tf=tf)
    assert w[0] == pytest.approx(w[2] - math.log2(10))
    assert w[1] == pytest.approx(w[2] + math.log2(10))
    table = fitted.explain(gamma[0], tf={"name": u_top * 10})
    assert table.loc[table.comparator == "name", "tf_weight"].item() == pytest.approx(
        -math.log2(10)
    )
    assert table.loc[table.comparator == "total", "weight"].item() == pytest.approx(w[0])


def test_explain_and_parameters(fitted: FellegiSunter) -> None:
    row = np.array([2, -1, 3, 0], dtype=np.int8)
    table = fitted.explain(row)
    assert list(table.comparator) == ["prior", *NAMES, "total"]
    assert table.loc[2, "label"] == "null" and table.loc[2, "weight"] == 0
    assert table.loc[1, "label"] == "exact"
    w, _ = fitted.score(row.reshape(1, -1))
    assert table.weight.iloc[-1] == w[0]  # the total is the score itself
    assert table.weight.iloc[:-1].sum() == pytest.approx(w[0])
    params = fitted.parameters()
    assert list(params.columns) == [
        "comparator",
        "level",
        "label",
        "m",
        "u",
        "bayes_factor",
        "match_weight",
    ]
    assert len(params) == sum(LEVELS)
    np.testing.assert_allclose(params.match_weight, np.log2(params.m / params.u))


def test_explain_rows_of_many_pairs_equal_explain_of_each(fitted: FellegiSunter) -> None:
    gamma = np.array([[2, -1, 3, 0], [0, 1, -1, 1], [2, 0, 3, 1]], dtype=np.int8)
    freq = np.array([0.001, np.nan, 0.2])
    tf = {NAMES[0]: freq}
    many = fitted.explain_rows(gamma, tf)
    assert len(many) == len(gamma)
    for p in range(len(gamma)):
        one = fitted.explain(gamma[p], {NAMES[0]: float(freq[p])})
        expected = one.to_dict("records")
        got = pd.DataFrame(many[p]).reindex(columns=one.columns).to_dict("records")
        assert len(got) == len(expected)
        for a, b in zip(got, expected):
            assert a.keys() == b.keys()
            for key in a:
                if isinstance(b[key], float) and math.isnan(b[key]):
                    assert isinstance(a[key], float) and math.isnan(a[key])
                else:
                    assert a[key] == b[key]
        assert (
            many[p][-1]["weight"]
            == fitted.score(gamma[p : p + 1], {NAMES[0]: freq[p : p + 1]})[0][0]
        )


# ---------------------------------------------------------------- persistence


def test_fellegi_sunter_round_trip(fitted: FellegiSunter, tmp_path) -> None:
    d = fitted.to_dict()
    again = FellegiSunter.from_dict(json.loads(json.dumps(d)))
    assert again.to_dict() == d
    gamma, _ = simulate(1000, 0.2, seed=9)
    np.testing.assert_array_equal(again.score(gamma)[0], fitted.score(gamma)[0])
    path = fitted.save(tmp_path / "fs.json")
    loaded = FellegiSunter.load(path)
    np.testing.assert_array_equal(loaded.score(gamma)[1], fitted.score(gamma)[1])
    assert isinstance(model_from_dict(d), FellegiSunter)


def test_load_errors(tmp_path) -> None:
    with pytest.raises(ModelError, match="does not exist"):
        FellegiSunter.load(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ModelError, match="not valid JSON"):
        FellegiSunter.load(bad)
    with pytest.raises(ModelError):
        model_from_dict({"type": "nope"})
    with pytest.raises(ModelError):
        model_from_dict({})


# ---------------------------------------------------------------- rules


def test_rules() -> None:
    gamma = np.array([[4, 3], [4, 1], [2, 4], [-1, 4], [4, -1]], dtype=np.int8)
    rule = Rule("nik_and_name", {"nik": 4, "name": (">=", 3)})
    model = RuleModel([rule, Rule("name_only", {"name": ("==", 4)})], ["nik", "name"])
    assert model.matches(gamma).tolist() == [True, False, True, True, False]
    assert model.predict_proba(gamma).tolist() == [1.0, 0.0, 1.0, 1.0, 0.0]
    assert model.which(gamma).tolist() == ["nik_and_name", None, "name_only", "name_only", None]
    frame = pd.DataFrame(gamma, columns=["nik", "name"])
    assert RuleModel([rule]).matches(frame).tolist() == [True, False, False, False, False]
    again = model_from_dict(json.loads(json.dumps(model.to_dict())))
    assert again.matches(gamma).tolist() == model.matches(gamma).tolist()
    with pytest.raises(ConfigError, match="comparator names"):
        RuleModel([rule]).matches(gamma)
    with pytest.raises(ConfigError):
        Rule("bad", {"nik": ("~", 1)})


# ---------------------------------------------------------------- supervised


def test_supervised_model(simulated: tuple[np.ndarray, np.ndarray]) -> None:
    gamma, match = simulated
    model = SupervisedModel(n_levels=LEVELS).fit(gamma[:20_000], match[:20_000])
    prob = model.predict_proba(gamma[20_000:40_000])
    truth = match[20_000:40_000]
    acc = ((prob >= 0.5) == truth).mean()
    assert acc > 0.97
    again = model_from_dict(json.loads(json.dumps(model.to_dict())))
    np.testing.assert_allclose(again.predict_proba(gamma[:100]), model.predict_proba(gamma[:100]))
    with pytest.raises(ConfigError):
        SupervisedModel().fit(gamma[:10])
    with pytest.raises(ConfigError):
        SupervisedModel(kind="forest")


def test_supervised_matches_sklearn_on_one_hot(simulated: tuple[np.ndarray, np.ndarray]) -> None:
    from sklearn.linear_model import LogisticRegression

    gamma, match = simulated
    g, y = gamma[:3000], match[:3000]
    ours = SupervisedModel(n_levels=LEVELS).fit(g, y).predict_proba(g)
    ref = LogisticRegression(max_iter=1000).fit(one_hot(g, LEVELS), y)
    np.testing.assert_allclose(ours, ref.predict_proba(one_hot(g, LEVELS))[:, 1], atol=1e-3)


# ---------------------------------------------------------------- recordlinkage adapter


def separable(n: int = 1000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.3
    on_match = rng.choice([0, 1, 2], size=(n, 3), p=[0.05, 0.1, 0.85])
    on_other = rng.choice([0, 1, 2], size=(n, 3), p=[0.85, 0.1, 0.05])
    g = np.where(y[:, None], on_match, on_other).astype(np.int8)
    g[rng.random(n) < 0.05, 2] = -1
    return g, y


RECORDLINKAGE_EXTRA = 'needs the recordlinkage extra: pip install -e ".[recordlinkage]"'


def test_recordlinkage_adapter_ecm() -> None:
    recordlinkage = pytest.importorskip("recordlinkage", reason=RECORDLINKAGE_EXTRA)

    g, y = separable()
    model = RecordLinkageClassifier(recordlinkage.ECMClassifier(), n_levels=[3, 3, 3])
    feats = model.features(g[:3])
    assert isinstance(feats.index, pd.MultiIndex)
    assert feats.shape == (3, 6) and set(np.unique(feats.to_numpy())) <= {0, 1}
    assert list(feats.columns) == ["c0_1", "c0_2", "c1_1", "c1_2", "c2_1", "c2_2"]
    prob = model.fit(g).predict_proba(g)
    assert ((prob >= 0.5) == y).mean() > 0.9
    again = model_from_dict(json.loads(json.dumps(model.to_dict())))
    np.testing.assert_allclose(again.predict_proba(g), prob, atol=1e-6)


def test_recordlinkage_adapter_logistic() -> None:
    recordlinkage = pytest.importorskip("recordlinkage", reason=RECORDLINKAGE_EXTRA)

    g, y = separable(seed=1)
    model = RecordLinkageClassifier(
        recordlinkage.LogisticRegressionClassifier(), comparator_names=["a", "b", "c"]
    )
    prob = model.fit(g, y).predict_proba(g)
    assert ((prob >= 0.5) == y).mean() > 0.95
    d = model.to_dict()
    assert d["type"] == "recordlinkage"
    np.testing.assert_allclose(model_from_dict(d).predict_proba(g), prob, atol=1e-6)


def test_saved_recordlinkage_adapter_scores_without_recordlinkage(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a saved adapter is log-odds tables: loading and scoring it never imports recordlinkage
    monkeypatch.setitem(sys.modules, "recordlinkage", None)
    saved = {
        "type": "recordlinkage",
        "classifier": "ECMClassifier",
        "n_levels": [2, 3],
        "comparator_names": ["nik", "name"],
        "encoding": "agreement",
        "intercept": -4.0,
        "tables": [[0.0, -1.0, 5.0], [0.0, -2.0, 1.0, 3.0]],
    }
    model = model_from_dict(json.loads(json.dumps(saved)))
    g = np.array([[1, 2], [0, 0], [-1, -1], [1, -1]], dtype=np.int8)
    expected = 1.0 / (1.0 + np.exp(-np.array([-4.0 + 5 + 3, -4.0 - 1 - 2, -4.0, -4.0 + 5])))
    np.testing.assert_allclose(model.predict_proba(g), expected)
    assert model.to_dict() == saved


def test_fit_m_keeps_u_from_random_pairs() -> None:
    rng = np.random.default_rng(11)
    random_gamma = rng.integers(0, 2, size=(5_000, 2)).astype(np.int8)
    candidates = np.vstack(
        [np.ones((800, 2), dtype=np.int8), rng.integers(0, 2, size=(1_200, 2)).astype(np.int8)]
    )
    model = FellegiSunter(["a", "b"], [2, 2]).estimate_u(random_gamma)
    u_random = [u.copy() for u in model.u_]
    model.fit_m(candidates)
    for got, want in zip(model.u_, u_random):
        np.testing.assert_array_equal(got, want)
    assert model.m_[0][1] > 0.8  # the all-agree block is the match class
    assert model.fix_u is True


def test_fit_m_needs_u_first() -> None:
    with pytest.raises(ModelError, match="estimate_u"):
        FellegiSunter(["a"], [2]).fit_m(np.zeros((3, 1), dtype=np.int8))
