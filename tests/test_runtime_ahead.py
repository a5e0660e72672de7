"""The entity and index pages made ahead by a forked copy of the build (runtime/ahead.py): the same docs/ as
when the build makes them itself, and the build makes them itself whenever the copy's work cannot be trusted."""

from __future__ import annotations

import dataclasses
import os
import shutil
import time
from pathlib import Path

import pytest

import build_tools
from build_tools import pipeline
from build_tools.model import Failure
from build_tools.runtime import ahead as ahead_mod
from build_tools.runtime.emit import OutputWriter
from build_tools.settings import Settings
from tests.fixtures.hostile.corpus import article_text, tree_bytes

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow  # whole builds, two per step


@pytest.fixture()
def project(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    raw = tmp_path / "raw"
    raw.mkdir()
    for seed in sorted((ROOT / "raw").iterdir()):
        shutil.copy(seed, raw / seed.name)
    for n in range(6):
        (raw / f"bulk-{n:02d}.txt").write_text(article_text(f"ahead{n}"), encoding="utf-8")
    return tmp_path


def _settings(root: Path, name: str, jobs: int) -> Settings:
    return Settings(raw_dir=root / "raw", docs_dir=root / f"docs-{name}", cache_dir=root / f"cache-{name}",
                    entities_path=ROOT / "entities.yml", overrides_path=root / "overrides.yml",
                    added_record=root / "added.json", jobs=jobs)


@pytest.fixture()
def replays(monkeypatch) -> list[bool]:
    """What each replay of a copy's records answered."""
    answers: list[bool] = []
    real = ahead_mod.replay

    def spy(*args, **kwargs):
        answers.append(real(*args, **kwargs))
        return answers[-1]

    monkeypatch.setattr("build_tools.runtime.stages.replay", spy)
    return answers


def _both(root: Path) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """docs/ built with the copy (two jobs) and by the build alone (one job)."""
    build_tools.build(_settings(root, "ahead", 2))
    build_tools.build(_settings(root, "here", 1))
    return tree_bytes(root / "docs-ahead"), tree_bytes(root / "docs-here")


def test_pages_made_ahead_are_the_pages_the_build_makes(project: Path, replays: list[bool]) -> None:
    raw = project / "raw"
    steps = [lambda: None,
             lambda: (raw / "new.txt").write_text(article_text("ahead-new"), encoding="utf-8"),
             lambda: (raw / "bulk-01.txt").write_text(article_text("ahead-edited"), encoding="utf-8"),
             lambda: (raw / "bulk-02.txt").unlink()]
    for n, step in enumerate(steps, 1):
        step()
        ahead, here = _both(project)
        assert ahead == here
        assert replays == [True] * n  # the copy's pages were the ones written, once per build with two jobs
    assert any(path.startswith("entities/") for path in ahead)


def test_a_copy_that_fails_leaves_the_pages_to_the_build(project: Path, replays: list[bool], monkeypatch) -> None:
    main, real = os.getpid(), pipeline._site_pages

    def only_here(*args, **kwargs):
        if os.getpid() != main:
            raise RuntimeError("the copy fails")
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "_site_pages", only_here)
    ahead, here = _both(project)
    assert ahead == here and "index.md" in ahead
    assert replays == []  # nothing recorded came back: the build made the pages itself


def test_a_copy_that_is_stuck_is_stopped_and_the_build_makes_the_pages(project: Path, replays: list[bool],
                                                                      monkeypatch) -> None:
    main, real = os.getpid(), pipeline._site_pages

    def stuck_there(*args, **kwargs):
        if os.getpid() != main:
            time.sleep(600)  # as if waiting for a lock another thread held at the fork
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "_site_pages", stuck_there)
    monkeypatch.setattr(ahead_mod, "MIN_WAIT", 1.0)
    started = time.monotonic()
    ahead, here = _both(project)
    assert ahead == here and replays == []
    assert time.monotonic() - started < 300


def test_a_page_that_fails_to_render_is_left_out_by_the_build_itself(project: Path, replays: list[bool],
                                                                    monkeypatch) -> None:
    real = pipeline.RENDER.work

    def failing(context, page, page_key):
        if "bulk-03" in page.shown:
            return Failure(page.shown, "render", "a page that fails to render")
        return real(context, page, page_key)

    failing.__module__ = real.__module__  # the stage's code key names the module it reads
    monkeypatch.setattr(pipeline, "RENDER", dataclasses.replace(pipeline.RENDER, work=failing))
    ahead, here = _both(project)
    assert ahead == here
    assert replays == []  # the copy assumed every page renders: its work was dropped
    listed = ahead["index.md"].decode() + "".join(t.decode() for p, t in ahead.items() if p.startswith("timeline"))
    assert "articles/bulk-03.md" not in listed and "articles/bulk-02.md" in listed


def test_a_file_kept_by_the_copy_and_touched_since_is_not_trusted(project: Path) -> None:
    settings = _settings(project, "ahead", 2)
    build_tools.build(settings)
    docs = settings.docs_dir
    manifest = next((settings.cache_dir / "manifests").glob("*.json"))
    writer = OutputWriter(docs, settings.raw_dir, manifest=manifest)
    try:
        path, entry = next((p, e) for p, e in writer._previous.items() if p.startswith("entities/"))
        ops = [("keep", path, entry[0]), ("write", "index.md", "changed", None)]
        assert writer.would_keep(path, entry[0])
        (docs / path).write_text("touched by hand", encoding="utf-8")
        assert not ahead_mod.replay([op[1:] for op in ops if op[0] == "keep"], ops, writer, lambda *a: None,
                                    lambda *a: None, lambda *a: None)
        assert writer.staged == []  # nothing replayed, not even the write that came after
    finally:
        writer.abort()
