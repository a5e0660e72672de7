"""Work spread over forked worker processes: when a fork is safe, and a pool shut down without a signal.

Workers are forked so they inherit what the parent made before (a renderer's templates, a check's verified
set) instead of having it pickled to them.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def cpus() -> int:
    """The CPUs this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def can_fork(beside_threads: bool = False) -> bool:
    """Forking is safe in a process running one thread (no lock another thread holds is copied), or where the
    caller knows its other threads hold no lock a worker takes (``beside_threads``: the preview's)."""
    return "fork" in multiprocessing.get_all_start_methods() and (beside_threads or threading.active_count() == 1)


def fork_map(func: Callable[[T], R], items: Iterable[T], processes: int, chunksize: int | None = None) -> list[R]:
    """``[func(item) for item in items]`` on ``processes`` forked workers, in order.

    The pool is closed and joined, not terminated (what ``with Pool`` does): terminating takes the task queue's
    lock and SIGTERMs the workers, and in the preview (a process with other threads) a render's pool was seen
    waiting forever on a worker blocked on that lock.  Workers that finished exit on the pool's own sentinel;
    terminate stays for an error."""
    pool = multiprocessing.get_context("fork").Pool(processes)
    try:
        results = pool.map(func, items, chunksize)
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()
    return results
