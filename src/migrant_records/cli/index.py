"""``migrant-records index ...``: the living person index from the command line.

Subcommands: ``create``, ``add``, ``lookup``, ``remove``, ``export``, ``history``,
``report``. INDEX is
a DuckDB file path or a PostgreSQL URL (``postgresql://user@host/db``).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

__all__ = ["COMMANDS", "add_parsers"]


def add_parsers(sub: Any) -> None:
    """Add the ``index`` command and its subcommands."""
    p = sub.add_parser("index", help="a living person index: add records, stable person ids")
    isub = p.add_subparsers(dest="index_command", metavar="SUBCOMMAND", required=True)

    def target(q: argparse.ArgumentParser) -> None:
        q.add_argument("index", help="DuckDB file or postgresql:// URL")
        q.add_argument(
            "--timeout", type=float, default=30.0, help="seconds to wait for another process"
        )

    q = isub.add_parser("create", help="create an index (from a saved model, or train one)")
    target(q)
    q.add_argument("inputs", nargs="*", help="first records (canonical CSV/XLSX/Parquet files)")
    q.add_argument(
        "--model",
        help="saved matcher JSON to match with; without it a matcher is trained on INPUTS and "
        "saved next to the index as INDEX.model.json",
    )
    q.add_argument("--no-progress", action="store_true", help="hide progress bars")

    q = isub.add_parser("add", help="add records; prints what changed")
    target(q)
    q.add_argument("inputs", nargs="+", help="canonical CSV/XLSX/Parquet files")
    q.add_argument("--changes", help="write the id events of this run to this CSV file")
    q.add_argument("--rejects", help="write refused input rows to this CSV file")
    q.add_argument("--report", help="write the index report (changes of this run) to this HTML")

    q = isub.add_parser("lookup", help="the most likely persons for records, adding nothing")
    target(q)
    q.add_argument("input", help="file of records to look up (source/record_id optional)")
    q.add_argument("-k", type=int, default=5, help="candidates per record")
    q.add_argument("--out", help="write the candidates to this CSV file instead of printing")

    q = isub.add_parser("remove", help="erase records (data deleted, history kept anonymous)")
    target(q)
    q.add_argument("keys", help="CSV file with source and record_id columns")

    q = isub.add_parser("export", help="write the crosswalk (source, record_id, person_id)")
    target(q)
    q.add_argument("--out", required=True, help="crosswalk CSV file")
    q.add_argument("--persons", help="also write every issued id with its status to this CSV")

    q = isub.add_parser("report", help="what changed since the last run, with the evidence")
    target(q)
    q.add_argument("--run", type=int, help="show this run (default: the latest add/update/remove)")
    q.add_argument("--out", help="also write the HTML report to this file")

    q = isub.add_parser("history", help="the id events, oldest first")
    target(q)
    q.add_argument("--person", help="only events naming this person id")
    q.add_argument("--out", help="write to this CSV file instead of printing")


def _print_changes(changes: Any) -> None:
    summary = changes.summary()
    print(f"run {summary['run_id']} ({summary['operation']}):")
    labels = {
        "new": "new persons",
        "attach": "records attached",
        "merge": "merges",
        "split": "splits",
        "update": "records corrected",
        "erase": "records erased",
        "retire": "ids retired",
        "unchanged": "records unchanged",
    }
    for key, label in labels.items():
        print(f"  {label:<20}{summary[key]}")
    if len(changes.rejects):
        print(f"  {'rows rejected':<20}{len(changes.rejects)}")


def _open(args: argparse.Namespace) -> Any:
    from migrant_records.index import PersonIndex

    return PersonIndex.open(args.index, timeout=args.timeout)


def _create(args: argparse.Namespace) -> int:
    from migrant_records.errors import ConfigError
    from migrant_records.index import PersonIndex
    from migrant_records.matcher import Matcher

    if args.model:
        if not Path(args.model).exists():
            raise ConfigError(f"Model file {args.model} does not exist.")
        matcher = Matcher.load(args.model)
    elif not args.inputs:
        raise ConfigError("Give --model MODEL.json or input files to train a matcher on.")
    else:
        matcher = Matcher()
    matcher.progress = not args.no_progress
    result = matcher.dedupe(args.inputs) if args.inputs else None
    if not args.model:
        saved = matcher.save(f"{args.index}.model.json")
        print(f"trained a matcher; saved it to {saved}")
    with PersonIndex.create(args.index, matcher, result, timeout=args.timeout) as index:
        print(f"created {index!r}")
        if result is not None and len(result.rejects):
            print(f"  rows rejected: {len(result.rejects)}")
    return 0


def _add(args: argparse.Namespace) -> int:
    from migrant_records.explain import write_index_report

    with _open(args) as index:
        changes = index.add(args.inputs)
        if args.report:
            write_index_report(index, args.report, changes.run_id)
    _print_changes(changes)
    if args.report:
        print(f"wrote {args.report}")
    if args.changes:
        changes.events.to_csv(args.changes, index=False)
        print(f"wrote {args.changes}")
    if args.rejects:
        changes.rejects.to_csv(args.rejects, index=False)
        print(f"wrote {args.rejects}")
    return 0


def _lookup(args: argparse.Namespace) -> int:
    from migrant_records.io import read_records

    batch = read_records(args.input, source="query")
    with _open(args) as index:
        found = index.lookup(batch.records, k=args.k)
    if args.out:
        found.to_csv(args.out, index=False)
        print(f"wrote {len(found)} candidate(s) to {args.out}")
    elif found.empty:
        print("no candidates: nobody in the index resembles these records")
    else:
        print(found.drop(columns=["explanation"]).to_string(index=False))
    return 0


def _remove(args: argparse.Namespace) -> int:
    import pandas as pd

    from migrant_records.errors import ConfigError

    keys = pd.read_csv(args.keys, dtype=str, keep_default_na=False)
    missing = {"source", "record_id"} - set(keys.columns)
    if missing:
        raise ConfigError(f"{args.keys} needs the columns source and record_id.")
    with _open(args) as index:
        changes = index.remove(keys)
    _print_changes(changes)
    return 0


def _export(args: argparse.Namespace) -> int:
    with _open(args) as index:
        crosswalk = index.crosswalk()
        persons = index.persons() if args.persons else None
    crosswalk.to_csv(args.out, index=False)
    print(f"wrote {len(crosswalk)} records to {args.out}")
    if persons is not None:
        persons.to_csv(args.persons, index=False)
        print(f"wrote {len(persons)} person ids to {args.persons}")
    return 0


def _report(args: argparse.Namespace) -> int:
    from migrant_records.explain import write_index_report
    from migrant_records.explain.changes import changes_text

    with _open(args) as index:
        changes = index.changes(args.run)
        if args.out:
            write_index_report(index, args.out, changes.run_id)
    print(changes_text(changes))
    if args.out:
        print(f"wrote {args.out}")
    return 0


def _history(args: argparse.Namespace) -> int:
    with _open(args) as index:
        history = index.history(args.person)
    if args.out:
        history.to_csv(args.out, index=False)
        print(f"wrote {len(history)} event(s) to {args.out}")
    else:
        print(history.to_string(index=False))
    return 0


_SUBCOMMANDS = {
    "create": _create,
    "add": _add,
    "lookup": _lookup,
    "remove": _remove,
    "export": _export,
    "history": _history,
    "report": _report,
}


def _index(args: argparse.Namespace) -> int:
    return _SUBCOMMANDS[args.index_command](args)


COMMANDS = {"index": _index}
