"""The ``migrant-records`` command line.

Subcommands: ``validate``, ``schema``, ``dedupe``, ``link``, ``generate``, ``evaluate``,
``index`` (a living person index, see :mod:`migrant_records.cli.index`), ``keygen`` and
``encode`` (module ``privacy``) and ``demo``.
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
    p.add_argument(
        "--pairs-floor",
        type=float,
        default=None,
        metavar="P",
        help="pairs.parquet holds the scored pairs with match probability >= P (default 0.01)",
    )
    p.add_argument(
        "--all-pairs", action="store_true", help="write every scored pair to pairs.parquet"
    )


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of the ``migrant-records`` command."""
    parser = argparse.ArgumentParser(
        prog="migrant-records",
        description="Entity resolution for Indonesian migrant-worker records: validate, "
        "standardise, deduplicate and link ministry datasets into one person index.",
    )
    parser.add_argument("--version", action="version", version=f"migrant-records {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log diagnostics")
    debug = "on an error, also show the full traceback"
    parser.add_argument("--debug", action="store_true", help=debug)
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

    p = sub.add_parser("link", help="link two files (clear records, or two encoded files)")
    p.add_argument("left", help="left file (or an encoded Parquet file from `encode`)")
    p.add_argument("right", help="right file (or an encoded Parquet file from `encode`)")
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
    p.add_argument(
        "--pairs-floor",
        type=float,
        default=None,
        metavar="P",
        help="pairs.parquet holds the scored pairs with match probability >= P (default 0.01)",
    )
    p.add_argument(
        "--all-pairs", action="store_true", help="write every scored pair to pairs.parquet"
    )
    for group in _groups():
        group.add_parsers(sub)
    for command in sub.choices.values():  # --debug also after the command name
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=debug)
    return parser


# Modules (in this package) holding further groups of subcommands.
_GROUPS: tuple[str, ...] = ("index", "privacy")


def _groups() -> list[Any]:
    import importlib

    return [importlib.import_module(f"{__name__}.{name}") for name in _GROUPS]


def _read_table(path: str | None) -> Any:
    if path is None:
        return None
    import pandas as pd

    from migrant_records.errors import InputFileError

    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False).replace("", None)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputFileError(
            f"{path}: cannot read the table ({_one_line(str(exc))}); give a UTF-8 CSV file "
            "with a header row"
        ) from exc


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
    _pairs_floor(args)  # output flags are checked before the run, not after it
    if args.model and Path(args.model).exists():
        return Matcher.load(args.model).set_params(**options)
    return Matcher().set_params(**options)


def _pairs_floor(args: argparse.Namespace) -> float | None:
    """The probability floor of pairs.parquet from ``--pairs-floor`` / ``--all-pairs``."""
    from migrant_records.errors import ConfigError
    from migrant_records.pairs_file import DEFAULT_PAIRS_FLOOR

    if args.all_pairs and args.pairs_floor is not None:
        raise ConfigError("Give --all-pairs or --pairs-floor, not both.")
    if args.all_pairs:
        return None
    floor = DEFAULT_PAIRS_FLOOR if args.pairs_floor is None else float(args.pairs_floor)
    if not 0.0 <= floor <= 1.0:
        raise ConfigError(
            f"--pairs-floor must be a probability between 0 and 1, got {floor}; use "
            "--all-pairs to write every scored pair."
        )
    return floor


def _finish(
    result: Any, matcher: Any, args: argparse.Namespace, tables: dict[str, Any] | None = None
) -> None:
    from migrant_records.io import atomic_output_dir

    out = Path(args.out)
    floor = _pairs_floor(args)
    with atomic_output_dir(out) as tmp:
        paths = result.write(tmp, pairs_floor=floor)
        matcher.save(tmp / "model.json")
        if args.report:
            result.write_report(tmp / "report.html", **(tables or {}))
    _print_summary(result.summary())
    names = [Path(paths["clusters"]).name, Path(paths["pairs"]).name, "model.json"]
    print("wrote " + ", ".join(str(out / name) for name in names))
    if args.report:
        print(f"report: {out / 'report.html'}")


