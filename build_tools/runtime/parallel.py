"""An ordered map over worker processes that inherit the build's read-only context.

Workers are forked after the context (alias index, cross-dump lines, overrides,
entity names) is set, so it is shared copy-on-write instead of being pickled for
every task.  Results come back in input order, so a parallel build writes
exactly what a serial one does.  Where fork is unavailable the map runs serially.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

PARALLEL_THRESHOLD = 48  # below this, starting workers costs more than it saves

_TASK: tuple[Callable[[Any, Any], Any], Any] | None = None


def worker_count(jobs: int) -> int:
    """``jobs`` workers, or one per usable core when 0."""
    if jobs > 0:
        return jobs
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def ordered_map(func: Callable[[Any, T], R], items: Sequence[T], context: Any, jobs: int,
                chunksize: int = 8, warm: Callable[[], object] | None = None,
                min_items: int = PARALLEL_THRESHOLD) -> Iterator[R]:
    """``func(context, item)`` for every item, in order, on ``jobs`` processes.

    ``warm`` runs once, before any work and before the workers fork (imports, compiled
    schemas), so that it is done once and only when there is work to do.
    """
    if items and warm is not None:
        warm()
    workers = worker_count(jobs)
    if workers <= 1 or len(items) < min_items or "fork" not in multiprocessing.get_all_start_methods():
        for item in items:
            yield func(context, item)
        return
    global _TASK
    _TASK = (func, context)
    pool = multiprocessing.get_context("fork").Pool(workers, initializer=_ignore_interrupts)
    try:
        yield from pool.imap(_run, items, chunksize)
        pool.close()
    finally:
        _TASK = None
        pool.terminate()
        pool.join()


def _ignore_interrupts() -> None:
    """Ctrl-C reaches the whole process group; only the main process acts on it (it stops the pool).
    A worker killed by it in the middle of handing back a result would leave the pool's queue locked,
    and the main process would then wait on it forever."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run(item: Any) -> Any:
    func, context = _TASK  # type: ignore[misc]
    return func(context, item)
