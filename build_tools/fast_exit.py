"""How the command-line entry points end (``python -m build_tools`` and ``python -m build_tools.site``).

Their ``main`` returns with the output complete and every file, store connection and lock closed.  What the
interpreter's teardown would do then is free the objects one by one: at 10k articles the build's ~10^6 records
took 0.16-0.26 s after the site step had ended, and the site step's loaded MkDocs and kept search stream more,
both on the critical path of `make site`.  So stdout and stderr are flushed and the process ends at once."""

from __future__ import annotations

import contextlib
import os
import sys
import threading


def end(code: int | None) -> None:
    """Exit with ``code`` without the interpreter's teardown, unless a thread is still running (none of the
    commands leaves one): the normal exit then waits for it, as before."""
    if threading.active_count() > 1:
        sys.exit(code)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a reader gone (`| head`), or a stream closed
            stream.flush()
    os._exit(code or 0)