def _match(args: argparse.Namespace, run: Any) -> Any:
    """Run the matching with the output folder checked first and degenerate inputs answered."""
    from migrant_records.errors import NoRecordsError
    from migrant_records.io import atomic_output_dir, check_output_dir

    check_output_dir(args.out)  # before minutes of work, not after
    try:
        return run()
    except NoRecordsError as exc:
        out = Path(args.out)
        if exc.rejects is not None and len(exc.rejects):
            with atomic_output_dir(out) as tmp:
                exc.rejects.to_csv(tmp / "rejects.csv", index=False)
            counts = exc.rejects["reason"].value_counts()
            reasons = ", ".join(f"{k} {v}" for k, v in counts.items())
            where = f" in the {exc.side} input" if exc.side else ""
            raise NoRecordsError(
                f"no records left after validation{where}: {len(exc.rejects)} rejected "
                f"({reasons}), see {out / 'rejects.csv'}; fix those rows, or check the header "
                "mapping with `migrant-records validate FILE`",
                rejects=exc.rejects,
                n_input=exc.n_input,
                side=exc.side,
            ) from exc
        raise


def _cmd_validate(args: argparse.Namespace) -> int:
    from migrant_records.cli.reports import validation_text
    from migrant_records.io import validate_file

    print(validation_text(validate_file(args.input, args.source, args.mapping, args.rejects)))
    return 0


def _cmd_schema(args: argparse.Namespace) -> int:
    from migrant_records.schemas import json_schema

    print(json_schema(args.name))
    return 0


def _cmd_dedupe(args: argparse.Namespace) -> int:
    matcher = _matcher(args)
    tables = {
        "participations": _read_table(args.participations),
        "placements": _read_table(args.placements),
    }
    result = _match(args, lambda: matcher.dedupe(list(args.inputs)))
    _finish(result, matcher, args, tables)
    return 0


def _cmd_link(args: argparse.Namespace) -> int:
    from migrant_records.cli.privacy import is_encoded_link, link_encoded_command

    if is_encoded_link(args):
        return link_encoded_command(args)
    # a flag given on the command line overrides the loaded model; an absent flag keeps it
    matcher = _matcher(args, **({"one_to_one": True} if args.one_to_one else {}))
    result = _match(args, lambda: matcher.link(args.left, args.right))
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
    from migrant_records.io import check_output_dir
    from migrant_records.matcher import Matcher

    check_output_dir(args.out)
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
    from migrant_records.io import atomic_output_dir

    with atomic_output_dir(out) as tmp:
        result.write(tmp)
        matcher.save(tmp / "model.json")
        result.golden_records().to_csv(tmp / "golden_records.csv", index=False)
        result.write_report(tmp / "report.html", **tables)
    report = out / "report.html"
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


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


_OS_FIXES: tuple[tuple[type[OSError], str], ...] = (
    (PermissionError, "check its permissions, or choose a path you may read and write"),
    (IsADirectoryError, "it is a folder: give the path of a file, or move the folder away"),
    (NotADirectoryError, "part of the path is a file, not a folder: choose another path"),
    (FileExistsError, "remove it, or choose another path"),
    (FileNotFoundError, "check the path"),
)


def _os_error_line(exc: OSError) -> str:
    """What went wrong, with which file, and what to do, for a file-system error."""
    what = exc.strerror or type(exc).__name__
    where = exc.filename if exc.filename is not None else ""
    if exc.filename2 is not None:
        where = f"{where} -> {exc.filename2}"
    fix = "check the path, the free disk space and the permissions, then run again"
    for kind, text in _OS_FIXES:
        if isinstance(exc, kind):
            fix = text
            break
    return _one_line(f"{what}: {where}; {fix}" if where else f"{what}; {fix}")


_NAMES_ONLY = (
    "no blocking pass applies: the records have no filled NIK, phone or birth date (nor a region "
    "next to the name), so there is no way to choose which records to compare. Add such a "
    "column to the input (check how its headers are read with `migrant-records validate FILE`), "
    "or use the Python API, where blocking passes can be given"
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status.

    Exit status 0 on success, 2 for bad input or options (one line on stderr says what was
    wrong, with which file, and what to do), 1 only for an error that is a bug, 130 when
    interrupted. ``--debug`` also prints the traceback.
    """
    from migrant_records.errors import NoBlockingPassError

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
    except NoBlockingPassError as exc:
        return _fail(_NAMES_ONLY, exc, args.debug)
    except MigrantRecordsError as exc:
        return _fail(_one_line(str(exc)), exc, args.debug)
    except OSError as exc:
        return _fail(_os_error_line(exc), exc, args.debug)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        message = _one_line(
            f"internal error ({type(exc).__name__}: {exc}). This is a bug in migrant-records: "
            "run the command again with --debug and report the traceback"
        )
        return _fail(message, exc, args.debug, status=1)


def _fail(message: str, exc: BaseException, debug: bool, *, status: int = 2) -> int:
    if debug:
        import traceback

        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    print(f"error: {message}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
