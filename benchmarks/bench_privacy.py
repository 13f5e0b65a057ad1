"""Benchmark of linking on keyed encodings (``migrant_records.privacy``).

Measures, in one process:

- accuracy: FEBRL 4 linked on encodings (pairwise precision and recall of the links at
  probability 0.5), the same with each Bloom filter hardening option, and the synthetic
  two-ministry link (KEMENDES village programme x KP2MI placements) on encodings and on
  clear text of the same data;
- speed: Dice similarity on candidate pairs (``dice_pairs``) and on all pairs
  (``dice_matrix``) side by side with anonlink's C++ ``dice_coefficient_accelerated`` on the
  same filters when anonlink is installed; encoding throughput (the encoding stage on
  standardised records, and standardisation plus encoding).

``run(quick)`` returns the numbers (used by ``run.py``'s micro section); run as a script it
also writes ``benchmarks/RESULTS-privacy.md`` (``privacy_report.py``)::

    python benchmarks/bench_privacy.py [--quick] [--out benchmarks/RESULTS-privacy.md]
"""

from __future__ import annotations

import argparse
import os
import time
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from privacy_report import encoding_lines, report

KEY = bytes(range(32))
HERE = Path(__file__).resolve().parent


def _pairs_f1(found: set[tuple[str, str]], true: set[tuple[str, str]]) -> dict[str, float]:
    tp = len(found & true)
    p = tp / max(len(found), 1)
    r = tp / max(len(true), 1)
    return {
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(2 * p * r / max(p + r, 1e-12), 4),
        "predicted": len(found),
        "true": len(true),
    }


def _found(result: Any, left: str, right: str) -> set[tuple[str, str]]:
    """Record pairs of the two sources placed in one person (exact copies, folded before
    matching, included)."""
    c = result.clusters
    m = c[c["source"] == left].merge(c[c["source"] == right], on="person_id", suffixes=("_l", "_r"))
    return set(zip(m["record_id_l"].astype(str), m["record_id_r"].astype(str)))


def febrl_schema(hardening: dict[str, Any] | None = None) -> Any:
    """The encoding schema used for FEBRL 4 (generic person columns)."""
    from migrant_records.privacy import BlockingKey, BloomSpec, EncodingSchema, FieldSpec, LshSpec

    h = hardening or {}
    name = BloomSpec(bits=256, hashes=10, q=2, **h)
    text = BloomSpec(bits=512, hashes=10, q=2, **h)
    return EncodingSchema(
        name="febrl",
        fields=(
            FieldSpec("given_name", "text", "given_name", name, (0.6, 0.75, 0.9)),
            FieldSpec("surname", "text", "surname", name, (0.6, 0.75, 0.9)),
            FieldSpec("birth_date", "birth_date"),
            FieldSpec("address", "text", "address_norm", text, (0.6, 0.75, 0.9)),
            FieldSpec("suburb", "text", "village", name, (0.7, 0.9)),
            FieldSpec("postcode", "text", "postcode", BloomSpec(bits=128, hashes=8, q=2), (0.7,)),
            FieldSpec("state", "token", "state"),
            FieldSpec("soc_sec_id", "text", "soc_sec_id", name, (0.6, 0.8)),
        ),
        blocking=(
            BlockingKey("given", ("given_name",)),
            BlockingKey("surname", ("surname",)),
            BlockingKey("dob", ("dob",)),
            BlockingKey("ssid", ("soc_sec_id",)),
            BlockingKey("postcode_year", ("postcode", ("dob", "year"))),
        ),
        lsh=LshSpec("surname", bands=10, rows=4, within=(), max_block_size=200),
    )


def febrl4(hardening: dict[str, Any] | None = None) -> dict[str, Any]:
    """FEBRL 4 linked on encodings: accuracy and seconds."""
    from migrant_records.datasets import load_febrl
    from migrant_records.privacy import EncodedMatcher, encode

    febrl = load_febrl(4)
    records = febrl.records
    a = records[records["source"] == "febrl_a"]
    b = records[records["source"] == "febrl_b"]
    schema = febrl_schema(hardening)
    encode(a.head(300), KEY, schema)  # loads reference tables and compiled kernels: not timed
    t0 = time.perf_counter()
    ea, eb = encode(a, KEY, schema).records, encode(b, KEY, schema).records
    t1 = time.perf_counter()
    result = EncodedMatcher(progress=False).link(ea, eb)
    t2 = time.perf_counter()
    true = {(f"rec-{n}-org", f"rec-{n}-dup-0") for n in range(5000)}
    true = {p for p in true if p[0] in set(a["record_id"]) and p[1] in set(b["record_id"])}
    out = _pairs_f1(_found(result, "febrl_a", "febrl_b"), true)
    out.update(
        candidate_pairs=len(result.pair_left),
        encode_seconds=round(t1 - t0, 2),
        link_seconds=round(t2 - t1, 2),
    )
    return out


