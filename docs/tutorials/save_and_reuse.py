"""Tutorial 5: save a model and reuse it on next month's data.

Training is the slow and the delicate part: it estimates how often each kind of agreement
happens among true matches (m) and among random pairs (u). Once a model is checked, save it
and apply it to every new extract, so that this month's scores mean what last month's meant.
"""

# --8<-- [start:months]
# %% Each month the ministries send their full tables again, with the new rows added.
import pandas as pd

import migrant_records as mr
from migrant_records.evaluate import pairwise_metrics
from migrant_records.synth import generate

data = generate(people=800, seed=21)


def extract(share: float) -> list[pd.DataFrame]:
    """The first `share` of every source's rows: what had been registered by then."""
    return [frame.iloc[: int(len(frame) * share)] for frame in data.sources.values()]


january, february = extract(0.7), extract(1.0)
print(sum(map(len, january)), "records in January,", sum(map(len, february)), "in February")
# --8<-- [end:months]

# --8<-- [start:train]
# %% January: train, check, save.
matcher = mr.Matcher(u_sample_pairs=300_000, progress=False)
jan = matcher.dedupe(january)
print("January:", pairwise_metrics(jan.clusters, data.truth))
path = matcher.save("matcher-2025-01.json")
print(path.read_text()[:300])
# --8<-- [end:train]

# --8<-- [start:reuse]
# %% February: load the saved matcher and apply it as it is (no training).
loaded = mr.Matcher.load("matcher-2025-01.json")
feb = loaded.dedupe(february)
print("February:", pairwise_metrics(feb.clusters, data.truth))
print(f"training time in February: {feb.timings['train']:.3f} s")
# To retrain on purpose (new sources, drifted data): loaded.dedupe(february, refit=True).
# --8<-- [end:reuse]

# --8<-- [start:ids]
# %% Person ids are stable: a person's id is derived from their smallest record key
# ("source|record_id"), so it survives as long as that record stays in their cluster.
# A person whose records did not change keeps their id; when a record with a smaller key
# joins (here, from a source whose name sorts first), the id changes, and the crosswalk
# below maps January's ids to February's.
ids = jan.clusters.merge(feb.clusters, on=["source", "record_id"], suffixes=("_jan", "_feb"))
per_person = ids.groupby("person_id_jan").agg(
    n_jan=("record_id", "size"),
    n_feb_ids=("person_id_feb", "nunique"),
    person_id_feb=("person_id_feb", "first"),
)
feb_sizes = feb.clusters.groupby("person_id").size()
unchanged = (per_person["n_feb_ids"] == 1) & (
    per_person["n_jan"].to_numpy() == feb_sizes.reindex(per_person["person_id_feb"]).to_numpy()
)
same_id = per_person.index.to_numpy() == per_person["person_id_feb"].to_numpy()
print(f"{unchanged.mean():.1%} of January's persons have the same records in February")
crosswalk = ids.loc[
    ids["person_id_jan"] != ids["person_id_feb"], ["person_id_jan", "person_id_feb"]
]
print(crosswalk.drop_duplicates().head())
# --8<-- [end:ids]

# --8<-- [start:check]
# %% The loaded model is the saved one, scores are reproducible, and quality holds.
assert loaded.model_ is not None and matcher.model_ is not None
assert loaded.model_.to_dict() == matcher.model_.to_dict()
again = loaded.dedupe(january)
assert again.clusters["person_id"].tolist() == jan.clusters["person_id"].tolist()
assert same_id[unchanged.to_numpy()].all()  # unchanged persons keep their id
assert pairwise_metrics(feb.clusters, data.truth).f1 > 0.95
# --8<-- [end:check]
