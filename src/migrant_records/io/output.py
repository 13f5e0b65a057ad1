"""Output folders written all at once: a reader sees the previous complete output or the new one.

:func:`atomic_output_dir` gives a temporary folder next to the output folder; when the
``with`` block ends without error the temporary folder takes the output folder's place by
renaming (the previous output is renamed away first, then removed). A process killed while
writing leaves the previous output untouched (and a hidden ``.<name>.tmp-*`` folder behind);
killed between the two renames, it leaves no output folder, never a half-written one.

Example:
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "result"
    >>> with atomic_output_dir(out) as tmp:
    ...     _ = (tmp / "clusters.csv").write_text("source,record_id,person_id\\n")
    >>> sorted(p.name for p in out.iterdir())
    ['clusters.csv']
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from migrant_records.errors import OutputError

__all__ = ["OUTPUT_FILES", "atomic_output_dir", "check_output_dir"]

OUTPUT_FILES: frozenset[str] = frozenset(
    {
        "clusters.csv",
        "pairs.parquet",
        "rejects.csv",
        "model.json",
        "report.html",
        "golden_records.csv",
    }
)
"""Files an output folder of the command line may hold; a folder with anything else is not
replaced (it may hold the user's own files)."""


def check_output_dir(out: str | Path) -> Path:
    """Check that ``out`` can be (re)placed by a new output folder, before any work is done.

    Args:
        out: The output folder: missing, empty, or holding only :data:`OUTPUT_FILES`.

    Returns:
        ``out`` as a path.

    Raises:
        OutputError: ``out`` is a file, holds other files or folders, or its parent folder
            cannot be written.
    """
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise OutputError(
            f"{path}: the output folder is an existing file; give the path of a folder "
            "(it is created when missing)"
        )
    if path.is_dir():
        foreign = sorted(
            p.name for p in path.iterdir() if p.name not in OUTPUT_FILES or not p.is_file()
        )
        if foreign:
            shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
            raise OutputError(
                f"{path}: the output folder holds files or folders that are not outputs of "
                f"migrant-records ({shown}), and it is replaced as a whole; give a new or "
                "empty folder, or move those away"
            )
    parent = path.absolute().parent
    if parent.exists() and not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(
            f"{path}: cannot write the output folder: {parent} is not writable; choose an "
            "output folder in a place you may write to"
        )
    return path


@contextmanager
def atomic_output_dir(out: str | Path) -> Iterator[Path]:
    """Write an output folder all at once.

    Yields a temporary folder beside ``out``; write every output file into it. When the
    block ends without error it replaces ``out``; on error it is removed and ``out`` is
    left as it was.

    Args:
        out: The output folder (see :func:`check_output_dir`).

    Yields:
        The temporary folder to write into.

    Raises:
        OutputError: ``out`` cannot be replaced, or the temporary folder cannot be created.
    """
    path = check_output_dir(out)
    parent = path.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.tmp-", dir=parent))
    except OSError as exc:
        raise OutputError(
            f"{path}: cannot create the output folder ({exc.strerror or exc}: "
            f"{exc.filename or parent}); choose an output folder in a place you may write to"
        ) from exc
    try:
        yield tmp
        tmp.chmod(0o777 & ~_umask())
        if path.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{path.name}.old-", dir=parent))
            os.replace(path, old / path.name)
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
