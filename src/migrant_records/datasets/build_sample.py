"""Regenerate the sample shipped in ``migrant_records/datasets/sample/``.

Run from a source checkout::

    python -m migrant_records.datasets.build_sample            # 1,400 people, seed 2024
    python -m migrant_records.datasets.build_sample --out DIR   # somewhere else

The sample is what ``generate(people=1400, seed=2024, reference_date="2026-01-01")``
gives, without ``people.csv`` (to keep the package small).
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path

from migrant_records.synth import generate, write_dataset

__all__ = ["SAMPLE_PEOPLE", "SAMPLE_REFERENCE_DATE", "SAMPLE_SEED", "build_sample", "main"]

SAMPLE_PEOPLE = 1_400
"""Persons in the shipped sample."""
SAMPLE_SEED = 2024
"""Seed of the shipped sample."""
SAMPLE_REFERENCE_DATE = "2026-01-01"
"""Reference date of the shipped sample."""

logger = logging.getLogger(__name__)


def build_sample(out_dir: str | Path | None = None) -> list[Path]:
    """Write the sample CSV files.

    Args:
        out_dir: Target folder (default: the ``sample`` folder next to this module).

    Returns:
        The files written.
    """
    out = Path(out_dir) if out_dir is not None else Path(__file__).with_name("sample")
    data = generate(people=SAMPLE_PEOPLE, seed=SAMPLE_SEED, reference_date=SAMPLE_REFERENCE_DATE)
    data.people = data.people.iloc[0:0]
    paths = write_dataset(data, out)
    logger.info("wrote %d sample files to %s", len(paths), out)
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: ``python -m migrant_records.datasets.build_sample``."""
    parser = argparse.ArgumentParser(description="Regenerate the shipped sample data.")
    parser.add_argument("--out", default=None, help="output folder (default: the package)")
    args = parser.parse_args(argv)
    paths = build_sample(args.out)
    total = sum(p.stat().st_size for p in paths)
    print(f"wrote {len(paths)} files, {total / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
