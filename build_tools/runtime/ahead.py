"""Whole-archive pages made ahead, in a forked process, while this one ranks and renders the articles.

After one new dump at 10k articles the build step spends ~1 s on the entity and index pages, all of it on one
core while the other waits, and they depend on the related pass and the render only through the pages that
failed to render (a failed page is in no list): almost never.  So they are made ahead, on the assumption that
every page renders, by a forked copy of the build that writes nothing: every file it would keep, write or
store is recorded (:class:`Recording`), and the main process replays the records once its render is done
(:func:`replay`) — exactly the calls it would have made itself, in the same order.

Whenever that cannot be trusted, the main process makes the pages itself, as before: a page failed to render,
the copy failed, crashed, warned or was interrupted, or a file it kept was touched since it looked.  The copy
opens its own read-only connection to the build cache (a SQLite connection must not cross a fork) and leaves
with ``os._exit``: it never runs the main process's clean-up (locks, the writer's generation, the cache).  Like
the workers (parallel.py), it ends on its own when the main process is gone: its results pipe breaks.
"""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from multiprocessing.connection import Connection, Pipe
from typing import IO, Any

from build_tools.forking import can_fork
from build_tools.runtime.cache import Reader, Store
from build_tools.runtime.emit import OutputWriter
from build_tools.runtime.parallel import interrupts_held, worker_count
from build_tools.runtime.spill import Op, Recorded, Spill, recorded_ops

MIN_WAIT = 60.0  # seconds the main process waits for the copy at least


class Recording:
    """The writer as the passes see it in the copy: a file kept is decided there (the copy's writer state is the
    main process's at the fork) and recorded; a file written is only recorded."""

    def __init__(self, writer: OutputWriter, ops: Spill):
        self._writer, self._ops, self._written = writer, ops, set()

    def keep_if_unchanged(self, relative: str, key: str) -> bool:
        if relative in self._written:  # the real writer knows it as written: never kept
            return False
        kept = self._writer.keep_if_unchanged(relative, key)
        if kept:
            self._ops.append(("keep", relative, key))
        return kept

    def write(self, relative: str, text: str, key: str | None = None) -> None:
        self._written.add(relative)
        self._ops.append(("write", relative, text, key))

    def write_all(self, pages: dict[str, str]) -> None:
        for relative, text in pages.items():
            self.write(relative, text)


class _RecordingStore:
    """The build cache as the copy sees it: read through its own connection, written only as records."""

    def __init__(self, store: Store, ops: Spill):
        self._store, self._ops, self.path = store, ops, store.path

    def get(self, kind: str, key: str) -> Any:
        return self._store.get(kind, key)

    def get_many(self, kind: str, keys: list[str]) -> dict[str, Any]:
        return self._store.get_many(kind, keys)

    def put(self, kind: str, key: str, value: Any) -> None:
        self._ops.append(("put", kind, key, value))

    def put_raw(self, kind: str, key: str, blob: bytes) -> None:
        self._ops.append(("put_raw", kind, key, blob))

    def checkpoint(self) -> None:
        """Nothing to commit: what the copy stores is stored by the main process."""


