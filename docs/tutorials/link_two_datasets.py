"""Tutorial 2: link two ministries' datasets.

Which participants of the Ministry of Villages' Desa Migran Emas programme (KEMENDES)
were placed abroad through KP2MI? The two datasets share no key: KEMENDES writes names in
title case, often leaves out the NIK and keeps place and date of birth in one field.
"""

# --8<-- [start:load]
# %% Two sources of the same synthetic population.
import pandas as pd

import migrant_records as mr
from migrant_records.synth import generate

data = generate(people=800, seed=11)
villages = data.sources["kemendes_dme"]
placements = data.sources["kp2mi_placements"]
print(villages[["record_id", "nik", "full_name", "birth_date"]].head(3))
print(placements[["record_id", "nik", "full_name", "birth_date"]].head(3))
# --8<-- [end:load]

# --8<-- [start:link]
# %% Link: only pairs across the two sides are compared.
result = mr.link(villages, placements, progress=False)
print(result)
links = result.matches()[["record_id_l", "record_id_r", "match_probability"]]
print(len(links), "links;", links["record_id_l"].nunique(), "village participants were placed")
# --8<-- [end:link]

# --8<-- [start:journey]
# %% Follow one linked person across both ministries.
person = result.clusters.loc[
    result.clusters["record_id"] == links["record_id_l"].iloc[0], "person_id"
].item()
print(result.clusters[result.clusters["person_id"] == person])
# --8<-- [end:journey]

# --8<-- [start:check]
# %% Check against the truth: the true links are the record pairs of the same person.
truth = data.truth.set_index(["source", "record_id"])["person_id"]
left_truth = truth.loc["kemendes_dme"].rename("person_id").reset_index()
right_truth = truth.loc["kp2mi_placements"].rename("person_id").reset_index()
true_links = left_truth.merge(right_truth, on="person_id", suffixes=("_l", "_r"))
true_set = set(zip(true_links["record_id_l"], true_links["record_id_r"]))
found_set = set(zip(links["record_id_l"].astype(str), links["record_id_r"].astype(str)))
precision = len(found_set & true_set) / max(len(found_set), 1)
recall = len(found_set & true_set) / max(len(true_set), 1)
print(f"links: {len(found_set)} found, {len(true_set)} true")
print(f"precision {precision:.3f}, recall {recall:.3f}")
assert precision > 0.9 and recall > 0.85, (precision, recall)
assert isinstance(result.clusters, pd.DataFrame)
assert len(result.clusters) == len(villages) + len(placements)  # every record, once
# --8<-- [end:check]
