"""``make serve`` stops cleanly (issue 12, item 11): SIGTERM (a service manager, a closed terminal) or
Ctrl-C while its build step runs on worker processes ends it within seconds, with no traceback from
the workers (they must not inherit the preview's SIGTERM handler) and the previous docs/ intact."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, free_port
from tests.fixtures.hostile.corpus import article_text

pytestmark = pytest.mark.slow  # runs the preview in a subprocess

DUMPS = 200


def _rendering(docs: Path) -> bool:
    """Pages are being written into the next generation (or, with the writer before it, a staging folder)."""
    return any(True for _ in docs.glob(".generated/g-*/articles/*.md")) or \
        any(True for _ in docs.glob(".staging-*/articles/*.md"))


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_the_preview_stops_cleanly_while_its_workers_build(tmp_path, sig):
    raw = tmp_path / "raw"
    raw.mkdir()
    for i in range(DUMPS):
        (raw / f"d{i:03}.txt").write_text(article_text(f"serve{i}"), encoding="utf-8")
    command = [sys.executable, "-m", "build_tools", "serve", "--raw", "raw", "--docs", "docs",
               "--config", str(ROOT / "mkdocs.yml"), "--entities", str(ROOT / "entities.yml"),
               "--overrides", "none.yml", "--addr", f"127.0.0.1:{free_port()}"]
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen(command, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)},
                                  stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not _rendering(tmp_path / "docs"):
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.01)
        if sig == signal.SIGINT:
            os.killpg(server.pid, sig)  # Ctrl-C reaches the whole process group
        else:
            server.send_signal(sig)  # a service manager signals the process it started
        sent = time.monotonic()
        server.wait(timeout=10)
        took = time.monotonic() - sent
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    text = log.read_text(encoding="utf-8", errors="replace")
    assert server.returncode == 0, text
    assert "Traceback" not in text and took < 3.0, (took, text)
    assert not list((tmp_path / "docs").glob(".generated/g-*")), "an unfinished generation was left"