class Ahead:
    """A forked copy making pages ahead; :meth:`take` waits for what it recorded."""

    def __init__(self, pid: int, results: Connection, spill: IO[bytes]):
        self._pid: int | None = pid  # None once the copy is reaped (its pid may then be another process's)
        self._results = results
        self._spill = spill  # what the copy recorded (spill.py), open until the block of Runner.ahead ends
        self._started = time.monotonic()

    @classmethod
    def start(cls, run: Any, writer: OutputWriter, work: Callable[[Any, Any], None]) -> Ahead | None:
        """``work(run, writer)`` in a forked copy of this process, or None when a copy cannot help (one job
        asked for, no fork, or threads that may hold a lock the copy would take)."""
        settings = run.settings
        if worker_count(settings.jobs) < 2 or not can_fork(beside_threads=settings.keep_warm):
            return None
        run.store.checkpoint()  # the copy's own connection sees what this build stored so far
        results, sent = Pipe(duplex=False)
        spill = tempfile.TemporaryFile(dir=run.cache_dir)  # noqa: SIM115 - closed by cancel(); on the cache's disk
        with interrupts_held() as held:  # the copy must not see Ctrl-C before it has learnt to ignore it
            pid = os.fork()
            if pid == 0:
                _copy(run, writer, work, results, sent, spill)
        sent.close()
        ahead = cls(pid, results, spill)
        if held:
            ahead.cancel()
            raise KeyboardInterrupt
        return ahead

    def take(self) -> tuple[list[tuple[str, str]], Iterator[Op]] | None:
        """What the copy recorded: the files it kept (path, key) and every op in order, read as they are used; or
        None when it failed, warned or died (the caller does the work itself)."""
        if self._pid is None:
            return None
        # The copy does about what this process did meanwhile; one that takes far longer is stuck (a lock another
        # thread of the preview held at the fork): it is stopped, and the caller does the work.
        if not self._results.poll(max(MIN_WAIT, 3 * (time.monotonic() - self._started))):
            self.cancel()
            return None
        try:
            outcome = self._results.recv()
        except (EOFError, OSError):
            outcome = None
        finally:
            self._reap()
        if not (isinstance(outcome, tuple) and outcome[0] == "ok" and isinstance(outcome[1], Recorded)):
            return None
        return outcome[1].keeps, recorded_ops(self._spill, outcome[1])

    def cancel(self) -> None:
        """Stop the copy, unless it is reaped already; what it recorded is let go."""
        if self._pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            self._reap()
        self._spill.close()

    def _reap(self) -> None:
        self._results.close()
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self._pid, 0)
        self._pid = None


def replay(keeps: Sequence[tuple[str, str]], ops: Iterable[Op], writer: OutputWriter,
           put: Callable[[str, str, Any], None], put_latest: Callable[[str, str, Any], None],
           put_raw: Callable[[str, str, bytes], None]) -> bool:
    """Make the copy's calls (``ops``) on the real writer and cache; False (and nothing done) when a file it kept
    (``keeps``: each one's path and key, also among the ops) is no longer the one it saw."""
    if not all(writer.would_keep(path, item_key) for path, item_key in keeps):
        return False
    for op in ops:
        if op[0] == "keep":
            writer.keep_if_unchanged(op[1], op[2])
        elif op[0] == "write":
            writer.write(op[1], op[2], op[3])
        elif op[0] == "put":
            put(op[1], op[2], op[3])
        elif op[0] == "put_raw":
            put_raw(op[1], op[2], op[3])
        else:
            put_latest(op[1], op[2], op[3])
    return True


def _copy(run: Any, writer: OutputWriter, work: Callable[[Any, Any], None], results: Connection,
          sent: Connection, spill: IO[bytes]) -> None:
    """The copy's life: the work, its records written to ``spill`` (spill.py) and what the main process needs to
    read them sent, ``os._exit``.  Never returns."""
    code = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        results.close()
        ops = Spill(spill)
        Reader.forget_inherited()
        run.store = _RecordingStore(Store.read_only(run.store.path), ops)
        run.put_latest = lambda name, place, value: ops.append(("latest", name, place, value))
        run.progress = None  # the main process's progress bar is its own
        report = run.report
        said = (len(report.warnings), len(report.inputs))
        work(run, Recording(writer, ops))
        quiet = said == (len(report.warnings), len(report.inputs))  # a warning must come from the main process
        sent.send(("ok", ops.close()) if quiet else ("said", None))
    except BaseException as error:  # noqa: BLE001 - told to the main process, which does the work itself
        with contextlib.suppress(BaseException):
            sent.send(("failed", f"{type(error).__name__}: {error}"))
        code = 1
    finally:
        os._exit(code)  # no atexit handlers, no finalizers of the main process's objects
