"""The markdown report of ``benchmarks/run.py``: ``benchmarks/RESULTS.md`` and its JSON.

- :class:`Run`: what one library measured on one dataset (stored in the JSON, read back from it);
- the sections: micro-benchmarks, the comparison tables with the ratios against each
  competitor and the caveats written from what happened in the run;
- :func:`write_report`: the whole report (keeping an earlier CLI section and the A/B section of
  ``benchmarks/ab.py``);
- ``--keep-earlier``: :func:`earlier_comparison` reads back the datasets of the previous report
  that a run does not measure again, named in the header with their own date and command.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cli_bench
from accuracy import Accuracy
from data import DatasetFiles, iso_date, prepare_dataset, read_records
from environment import machine, versions

HERE = Path(__file__).resolve().parent

OURS = "migrant-records"
AUTO = "migrant-records-auto"
STAGES = ("prepare", "blocking", "comparison", "training", "prediction", "clustering")
AB_MARKS = ("<!-- section:ab -->", "<!-- /section:ab -->")
"""Markers of the section that ``benchmarks/ab.py`` writes."""
OTHER_FILES = [
    "## Spark engine, person index, privacy",
    "",
    "Three benchmark scripts keep their results in their own files next to this one, each "
    "rewritten by its script on every run (commands in `benchmarks/README.md`):",
    "",
    "- `SPARK_RESULTS.md` (`bench_spark.py`): the Spark engine on "
    "`local[2]` next to the pandas engine and Splink (on DuckDB and on Spark) at 100,000 "
    "and 1,000,000 records, next to the pandas engine at 5,000,000 to 10,000,000 (time of "
    "each stage, peak memory and disk, pairs, persons, and where a run stopped), the "
    "extrapolation "
    "to 100 million records, and the task-time spread with one blocking key holding 20% of "
    "the rows.",
    "- `INDEX_RESULTS.md` (`bench_index.py`): adding a batch of 10,000 "
    "records to a person index of 1,000,000 against re-running `dedupe`, single-record "
    "lookup latency, and an index built from 12 monthly batches against one `dedupe`.",
    "- `RESULTS-privacy.md` (`bench_privacy.py`): linking on keyed encodings against clear text.",
    "",
]
"""The closing section: where the other benchmark scripts' results are."""


@dataclass
class Run:
    """One library on one dataset."""

    dataset: str
    library: str
    records: int
    status: str
    note: str = ""
    stages: dict[str, float] = field(default_factory=dict)
    total_s: float | None = None
    peak_mib: float | None = None
    candidate_pairs: int | None = None
    pairs: Accuracy | None = None
    clusters: Accuracy | None = None
    wall_s: float = 0.0
    caveat: str = ""
    date: str = ""
    command: str = ""
    load: str = ""


