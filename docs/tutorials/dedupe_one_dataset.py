"""Tutorial 1: deduplicate one ministry's dataset.

A KP2MI placement export lists one row per placement, so a worker who went abroad twice
appears twice, often spelled differently. We find the rows that belong to the same person.
"""

# --8<-- [start:export]
# %% An export as a ministry would send it: Indonesian headers, everything as text.
import migrant_records as mr
from migrant_records.evaluate import cluster_metrics, pairwise_metrics
from migrant_records.synth import generate

data = generate(people=800, seed=7)  # synthetic people, with the truth kept aside
kp2mi = data.sources["kp2mi_placements"]
export = kp2mi.drop(columns=["source"]).rename(
    columns={
        "record_id": "NO REGISTRASI",
        "nik": "NIK",
        "full_name": "NAMA PMI",
        "sex": "JENIS KELAMIN",
        "birth_date": "TANGGAL LAHIR",
        "birth_place": "TEMPAT LAHIR",
        "phone": "NO HP/WA",
        "passport_no": "NO PASPOR",
        "address": "ALAMAT",
        "village": "DESA/KELURAHAN",
        "district": "KECAMATAN",
        "regency": "KABUPATEN/KOTA",
        "province": "PROVINSI",
        "mother_name": "NAMA IBU KANDUNG",
    }
)
export.to_csv("kp2mi_placements.csv", index=False)
# --8<-- [end:export]

# --8<-- [start:read]
# %% Read it: headers are mapped to the canonical columns, bad rows are set aside.
batch = mr.read_records("kp2mi_placements.csv", source="KP2MI")
print(batch.mapping["NAMA PMI"], batch.mapping["NO REGISTRASI"])  # full_name record_id
print(len(batch.records), "records,", len(batch.rejects), "rejected")
# --8<-- [end:read]

# --8<-- [start:dedupe]
# %% Deduplicate with the defaults: comparators, blocking and model are chosen for us.
result = mr.dedupe(batch, progress=False)
print(result)
summary = result.summary()
print(summary["records"], "records ->", summary["persons"], "persons")
# --8<-- [end:dedupe]

# --8<-- [start:read-result]
# %% Who is who: one row per record, with the person it belongs to.
clusters = result.clusters
sizes = clusters.groupby("person_id").size()
biggest = sizes.idxmax()
print(clusters[clusters["person_id"] == biggest])

# The strongest matched pairs, and why one of them matched.
matches = result.matches()
print(matches[["record_id_l", "record_id_r", "match_probability"]].head())
first = matches.iloc[0]
why = result.explain(str(first["record_id_l"]), str(first["record_id_r"]))
print(why[["comparator", "value_l", "value_r", "label", "weight"]])
# --8<-- [end:read-result]

# --8<-- [start:golden]
# %% One clean record per person, with the source of every value.
golden = result.golden_records()
print(golden.head(3).T)
golden.to_csv("kp2mi_persons.csv", index=False)
# --8<-- [end:golden]

# --8<-- [start:check]
# %% How good was it? The synthetic data knows the truth.
truth = data.truth[data.truth["source"] == "kp2mi_placements"].assign(source="KP2MI")
pairwise = pairwise_metrics(result.clusters, truth)
bcubed = cluster_metrics(result.clusters, truth)
print(pairwise)
print(bcubed)
assert pairwise.f1 > 0.9, pairwise
assert bcubed.f1 > 0.95, bcubed
assert len(result.clusters) + len(result.rejects) == len(export)  # no record lost
# --8<-- [end:check]
