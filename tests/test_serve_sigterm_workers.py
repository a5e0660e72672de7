"""A worker the preview forks (the render's pool, the build's) inherits its SIGTERM handler; when its pool is
terminated it must die of the signal as a pool worker does, not raise the preview's stop (which printed a
traceback into the preview's log and kept the worker running its loop)."""

from __future__ import annotations

import os
import signal
import time

import build_tools.serve as serve


def test_a_forked_worker_dies_of_sigterm_and_the_preview_still_stops_on_it():
    before = signal.signal(signal.SIGTERM, serve._on_sigterm)
    try:
        ready, told = os.pipe()
        pid = os.fork()
        if pid == 0:  # the worker: anything but dying of the signal exits 3
            try:
                os.write(told, b"x")
                time.sleep(30)
            finally:
                os._exit(3)
        os.read(ready, 1)
        os.kill(pid, signal.SIGTERM)
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGTERM
        try:
            serve._on_sigterm(signal.SIGTERM, None)  # in the preview's own process: its stop
        except serve._Stop:
            pass
        else:
            raise AssertionError("the preview's process did not stop")
    finally:
        signal.signal(signal.SIGTERM, before)
