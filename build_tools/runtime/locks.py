"""One build at a time per output folder and per cache: advisory locks on the folders themselves.

A build takes its locks before it reads anything (the cache first, then the output folder, always in
that order, so two builds never wait for each other crosswise), and holds them until it has swapped
its output in.  A second build waits, saying once what it waits for, and gives up with one line after
``LOCK_WAIT_SECONDS``.  The lock is ``flock`` on a descriptor of the folder: no lock file to clean
up, released by the kernel when the holder dies, however it dies.  Two locks taken by the same
process on the same folder exclude each other too (each has its own descriptor).
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from build_tools.model.errors import BuildError, OutputError

try:
    import fcntl
except ImportError:  # Windows: no advisory locks, one build at a time is up to the user
    fcntl = None  # type: ignore[assignment]

LOCK_WAIT_SECONDS = 600.0
POLL_SECONDS = 0.1
Notice = Callable[[str], None]


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class FolderLock:
    """An exclusive advisory lock on one folder (made if missing)."""

    def __init__(self, folder: Path, what: str, error: type[BuildError] = OutputError):
        self.folder, self.what, self.error = folder, what, error
        self.fd: int | None = None

    def acquire(self, notice: Notice | None = say, wait: float | None = None) -> FolderLock:
        if fcntl is None:
            return self
        wait = LOCK_WAIT_SECONDS if wait is None else wait
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.folder, os.O_RDONLY)
        except OSError as error:
            raise self.error(f"cannot open {self.folder}: {error.strerror or error}") from error
        deadline, told = time.monotonic() + wait, False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self.fd = fd
                return self
            except OSError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise self.error(f"another build is writing {self.what} {self.folder} (waited {wait:.0f} s); "
                                     f"build again when it is done") from None
                if not told and notice is not None:
                    notice(f"waiting for another build to finish with {self.what} {self.folder} …")
                    told = True
                time.sleep(POLL_SECONDS)

    def release(self) -> None:
        fd, self.fd = self.fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)  # closing the descriptor releases the lock

    @property
    def held(self) -> bool:
        return self.fd is not None or fcntl is None


@contextlib.contextmanager
def holding(*locks: FolderLock, notice: Notice | None = say) -> Iterator[tuple[FolderLock, ...]]:
    """Hold ``locks``, taken in the order given, released in reverse."""
    taken: list[FolderLock] = []
    try:
        for lock in locks:
            taken.append(lock.acquire(notice))
        yield locks
    finally:
        for lock in reversed(taken):
            lock.release()
