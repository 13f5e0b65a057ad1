"""The ``migrant-records`` command line.

Subcommands: ``validate``, ``schema``, ``dedupe``, ``link``, ``generate``, ``evaluate``
and ``demo``.
Run ``migrant-records COMMAND --help`` for the options of each.

Every piece of command-line text lives in this package. A group of related subcommands lives in
a module of its own that defines ``add_parsers(sub)`` (adds its subparsers) and ``COMMANDS``
(subcommand name -> handler taking the parsed arguments and returning the exit status); the
module is listed in ``_GROUPS``.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from migrant_records import __version__
from migrant_records.errors import MigrantRecordsError

__all__ = ["build_parser", "main"]


def _add_match_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument(
        "--model",
        help="model JSON: used as it is when the file exists; the trained model is always "
        "written to OUT/model.json",
    )
    p.add_argument("--threshold", type=float, default=None, help="match probability (0-1)")
    p.add_argument("--report", action="store_true", help="also write OUT/report.html")
    p.add_argument("--no-progress", action="store_true", help="hide progress bars")


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of the ``migrant-records`` command."""
    parser = argparse.ArgumentParser(
        prog="migrant-records",
        description="Entity resolution for Indonesian migrant-worker records: validate, "
        "standardise, deduplicate and link ministry datasets into one person index.",
    )
    parser.add_argument("--version", action="version", version=f"migrant-records {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log diagnostics")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("validate", help="read a file, map its headers, report and write rejects")
    p.add_argument("input", help="CSV, XLSX or Parquet file")
    p.add_argument("--source", help="source name (if the file has no source column)")
    p.add_argument("--mapping", help="JSON file mapping input headers to canonical columns")
    p.add_argument("--rejects", help="where to write rejected rows (default: INPUT.rejects.csv)")

    p = sub.add_parser("schema", help="print the JSON Schema of a record type")
    p.add_argument(
        "name",
        help="WorkerRecord, Program, Participation, Placement or SourceDataset",
    )

    p = sub.add_parser("dedupe", help="deduplicate one or many files into a person index")
    p.add_argument("inputs", nargs="+", help="canonical CSV/XLSX/Parquet files (any sources)")
    p.add_argument("--participations", help="participation table for the programme overview")
    p.add_argument("--placements", help="placement table for the programme overview")
    _add_match_options(p)

    p = sub.add_parser("link", help="link two files")
    p.add_argument("left", help="left file")
    p.add_argument("right", help="right file")
    p.add_argument("--one-to-one", action="store_true", help="each record in at most one match")
    _add_match_options(p)

    p = sub.add_parser("generate", help="write synthetic ministry datasets with ground truth")
    p.add_argument("--people", type=int, default=10_000, help="number of people")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--seed", type=int, default=0, help="random seed")

    p = sub.add_parser("evaluate", help="compare clusters with a truth table")
    p.add_argument("--clusters", required=True, help="clusters.csv (source, record_id, person_id)")
    p.add_argument("--truth", required=True, help="truth.csv (source, record_id, person_id)")

    p = sub.add_parser("demo", help="run the whole pipeline on the shipped sample data")
    p.add_argument("--out", default="demo_output", help="output folder (default: demo_output)")
    p.add_argument("--no-progress", action="store_true", help="hide progress bars")
    for group in _groups():
        group.add_parsers(sub)
    return parser


# Modules (in this package) holding further groups of subcommands.
_GROUPS: tuple[str, ...] = ()


def _groups() -> list[Any]:
    import importlib

    return [importlib.import_module(f"{__name__}.{name}") for name in _GROUPS]


def _read_table(path: str | None) -> Any:
    if path is None:
        return None
    import pandas as pd

    return pd.read_csv(path, dtype=str, keep_default_na=False).replace("", None)


def _print_summary(summary: dict[str, Any]) -> None:
    print(f"records:            {summary['records']}")
    for name, count in summary["sources"].items():
        print(f"  {name:<24}{count}")
    print(f"rejected rows:      {summary['rejects']}")
    print(f"candidate pairs:    {summary['candidate_pairs']}")
    print(f"matched pairs:      {summary['matched_pairs']} (probability >= {summary['threshold']})")
    print(f"persons:            {summary['persons']}")
    print(f"  with >1 record:   {summary['persons_with_several_records']}")
    timing = ", ".join(f"{k} {v:.2f}s" for k, v in summary["timings"].items())
    print(f"time:               {timing}")