def synthetic(people: int) -> dict[str, Any]:
    """The two-ministry link on encodings and on clear text of the same synthetic data."""
    import migrant_records as mr
    from migrant_records.privacy import EncodedMatcher, encode
    from migrant_records.synth import generate

    data = generate(people=people, seed=11)
    left, right = "kemendes_dme", "kp2mi_placements"
    a, b = data.sources[left], data.sources[right]
    truth = data.truth.set_index(["source", "record_id"])["person_id"]
    lt = truth.loc[left].rename("person_id").reset_index()
    rt = truth.loc[right].rename("person_id").reset_index()
    tl = lt.merge(rt, on="person_id", suffixes=("_l", "_r"))
    true = set(zip(tl["record_id_l"].astype(str), tl["record_id_r"].astype(str)))
    t0 = time.perf_counter()
    clear = mr.Matcher(progress=False).link(a, b)
    t1 = time.perf_counter()
    ea, eb = encode(a, KEY).records, encode(b, KEY).records
    t2 = time.perf_counter()
    enc = EncodedMatcher(progress=False).link(ea, eb)
    t3 = time.perf_counter()
    c = _pairs_f1(_found(clear, left, right), true)
    e = _pairs_f1(_found(enc, left, right), true)
    return {
        "people": people,
        "records": len(a) + len(b),
        "clear": {**c, "seconds": round(t1 - t0, 2)},
        "encoded": {**e, "encode_seconds": round(t2 - t1, 2), "link_seconds": round(t3 - t2, 2)},
        "f1_difference": round(e["f1"] - c["f1"], 4),
    }


def _anonlink_all_pairs(a: np.ndarray, b: np.ndarray) -> float | None:
    """Best of three: seconds anonlink takes to compare every pair (threshold 0.99: few
    results)."""
    try:
        from anonlink.similarities import dice_coefficient_accelerated
        from bitarray import bitarray
    except ImportError:
        return None

    def bits(packed: np.ndarray) -> list[Any]:
        out = []
        for row in packed:
            ba = bitarray(endian="little")
            ba.frombytes(row.tobytes())
            out.append(ba)
        return out

    da, db = bits(a), bits(b)
    wall, _ = _timed(partial(dice_coefficient_accelerated, [da, db], threshold=0.99))
    return wall


def _timed(fn: Any, repeat: int = 3) -> tuple[float, float]:
    """Best wall seconds and best CPU seconds (this process, all threads) of ``fn()``."""
    wall, cpu = float("inf"), float("inf")
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall, cpu = min(wall, time.perf_counter() - t), min(cpu, time.process_time() - c)
    return wall, cpu


