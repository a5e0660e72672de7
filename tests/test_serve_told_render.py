"""The preview's render is told what the build step changed in docs/ instead of walking it, and writes its records
once the update is shown (issue 15: ~0.12 s and ~0.1-0.2 s of every preview update at 10k articles).

What must hold: the snapshot the render keeps is the one a walk of docs/ would take, after additions, edits and
removals; anything that is not the build step's own writing (a hand-written page saved, a failed build) makes the
next update walk; and a preview stopped before its records are written leaves the next render a full one, never a
wrong incremental one."""

from __future__ import annotations

import logging
import shutil
from functools import partial
from pathlib import Path

import pytest

from build_tools.serve.rebuild import Builder
from build_tools.site import snapshot as snapshot_module
from build_tools.site.render import Renderer
from build_tools.site.snapshot import snapshot_docs
from tests.test_serve_warm import SEEDS, _settings


@pytest.fixture
def preview(tmp_path, request, monkeypatch):
    """An Update of a small project (two seeds), its first update done; ``walks`` counts docs/ walks after it."""
    from build_tools.serve.update import Update
    from tests.test_e2e import _project

    _project(tmp_path)
    settings = _settings(tmp_path)
    mkdocs_log = logging.getLogger("mkdocs")
    request.addfinalizer(partial(mkdocs_log.setLevel, mkdocs_log.level))  # the preview quiets MkDocs: undone after
    update = Update(Builder(settings), tmp_path / "mkdocs.yml", settings.docs_dir)
    assert update.run("first build")
    update.after_shown()
    walks: list[Path] = []

    def counted(docs, skip=()):
        if not skip:  # a walk of the whole of docs/ (with ``skip``: its hand-written part only)
            walks.append(docs)
        return snapshot_docs(docs, skip)

    monkeypatch.setattr(snapshot_module, "snapshot_docs", counted)
    return update, settings, walks


def _kept_snapshot(update) -> dict:
    return update.renderer._saved[1]["docs"]


def test_told_updates_keep_the_snapshot_a_walk_would_take(preview):
    update, settings, walks = preview
    raw = settings.raw_dir
    changes = [
        ("added", lambda: shutil.copy(SEEDS[3], raw / SEEDS[3].name)),
        ("added", lambda: shutil.copy(SEEDS[4], raw / SEEDS[4].name)),
        ("edited", lambda: (raw / SEEDS[3].name).write_bytes((raw / SEEDS[3].name).read_bytes() + "\n补充一句话。\n"
                                                           .encode())),
        ("removed", lambda: (raw / SEEDS[4].name).unlink()),
    ]
    for what, change in changes:
        change()
        assert update.run(f"a dump {what}", site_saved=False)
        assert update.builder.changed, what
        assert _kept_snapshot(update) == snapshot_docs(settings.docs_dir), what
    assert walks == [], "a told update walked docs/"
    slugs = {p.parent.name for p in (update.site / "articles").glob("*/index.html")}
    assert len(slugs) >= 3


def test_a_saved_site_file_or_a_failed_build_makes_the_next_update_walk(preview):
    update, settings, walks = preview
    about = settings.docs_dir / "about.md"
    about.write_text(about.read_text(encoding="utf-8") + "\n编辑手写的一行。\n", encoding="utf-8")
    shutil.copy(SEEDS[3], settings.raw_dir / SEEDS[3].name)
    assert update.run("about.md and a dump saved", site_saved=True)
    assert len(walks) == 1
    assert "编辑手写的一行" in (update.site / "about" / "index.html").read_text(encoding="utf-8")
    assert _kept_snapshot(update) == snapshot_docs(settings.docs_dir)

    settings.entities_path.write_text("entities: [oops", encoding="utf-8")  # the build step fails
    assert not update.run("entities.yml broken", site_saved=False)
    settings.entities_path.write_bytes((Path(__file__).resolve().parent.parent / "entities.yml").read_bytes())
    shutil.copy(SEEDS[4], settings.raw_dir / SEEDS[4].name)
    assert update.run("entities.yml mended, a dump added", site_saved=False)
    assert len(walks) == 2, "the update after a failed build trusted the build step's list"
    assert _kept_snapshot(update) == snapshot_docs(settings.docs_dir)


def test_the_records_are_written_after_the_update_is_shown(preview):
    update, settings, _walks = preview
    renderer = update.renderer
    shutil.copy(SEEDS[3], settings.raw_dir / SEEDS[3].name)
    assert update.run("a dump added", site_saved=False)
    records = sorted(renderer.state_dir.glob("*.rec"))
    assert [p for p in records if not p.name.endswith(".sitemap.rec")] == [], "written before the update was shown"
    # A preview stopped here: the next process finds no record, so it renders in full (never wrongly incremental).
    fresh = Renderer(update.config, update.site, renderer.state_dir, strict=False, docs_dir=settings.docs_dir)
    assert fresh.render().full

    shutil.copy(SEEDS[4], settings.raw_dir / SEEDS[4].name)
    assert update.run("another dump added", site_saved=False)
    update.after_shown()
    assert any(not p.name.endswith(".sitemap.rec") for p in renderer.state_dir.glob("*.rec"))
    again = Renderer(update.config, update.site, renderer.state_dir, strict=False, docs_dir=settings.docs_dir)
    done = again.render()
    assert not done.full and done.changed == [] and done.pages == []  # the record is the site as it is


def test_a_record_that_cannot_be_written_does_not_stop_the_preview(preview, monkeypatch, capsys):
    from build_tools.site import render as render_module

    update, settings, _walks = preview
    shutil.copy(SEEDS[3], settings.raw_dir / SEEDS[3].name)
    assert update.run("a dump added", site_saved=False)

    def full_disk(path, data):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(render_module, "save_record", full_disk)
        update.after_shown()  # said, not raised
    assert "not saved" in capsys.readouterr().err
    update.after_shown()  # the disk has room again: the record kept in memory is written now
    assert any(not p.name.endswith(".sitemap.rec") for p in update.renderer.state_dir.glob("*.rec"))