def _matcher(args: argparse.Namespace, **options: Any) -> Any:
    """A new matcher, or the one in ``--model``, with every flag applied through the same
    checks (``Matcher.set_params``)."""
    from migrant_records.matcher import Matcher

    if args.threshold is not None:
        options["threshold"] = args.threshold
    options["progress"] = not args.no_progress
    if args.model and Path(args.model).exists():
        return Matcher.load(args.model).set_params(**options)
    return Matcher().set_params(**options)


def _finish(
    result: Any, matcher: Any, args: argparse.Namespace, tables: dict[str, Any] | None = None
) -> None:
    out = Path(args.out)
    paths = result.write(out)
    matcher.save(out / "model.json")
    _print_summary(result.summary())
    print(f"wrote {paths['clusters']}, {paths['pairs']}, {out / 'model.json'}")
    if args.report:
        report = result.write_report(out / "report.html", **(tables or {}))
        print(f"report: {report}")


def _cmd_validate(args: argparse.Namespace) -> int:
    from migrant_records.io import validate_command

    print(validate_command(args.input, args.source, args.mapping, args.rejects))
    return 0


def _cmd_schema(args: argparse.Namespace) -> int:
    from migrant_records.schemas import json_schema

    print(json_schema(args.name))
    return 0


def _cmd_dedupe(args: argparse.Namespace) -> int:
    matcher = _matcher(args)
    result = matcher.dedupe(list(args.inputs))
    tables = {
        "participations": _read_table(args.participations),
        "placements": _read_table(args.placements),
    }
    _finish(result, matcher, args, tables)
    return 0


def _cmd_link(args: argparse.Namespace) -> int:
    # a flag given on the command line overrides the loaded model; an absent flag keeps it
    matcher = _matcher(args, **({"one_to_one": True} if args.one_to_one else {}))
    result = matcher.link(args.left, args.right)
    _finish(result, matcher, args)
    return 0


def _cmd_generate(args: argparse.Namespace) -> int:
    from migrant_records.synth import generate, write_dataset

    data = generate(people=args.people, seed=args.seed)
    paths = write_dataset(data, args.out)
    print(f"wrote {len(paths)} files to {args.out}:")
    for path in paths:
        print(f"  {path}")
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from migrant_records.cli.reports import evaluate_text

    print(evaluate_text(args.clusters, args.truth))
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from migrant_records.datasets import load_sample
    from migrant_records.evaluate import cluster_metrics, pairwise_metrics
    from migrant_records.matcher import Matcher

    sample = load_sample()
    print("migrant-records demo: deduplicating the shipped sample of ministry datasets")
    for name, frame in sample.sources.items():
        print(f"  {name:<24}{len(frame)} records")
    matcher = Matcher(progress=not args.no_progress)
    result = matcher.dedupe(list(sample.sources.values()))
    tables: dict[str, Any] = {
        "participations": sample.participations,
        "placements": sample.placements,
        "programmes": sample.programmes,
    }
    out = Path(args.out)
    result.write(out)
    matcher.save(out / "model.json")
    print()
    _print_summary(result.summary())
    pw = pairwise_metrics(result.clusters, sample.truth)
    bc = cluster_metrics(result.clusters, sample.truth)
    print()
    print("accuracy against the sample's ground truth:")
    print(f"  pairwise precision {pw.precision:.4f}  recall {pw.recall:.4f}  F1 {pw.f1:.4f}")
    print(f"  B-cubed  precision {bc.precision:.4f}  recall {bc.recall:.4f}  F1 {bc.f1:.4f}")
    overview = result.programme_overview(
        sample.participations, placements=sample.placements, programmes=sample.programmes
    )
    print()
    print("unique persons per programme (participations and records: naive counts):")
    print(overview.persons.to_string(index=False))
    golden = result.golden_records()
    golden.to_csv(out / "golden_records.csv", index=False)
    report = result.write_report(out / "report.html", **tables)
    print()
    print(f"wrote {out / 'clusters.csv'}, {out / 'golden_records.csv'}, {out / 'model.json'}")
    print(f"open the report in a browser: {report.resolve()}")
    return 0


_COMMANDS = {
    "validate": _cmd_validate,
    "schema": _cmd_schema,
    "dedupe": _cmd_dedupe,
    "link": _cmd_link,
    "generate": _cmd_generate,
    "evaluate": _cmd_evaluate,
    "demo": _cmd_demo,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if args.command is None:
        parser.print_help()
        return 0
    commands = dict(_COMMANDS)
    for group in _groups():
        commands.update(group.COMMANDS)
    try:
        return commands[args.command](args)
    except MigrantRecordsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
