"""Tutorial 6: a living person index: month 1, month 2, a correction, an erasure.

Partner systems store the person id they were given, so ids must survive from one month to
the next. A PersonIndex keeps the records, the blocking keys and the trained matcher in a
DuckDB file; each month's records are matched against it and only the persons they touch
are re-clustered.
"""

# --8<-- [start:month1]
# %% Month 1: train on what has arrived, create the index from that first run.
from pathlib import Path

import migrant_records as mr
from migrant_records.evaluate import pairwise_metrics
from migrant_records.index import PersonIndex
from migrant_records.synth import generate

data = generate(people=600, seed=12)
records = data.records().sample(frac=1.0, random_state=3).reset_index(drop=True)
month1, month2 = records.iloc[:600], records.iloc[600:]

matcher = mr.Matcher(u_sample_pairs=300_000, progress=False)
first = matcher.dedupe(month1)
Path("persons.duckdb").unlink(missing_ok=True)
index = PersonIndex.create("persons.duckdb", matcher, first)
print(index, "with", index.persons()["person_id"].nunique(), "person ids")
ids_month1 = index.crosswalk()
# --8<-- [end:month1]

# --8<-- [start:month2]
# %% Month 2: add the new records. Nothing is re-read from scratch; the change set says
# which records joined known persons, which are new persons, and which persons merged.
changes = index.add(month2)
print(changes.summary())
print(changes.attached.head(3).to_string(index=False))
if len(changes.merges):
    event = int(changes.merges["event_id"].iloc[0])
    print(changes.evidence_for(event).to_string(index=False))  # the pair scores behind it

ids_month2 = index.crosswalk()
kept = ids_month1.merge(ids_month2, on=["source", "record_id"], suffixes=("_1", "_2"))
renamed = kept[kept["person_id_1"] != kept["person_id_2"]]
print(f"{len(renamed)} of {len(kept)} month-1 records changed person id (merges only)")
print("accuracy:", pairwise_metrics(ids_month2, data.truth))
# --8<-- [end:month2]

# --8<-- [start:lookup]
# %% At the registration desk: is this applicant already known? Nothing is added.
applicant = month2.iloc[0].drop(["source", "record_id"]).to_dict()
print(index.lookup(applicant, k=3)[["rank", "person_id", "probability"]])
# --8<-- [end:lookup]

# --8<-- [start:correction]
# %% A correction: a worker reports a mistyped birth date. Only their person is re-evaluated.
row = month2.iloc[[1]].copy()
row["birth_date"] = "1991-07-14"
before = index.crosswalk().set_index(["source", "record_id"])["person_id"]
fixed = index.update(row)
print(fixed.summary())
# --8<-- [end:correction]

# --8<-- [start:erasure]
# %% An erasure (UU PDP 27/2022): the record's data is deleted, not flagged. The history
# keeps only that a record of this person was erased.
gone = month2.iloc[[2]][["source", "record_id"]]
person = before[(gone["source"].iloc[0], gone["record_id"].iloc[0])]
erased = index.remove(gone)
print(erased.summary())
print(index.history(person).tail(3).to_string(index=False))
print("resolves to:", index.resolve(person))  # None when the person had no other record
# --8<-- [end:erasure]

# --8<-- [start:check]
# %% What the index promises, checked.
assert len(index) == len(records) - 1
assert (renamed["person_id_1"].map(index.resolve) == renamed["person_id_2"]).all()
assert gone["record_id"].iloc[0] not in index.crosswalk()["record_id"].tolist()
history = index.history()
assert not history["record_id"].isin(gone["record_id"]).any()
assert index.add(month1).unchanged == len(month1)  # re-sending a month changes nothing
one_shot = pairwise_metrics(matcher.dedupe(records).clusters, data.truth).f1
assert pairwise_metrics(ids_month2, data.truth).f1 >= one_shot - 0.01
index.close()
# --8<-- [end:check]
