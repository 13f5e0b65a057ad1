"""The ``migrant-records`` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from migrant_records import __version__


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of the ``migrant-records`` command."""
    parser = argparse.ArgumentParser(
        prog="migrant-records",
        description="Entity resolution for Indonesian migrant-worker records.",
    )
    parser.add_argument("--version", action="version", version=f"migrant-records {__version__}")
    parser.add_subparsers(dest="command", metavar="COMMAND")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
