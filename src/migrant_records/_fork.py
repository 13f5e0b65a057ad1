"""Run one independent piece of work in a forked second process while the caller goes on.

Standardising and blocking are Python and numpy code that runs on one core. On a system
with ``fork`` (Linux), :class:`Background` computes one independent piece (region names and
addresses; half of the blocking passes) in a child process that inherits the records
without copying them, and hands back its result through a pipe. Anything that goes wrong
in the child (no ``fork``, an error, the child killed) makes :meth:`Background.result`
compute the piece in the caller instead, so the result never depends on whether the second
process worked.
"""

from __future__ import annotations

import logging
import os
import pickle
import signal
import sys
import warnings
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["PARALLEL_MIN_RECORDS", "Background", "can_fork", "worth_forking"]

logger = logging.getLogger(__name__)

T = TypeVar("T")

PARALLEL_MIN_RECORDS = 50_000
"""Fewest records for which work is shared with a second process (below it, forking costs
more than it saves)."""


def can_fork() -> bool:
    """Whether a second process can be forked here and a second core is there to run it."""
    if not hasattr(os, "fork") or sys.platform != "linux":
        return False  # macOS: fork after threads is unsafe; Windows: no fork
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - Linux has sched_getaffinity
        cores = os.cpu_count() or 1
    return cores > 1


def worth_forking(n_records: int) -> bool:
    """Whether work on ``n_records`` records is worth sharing with a second process."""
    return n_records >= PARALLEL_MIN_RECORDS and can_fork()


class Background(Generic[T]):
    """``func()`` computed in a forked child process; :meth:`result` returns its value.

    Args:
        func: A function of no arguments whose value pickles.
        fork: Fork a child (``False``: :meth:`result` calls ``func`` itself).
    """

    def __init__(self, func: Callable[[], T], *, fork: bool = True) -> None:
        self._func = func
        self._pid = 0
        self._read = -1
        if not fork:
            return
        read, write = os.pipe()
        try:
            with warnings.catch_warnings():
                # Python 3.12+ warns about fork in a process with threads (Arrow's pools);
                # the child runs only pure Python and numpy code and never joins them
                warnings.simplefilter("ignore", DeprecationWarning)
                pid = os.fork()
        except OSError as exc:  # pragma: no cover - out of processes or memory
            logger.info("no second process (%s): one process is used", exc)
            os.close(read)
            os.close(write)
            return
        if pid == 0:  # pragma: no cover - the child; coverage does not follow it
            status = 0
            try:
                os.close(read)
                payload = pickle.dumps(func(), protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write, "wb") as pipe:
                    pipe.write(payload)
            except BaseException:
                status = 1
            finally:
                os._exit(status)
        os.close(write)
        self._pid, self._read = pid, read

    def result(self) -> T:
        """The value of ``func()``: the child's, or computed here if the child failed."""
        if not self._pid:
            return self._func()
        with os.fdopen(self._read, "rb") as pipe:
            payload = pipe.read()
        _, status = os.waitpid(self._pid, 0)
        self._pid = 0
        if status == 0 and payload:
            value: T = pickle.loads(payload)
            return value
        logger.info("the second process failed (status %s): its work is redone here", status)
        return self._func()

    def cancel(self) -> None:
        """Stop the child, if one is running (when the caller failed)."""
        if not self._pid:
            return
        try:
            os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
        except OSError:  # pragma: no cover - already gone
            pass
        finally:
            os.close(self._read)
            self._pid = 0
