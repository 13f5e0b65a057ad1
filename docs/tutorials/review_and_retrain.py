"""Tutorial 3: review uncertain pairs and retrain.

No model is sure about every pair. The pairs in the grey zone go to a person who knows the
data; their answers are read back as labels, which both train the model (labelled pairs
estimate the m and u probabilities directly) and bind the clustering (a pair labelled "not
the same person" is never joined).
"""

# --8<-- [start:first-run]
# %% A first run over six ministries' datasets, with no labels. To keep the data shared
# to a minimum, this matcher compares names, birth dates, sex and places only: no NIK,
# phone or address. Fewer identifiers means more pairs the model is unsure about.
import pandas as pd

import migrant_records as mr
from migrant_records.evaluate import evaluate_labels, pairwise_metrics
from migrant_records.synth import generate

data = generate(people=700, seed=3)
sources = list(data.sources.values())
COMPARATORS = ["person_name", "birth_date", "sex", "region", "birth_place"]
matcher = mr.Matcher(comparators=COMPARATORS, u_sample_pairs=300_000, progress=False)
first = matcher.dedupe(sources)
before = pairwise_metrics(first.clusters, data.truth)
print("before review:", before)
# --8<-- [end:first-run]

# --8<-- [start:sheet]
# %% Write the uncertain pairs to a sheet, most uncertain first.
sheet = first.review_sheet("review.csv", low=0.05, high=0.95, limit=200)
print(len(sheet), "pairs to review")
print(sheet[["full_name_l", "full_name_r", "birth_date_l", "birth_date_r"]].head())
# --8<-- [end:sheet]

# --8<-- [start:review]
# %% A reviewer opens review.csv in a spreadsheet and fills the is_match column with
# 1/0 (or y/n, ya/tidak). Here the synthetic truth plays the reviewer.
person = data.truth.set_index(["source", "record_id"])["person_id"]
same = [
    person[(sl, rl)] == person[(sr, rr)]
    for sl, rl, sr, rr in sheet[["source_l", "record_id_l", "source_r", "record_id_r"]]
    .astype(str)
    .itertuples(index=False)
]
filled = pd.read_csv("review.csv", dtype=str)
filled["is_match"] = ["ya" if s else "tidak" for s in same]
filled.to_csv("review_filled.csv", index=False)
# --8<-- [end:review]

# --8<-- [start:labels]
# %% Read the labels back and see how the first run did on them.
labels = mr.read_labels("review_filled.csv")
print(labels["is_match"].value_counts())
print(evaluate_labels(first.pairs, labels, threshold=first.threshold))
# --8<-- [end:labels]

# --8<-- [start:retrain]
# %% Train again with the labels, then deduplicate with them.
retrained = mr.Matcher(comparators=COMPARATORS, u_sample_pairs=300_000, progress=False)
retrained.fit(sources, labels=labels)
second = retrained.dedupe(sources, labels=labels)
after = pairwise_metrics(second.clusters, data.truth)
print("after review: ", after)
# (mr.dedupe(sources, labels=labels) does both steps in one call.)
# --8<-- [end:retrain]

# --8<-- [start:check]
# %% The labels are respected, and the result did not get worse.
person_of = second.clusters.set_index(["source", "record_id"])["person_id"]
for row in labels.itertuples(index=False):
    left, right = (row.source_l, row.record_id_l), (row.source_r, row.record_id_r)
    if not row.is_match:
        joined = person_of[left] == person_of[right]
        assert not joined, row  # a "no" is never joined
assert after.precision >= before.precision, (before, after)
assert after.f1 >= before.f1, (before, after)
assert after.f1 > 0.95, after
# --8<-- [end:check]