def _fmt_s(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 100 else f"{value:.0f}"


def _fmt_n(value: int | None) -> str:
    return "-" if value is None else f"{int(value):,}"


def _fmt_p(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows]
    return lines


def _flatten(data: Any, prefix: str = "") -> list[tuple[str, str]]:
    if isinstance(data, dict):
        rows: list[tuple[str, str]] = []
        for k, v in data.items():
            rows += _flatten(v, f"{prefix}.{k}" if prefix else str(k))
        return rows
    if isinstance(data, float):
        text = f"{data:,.3f}".rstrip("0").rstrip(".") if abs(data) < 1e6 else f"{data:,.0f}"
    elif isinstance(data, int) and not isinstance(data, bool):
        text = f"{data:,}"
    elif isinstance(data, (list, tuple)):
        text = json.dumps(data, default=str)
        text = text if len(text) <= 120 else text[:117] + "..."
    else:
        text = str(data)
    return [(prefix, text)]


def micro_section(results: dict[str, dict[str, Any]]) -> list[str]:
    """Markdown for the micro-benchmarks."""
    lines = ["## Micro-benchmarks", ""]
    if not results:
        return [*lines, "Not run (section not selected).", ""]
    for module, res in results.items():
        lines += [f"### {module}", ""]
        status = res.get("status")
        if status != "ok":
            lines += [f"Not reported: {status} ({res.get('note', '')}).", ""]
            continue
        doc = _module_summary(module)
        if doc:
            lines += [doc, ""]
        rows = _flatten(res.get("data", {}))
        lines += _md_table(["measure", "value"], [[f"`{k}`", v] for k, v in rows])
        lines += [
            "",
            f"Process wall time {res.get('wall_s', 0):.1f} s, peak RSS "
            f"{res.get('peak_rss_mib', 0):.0f} MiB.",
            "",
        ]
    return lines


def _module_summary(module: str) -> str:
    try:
        text = (HERE / f"{module}.py").read_text(encoding="utf-8")
    except OSError:
        return ""
    if text.startswith('"""'):
        return text[3:].split("\n", 1)[0].strip().rstrip('"')
    return ""


def _dataset_title(files: DatasetFiles) -> str:
    if files.name.startswith("synth_"):
        return f"Synthetic ministry data, {files.n_records:,} records (dedupe)"
    return f"{files.name.upper()} ({files.task}, {files.n_records:,} records)"


def comparison_section(
    datasets: Sequence[DatasetFiles], runs: Sequence[Run], facts: dict[str, dict[str, Any]]
) -> list[str]:
    """Markdown tables: one per dataset, then the ratios, then the caveats."""
    lines = ["## Accuracy and speed: migrant-records, recordlinkage, Splink", ""]
    if not runs:
        return [*lines, "Not run (section not selected).", ""]
    lines += [
        "Seconds per stage, total seconds (inside the worker process, after imports), peak "
        "resident memory of the process up to the end of the library's last stage (reading and "
        "the generic cleaning included), candidate pairs scored, and pairwise precision, recall "
        "and F1 of the pairs predicted at match probability 0.5 (`F1 clusters`: of all pairs "
        "inside the predicted clusters, for libraries that cluster, with their precision `P "
        "clusters` and recall `R clusters`: the person index is judged by these). **Bold**: "
        "best F1 and fastest total of the dataset.",
        "",
        "The synthetic data carries the generator's documented error profile "
        "(`docs/synthetic-data.md`, *How the rates were chosen*): NIK digit substitutions "
        "(1-3% of records) and adjacent transpositions (0.5-2%), most of which leave a valid "
        "NIK, as the numeric keying literature finds substitutions and then transpositions the "
        "most common keying errors; one-edit name typos and letter swaps in short names "
        "(Damerau: about 80% of misspellings are one edit); records with two or three errors "
        "at once (typo + year slip, title + old spelling + year slip, initials + day/month "
        "swap; about 2.4% of eligible records); exact duplicates from imports run twice "
        "(0.5-3% of a source); twins with NIKs one serial apart as hard negatives.",
        "",
    ]
    header = [
        "library",
        "records",
        "candidate pairs",
        *STAGES,
        "total s",
        "peak MiB",
        "precision",
        "recall",
        "F1",
        "P clusters",
        "R clusters",
        "F1 clusters",
    ]
    for files in datasets:
        sub = [r for r in runs if r.dataset == files.name]
        ok = [r for r in sub if r.status == "ok"]
        best_f1 = max((r.pairs.f1 for r in ok if r.pairs), default=None)
        best_cf1 = max((r.clusters.f1 for r in ok if r.clusters), default=None)
        fastest = min((r.total_s for r in ok if r.total_s is not None), default=None)
        rows = []
        for r in sub:
            if r.status != "ok":
                rows.append([r.library, _fmt_n(r.records), f"{r.status}: {r.note}"] + [""] * 14)
                continue
            stages = [_fmt_s(r.stages.get(s)) for s in STAGES]
            total = _fmt_s(r.total_s)
            if r.total_s is not None and r.total_s == fastest:
                total = f"**{total}**"
            f1 = _fmt_p(r.pairs.f1 if r.pairs else None)
            if r.pairs and best_f1 is not None and r.pairs.f1 == best_f1:
                f1 = f"**{f1}**"
            cf1 = _fmt_p(r.clusters.f1 if r.clusters else None)
            if r.clusters and best_cf1 is not None and r.clusters.f1 == best_cf1:
                cf1 = f"**{cf1}**"
            rows.append(
                [
                    r.library,
                    _fmt_n(r.records),
                    _fmt_n(r.candidate_pairs),
                    *stages,
                    total,
                    f"{r.peak_mib:.0f}" if r.peak_mib is not None else "-",
                    _fmt_p(r.pairs.precision if r.pairs else None),
                    _fmt_p(r.pairs.recall if r.pairs else None),
                    f1,
                    _fmt_p(r.clusters.precision if r.clusters else None),
                    _fmt_p(r.clusters.recall if r.clusters else None),
                    cf1,
                ]
            )
        true_pairs = next((r.pairs.true_pairs for r in ok if r.pairs), None)
        extra = f", {true_pairs:,} true pairs" if true_pairs is not None else ""
        lines += [f"### {_dataset_title(files)}{extra}", ""]
        lines += _md_table(header, rows)
        lines += [""]
    lines += ratio_section(datasets, runs)
    lines += caveats(datasets, runs, facts)
    return lines


def ratio_section(datasets: Sequence[DatasetFiles], runs: Sequence[Run]) -> list[str]:
    """migrant-records against each competitor: speed-up, memory ratio, F1 difference."""
    rows = []
    for files in datasets:
        by_lib = {r.library: r for r in runs if r.dataset == files.name}
        ours = by_lib.get(OURS)
        for lib, other in by_lib.items():
            if lib in (OURS, AUTO):
                continue
            if ours is None or ours.status != "ok" or other.status != "ok":
                why = other.status if ours is not None and ours.status == "ok" else "ours n/a"
                rows.append([files.name, lib, why, "", "", ""])
                continue
            speed = (other.total_s or 0) / ours.total_s if ours.total_s else float("nan")
            mem = (ours.peak_mib or 0) / other.peak_mib if other.peak_mib else float("nan")
            df1 = (ours.pairs.f1 if ours.pairs else 0) - (other.pairs.f1 if other.pairs else 0)
            dcf1 = ""
            if ours.clusters and other.clusters:
                dcf1 = f"{ours.clusters.f1 - other.clusters.f1:+.3f}"
            rows.append([files.name, lib, f"{speed:.2f}x", f"{mem:.2f}x", f"{df1:+.3f}", dcf1])
    lines = ["### migrant-records relative to each competitor", ""]
    lines += [
        "`speed-up`: competitor total seconds / migrant-records total seconds (above 1: "
        "migrant-records is faster). `memory`: migrant-records peak / competitor peak. "
        "`F1 diff`: migrant-records F1 minus the competitor's (pairs at 0.5; clusters where "
        "both cluster).",
        "",
    ]
    lines += _md_table(
        ["dataset", "competitor", "speed-up", "memory", "F1 diff", "F1 diff clusters"], rows
    )
    return [*lines, ""]


def caveats(
    datasets: Sequence[DatasetFiles], runs: Sequence[Run], facts: dict[str, dict[str, Any]]
) -> list[str]:
    """Caveats written from what happened in this run."""
    notes = []
    for r in runs:
        if r.status != "ok":
            notes.append(f"{r.library} on {r.dataset} was not measured ({r.status}): {r.note}.")
        elif r.caveat:
            notes.append(f"{r.library} on {r.dataset}: {r.caveat}.")
    splink = [r for r in runs if r.library == "splink" and r.status == "ok"]
    if splink:
        notes.append(
            "Splink blocks and compares inside `predict`, so its blocking and comparison "
            "seconds are part of `prediction`; its `training` includes the comparisons made "
            "for u sampling and EM (as does migrant-records' `training`, which compares "
            "random pairs for u)."
        )
    if any(r.library.startswith("migrant-records") and r.status == "ok" for r in runs):
        notes.append(
            "migrant-records folds exact copies (records equal on every identifying column) "
            "into one record before blocking, so their pairs are never scored and are missing "
            "from its pair columns (`precision`, `recall`, `F1`); its clusters give every copy "
            "its record's person, so the cluster columns count them. The person index is "
            "judged by the cluster columns."
        )
    rl_runs = [r for r in runs if r.library == "recordlinkage" and r.status == "ok"]
    if rl_runs:
        notes.append(
            "recordlinkage runs single-threaded (its `Compare` default), Splink's DuckDB and "
            "migrant-records' rapidfuzz use the machine's cores; recordlinkage does not "
            "cluster, so only its pairs are scored."
        )
    for files in datasets:
        fact = facts.get(files.name, {})
        if "date_parse_rate" in fact and fact["date_parse_rate"] < 0.99:
            notes.append(
                f"{files.name}: the generic preprocessing parsed "
                f"{fact['date_parse_rate']:.1%} of the non-empty birth dates (the rest, in "
                "formats like Excel serials or Indonesian month names, became missing for "
                "every library, migrant-records included; NIKs still carry a birth date that "
                "only migrant-records decodes)."
            )
    ours = [r for r in runs if r.library == OURS and r.status == "ok"]
    if ours:
        notes.append(
            "migrant-records' `prepare` includes its own standardisation (names, NIK, "
            "phones, dates, regions) on top of the generic cleaning all libraries share."
        )
    notes.append(
        "Timings are from one run on a shared machine; differences below about 10% are noise. "
        "Peak memory includes the Python interpreter and imported libraries."
    )
    lines = ["### Caveats", ""]
    lines += [f"- {n}" for n in notes]
    return [*lines, ""]


def write_report(
    out: Path,
    *,
    command: str,
    started: dt.datetime,
    seconds: float,
    micro: dict[str, dict[str, Any]],
    datasets: Sequence[DatasetFiles],
    runs: Sequence[Run],
    facts: dict[str, dict[str, Any]],
    cli: dict[str, Any] | None = None,
    load: str = "",
    kept: Sequence[Run] = (),
) -> None:
    """Write RESULTS.md (and the raw numbers next to it as JSON).

    The CLI section of an earlier report is kept when ``cli`` is ``None``, and so is the A/B
    section of ``benchmarks/ab.py``. ``kept``: the runs among ``runs`` taken from an earlier
    report (``--keep-earlier``), named under the date with their own date and command.
    """
    previous = out.read_text(encoding="utf-8") if out.exists() else ""
    previous_raw: dict[str, Any] = {}
    if out.with_suffix(".json").exists():
        previous_raw = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    lines = [
        "# Benchmark results",
        "",
        "Written by `benchmarks/run.py`; do not edit by hand. See `benchmarks/README.md` for "
        "what each section measures.",
        "",
        f"- Date: {started:%Y-%m-%d %H:%M} UTC",
        f"- Command: `{command}`",
        f"- Harness wall time: {seconds / 60:.1f} min",
        *([f"- Load: {load}"] if load else []),
        *_kept_lines(kept),
        "",
        "## Machine",
        "",
    ]
    lines += _md_table(["", ""], [[k, v] for k, v in machine().items()])
    lines += ["", "## Library versions", ""]
    lines += _md_table(["package", "version"], [[k, v] for k, v in versions().items()])
    lines += [""]
    lines += micro_section(micro)
    lines += comparison_section(datasets, runs, facts)
    lines += cli_bench.cli_section(cli) if cli else cli_bench.existing_section(previous)
    lines += cli_bench.existing_section(previous, *AB_MARKS)
    lines += OTHER_FILES
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
    raw = {
        "command": command,
        "date": started.isoformat(),
        "machine": machine(),
        "versions": versions(),
        "micro": micro,
        "datasets": [
            {k: getattr(f, k) for k in ("name", "task", "n_records", "n_left")} for f in datasets
        ],
        "facts": facts,
        "runs": [
            {
                **{k: v for k, v in r.__dict__.items() if k not in ("pairs", "clusters")},
                "pairs": None if r.pairs is None else r.pairs.__dict__,
                "clusters": None if r.clusters is None else r.clusters.__dict__,
            }
            for r in runs
        ],
        "cli": cli if cli else previous_raw.get("cli"),
    }
    out.with_suffix(".json").write_text(json.dumps(raw, indent=1, default=str), encoding="utf-8")


def _stamp(when: dt.datetime) -> str:
    return f"{when:%Y-%m-%d %H:%M} UTC"


def _kept_lines(kept: Sequence[Run]) -> list[str]:
    """Header lines naming the datasets kept from earlier runs, with their date and command."""
    groups: dict[tuple[str, str, str], list[str]] = {}
    for r in kept:
        names = groups.setdefault((r.date, r.command, r.load), [])
        if r.dataset not in names:
            names.append(r.dataset)
    return [
        f"- Kept from an earlier run (`--keep-earlier`): {', '.join(names)}, measured {date} "
        f"with `{command}`" + (f" ({load})" if load else "")
        for (date, command, load), names in groups.items()
    ]


def _dataset_order(name: str) -> tuple[int, int, str]:
    """FEBRL sets first, then synthetic data by size, then anything else."""
    if name.startswith("synth_") and name[len("synth_") :].isdigit():
        return (1, int(name[len("synth_") :]), name)
    return (0 if name.startswith("febrl") else 2, 0, name)


def _run_from_raw(item: dict[str, Any], date: str, command: str) -> Run:
    """A :class:`Run` back from the JSON of a report (older reports lack date and command)."""
    known = {f.name for f in dataclasses.fields(Run)} - {"pairs", "clusters"}
    run = Run(**{k: v for k, v in item.items() if k in known})
    run.pairs = Accuracy(**item["pairs"]) if item.get("pairs") else None
    run.clusters = Accuracy(**item["clusters"]) if item.get("clusters") else None
    run.date = run.date or date
    run.command = run.command or command
    return run


def earlier_comparison(
    raw_path: Path, measured: set[str], cache: Path
) -> tuple[list[DatasetFiles], list[Run], dict[str, dict[str, Any]]]:
    """Datasets, runs and facts of the report at ``raw_path`` not in ``measured``.

    Reports written before the JSON held its datasets and facts: the task is ``link`` for
    ``febrl4`` and ``dedupe`` otherwise, and the facts are computed again from the dataset
    rebuilt into ``cache`` when it has the same number of records.
    """
    if not raw_path.exists():
        return [], [], {}
    raw = json.loads(raw_path.read_text(encoding="utf-8"))
    when = raw.get("date", "")
    date = _stamp(dt.datetime.fromisoformat(when)) if when else ""
    runs = [
        _run_from_raw(item, date, str(raw.get("command", "")))
        for item in raw.get("runs", [])
        if item["dataset"] not in measured
    ]
    stored = {d["name"]: d for d in raw.get("datasets", [])}
    facts: dict[str, dict[str, Any]] = dict(raw.get("facts") or {})
    datasets = []
    for name in dict.fromkeys(r.dataset for r in runs):
        records = next(r.records for r in runs if r.dataset == name)
        info = stored.get(name) or {
            "name": name,
            "task": "link" if name == "febrl4" else "dedupe",
            "n_records": records,
            "n_left": records,
        }
        datasets.append(
            DatasetFiles(
                name=name,
                task=str(info["task"]),
                records_path=Path(),
                truth_path=Path(),
                n_records=int(info["n_records"]),
                n_left=int(info["n_left"]),
                build_seconds=0.0,
            )
        )
        if name not in facts:
            files = prepare_dataset(name, cache)
            if files.n_records == records:
                facts[name] = _dataset_facts(files)
    return datasets, runs, {k: v for k, v in facts.items() if k not in measured}


def _dataset_facts(files: DatasetFiles) -> dict[str, Any]:
    raw = read_records(files.records_path)["birth_date"]
    filled = raw.notna() & (raw.astype("string").str.strip() != "")
    parsed = iso_date(raw[filled]).notna()
    return {"date_parse_rate": float(parsed.mean()) if len(parsed) else 1.0}
