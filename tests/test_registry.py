"""The one registry: comparators and blocking strategies by name, dict and entry point."""

from __future__ import annotations

import copy
import warnings
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest

import migrant_records as mr
from migrant_records import registry
from migrant_records.blocking import (
    BaseStrategy,
    BlockingWarning,
    ExactBlock,
    as_strategy,
    get_strategy,
    register_strategy,
    union_pairs,
)
from migrant_records.compare import Exact, Nik, comparator, get_comparator, register_comparator
from migrant_records.errors import ConfigError


@pytest.fixture(autouse=True)
def _isolated_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test registers into a copy of the registry."""
    monkeypatch.setattr(registry, "_TABLES", copy.deepcopy(registry._TABLES))


class SamePassport(BaseStrategy):
    """A user strategy: records with the same passport number (upper-cased)."""

    def __init__(self, max_block_size: int | None = 1000) -> None:
        self.name = "passport"
        self.max_block_size = max_block_size

    def keys(self, frame: pd.DataFrame) -> pd.Series:
        return frame["passport_no"].astype("string").str.upper()

    def to_dict(self) -> dict[str, Any]:
        return {"strategy": "same_passport", "max_block_size": self.max_block_size}


def test_builtin_names_are_not_replaced_silently() -> None:
    with pytest.raises(ConfigError, match=r"'nik' is already registered \(built-in"):

        @comparator(name="nik", labels=("no", "yes"), columns=("nik_id",))
        def nik(a: pd.Series, b: pd.Series) -> np.ndarray:
            return (a.to_numpy() == b.to_numpy()).astype(np.int8)

    assert isinstance(get_comparator("nik"), Nik)  # the built-in still answers
    with pytest.raises(ConfigError, match="already registered"):
        register_strategy("exact", SamePassport)


def test_replace_true_replaces_for_this_process() -> None:
    register_comparator("nik", lambda **_: Exact("nik_id", name="nik"), replace=True)
    assert isinstance(get_comparator("nik"), Exact)


def test_user_names_clash_unless_the_same_definition_is_run_again() -> None:
    register_strategy("same_passport", SamePassport)
    register_strategy("same_passport", SamePassport)  # a notebook cell run twice
    with pytest.raises(ConfigError, match="already registered"):
        register_strategy("same_passport", ExactBlock)


def test_blocking_by_registered_name_and_dict() -> None:
    register_strategy("same_passport", SamePassport)
    assert isinstance(as_strategy("same_passport"), SamePassport)
    assert as_strategy({"strategy": "same_passport", "max_block_size": 5}).max_block_size == 5
    exact = as_strategy({"strategy": "exact", "columns": ["nik_id"]})
    assert isinstance(exact, ExactBlock) and exact.name == "nik_id"
    with pytest.raises(ConfigError, match=r"ExactBlock\('nik_id'\)"):
        mr.Matcher(blocking=["nik_id"])


def test_matcher_uses_a_strategy_named_in_its_config(tmp_path: Any) -> None:
    register_strategy("same_passport", SamePassport)
    sample = mr.datasets.load_sample()
    frame = sample.sources["kp2mi_placements"].copy()
    frame["passport_no"] = frame["record_id"].astype(str).str[-3:]
    matcher = mr.Matcher(blocking=["same_passport", {"strategy": "exact", "columns": ["dob"]}])
    result = matcher.dedupe(frame)
    assert result.pass_counts["passport"] > 0
    loaded = mr.Matcher.load(matcher.save(tmp_path / "m.json"))
    assert [type(b).__name__ for b in loaded.blocking_ or []] == ["SamePassport", "ExactBlock"]


def test_user_strategy_gets_block_caps_and_warnings() -> None:
    frame = pd.DataFrame({"passport_no": ["a1"] * 6 + ["b2", "B2"]})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", BlockingWarning)
        cand = union_pairs([SamePassport(max_block_size=3)], frame)
    assert list(zip(cand.left.tolist(), cand.right.tolist())) == [(6, 7)]
    assert any("skipped 1 block" in str(w.message) for w in caught)


def test_entry_points_load_lazily_for_both_kinds(monkeypatch: pytest.MonkeyPatch) -> None:
    loaded: list[str] = []

    def comp_factory(**kwargs: Any) -> Any:
        loaded.append("comparator")
        return Exact("passport_no", name=kwargs.get("name", "plugin_passport"))

    def block_factory(**kwargs: Any) -> Any:
        loaded.append("blocking")
        return SamePassport(**kwargs)

    groups = {
        "migrant_records.comparators": [
            SimpleNamespace(name="plugin_passport", value="pkg:comp", load=lambda: comp_factory),
            SimpleNamespace(
                name="plugin_broken",
                value="pkg:gone",
                load=lambda: (_ for _ in ()).throw(ImportError("gone")),
            ),
        ],
        "migrant_records.blocking": [
            SimpleNamespace(name="plugin_block", value="pkg:block", load=lambda: block_factory),
            SimpleNamespace(name="exact", value="pkg:shadow", load=lambda: block_factory),
        ],
    }
    monkeypatch.setattr(registry.metadata, "entry_points", lambda group: groups[group])
    for table in registry._TABLES.values():
        table.entry_points_loaded = False
    assert "plugin_passport" in registry.available("comparator")
    assert "plugin_block" in registry.available("blocking")
    assert loaded == []  # listed, not loaded
    assert get_comparator("plugin_passport").name == "plugin_passport"
    assert isinstance(get_strategy("plugin_block"), SamePassport)
    assert loaded == ["comparator", "blocking"]
    assert isinstance(get_strategy("exact", columns=["x"]), ExactBlock)  # not shadowed
    with pytest.raises(ConfigError, match=r"plugin_broken.*failed to load"):
        get_comparator("plugin_broken")
