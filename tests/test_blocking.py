"""Blocking strategies, union of passes, the block cap and the blocking report."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from migrant_records.blocking import (
    BlockingStrategy,
    BlockingWarning,
    ExactBlock,
    QGramLSH,
    SortedNeighbourhood,
    blocking_report,
    default_blocking,
    minhash_signatures,
    strategy_from_dict,
    union_pairs,
)
from migrant_records.errors import ConfigError, SchemaError


def pair_set(i: np.ndarray, j: np.ndarray) -> set[tuple[int, int]]:
    return set(zip(i.tolist(), j.tolist()))


def check_dedupe(i: np.ndarray, j: np.ndarray) -> None:
    assert i.dtype == np.int64 and j.dtype == np.int64
    assert (i < j).all()
    assert len(pair_set(i, j)) == len(i)


@pytest.fixture
def people() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name_norm": ["siti aminah", "siti aminah", "sumiati", "siti sumiati", None, "budi"],
            "name_key": ["sit amin", "sit amin", "sumiat", "sit sumiat", None, "bud"],
            "nik_digits": [
                "3201014101900001",
                "3201014101900002",
                "3301015505850003",
                None,
                "3201014101900001",
                "",
            ],
            "dob": pd.to_datetime(
                ["1990-01-01", "1990-01-01", "1985-05-15", "1985-05-15", None, "1990-07-01"]
            ),
            "birth_year": [1990.0, 1990.0, 1985.0, 1985.0, np.nan, 1990.0],
        }
    )


def test_exact_block_dedupe_pairs_and_nulls(people: pd.DataFrame) -> None:
    i, j = ExactBlock("birth_year").pairs(people)
    check_dedupe(i, j)
    assert pair_set(i, j) == {(0, 1), (0, 5), (1, 5), (2, 3)}
    # a composite key: any null part gives no pair
    i, j = ExactBlock(["name_key", "birth_year"]).pairs(people)
    assert pair_set(i, j) == {(0, 1)}


def test_exact_block_empty_string_is_null() -> None:
    frame = pd.DataFrame({"k": ["", "", "a", "a", None, None]})
    i, j = ExactBlock("k").pairs(frame)
    assert pair_set(i, j) == {(2, 3)}


def test_exact_block_derived_keys(people: pd.DataFrame) -> None:
    first = ExactBlock([("name_key", "first"), ("dob", "year")])
    assert first.name == "name_key[first]+dob[year]"
    assert pair_set(*first.pairs(people)) == {(0, 1)}
    last = ExactBlock([("name_key", "last")])
    assert pair_set(*last.pairs(people)) == {(0, 1), (2, 3)}
    prefix = ExactBlock([("nik_digits", slice(0, 12))])
    assert pair_set(*prefix.pairs(people)) == {(0, 1), (0, 4), (1, 4)}
    calc = ExactBlock(lambda f: f["name_norm"].str.len())
    assert (0, 1) in pair_set(*calc.pairs(people))


def test_exact_block_matches_brute_force_on_random_keys() -> None:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"a": rng.integers(0, 30, 400).astype(str), "b": rng.integers(0, 3, 400)})
    frame.loc[rng.choice(400, 40, replace=False), "a"] = None
    i, j = ExactBlock(["a", "b"], max_block_size=None).pairs(frame)
    check_dedupe(i, j)
    a, b = frame["a"].to_numpy(), frame["b"].to_numpy()
    expected = {
        (x, y)
        for x in range(400)
        for y in range(x + 1, 400)
        if a[x] is not None and a[x] == a[y] and b[x] == b[y]
    }
    assert pair_set(i, j) == expected


def test_exact_block_link() -> None:
    left = pd.DataFrame({"k": ["a", "b", "a", None]})
    right = pd.DataFrame({"k": ["a", "c", None, "a", "b"]})
    i, j = ExactBlock("k").pairs(left, right)
    assert pair_set(i, j) == {(0, 0), (0, 3), (2, 0), (2, 3), (1, 4)}


def test_block_cap_warns_with_key_and_skips_block() -> None:
    frame = pd.DataFrame({"name_key": ["sit"] * 6 + ["bud", "bud"]})
    with pytest.warns(BlockingWarning, match=r"name_key=sit.*6 records.*birth_year"):
        i, j = ExactBlock("name_key", max_block_size=5).pairs(frame)
    assert pair_set(i, j) == {(6, 7)}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ExactBlock("name_key", max_block_size=None).pairs(frame)


def test_block_cap_in_link_counts_pairs() -> None:
    left = pd.DataFrame({"k": ["a"] * 3})
    right = pd.DataFrame({"k": ["a"] * 3})
    # 9 cross pairs > budget of a 4-record dedupe block (6 pairs)
    with pytest.warns(BlockingWarning, match="k=a"):
        i, _ = ExactBlock("k", max_block_size=4).pairs(left, right)
    assert len(i) == 0
    i, _ = ExactBlock("k", max_block_size=5).pairs(left, right)
    assert len(i) == 9


def test_missing_column_is_a_schema_error(people: pd.DataFrame) -> None:
    with pytest.raises(SchemaError, match="phone_e164"):
        ExactBlock("phone_e164").pairs(people)


def test_sorted_neighbourhood_dedupe_and_link() -> None:
    frame = pd.DataFrame({"s": ["ani", "anna", "budi", "anni", None]})
    sn = SortedNeighbourhood("s", window=3)
    i, j = sn.pairs(frame)
    check_dedupe(i, j)
    # sorted: ani(0) anna(1) anni(3) budi(2)
    assert pair_set(i, j) == {(0, 1), (0, 3), (1, 3), (1, 2), (2, 3)}
    left = pd.DataFrame({"s": ["ani", "budi"]})
    right = pd.DataFrame({"s": ["anni", "bud", "zed"]})
    i, j = SortedNeighbourhood("s", window=2).pairs(left, right)
    # combined order: ani(L0) anni(R0) bud(R1) budi(L1) zed(R2)
    assert pair_set(i, j) == {(0, 0), (1, 1), (1, 2)}


def test_qgram_lsh_finds_typos_not_strangers() -> None:
    frame = pd.DataFrame(
        {
            "name_core": ["sumiati", "sumiyati", "budi santoso", "budi santosa", "xq", "sumiati"],
            "birth_year": [1990.0, 1990.0, 1980.0, 1980.0, 1990.0, 1991.0],
        }
    )
    lsh = QGramLSH("name_core", q=2, bands=20, rows=2, seed=1)
    i, j = lsh.pairs(frame)
    check_dedupe(i, j)
    pairs = pair_set(i, j)
    assert {(0, 1), (2, 3), (0, 5)} <= pairs
    assert not any(4 in p for p in pairs)
    within = QGramLSH("name_core", q=2, bands=20, rows=2, seed=1, within="birth_year")
    assert within.name == "lsh:name_core|birth_year"
    pairs = pair_set(*within.pairs(frame))
    assert {(0, 1), (2, 3)} <= pairs and (0, 5) not in pairs


def test_qgram_lsh_link_and_determinism() -> None:
    left = pd.DataFrame({"name_core": ["sumiati", "agus"]})
    right = pd.DataFrame({"name_core": ["sumiyati", "sumiati", "bambang"]})
    lsh = QGramLSH("name_core", bands=20, rows=2)
    i, j = lsh.pairs(left, right)
    assert {(0, 0), (0, 1)} <= pair_set(i, j)
    assert all(b != 2 for _, b in pair_set(i, j))
    i2, j2 = QGramLSH("name_core", bands=20, rows=2).pairs(left, right)
    assert pair_set(i, j) == pair_set(i2, j2)


def test_minhash_similarity_estimate() -> None:
    sig = minhash_signatures(["abcdefgh", "abcdefgh", "abcdefgx", "zzzzyyyy"], 2, 256, seed=0)
    agree = (sig[0] == sig[1]).mean(), (sig[0] == sig[2]).mean(), (sig[0] == sig[3]).mean()
    assert agree[0] == 1.0
    assert 0.6 < agree[1] < 0.95  # true Jaccard 6/8
    assert agree[2] < 0.1


def test_union_pairs_dedups_and_counts(people: pd.DataFrame) -> None:
    passes = [ExactBlock("name_key", name="key"), ExactBlock("birth_year", name="year")]
    cand = union_pairs(passes, people)
    check_dedupe(cand.left, cand.right)
    assert pair_set(cand.left, cand.right) == {(0, 1), (0, 5), (1, 5), (2, 3)}
    order = np.lexsort((cand.right, cand.left))
    assert (order == np.arange(len(order))).all()
    assert cand.pass_counts == {"key": 1, "year": 4}
    assert cand.new_counts == {"key": 1, "year": 3}
    assert set(cand.largest_blocks.columns) == {"pass", "key", "size", "pairs"}
    assert "birth_year=1990" in set(cand.largest_blocks["key"])
    with pytest.raises(ConfigError, match="unique"):
        union_pairs([ExactBlock("name_key"), ExactBlock("name_key")], people)


def test_union_accepts_user_strategy(people: pd.DataFrame) -> None:
    class FirstTwo:
        name = "first_two"

        def pairs(self, left, right=None):  # type: ignore[no-untyped-def]
            return np.array([1, 0]), np.array([0, 1])  # duplicates, wrong orientation

    assert isinstance(FirstTwo(), BlockingStrategy)
    cand = union_pairs([FirstTwo()], people)
    assert pair_set(cand.left, cand.right) == {(0, 1)}


def test_blocking_report_completeness_and_reduction(people: pd.DataFrame) -> None:
    truth = ["a", "a", "b", "b", "a", "c"]
    report = blocking_report(
        [ExactBlock("name_key", name="key"), ExactBlock("birth_year", name="year")],
        people,
        true_match=truth,
    )
    # true pairs: (0,1) (0,4) (1,4) (2,3); candidates: (0,1) (0,5) (1,5) (2,3)
    assert report.true_pairs == 4
    assert report.pair_completeness == pytest.approx(0.5)
    assert report.total_candidates == 4
    assert report.total_pairs == 15
    assert report.reduction_ratio == pytest.approx(1 - 4 / 15)
    table = report.to_frame()
    assert list(table["pass"]) == ["key", "year", "total"]
    assert list(table["pair_completeness"])[:2] == [pytest.approx(0.25), pytest.approx(0.5)]
    assert set(pair_set(report.missed_examples["left"], report.missed_examples["right"])) == {
        (0, 4),
        (1, 4),
    }
    assert "pair completeness" in report._repr_html_()


def test_blocking_report_link() -> None:
    left = pd.DataFrame({"k": ["a", "b", None]})
    right = pd.DataFrame({"k": ["a", "c", "b"]})
    report = blocking_report([ExactBlock("k")], left, right, true_match=([1, 2, 3], [1, 3, 9]))
    assert report.true_pairs == 2
    assert report.pair_completeness == pytest.approx(0.5)
    assert report.total_pairs == 9


def test_strategies_round_trip_through_json() -> None:
    strategies = [
        ExactBlock([("name_key", "first"), ("nik_digits", slice(0, 6)), "dob"], max_block_size=50),
        SortedNeighbourhood("name_sorted", window=4),
        QGramLSH("name_core", q=3, bands=5, rows=2, seed=4, within=[("dob", "year")]),
    ]
    for s in strategies:
        data = json.loads(json.dumps(s.to_dict()))
        again = strategy_from_dict(data)
        assert again.to_dict() == s.to_dict()
        assert type(again) is type(s)
    with pytest.raises(ConfigError, match="callable"):
        ExactBlock(lambda f: f["k"]).to_dict()
    with pytest.raises(ConfigError, match="Unknown blocking strategy"):
        strategy_from_dict({"strategy": "nope"})


def _prepared(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    first = np.array(["siti", "sri", "agus", "budi", "dewi", "nur", "putu", "made"])
    last = np.array(["aminah", "wahyuni", "santoso", "lestari", "rahayu", "hidayat"])
    name = pd.Series(rng.choice(first, n)) + " " + pd.Series(rng.choice(last, n))
    dob = pd.Timestamp("1980-01-01") + pd.to_timedelta(rng.integers(0, 9000, n), unit="D")
    return pd.DataFrame(
        {
            "name_norm": name,
            "name_sorted": name.str.split().map(lambda t: " ".join(sorted(t))),
            "name_key": name,
            "name_initials": name.str.split().map(lambda t: "".join(x[0] for x in t)),
            "name_core": name,
            "nik_id": None,
            "nik_digits": None,
            "dob": dob,
            "birth_year": dob.year.astype(float),
            "regency_code": pd.Series(rng.choice(["32.01", "33.02"], n)),
            "phone_e164": None,
        }
    )


def test_default_blocking_uses_filled_columns_only() -> None:
    frame = _prepared(200)
    names = [p.name for p in default_blocking(frame)]
    assert "nik" not in names and "phone" not in names  # columns present but empty
    assert {"initials_dob", "first_dob", "lsh_name_year"} <= set(names)
    # region keys use the region filled: the regency here (no district or village)
    assert "name_regency" in names and "name_village" not in names
    assert "mother_dob" not in names
    frame["nik_id"] = "3201014101900001"
    frame["nik_digits"] = "3201014101900001"
    assert default_blocking(frame)[0].name == "nik"


def test_default_blocking_recovers_typo_duplicates() -> None:
    frame = _prepared(300, seed=1)
    dup = frame.iloc[:100].copy()
    # a typo inside the first token and the day shifted by one
    dup["name_norm"] = dup["name_norm"].str.replace("i", "y", n=1)
    dup["name_core"] = dup["name_norm"]
    dup["name_key"] = dup["name_norm"]
    dup["dob"] = dup["dob"] + pd.Timedelta(days=1)
    both = pd.concat([frame, dup], ignore_index=True)
    truth = list(range(300)) + list(range(100))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BlockingWarning)
        report = blocking_report(default_blocking(both), both, true_match=truth)
    # A typo together with a day shift across a month boundary is caught only when the
    # LSH bands agree; the defaults trade that sliver of recall for near-linear growth.
    assert report.pair_completeness >= 0.95
    assert report.reduction_ratio > 0.5


def test_lsh_can_leave_equal_values_to_other_passes() -> None:
    frame = pd.DataFrame({"name_core": ["sumiati", "sumiati", "sumiyati", "budi santoso"]})
    lsh = QGramLSH("name_core", q=2, bands=20, rows=2, same_value_pairs=False)
    pairs = set(zip(*(a.tolist() for a in lsh.pairs(frame))))
    assert (0, 1) not in pairs  # identical spelling: left to exact passes
    assert {(0, 2), (1, 2)} <= pairs  # different spellings still meet
    again = strategy_from_dict(lsh.to_dict())
    assert again.same_value_pairs is False


def test_passes_shared_with_a_second_process_give_the_same_pairs(  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch, dying_background
) -> None:
    """On a large input half of the passes run in a forked process: the pairs, the per-pass
    counts and the block-cap warnings are those of one process, and a second process that
    dies is redone in the caller."""

    import migrant_records._fork as fork_module
    import migrant_records.blocking.union as union
    from migrant_records.standardize import standardize
    from migrant_records.synth import generate

    if not fork_module.can_fork():
        pytest.skip("no fork or a single core here: the passes run in one process")
    prepared = standardize(generate(people=600, seed=9, reference_date="2025-06-30").records())
    default = default_blocking(prepared)
    # the capped pass second: every other pass, the second included, runs in the child
    passes = [default[0], ExactBlock("sex_norm", max_block_size=5), *default[1:]]
    with pytest.warns(BlockingWarning, match="sex_norm="):
        one = union_pairs(passes, prepared)
    monkeypatch.setattr(fork_module, "PARALLEL_MIN_RECORDS", 1)
    for run in range(2):
        with pytest.warns(BlockingWarning, match="sex_norm=") as caught:
            two = union_pairs(passes, prepared)
        assert len([w for w in caught if "sex_norm=" in str(w.message)]) == 1
        assert np.array_equal(one.left, two.left) and np.array_equal(one.right, two.right)
        assert one.pass_counts == two.pass_counts and one.new_counts == two.new_counts
        pd.testing.assert_frame_equal(one.largest_blocks, two.largest_blocks)
        if run == 0:  # then again with a second process that dies
            monkeypatch.setattr(union, "Background", dying_background)
