"""A rebuild does only the work its changes call for, and ends exactly where a clean build would.

* after changing, adding or removing a dump, or editing entities.yml, the cached
  incremental build's docs/ is byte-identical to a --no-cache build of the same input;
* a rebuild after one changed dump rewrites only the files whose content changed:
  every other page keeps its inode and mtime;
* a generated file edited by hand is put back; files of removed dumps go, and so do
  folders left empty.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from build_tools.runtime.emit import OutputWriter
from tests.conftest import ROOT
from tests.fixtures.hostile.corpus import article_text, run_build, tree_bytes

pytestmark = pytest.mark.slow  # several whole builds per test

BULK = 60


@pytest.fixture()
def archive(tmp_path: Path) -> Path:
    """Seed dumps (entity mentions, related articles) plus enough plain dumps to run in parallel."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for seed in sorted((ROOT / "raw").iterdir()):
        shutil.copy(seed, raw / seed.name)
    for i in range(BULK):
        (raw / f"bulk-{i:02}.txt").write_text(article_text(f"inc{i}"), encoding="utf-8")
    shutil.copy(ROOT / "entities.yml", tmp_path / "entities.yml")
    return tmp_path


def _build(root: Path, docs: Path, *extra: str) -> None:
    result = run_build(root / "raw", docs, "--entities", str(root / "entities.yml"), *extra, cwd=root)
    assert result.returncode == 0, result.stderr


def _shown(docs: Path) -> list[Path]:
    """Every folder and file a reader of docs/ sees (the generated names are links into docs/.generated)."""
    found = []
    for folder, dirs, files in os.walk(docs, followlinks=True):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(Path(folder) / name for name in dirs + sorted(f for f in files if not f.startswith(".")))
    return found


def _stats(docs: Path) -> dict[str, tuple[int, int]]:
    return {p.relative_to(docs).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in _shown(docs) if p.is_file()}


def _assert_same_as_clean_build(root: Path, docs: Path) -> None:
    clean = root / "clean" / "docs"
    shutil.rmtree(clean.parent, ignore_errors=True)
    clean.parent.mkdir()
    _build(root, clean, "--no-cache")
    incremental, expected = tree_bytes(docs), tree_bytes(clean)
    assert sorted(incremental) == sorted(expected)
    assert [name for name in expected if incremental[name] != expected[name]] == []


def _first_seed(raw: Path) -> Path:
    return sorted(p for p in raw.iterdir() if not p.name.startswith("bulk-"))[0]


@pytest.mark.parametrize("change", ["edit", "add", "remove", "entities"])
def test_an_incremental_rebuild_equals_a_clean_build(archive, change):
    docs = archive / "site" / "docs"
    _build(archive, docs)
    raw = archive / "raw"
    if change == "edit":
        seed = _first_seed(raw)
        seed.write_bytes(seed.read_bytes().replace("。".encode(), "！".encode(), 1))
    elif change == "add":
        (raw / "new-dump.txt").write_text(article_text("newcomer"), encoding="utf-8")
    elif change == "remove":
        _first_seed(raw).unlink()
    else:
        registry = archive / "entities.yml"
        text = registry.read_text(encoding="utf-8")
        assert "黄仁勋" in text
        registry.write_text(text.replace("黄仁勋", "黄仁勳", 1), encoding="utf-8")
    _build(archive, docs)
    _assert_same_as_clean_build(archive, docs)


def test_a_rebuild_after_one_changed_dump_rewrites_only_what_changed(archive):
    docs = archive / "site" / "docs"
    _build(archive, docs)
    before = _stats(docs)
    changed = archive / "raw" / "bulk-07.txt"
    changed.write_text(article_text("inc7").replace("。", "！", 1), encoding="utf-8")
    _build(archive, docs)
    after = _stats(docs)
    assert sorted(after) == sorted(before)
    rewritten = sorted(name for name in after if after[name] != before[name])
    assert "articles/bulk-07.md" in rewritten and "articles/provenance/bulk-07.md" in rewritten
    # Nothing else about the other articles changed, so none of their pages may be rewritten.
    other_pages = [name for name in rewritten if name.startswith("articles/") and "bulk-07" not in name]
    assert other_pages == []
    assert len(rewritten) <= 6, rewritten


def test_a_rebuild_with_nothing_changed_rewrites_nothing(archive):
    docs = archive / "site" / "docs"
    _build(archive, docs)
    before = _stats(docs)
    _build(archive, docs)
    assert _stats(docs) == before


def test_a_generated_page_edited_by_hand_is_put_back(archive):
    docs = archive / "site" / "docs"
    _build(archive, docs)
    page = docs / "articles" / "bulk-03.md"
    original = page.read_bytes()
    page.write_text("edited by hand", encoding="utf-8")
    _build(archive, docs)
    assert page.read_bytes() == original


def test_pages_of_removed_dumps_go_and_empty_folders_with_them(tmp_path):
    docs = tmp_path / "docs"
    writer = OutputWriter(docs, manifest=tmp_path / "manifest.json")
    writer.write("articles/a.md", "a")
    writer.write("entities/person/x.md", "x")
    writer.commit()
    writer = OutputWriter(docs, manifest=tmp_path / "manifest.json")
    writer.write("articles/a.md", "a")
    assert writer.staged == []
    writer.commit()
    assert sorted(p.relative_to(docs).as_posix() for p in _shown(docs)) == ["articles", "articles/a.md"]


def test_a_folder_emptied_two_builds_ago_is_not_brought_back_by_the_spare(tmp_path):
    """The spare a build starts from is the generation shown two builds ago: a folder the last build emptied is
    still in it, and must go when the spare is brought up to date, or docs/ would show it again (empty)."""
    docs, manifest = tmp_path / "docs", tmp_path / "manifest.json"
    for pages in ({"articles/a.md": "a", "entities/person/x.md": "x"}, {"articles/a.md": "a"},
                  {"articles/a.md": "a2"}, {"articles/a.md": "a3"}):
        writer = OutputWriter(docs, manifest=manifest)
        for path, text in pages.items():
            writer.write(path, text)
        writer.commit()
        assert sorted(p.relative_to(docs).as_posix() for p in _shown(docs)) == ["articles", "articles/a.md"] or \
            "entities/person/x.md" in pages


def test_the_manifest_only_saves_work_never_trusts_a_changed_file(tmp_path):
    """A page rewritten behind the manifest's back (same size, say) is compared by content, not trusted."""
    docs, manifest = tmp_path / "docs", tmp_path / "manifest.json"
    writer = OutputWriter(docs, manifest=manifest)
    writer.write("index.md", "home v1", key="k1")
    writer.commit()
    (docs / "index.md").write_text("home v2", encoding="utf-8")  # same size, different bytes
    writer = OutputWriter(docs, manifest=manifest)
    assert not writer.keep_if_unchanged("index.md", "k1")
    writer.write("index.md", "home v1", key="k1")
    writer.commit()
    assert (docs / "index.md").read_text(encoding="utf-8") == "home v1"
    manifest.unlink()  # lost manifest: everything is compared by content, nothing equal is rewritten
    before = _stats(docs)
    writer = OutputWriter(docs, manifest=manifest)
    writer.write("index.md", "home v1", key="k1")
    assert writer.staged == []
    writer.commit()
    assert _stats(docs) == before