def dice_speed(quick: bool) -> dict[str, Any]:
    """Pairs per second of Dice on candidate pairs (numpy and compiled kernels) and all pairs."""
    from migrant_records.privacy import bloom_filters, dice_matrix, dice_pairs
    from migrant_records.privacy import dice as dice_module

    rng = np.random.default_rng(0)
    n = 2000 if quick else 4000
    n_pairs = 4_000_000 if quick else 20_000_000
    compiled = dice_module.compiled_kernel() is not None
    out: dict[str, Any] = {"compiled_available": compiled, "pairs": n_pairs, "rows": n}
    names = [
        " ".join(rng.choice(list("abcdefghijklmnoprstuwy"), size=rng.integers(8, 20)))
        for _ in range(2 * n)
    ]
    big = 200_000 if quick else 1_000_000
    for bits in (512, 1024):
        filters = bloom_filters(names, KEY, "bench", bits=bits, hashes=20)
        tables = {
            f"{n:,} + {n:,} name filters": (filters[:n], filters[n:]),
            f"{big:,} + {big:,} random filters": (
                rng.integers(0, 256, size=(big, bits // 8), dtype=np.uint8),
                rng.integers(0, 256, size=(big, bits // 8), dtype=np.uint8),
            ),
        }
        for label, (a, b) in tables.items():
            counts = (dice_module.popcount_rows(a), dice_module.popcount_rows(b))
            # candidate pairs as blocking gives them: sorted by the left record
            i = np.sort(rng.integers(0, len(a), size=n_pairs))
            j = rng.integers(0, len(b), size=n_pairs)
            row: dict[str, Any] = {}
            for kernel in ("numpy", "compiled"):
                if kernel == "compiled" and not compiled:
                    row[kernel] = None
                    continue
                flag = kernel == "compiled"
                wall, cpu = _timed(partial(dice_pairs, a, b, i, j, counts=counts, compiled=flag))
                row[kernel] = {
                    "pairs_per_s": int(n_pairs / wall),
                    "pairs_per_cpu_s": int(n_pairs / cpu),
                    "gb_per_s": round(n_pairs * 2 * bits / 8 / wall / 1e9, 2),
                }
            out[f"{bits}|{label}"] = row
        a, b = filters[:n], filters[n:]
        row = {}
        for kernel in ("numpy", "compiled"):
            if kernel == "compiled" and not compiled:
                row[kernel] = None
                continue
            flag = kernel == "compiled"
            dice_matrix(a[:200], b[:200], compiled=flag)
            wall, _ = _timed(partial(dice_matrix, a, b, compiled=flag), repeat=1 if not flag else 3)
            row[kernel] = int(n * n / wall)
        anon = _anonlink_all_pairs(a, b)
        out[f"all_{bits}"] = {
            "all_pairs_per_s": row,
            "anonlink_all_pairs_per_s": None if anon is None else int(n * n / anon),
        }
    return out


def encode_speed(quick: bool) -> dict[str, Any]:
    """Records per second: the encoding stage alone and standardisation plus encoding.

    Also counts the keyed HMAC-SHA256 computations (one per distinct value per token kind)
    and their seconds: the part of encoding no vectorisation removes.
    """
    from migrant_records.inputs import collect_inputs
    from migrant_records.privacy import bloom, encode_prepared, fields, keys
    from migrant_records.standardize import standardize
    from migrant_records.synth import generate

    data = generate(people=30_000 if quick else 130_000, seed=3)
    canonical, _ = collect_inputs(list(data.sources.values()))
    t0 = time.perf_counter()
    prepared = standardize(canonical)
    hmac = {"n": 0, "seconds": 0.0}
    plain = keys.keyed_digests

    def counted(texts: Any, subkey: bytes) -> list[bytes]:
        t = time.perf_counter()
        res = plain(texts, subkey)
        hmac["seconds"] += time.perf_counter() - t
        hmac["n"] += len(texts)
        return res

    # compile (or load from numba's cache) every kernel before timing: the HMAC-SHA256,
    # SipHash and Bloom kernels are then timed at their running speed, not their JIT time
    keys._compiled_hmac()
    encode_prepared(prepared.head(5_000), KEY)
    for module in (keys, fields, bloom):  # one timer per call (a few dozen calls)
        module.keyed_digests = counted  # type: ignore[attr-defined]
    try:
        t1, c1 = time.perf_counter(), time.process_time()
        encode_prepared(prepared, KEY)
        t2, c2 = time.perf_counter(), time.process_time()
    finally:
        for module in (keys, fields, bloom):
            module.keyed_digests = plain  # type: ignore[attr-defined]
    n = len(canonical)
    return {
        "records": n,
        "encode_stage_records_per_s": int(n / (t2 - t1)),
        "encode_stage_records_per_cpu_s": int(n / (c2 - c1)),
        "standardize_plus_encode_records_per_s": int(n / (t2 - t0)),
        "standardize_records_per_s": int(n / (t1 - t0)),
        "hmac_per_record": round(hmac["n"] / n, 2),
        "hmac_share": round(hmac["seconds"] / (t2 - t1), 3),
        "hmac_only_records_per_s": int(n / hmac["seconds"]) if hmac["seconds"] else None,
        "compiled": keys._compiled_hmac() is not None,
    }


def run(quick: bool = False) -> dict[str, Any]:
    """All privacy measurements (see the module docs)."""
    out: dict[str, Any] = {"load_average_at_start": list(os.getloadavg())}
    out["febrl4"] = febrl4()
    out["febrl4_hardening"] = {
        "balance": febrl4({"balance": True}),
        "fold": febrl4({"fold": True}),
        "salt_birth_year": febrl4({"salt": "birth_year"}),
    }
    out["synthetic"] = synthetic(3_000 if quick else 20_000)
    out["dice"] = dice_speed(quick)
    out["encode"] = encode_speed(quick)
    out["load_average_at_end"] = list(os.getloadavg())
    return out


def encode_only(out: Path, quick: bool) -> None:
    """Time the encoding stage alone and rewrite only the report's encoding section."""
    start = list(os.getloadavg())
    enc = encode_speed(quick)
    end = list(os.getloadavg())
    command = "python benchmarks/bench_privacy.py --encode-only" + (" --quick" if quick else "")
    load = (
        f"Encoding section rerun on its own ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())},"
        f" `{command}`); load average (1, 5, 15 min) at start {start}, at end {end}: the "
        "machine is shared, so absolute speeds are lower bounds."
    )
    section = "\n".join(encoding_lines(enc, load))
    text = out.read_text(encoding="utf-8") if out.is_file() else ""
    head = text.split("## Encoding speed")[0].rstrip("\n")
    out.write_text((head + "\n\n" if head else "") + section, encoding="utf-8")
    print(pd.Series(enc).to_string())


def main() -> None:
    """Run and write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", default=str(HERE / "RESULTS-privacy.md"))
    parser.add_argument(
        "--encode-only",
        action="store_true",
        help="time only the encoding (and standardisation) and rewrite only that section",
    )
    args = parser.parse_args()
    if args.encode_only:
        encode_only(Path(args.out), args.quick)
        return
    res = run(quick=args.quick)
    command = "python benchmarks/bench_privacy.py" + (" --quick" if args.quick else "")
    Path(args.out).write_text(report(res, command), encoding="utf-8")
    print(pd.Series({"written": args.out}).to_string())


if __name__ == "__main__":
    main()
