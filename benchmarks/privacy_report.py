"""The Markdown of ``benchmarks/RESULTS-privacy.md`` from a ``bench_privacy.run`` result.

:func:`report` writes the whole report (machine, accuracy on encodings against clear text,
hardening, Dice speed, encoding speed); :func:`encoding_lines` is its encoding-speed section,
which ``bench_privacy.py --encode-only`` rewrites on its own.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
from typing import Any

import numpy as np

from environment import machine


def _fmt(v: Any) -> str:
    if v is None:
        return "not installed"
    if isinstance(v, float):
        return f"{v:.4f}" if v < 10 else f"{v:,.1f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def report(res: dict[str, Any], command: str) -> str:
    """The Markdown report of a :func:`run` result."""
    cpu = machine()["CPU"]
    lines = [
        "# Privacy-preserving linkage: benchmark results",
        "",
        "Written by `benchmarks/bench_privacy.py`; do not edit by hand. See "
        "`docs/privacy.md` for what is encoded and how.",
        "",
        f"- Date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- Command: `{command}`",
        f"- Machine: {cpu}, {os.cpu_count()} logical cores, Python {platform.python_version()}, "
        f"numpy {np.__version__}",
        f"- Load average (1, 5, 15 min) at start {res['load_average_at_start']}, at end "
        f"{res['load_average_at_end']}: the machine is shared, so absolute speeds are lower "
        "bounds; compare numbers within this report.",
        "",
        "## Accuracy",
        "",
        "Pairwise precision and recall of the links at match probability 0.5: a link is a "
        "record of one source and a record of the other placed in one person (so exact "
        "copies, folded into one record before matching, count with their representative).",
        "",
        "| data | link on | precision | recall | F1 | links found | true links |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]

    def row(data: str, on: str, m: dict[str, Any]) -> None:
        lines.append(
            f"| {data} | {on} | {m['precision']:.4f} | {m['recall']:.4f} | {m['f1']:.4f} | "
            f"{m['predicted']:,} | {m['true']:,} |"
        )

    row("FEBRL 4 (2 x 5,000)", "encodings", res["febrl4"])
    for name, m in res["febrl4_hardening"].items():
        row("FEBRL 4", f"encodings, hardening: {name}", m)
    syn = res["synthetic"]
    dice = res["dice"]
    label = f"synthetic KEMENDES x KP2MI ({syn['records']:,} records)"
    row(label, "clear text", syn["clear"])
    row(label, "encodings", syn["encoded"])
    lines += [
        "",
        f"F1 on encodings minus F1 on clear text (synthetic): **{syn['f1_difference']:+.4f}**.",
        "FEBRL 4 on encodings: encoding "
        f"{res['febrl4']['encode_seconds']} s, linking {res['febrl4']['link_seconds']} s, "
        f"{res['febrl4']['candidate_pairs']:,} candidate pairs. Hardening trades accuracy for "
        "resistance to pattern mining: balancing and folding change every Bloom filter; "
        "salting with the birth year means records whose birth years differ never agree on "
        "the salted fields.",
        "",
        "Encoding time of FEBRL 4 (10,000 records, standardisation included) per hardening "
        "option: salting computes Bloom filter positions once per distinct (salt, q-gram) "
        "instead of once per q-gram.",
        "",
        "| hardening | encoding seconds | records/s |",
        "| --- | --- | --- |",
    ]
    for name, m in [("none", res["febrl4"]), *res["febrl4_hardening"].items()]:
        secs = m["encode_seconds"]
        lines.append(f"| {name} | {secs} | {int(10_000 / secs) if secs else 0:,} |")
    lines += [
        "",
        "## Dice similarity speed",
        "",
        "Candidate pairs: `dice_pairs` with the per-record set-bit counts computed once (the "
        "compiled kernel ANDs, popcounts and divides in one pass per pair; numpy counts the "
        f"intersections, then divides), {dice['pairs']:,} pairs sorted by the left record "
        "as blocking gives them, best of "
        "three, with the numpy kernel and with the compiled kernel (numba, the `fast` extra), "
        "two threads each. *Per CPU-second* divides by the CPU time this process used: on a "
        "shared machine it is what one core gives, where wall-clock speed depends on the "
        "other load. *Gathered* is the filter bytes read per second (two rows per pair): the "
        "bound for large tables, whose rows come from main memory, not from cache.",
        "",
        "| filter bits | filters | kernel | pairs/s | pairs per CPU-second | gathered GB/s |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, measured in dice.items():
        if "|" not in name:
            continue
        bits, label = name.split("|", 1)
        for kernel in ("numpy", "compiled"):
            m = measured[kernel]
            if m is None:
                lines.append(f"| {bits} | {label} | {kernel} | not installed | | |")
                continue
            lines.append(
                f"| {bits} | {label} | {kernel} | {m['pairs_per_s']:,} | "
                f"{m['pairs_per_cpu_s']:,} | {m['gb_per_s']} |"
            )
    lines += [
        "",
        "All pairs: `dice_matrix` (the full float32 matrix, numpy and compiled kernels, two "
        "threads) and anonlink's `dice_coefficient_accelerated` (C++ popcount, threshold "
        f"0.99, so it writes few results) on the same {dice['rows']:,} x {dice['rows']:,} "
        "name filters, same process, one after the other; best of three (numpy: one run).",
        "",
        "| filter bits | all pairs/s (ours, numpy) | all pairs/s (ours, compiled) | "
        "all pairs/s (anonlink) | ours compiled / anonlink |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, m in dice.items():
        if name.startswith("all_"):
            ours, anon = m["all_pairs_per_s"], m["anonlink_all_pairs_per_s"]
            ratio = (
                f"{ours['compiled'] / anon:.2f}" if ours["compiled"] and anon else "not measured"
            )
            lines.append(
                f"| {name.split('_')[1]} | {_fmt(ours['numpy'])} | {_fmt(ours['compiled'])} | "
                f"{_fmt(anon)} | {ratio} |"
            )
    lines += ["", *encoding_lines(res["encode"])]
    return "\n".join(lines)


def encoding_lines(enc: dict[str, Any], load: str | None = None) -> list[str]:
    """The report's encoding-speed section (``load``: a line on the machine's load)."""
    return [
        "## Encoding speed",
        "",
        *([load, ""] if load else []),
        f"{enc['records']:,} synthetic records of six ministries; the kernels are compiled "
        "before timing.",
        "",
        "| stage | records/s |",
        "| --- | --- |",
        f"| encoding (tokens, Bloom filters, blocking keys) on standardised records | "
        f"{enc['encode_stage_records_per_s']:,} |",
        f"| the same, per CPU-second | {enc['encode_stage_records_per_cpu_s']:,} |",
        f"| keyed HMAC-SHA256 alone (the floor of the encoding stage) | "
        f"{_fmt(enc['hmac_only_records_per_s'])} |",
        f"| standardisation alone | {enc['standardize_records_per_s']:,} |",
        f"| standardisation + encoding (what `encode` does) | "
        f"{enc['standardize_plus_encode_records_per_s']:,} |",
        "",
        f"Each record costs {enc['hmac_per_record']} keyed HMAC-SHA256 computations (one per "
        "distinct value of each token kind, blocking-key part and q-gram; repeated values are "
        f"hashed once), {enc['hmac_share']:.0%} of the encoding stage's time; "
        + (
            "the compiled HMAC-SHA256 kernel (the `fast` extra) computed them on every core. "
            if enc.get("compiled")
            else "Python's hashlib computed them one at a time (numba not installed). "
        )
        + "Bloom filter bit positions are computed once per distinct q-gram of a field and "
        "scattered into each record's filter with numpy; encodings are byte-identical to those "
        "of schema version 1 (`tests/test_privacy_pinned.py`). Each standardised column is "
        "factorised once; tokens, NIK heads, phone tails, Bloom filters and blocking-key parts "
        "are computed per distinct value.",
        "",
    ]
