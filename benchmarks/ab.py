"""A/B of two git revisions: zero-configuration accuracy and speed, measured in one run.

Both revisions are unpacked from git (``git archive``) into a temporary folder and run on the
same prepared datasets, in this checkout's environment, with ``PYTHONPATH`` pointing at each
revision's ``src/``. The runs are interleaved: every round runs each dataset on A and on B
one after the other (A first in even rounds, B first in odd ones), so that the machine's load
weighs on both alike. Each run is a fresh process of ``competitors.py`` (the worker of
``run.py``), and accuracy is computed by ``run.py``'s own functions (``accuracy.py``):

- FEBRL 1-3: ``migrant_records.dedupe`` with no configuration; FEBRL 4:
  ``migrant_records.link`` with no configuration (``run.py``'s ``migrant-records-auto``);
- synthetic ministry data, 10,000 records (100,000 with ``--big``): ``dedupe`` with no
  configuration (``migrant-records``).

The job uses only the public ``dedupe``/``link`` functions and the fields of their result, so
that revisions from before a refactor run it unchanged. The datasets are built once, by this
checkout (``data.prepare_dataset``), so both revisions read identical input.

Usage::

    python benchmarks/ab.py                          # base of the engine contracts vs HEAD
    python benchmarks/ab.py --a OLD --b HEAD --rounds 3 --big
    python benchmarks/ab.py --update benchmarks/RESULTS.md --note "load: ..."

With ``--update`` the section between ``<!-- section:ab -->`` markers of that file is replaced
(or appended); ``run.py`` keeps it when it rewrites the rest of the report.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import shlex
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import cli_bench  # noqa: E402
from data import DatasetFiles, prepare_dataset  # noqa: E402
from environment import machine  # noqa: E402
from report import AB_MARKS, AUTO, OURS, Run, _md_table  # noqa: E402
from run import FEBRL, run_comparison  # noqa: E402

RUN_BEGIN = "<!-- ab-run"
RUN_END = "<!-- /ab-run -->"
SECTION_TEXT = (
    "Written by `benchmarks/ab.py`: two git revisions on the same datasets, interleaved in one "
    "run, in one environment. One block per pair of revisions; a new run of a pair replaces "
    "its block."
)
CONTRACTS_SUBJECT = "^Engine contracts"
"""Start of the subject of the first commit of the engine-contracts refactor."""


@dataclass(frozen=True)
class Revision:
    """One side of the comparison, unpacked from git."""

    label: str
    ref: str
    commit: str
    subject: str
    src: Path


@dataclass
class Cell:
    """The runs of one revision on one dataset, over the rounds."""

    runs: list[Run] = field(default_factory=list)

    def seconds(self) -> list[float]:
        return [r.total_s for r in self.runs if r.status == "ok" and r.total_s is not None]

    def median_s(self) -> float | None:
        values = self.seconds()
        return statistics.median(values) if values else None

    def f1(self, kind: str = "pairs") -> list[float]:
        values = []
        for r in self.runs:
            acc = r.pairs if kind == "pairs" else r.clusters
            if r.status == "ok" and acc is not None:
                values.append(acc.f1)
        return values

    def failure(self) -> str:
        bad = [r for r in self.runs if r.status != "ok"]
        return f"{bad[0].status}: {bad[0].note}" if bad else ""


def _git(*args: str, root: Path) -> str:
    proc = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"git {' '.join(args)} failed: {proc.stderr.strip()}")
    return proc.stdout.strip()


def contracts_base(root: Path) -> str:
    """The commit right before the engine-contracts refactor (parent of its first commit)."""
    first = _git("log", "--format=%H", "--reverse", f"--grep={CONTRACTS_SUBJECT}", root=root)
    if not first:
        raise SystemExit(
            f"no commit whose subject matches {CONTRACTS_SUBJECT!r}: pass --a explicitly"
        )
    return f"{first.splitlines()[0][:10]}^"


def unpack(label: str, ref: str, root: Path, into: Path) -> Revision:
    """``src/`` of revision ``ref`` extracted into ``into/<label>/src``."""
    commit = _git("rev-parse", "--verify", f"{ref}^{{commit}}", root=root)
    subject = _git("log", "-1", "--format=%s", commit, root=root)
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit, "src"], cwd=root, capture_output=True, check=True
    ).stdout
    target = into / label
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return Revision(label, ref, commit, subject, target / "src")


def check_import(rev: Revision) -> str | None:
    """Why ``rev`` cannot run the job in this environment (``None`` when it can)."""
    code = "import migrant_records, migrant_records.api; print(migrant_records.__file__)"
    env = {**os.environ, "PYTHONPATH": str(rev.src)}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines()
        return lines[-1] if lines else f"exit code {proc.returncode}"
    if not proc.stdout.strip().startswith(str(rev.src)):
        return f"imported {proc.stdout.strip()} instead of {rev.src}"
    return None


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _load() -> float:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def measure(
    revisions: Sequence[Revision],
    datasets: Sequence[DatasetFiles],
    rounds: int,
    workdir: Path,
    timeout: float,
) -> dict[tuple[str, str], Cell]:
    """Run every dataset on every revision, interleaved over ``rounds``."""
    cells: dict[tuple[str, str], Cell] = {}
    for r in range(rounds):
        order = list(revisions) if r % 2 == 0 else list(reversed(revisions))
        for files in datasets:
            library = AUTO if files.name.startswith("febrl") else OURS
            for rev in order:
                folder = workdir / f"round{r}" / rev.label
                folder.mkdir(parents=True, exist_ok=True)
                _log(f"round {r + 1}/{rounds}: {files.name} on {rev.label} ({rev.commit[:10]})")
                runs = run_comparison(
                    files, [library], folder, timeout=timeout, max_pairs=20_000_000, src=rev.src
                )
                cells.setdefault((files.name, rev.label), Cell()).runs.extend(runs)
    return cells


def _f1(values: list[float]) -> str:
    if not values:
        return "-"
    lo, hi = min(values), max(values)
    return f"{lo:.4f}" if hi - lo < 5e-5 else f"{lo:.4f}-{hi:.4f}"


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def section(
    revisions: Sequence[Revision],
    datasets: Sequence[DatasetFiles],
    cells: dict[tuple[str, str], Cell],
    *,
    rounds: int,
    started: dt.datetime,
    minutes: float,
    loads: tuple[float, float],
    command: str,
    notes: Sequence[str],
) -> list[str]:
    """The markdown block of one pair of revisions (see :func:`merge_section`)."""
    a, b = revisions
    info = machine()
    lines = [
        f"{RUN_BEGIN} {a.commit[:10]}..{b.commit[:10]} -->",
        f"### A `{a.commit[:10]}` against B `{b.commit[:10]}`",
        "",
        f"- A: `{a.commit[:10]}` ({a.ref}): {a.subject}",
        f"- B: `{b.commit[:10]}` ({b.ref}): {b.subject}",
        f"- Date: {started:%Y-%m-%d %H:%M} UTC; command `{command}`; {minutes:.1f} min",
        f"- Machine: {info['CPU']}, {info['cores']}, {info['RAM']}; Python {info['Python']}",
        f"- Load: 1-minute load average {loads[0]:.1f} at the start and {loads[1]:.1f} at the "
        f"end, on {os.cpu_count()} logical cores shared with other jobs",
        "",
        f"Zero configuration throughout. Seconds: the library's own time in the worker "
        f"(generic cleaning, then `dedupe`/`link` to clusters; process start excluded), median "
        f"of {rounds} round(s), A and B interleaved (their order alternating between rounds). "
        f"F1: pairwise, of the pairs at match probability 0.5, and of the pairs implied by the "
        f"clusters; a range where rounds differ.",
        "",
    ]
    rows = []
    for files in datasets:
        ca, cb = cells.get((files.name, "A"), Cell()), cells.get((files.name, "B"), Cell())
        sa, sb = ca.median_s(), cb.median_s()
        ratio = f"{sb / sa:.3f}" if sa and sb else "-"
        rounds_a = ", ".join(f"{v:.2f}" for v in ca.seconds()) or ca.failure()
        rounds_b = ", ".join(f"{v:.2f}" for v in cb.seconds()) or cb.failure()
        rows.append(
            [
                f"{files.name} ({files.task}, {files.n_records:,})",
                _f1(ca.f1()),
                _f1(cb.f1()),
                _f1(ca.f1("clusters")),
                _f1(cb.f1("clusters")),
                _s(sa),
                _s(sb),
                ratio,
                rounds_a,
                rounds_b,
            ]
        )
    lines += _md_table(
        [
            "dataset",
            "pair F1 A",
            "pair F1 B",
            "cluster F1 A",
            "cluster F1 B",
            "s A",
            "s B",
            "B/A",
            "rounds A (s)",
            "rounds B (s)",
        ],
        rows,
    )
    medians = [
        (cells.get((f.name, "A"), Cell()).median_s(), cells.get((f.name, "B"), Cell()).median_s())
        for f in datasets
    ]
    if medians and all(a and b for a, b in medians):
        total_a = sum(a for a, _ in medians if a)
        total_b = sum(b for _, b in medians if b)
        lines += [
            "",
            f"All datasets together (sum of the medians): A {total_a:.2f} s, B {total_b:.2f} s, "
            f"B/A {total_b / total_a:.3f}.",
        ]
    spread = [max(v) / min(v) - 1 for c in cells.values() if len(v := c.seconds()) > 1]
    if spread:
        lines += [
            "",
            f"The same revision on the same dataset took up to {max(spread):.0%} longer in one "
            "round than in another: a B/A ratio inside that spread is not a measured difference.",
        ]
    for note in notes:
        lines += ["", note]
    return [*lines, "", RUN_END, ""]


def merge_section(previous: str, block: Sequence[str]) -> list[str]:
    """The A/B section of a report: its earlier blocks for other pairs of revisions, then
    ``block`` (which replaces an earlier block for the same pair)."""
    old = cli_bench.existing_section(previous, *AB_MARKS)
    kept: list[list[str]] = []
    current: list[str] | None = None
    for line in old:
        if line.startswith(RUN_BEGIN):
            current = [line]
        elif current is not None:
            current.append(line)
            if line == RUN_END:
                if current[0] != block[0]:
                    kept.append([*current, ""])
                current = None
    lines = [AB_MARKS[0], "## A/B of two revisions (`benchmarks/ab.py`)", "", SECTION_TEXT, ""]
    for earlier in kept:
        lines += earlier
    return [*lines, *block, AB_MARKS[1], ""]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options (see ``--help``)."""
    p = argparse.ArgumentParser(
        prog="benchmarks/ab.py",
        description="Accuracy and speed of two git revisions, interleaved in one run.",
    )
    p.add_argument(
        "--a", default=None, help="revision A (default: the commit before the engine contracts)"
    )
    p.add_argument("--b", default="HEAD", help="revision B (default: HEAD)")
    p.add_argument("--rounds", type=int, default=2, help="rounds (default 2)")
    p.add_argument(
        "--datasets", default=",".join(FEBRL), help="FEBRL sets (default: all four; '' for none)"
    )
    p.add_argument("--sizes", default="10000", help="synthetic record counts (default 10000)")
    p.add_argument("--big", action="store_true", help="add 100,000 synthetic records")
    p.add_argument("--timeout", type=float, default=900.0, help="seconds per run (default 900)")
    p.add_argument("--cache", type=Path, default=None, help="folder for prepared datasets")
    p.add_argument("--update", type=Path, default=None, help="report whose A/B section to replace")
    p.add_argument("--note", action="append", default=[], help="a sentence under the table")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Unpack both revisions, run the interleaved rounds, print (and write) the section."""
    args = parse_args(argv)
    if args.rounds < 1:
        raise SystemExit("--rounds must be at least 1")
    root = Path(_git("rev-parse", "--show-toplevel", root=HERE))
    started = dt.datetime.now(dt.timezone.utc)
    t0 = time.perf_counter()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.big and 100_000 not in sizes:
        sizes.append(100_000)
    names = [d.strip() for d in args.datasets.split(",") if d.strip()]
    names += [f"synth_{n}" for n in sizes]
    command = "python benchmarks/ab.py " + shlex.join(sys.argv[1:] if argv is None else argv)
    with tempfile.TemporaryDirectory(prefix="mr-ab-") as tmp:
        workdir = Path(tmp)
        a_ref = args.a or contracts_base(root)
        revisions = [
            unpack("A", a_ref, root, workdir / "code"),
            unpack("B", args.b, root, workdir / "code"),
        ]
        for rev in revisions:
            problem = check_import(rev)
            if problem:
                raise SystemExit(
                    f"revision {rev.label} ({rev.ref}, {rev.commit[:10]}) cannot be imported in "
                    f"this environment: {problem}; pick a nearby revision with --a/--b"
                )
        cache = args.cache or workdir / "data"
        datasets = []
        for name in names:
            _log(f"preparing {name}")
            datasets.append(prepare_dataset(name, cache))
        loads = (_load(), 0.0)
        cells = measure(revisions, datasets, args.rounds, workdir / "runs", args.timeout)
        loads = (loads[0], _load())
    block = section(
        revisions,
        datasets,
        cells,
        rounds=args.rounds,
        started=started,
        minutes=(time.perf_counter() - t0) / 60,
        loads=loads,
        command=command.strip(),
        notes=args.note,
    )
    print("\n".join(block))
    if args.update is not None:
        text = args.update.read_text(encoding="utf-8") if args.update.exists() else ""
        lines = merge_section(text, block)
        args.update.write_text(cli_bench.replace_section(text, lines, *AB_MARKS), encoding="utf-8")
        _log(f"updated the A/B section of {args.update}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
