"""The layer contract (pyproject.toml [tool.importlinter]) holds: imports point one way.

interface (cli, serve) → pipeline → {runtime | stages | archive} → config → entities → model, markup, settings.
import-linter checks it; this test runs it so `make test` fails on a violation.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def test_layers_point_one_way():
    exe = Path(sys.executable).with_name("lint-imports")
    command = [str(exe)] if exe.exists() else [shutil.which("lint-imports") or "lint-imports"]
    done = subprocess.run(command + ["--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "Layers point one way KEPT" in done.stdout
