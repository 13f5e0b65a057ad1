"""Check that installing migrant-records keeps the pandas line an environment already has.

Usage::

    python tools/check_install.py MAJOR

Run with the Python of an environment where pandas MAJOR was installed first and the project
after it (the Makefile builds ``.venv`` with pandas 2 and ``.venv-pandas3`` with pandas 3 that
way). It checks that

1. the installed pandas still has major version MAJOR, and
2. ``pip install .`` (a plain, non-editable install of this checkout, as a user would run it)
   would leave pandas as it is: pip's dry-run report installs no pandas.

It prints what it found and exits with status 1 when either check fails.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def installed_major() -> int:
    """Major version of the pandas installed in this environment."""
    return int(metadata.version("pandas").split(".")[0])


def pandas_changes_of_plain_install() -> list[str]:
    """Versions of pandas that ``pip install .`` would install here (empty: none)."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--dry-run",
                "--report",
                str(report),
                str(ROOT),
            ],
            check=True,
        )
        data = json.loads(report.read_text(encoding="utf-8"))
    return [
        item["metadata"]["version"]
        for item in data.get("install", [])
        if item["metadata"]["name"].lower() == "pandas"
    ]


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not argv[0].isdigit():
        print(__doc__)
        return 2
    expected = int(argv[0])
    found = metadata.version("pandas")
    if installed_major() != expected:
        print(f"check_install: expected pandas {expected}.x in {sys.prefix}, found {found}")
        return 1
    changes = pandas_changes_of_plain_install()
    if changes:
        print(
            f"check_install: `pip install .` would replace pandas {found} with "
            f"{', '.join(changes)} in {sys.prefix}"
        )
        return 1
    print(f"check_install: pandas {found} kept, and `pip install .` keeps it ({sys.prefix})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
