"""Tutorial 6: two ministries link without exchanging identities.

KEMENDES (Desa Migran Emas participants) and KP2MI (placements) want to know which village
participants were placed abroad, but neither may hand its register to the other. Each
encodes its own records locally with a secret key they share; a third office links the two
encoded files and sees no NIK, name, phone number or date of birth.
"""

# --8<-- [start:key]
# %% Once: one holder makes the secret key and the encoding schema, and shares both with
# the other holder only (never with the office that runs the link).
from pathlib import Path

import migrant_records as mr
from migrant_records.privacy import (
    EncodedMatcher,
    EncodingSchema,
    default_schema,
    encode,
    key_fingerprint,
    read_encoded,
    read_key,
    write_encoded,
    write_key,
)
from migrant_records.synth import generate

work = Path("pprl")
key_file = write_key(work / "shared.key")
schema_file = default_schema().save(work / "schema.json")
print("key fingerprint:", key_fingerprint(read_key(key_file)))
# --8<-- [end:key]

# --8<-- [start:encode]
# %% Each holder, on its own machine: standardise and encode, then send only the encodings.
data = generate(people=800, seed=11)
villages = data.sources["kemendes_dme"]
placements = data.sources["kp2mi_placements"]

key = read_key(key_file)
schema = EncodingSchema.load(schema_file)
kemendes = encode(villages, key, schema)
kp2mi = encode(placements, key, schema)
write_encoded(kemendes.records, work / "kemendes.enc.parquet")
write_encoded(kp2mi.records, work / "kp2mi.enc.parquet")
print(kemendes.records.iloc[0, :6])
# --8<-- [end:encode]

# --8<-- [start:link]
# %% The linking office: reads the two encoded files (no key needed) and links them.
left = read_encoded(work / "kemendes.enc.parquet")
right = read_encoded(work / "kp2mi.enc.parquet")
result = EncodedMatcher(progress=False).link(left, right)
print(result)
# records whose encodings are all equal (a person placed twice) are folded into one before
# matching, as on clear text: read who is who from the persons, not only from the pairs
persons = result.clusters
placed = persons[persons["source"] == "kemendes_dme"].merge(
    persons[persons["source"] == "kp2mi_placements"], on="person_id", suffixes=("_l", "_r")
)
print(len(placed), "links;", placed["record_id_l"].nunique(), "village participants were placed")
# --8<-- [end:link]

# --8<-- [start:explain]
# %% Explanations show levels and weights, never values: there are none to show.
first = result.matches().iloc[0]
why = result.explain(
    (first["source_l"], first["record_id_l"]), (first["source_r"], first["record_id_r"])
)
print(why[["comparator", "label", "weight"]])
# --8<-- [end:explain]


# --8<-- [start:check]
# %% Check against the truth, and against the same link on clear text.
def f1(found: mr.MatchResult) -> float:
    truth = data.truth.set_index(["source", "record_id"])["person_id"]
    lt = truth.loc["kemendes_dme"].rename("person_id").reset_index()
    rt = truth.loc["kp2mi_placements"].rename("person_id").reset_index()
    true = lt.merge(rt, on="person_id", suffixes=("_l", "_r"))
    true_set = set(zip(true["record_id_l"], true["record_id_r"]))
    c = found.clusters
    m = c[c["source"] == "kemendes_dme"].merge(
        c[c["source"] == "kp2mi_placements"], on="person_id", suffixes=("_l", "_r")
    )
    found_set = set(zip(m["record_id_l"].astype(str), m["record_id_r"].astype(str)))
    return 2 * len(found_set & true_set) / max(len(found_set) + len(true_set), 1)


clear = mr.link(villages, placements, progress=False)
print(f"F1 on encodings {f1(result):.3f}, on clear text {f1(clear):.3f}")
assert f1(result) > 0.95 and f1(result) >= f1(clear) - 0.02  # encodings lose at most 0.02
# no full name in any value of the encoded file (names of 8 characters or more: a shorter
# string turns up by chance in megabytes of random-looking filter bytes)
cells = read_encoded(work / "kemendes.enc.parquet").to_numpy().ravel().tolist()
text = b"\n".join(v if isinstance(v, bytes) else str(v).encode() for v in cells)
names = {str(v) for v in villages["full_name"].dropna() if len(str(v)) >= 8}
assert names and not any(name.encode() in text for name in names)
assert len(result.clusters) == len(villages) + len(placements)  # every record, once
# --8<-- [end:check]
