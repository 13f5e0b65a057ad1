"""Matcher configuration: one validation path, JSON round trips trained or not, versions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import migrant_records as mr
from migrant_records.blocking import ExactBlock
from migrant_records.cli import main
from migrant_records.config import FORMAT_VERSION, MatcherConfig
from migrant_records.errors import ConfigError, ModelError
from migrant_records.model import FellegiSunter, Rule


def _write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_untrained_matcher_round_trips_through_json(tmp_path: Path) -> None:
    matcher = mr.Matcher(
        blocking=[ExactBlock("dob", max_block_size=50)],
        comparators=["person_name", "birth_date"],
        threshold=0.8,
        prior_rule=Rule("name_dob", {"name": 3, "dob": 2}),
        one_to_one=True,
        seed=3,
    )
    loaded = mr.Matcher.load(matcher.save(tmp_path / "untrained.json"))
    assert loaded.model_ is None and loaded.threshold == 0.8 and loaded.one_to_one
    assert loaded.seed == 3 and loaded.prior_rule is not None
    assert [c.name for c in loaded.comparators or []] == ["name", "birth_date"]
    assert [b.to_dict() for b in loaded.blocking or []] == [matcher.blocking[0].to_dict()]  # type: ignore[index]
    assert loaded.to_dict() == matcher.to_dict()
    # the default configuration (comparators and blocking chosen from the data) round-trips too
    default = mr.Matcher.load(mr.Matcher().save(tmp_path / "default.json"))
    assert default.comparators is None and default.blocking is None


def test_loaded_untrained_matcher_trains_like_a_new_one(tmp_path: Path) -> None:
    frames = list(mr.datasets.load_sample().sources.values())
    fresh = mr.Matcher(progress=False).dedupe(frames)
    loaded = mr.Matcher.load(mr.Matcher(progress=False).save(tmp_path / "m.json"))
    loaded.progress = False
    again = loaded.dedupe(frames)
    pd.testing.assert_frame_equal(fresh.clusters, again.clusters)


def test_a_future_format_version_is_refused(tmp_path: Path) -> None:
    data = mr.Matcher().to_dict()
    data["version"] = FORMAT_VERSION + 1
    with pytest.raises(ModelError, match=r"newer migrant-records.*upgrade"):
        mr.Matcher.load(_write(tmp_path / "future.json", data))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"threshold": "high"}, r"field 'threshold'.*valid number"),
        ({"threshold": 2}, r"field 'threshold'.*less than 1"),
        ({"seed": -1}, r"field 'seed'"),
        ({"colour": "red"}, r"field 'colour'.*[Ee]xtra"),
        ({"comparators": "nik"}, r"field 'comparators'"),
    ],
)
def test_saved_fields_are_checked_one_by_one(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    data = {**mr.Matcher().to_dict(), **change}
    with pytest.raises(ModelError, match=message):
        mr.Matcher.load(_write(tmp_path / "bad.json", data))


def test_files_that_are_not_matchers_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="expected a JSON object, got list"):
        mr.Matcher.load(_write(tmp_path / "list.json", [1, 2]))
    with pytest.raises(ModelError, match="format marker"):
        mr.Matcher.load(_write(tmp_path / "other.json", {"threshold": 0.5}))
    (tmp_path / "latin1.json").write_bytes(b'{"name": "Andr\xe9"}')
    with pytest.raises(ModelError, match="not UTF-8"):
        mr.Matcher.load(tmp_path / "latin1.json")
    missing = {k: v for k, v in mr.Matcher().to_dict().items() if k != "threshold"}
    assert mr.Matcher.load(_write(tmp_path / "no_threshold.json", missing)).threshold == 0.5


def test_every_option_goes_through_one_validation() -> None:
    with pytest.raises(ConfigError, match="field 'threshold'"):
        mr.Matcher(threshold=2)
    with pytest.raises(ConfigError, match="field 'threshold'"):
        mr.Matcher().set_params(threshold=1.5)
    with pytest.raises(ConfigError, match="Unknown matcher option"):
        mr.Matcher().set_params(treshold=0.5)
    with pytest.raises(ConfigError, match="field 'prior_rule_recall'"):
        MatcherConfig.options(prior_rule_recall=0)
    assert mr.Matcher().set_params(threshold=0.7, one_to_one=True).one_to_one


def test_a_model_that_breaks_the_contract_is_refused() -> None:
    class NotAModel:
        def fit(self, gamma: Any) -> None: ...

    with pytest.raises(ConfigError, match="is not a model"):
        mr.Matcher(model=NotAModel())


def test_a_custom_fellegi_sunter_model_keeps_its_settings(tmp_path: Path) -> None:
    frames = list(mr.datasets.load_sample().sources.values())
    model = FellegiSunter(prior_rule_recall=0.9, u_sample_pairs=300_000)
    matcher = mr.Matcher(model=model, progress=False)
    matcher.dedupe(frames)
    loaded = mr.Matcher.load(matcher.save(tmp_path / "m.json"))
    assert loaded.model_.prior_rule_recall == 0.9
    assert loaded.model_.u_sample_pairs == 300_000


def _sample_files(tmp_path: Path) -> tuple[Path, Path]:
    sample = mr.datasets.load_sample()
    left = tmp_path / "kp2mi.csv"
    right = tmp_path / "bps.csv"
    sample.sources["kp2mi_placements"].to_csv(left, index=False)
    sample.sources["bps_survey"].to_csv(right, index=False)
    return left, right


def test_cli_applies_flags_to_a_loaded_model(tmp_path: Path, capsys: Any) -> None:
    left, right = _sample_files(tmp_path)
    first = tmp_path / "first"
    assert main(["link", str(left), str(right), "--out", str(first), "--no-progress"]) == 0
    model = first / "model.json"
    assert not json.loads(model.read_text())["one_to_one"]
    second = tmp_path / "second"
    args = ["link", str(left), str(right), "--out", str(second), "--model", str(model)]
    assert main([*args, "--one-to-one", "--threshold", "0.9", "--no-progress"]) == 0
    saved = json.loads((second / "model.json").read_text())
    assert saved["one_to_one"] is True and saved["threshold"] == 0.9
    # an absent flag keeps what the loaded model says
    third = tmp_path / "third"
    args = [
        "link",
        str(left),
        str(right),
        "--out",
        str(third),
        "--model",
        str(second / "model.json"),
    ]
    assert main([*args, "--no-progress"]) == 0
    assert json.loads((third / "model.json").read_text())["one_to_one"] is True
    capsys.readouterr()
    # an invalid value is refused before anything runs, as for a new matcher
    bad = tmp_path / "bad"
    args = ["link", str(left), str(right), "--out", str(bad), "--model", str(model)]
    assert main([*args, "--threshold", "2", "--no-progress"]) == 2
    assert "field 'threshold'" in capsys.readouterr().err
    assert not (bad / "model.json").exists()


def test_no_candidate_pairs_gives_one_person_per_record(caplog: Any) -> None:
    frame = pd.DataFrame(
        {
            "source": ["a", "a", "a"],
            "record_id": ["1", "2", "3"],
            "full_name": ["Siti Aminah", "Budi Santoso", "Rina Wati"],
            "birth_date": ["1990-01-01", "1985-05-05", "1979-09-09"],
        }
    )
    result = mr.Matcher(progress=False).dedupe(frame)
    assert result.clusters["person_id"].nunique() == 3
    assert result.summary()["candidate_pairs"] == 0
    assert "no candidate pairs" in caplog.text
    with pytest.raises(ModelError, match="no candidate pairs"):
        mr.Matcher(progress=False).fit(frame)


def test_profile_and_min_year_reach_standardisation(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "source": ["parish"] * 4,
            "record_id": ["1", "2", "3", "4"],
            "full_name": ["Charles Tjoa", "Charles Tjoa", "Mary Smith", "Mary Smyth"],
            "birth_date": ["1850-03-01", "1850-03-01", "1848-07-09", "1848-07-09"],
        }
    )
    matcher = mr.Matcher(profile="generic", min_year=1800, progress=False)
    result = matcher.dedupe(frame)
    assert result.records["dob"].notna().all()  # pre-1900 dates kept when the range allows
    assert result.records["name_norm"].iloc[0] == "charles tjoa"  # no Indonesian spelling rules
    loaded = mr.Matcher.load(matcher.save(tmp_path / "m.json"))
    assert (loaded.profile, loaded.min_year) == ("generic", 1800)
    with pytest.raises(ConfigError, match="field 'profile'"):
        mr.Matcher(profile="martian")
    with pytest.raises(ConfigError, match="field 'min_year'"):
        mr.Matcher(min_year=1500)
