"""An ordered map over worker processes that inherit the build's read-only context.

Workers are forked after the context (alias index, cross-dump lines, overrides,
entity names) is set, so it is shared copy-on-write instead of being pickled for
every task.  Results come back in input order, so a parallel build writes
exactly what a serial one does.  Where fork is unavailable the map runs serially.

Each worker has a pipe of its own for tasks and one for results, and nothing else
is shared: no queue lock a dying worker could leave held.  (multiprocessing.Pool
shares one: a worker sending a large result while the pool was being terminated
left ``terminate()`` waiting forever, and Ctrl-C hung a parallel build.)  When the
map ends early (Ctrl-C, a crash, the caller stops reading) the workers are killed
outright: they only ever read, so nothing is lost.  Workers ignore SIGINT (Ctrl-C
goes to the whole process group; the main process decides) and die quietly of
SIGTERM, whatever handler the main process set for itself (``serve`` has one).
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection, Pipe, wait
from multiprocessing.pool import RemoteTraceback
from typing import Any, TypeVar

from build_tools.model.errors import StageCrash
from build_tools.runtime.cache import Reader

T = TypeVar("T")
R = TypeVar("R")

PARALLEL_THRESHOLD = 48  # below this, starting workers costs more than it saves

# (work, context, warm): what forked workers run; ``warm`` is run by each worker first (:func:`started_map`) or None.
_TASK: tuple[Callable[[Any, Any], Any], Any, Callable[[], object] | None] | None = None


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
    workers = min(worker_count(jobs), -(-len(items) // chunksize))
    if workers <= 1 or len(items) < min_items or not hasattr(os, "fork"):
        with _collecting(len(items) >= min_items):
            for item in items:
                yield func(context, item)
        return
    yield from _in_workers(func, items, context, workers, chunksize)


def started_map(func: Callable[[Any, T], R], items: Sequence[T], context: Any, jobs: int,
                warm: Callable[[], object] | None = None) -> Iterator[R]:
    """:func:`ordered_map` over a few items, its work begun now in one forked worker (``warm`` run there, not
    here), so that the caller does its own work meanwhile: the build reads its 10k stored records while the new
    dump is read, with its readers imported and its language converters loaded, on the other core.  Close the
    iterator to stop the worker.  With one job, or no fork, it is :func:`ordered_map`."""
    if not items or worker_count(jobs) < 2 or not hasattr(os, "fork"):
        return ordered_map(func, items, context, jobs, warm=warm)
    results = _in_workers(func, items, context, 1, PARALLEL_THRESHOLD, warm, started=True)
    next(results)  # runs until the worker has its work
    return results


def _in_workers(func: Callable[[Any, Any], Any], items: Sequence[Any], context: Any, workers: int, chunksize: int,
                warm: Callable[[], object] | None = None, started: bool = False) -> Iterator[Any]:
    """``func(context, item)`` for every item, in order, on ``workers`` forked processes (``warm`` run first in
    each); ``started``: first yields None, once the workers have their first chunks."""
    global _TASK
    _TASK = (func, context, warm)
    crew = _Crew()
    try:
        with interrupts_held() as held:  # a worker must not see Ctrl-C before it has learnt to ignore it
            for _ in range(workers):
                crew.start()
        if held:
            raise KeyboardInterrupt
        chunks = [items[start:start + chunksize] for start in range(0, len(items), chunksize)]
        collected = crew.map(chunks)
        if started:
            yield None
        for results in collected:
            yield from results
        crew.stop()
    finally:
        _TASK = None
        crew.kill()  # a no-op after stop(); else the workers go now, whatever they were doing


class _Crew:
    """Forked workers, each with its own task pipe and result pipe."""

    def __init__(self) -> None:
        self.workers: list[tuple[int, Connection, Connection]] = []  # (pid, tasks to it, results from it)

    def start(self) -> None:
        tasks_out, tasks_in = Pipe(duplex=False)  # (read end, write end)
        results_out, results_in = Pipe(duplex=False)
        pid = os.fork()
        if pid == 0:  # the worker: never returns
            _work(tasks_out, results_in, [c for _, a, b in self.workers for c in (a, b)] + [tasks_in, results_out])
        tasks_out.close()
        results_in.close()
        self.workers.append((pid, tasks_in, results_out))

    def map(self, chunks: list[Sequence[Any]]) -> Iterator[list[Any]]:
        """Each chunk's results, in order; a chunk goes to whichever worker is free.  Each worker is sent its first
        chunk now, not when the results are first asked for."""
        busy: dict[Connection, int] = {}
        sent = 0
        for _, tasks, results in self.workers:
            if sent < len(chunks):
                tasks.send((sent, chunks[sent]))
                busy[results] = sent
                sent += 1
        return self._collect(chunks, busy, sent)

    def _collect(self, chunks: list[Sequence[Any]], busy: dict[Connection, int], sent: int) -> Iterator[list[Any]]:
        done: dict[int, list[Any]] = {}
        wanted = 0
        while wanted < len(chunks):
            for results in wait(list(busy)):
                index, outcome = self._receive(results)
                done[index] = outcome
                del busy[results]
                if sent < len(chunks):
                    self._tasks_of(results).send((sent, chunks[sent]))
                    busy[results] = sent
                    sent += 1
            while wanted in done:
                yield _unwrap(done.pop(wanted))
                wanted += 1

    def _receive(self, results: Connection) -> tuple[int, list[Any]]:
        try:
            return results.recv()
        except (EOFError, OSError):
            pid = next(p for p, _, r in self.workers if r is results)
            raise StageCrash(None, "worker", f"a worker process ended unexpectedly ({_died(pid)})") from None

    def _tasks_of(self, results: Connection) -> Connection:
        return next(t for _, t, r in self.workers if r is results)

    def stop(self) -> None:
        """No more work: each worker reads the end of its task pipe and exits."""
        for _, tasks, _ in self.workers:
            tasks.close()
        for pid, _, results in self.workers:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
            results.close()
        self.workers = []

    def kill(self) -> None:
        for pid, _, _ in self.workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for pid, tasks, results in self.workers:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
            tasks.close()
            results.close()
        self.workers = []


def _collect_from_here() -> None:
    """The collector on, for what is made from now on: the build pauses it (runtime/stages.py), but work on a
    dump makes cyclic garbage (parsed trees).  What exists already is frozen first, so that a collection does not
    walk it (in a worker: the main process's heap, shared copy-on-write, left untouched)."""
    gc.freeze()
    gc.enable()


@contextlib.contextmanager
def _collecting(many: bool) -> Iterator[None]:
    """Work on ``many`` items in this process with the collector on (:func:`_collect_from_here`), if it was paused;
    a few items' garbage waits for the end of the build."""
    if not many or gc.isenabled():
        yield
        return
    _collect_from_here()
    try:
        yield
    finally:
        gc.disable()


def _work(tasks: Connection, results: Connection, others: list[Connection]) -> None:
    """A worker's life: each chunk in, its results out, until the task pipe closes.  Never returns."""
    code = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        for connection in others:  # the main process's ends and the other workers' pipes
            connection.close()
        Reader.forget_inherited()  # the main process's connections to the store are its own, in use there
        func, context, warm = _TASK  # type: ignore[misc]
        if warm is not None:
            warm()
        _collect_from_here()
        while True:
            try:
                index, chunk = tasks.recv()
            except EOFError:
                break
            results.send((index, [_attempt(func, context, item) for item in chunk]))
    except BaseException:  # noqa: BLE001 - the pipe broke (the main process is gone): nothing to tell
        code = 1
    finally:
        os._exit(code)  # no atexit handlers, no finalizers of the main process's objects


def _attempt(func: Callable[[Any, Any], Any], context: Any, item: Any) -> tuple[bool, Any]:
    try:
        return True, func(context, item)
    except Exception as error:  # noqa: BLE001 - handed to the main process, raised there
        text = traceback.format_exc()
        try:
            pickle.dumps(error)
        except Exception:  # noqa: BLE001 - an exception that cannot travel is told by its text
            error = RuntimeError(f"{type(error).__name__}: {error}")
        return False, (error, text)


def _unwrap(outcomes: list[tuple[bool, Any]]) -> list[Any]:
    values = []
    for ok, value in outcomes:
        if not ok:
            error, text = value
            error.__cause__ = RemoteTraceback(f'\n"""\n{text}"""')  # the worker's traceback, as text
            raise error
        values.append(value)
    return values


def _died(pid: int) -> str:
    with contextlib.suppress(ChildProcessError):
        _, status = os.waitpid(pid, 0)
        if os.WIFSIGNALED(status):
            return f"killed by signal {os.WTERMSIG(status)}"
        return f"exit status {os.WEXITSTATUS(status)}"
    return "gone"


@contextlib.contextmanager
def interrupts_held() -> Iterator[list[int]]:
    """Ctrl-C during the block is held back (the workers fork with this handler, the main process raises
    once the workers exist and can be stopped); the list says whether one came."""
    came: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield came
        return
    previous = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, lambda signum, frame: came.append(signum))
    try:
        yield came
    finally:
        signal.signal(signal.SIGINT, signal.SIG_DFL if previous is None else previous)
