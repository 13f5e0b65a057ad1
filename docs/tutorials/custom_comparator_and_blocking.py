"""Tutorial 4: write your own comparator and your own blocking strategy.

KP2MI records carry a passport number, which the built-in comparators do not use. A worker
who renews a passport gets a new number, so "same passport" is strong evidence while
"different passport" is weak evidence. We add a comparator for it, and a blocking pass that
proposes every pair sharing a passport number.
"""

# --8<-- [start:data]
# %% The data, standardised once so that we can see the prepared columns.
import numpy as np
import pandas as pd

import migrant_records as mr
from migrant_records.blocking import blocking_report, default_blocking, register_strategy
from migrant_records.compare import FunctionComparator, comparator, default_comparators
from migrant_records.evaluate import pairwise_metrics
from migrant_records.synth import generate

data = generate(people=800, seed=5)
records = data.sources["kp2mi_placements"]
prepared = mr.Matcher.prepare(records)
print(prepared[["full_name", "name_norm", "name_key", "dob", "passport_no"]].head(3))
# --8<-- [end:data]


# --8<-- [start:comparator]
# %% A comparator is a function of two aligned Series (left and right record of each pair)
# that returns one level per pair: -1 = no evidence (a value is missing), 0 = the "else"
# level, higher = stronger agreement. The decorator registers it under its name, so a saved
# matcher that uses it can be loaded again.
def _clean_passport(values: pd.Series) -> pd.Series:
    return values.astype("string").str.upper().str.replace(r"[^0-9A-Z]", "", regex=True)


@comparator(name="passport", labels=("different", "same"), columns=("passport_no",))
def passport(a: pd.Series, b: pd.Series) -> np.ndarray:
    left, right = _clean_passport(a), _clean_passport(b)
    levels = (left == right).fillna(False).to_numpy(dtype=np.int8)
    levels[(left.isna() | right.isna()).to_numpy()] = -1
    return levels


# The same comparator without the decorator (not registered, so not savable):
passport_plain = FunctionComparator(
    passport.func, name="passport", labels=("different", "same"), columns=("passport_no",)
)
i, j = np.array([0, 0]), np.array([1, 2])
print(passport.compare(prepared, prepared, i, j))  # levels of two pairs
# --8<-- [end:comparator]


# --8<-- [start:blocking]
# %% A blocking strategy is any object with a `name` and a `pairs(left, right=None)` method
# that returns two int64 arrays of row positions: for a dedupe, pairs inside `left` with
# i < j; for a link, positions into `left` and into `right`. Vectorise it: a merge on the
# key, never a Python loop over records.
class SamePassport:
    """Pairs of records with the same (cleaned) passport number."""

    name = "passport"

    def pairs(
        self, left: pd.DataFrame, right: pd.DataFrame | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        a = pd.DataFrame({"key": _clean_passport(left["passport_no"]), "i": np.arange(len(left))})
        other = left if right is None else right
        b = pd.DataFrame({"key": _clean_passport(other["passport_no"]), "j": np.arange(len(other))})
        joined = a.dropna().merge(b.dropna(), on="key")
        if right is None:
            joined = joined[joined["i"] < joined["j"]]
        return joined["i"].to_numpy(np.int64), joined["j"].to_numpy(np.int64)

    def to_dict(self) -> dict[str, str]:
        """Optional: lets a matcher that uses this pass be saved (see tutorial 5)."""
        return {"strategy": "same_passport"}


register_strategy("same_passport", SamePassport)  # so that a saved matcher can load it

passes = [*default_blocking(prepared), SamePassport()]
person = data.truth.set_index(["source", "record_id"])["person_id"]
true_ids = person.reindex(pd.MultiIndex.from_frame(prepared[["source", "record_id"]])).to_numpy()
report = blocking_report(passes, prepared, true_match=true_ids)
print(report.to_frame()[["pass", "pairs", "new", "cumulative"]])
print(f"pair completeness {report.pair_completeness:.3f}, reduction {report.reduction_ratio:.4f}")
# --8<-- [end:blocking]

# --8<-- [start:match]
# %% Use both: the default comparators plus ours, the default passes plus ours.
matcher = mr.Matcher(
    blocking=passes,
    comparators=[*default_comparators(prepared), passport],
    u_sample_pairs=300_000,
    progress=False,
)
result = matcher.dedupe(records)
print(result.pairs.filter(like="gamma_").columns.tolist())
print(result.parameters().query("comparator == 'passport'"))
# --8<-- [end:match]

# --8<-- [start:check]
# %% The new comparator takes part in the score and the result is accurate.
truth = data.truth[data.truth["source"] == "kp2mi_placements"]
metrics = pairwise_metrics(result.clusters, truth)
print(metrics)
assert "gamma_passport" in result.pairs.columns
assert result.pass_counts["passport"] > 0
assert metrics.f1 > 0.9, metrics
matcher.save("with_passport.json")  # both parts are registered, so the matcher can be saved
reloaded = mr.Matcher.load("with_passport.json")
assert reloaded.comparators_ is not None and reloaded.comparators_[-1].name == "passport"
assert reloaded.blocking_ is not None and reloaded.blocking_[-1].name == "passport"
# --8<-- [end:check]
