"""Shared fixtures: where the project and ../shared live, and builds made once per session."""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from build_tools.pipeline import BuildReport, build
from build_tools.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def node_module(script: str, payload: str, timeout: int = 120) -> object:
    """Run ``script`` (an ES module reading its input as JSON from stdin) in node; the JSON it writes."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    res = subprocess.run([node, "--input-type=module", "-e", script], input=payload.encode(), capture_output=True,
                         timeout=timeout)  # fmt: skip
    assert res.returncode == 0, res.stderr.decode()[-2000:]
    return json.loads(res.stdout)


def free_port() -> int:
    """A TCP port on 127.0.0.1 nothing listens on now (for a test's own server)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
DEV_CORPUS = SHARED / "corpus" / "dev"


@pytest.fixture(scope="session")
def dev_corpus() -> Path:
    """../shared/corpus/dev, or a clean skip where the shared corpus is not checked out."""
    if not DEV_CORPUS.is_dir():
        pytest.skip(f"dev corpus not available: {DEV_CORPUS} does not exist")
    return DEV_CORPUS


@pytest.fixture(scope="session")
def dev_build(dev_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[BuildReport, Path]:
    """The dev corpus built once into a temporary docs/ with the repo's entity registry: (report, docs_dir)."""
    tmp = tmp_path_factory.mktemp("dev-build")
    settings = Settings(
        raw_dir=dev_corpus,
        docs_dir=tmp / "docs",
        cache_dir=tmp / "cache",
        entities_path=ROOT / "entities.yml",
        overrides_path=tmp / "no-overrides.yml",
        jobs=1,
    )
    with contextlib.chdir(ROOT):
        report = build(settings)
    return report, settings.docs_dir
