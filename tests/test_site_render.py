"""`make site` after an edit renders only what changed, and ends exactly where a full render would.

The incremental path (``python -m build_tools.site``: MkDocs' dirty mode told the writer's changed
pages, then the search index) is run after adding, editing and deleting a dump; each time its site/
tree, search bundle included, must equal byte for byte a full ``mkdocs build --strict`` plus a search
index built from nothing, of the same docs/.  And it must really be incremental: after one edited
dump only the pages the build rewrote are rendered again, and nothing at all when nothing changed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.fixtures.hostile.corpus import article_text, run_build, tree_bytes

pytestmark = pytest.mark.slow  # several builds and mkdocs renders

ENV = {**os.environ, "PYTHONPATH": str(ROOT), "NO_MKDOCS_2_WARNING": "1", "SOURCE_DATE_EPOCH": "1700000000",
       "SITE_URL": "https://example.test/archive/"}


def _config(work: Path, site: Path, name: str) -> Path:
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    text = re.sub(r"^docs_dir:.*$", f"docs_dir: {work / 'docs'}", text, flags=re.M)
    text = re.sub(r"^site_dir:.*$", f"site_dir: {site}", text, flags=re.M)
    text = re.sub(r"^(\s*)custom_dir:.*$", rf"\1custom_dir: {ROOT / 'theme'}", text, flags=re.M)
    path = work / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture()
def work(tmp_path: Path) -> Path:
    return make_work(tmp_path)


def make_work(tmp_path: Path) -> Path:
    """The seed dumps and six plain ones, the entity registry, the hand-written docs/ files."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for seed in sorted((ROOT / "raw").iterdir()):
        shutil.copy(seed, raw / seed.name)
    for i in range(6):
        (raw / f"plain-{i}.txt").write_text(article_text(f"site{i}"), encoding="utf-8")
    shutil.copy(ROOT / "entities.yml", tmp_path / "entities.yml")
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("about.md", "assets"):
        source = ROOT / "docs" / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, docs / name)
    return tmp_path


def _build(work: Path) -> None:
    done = run_build(work / "raw", work / "docs", "--entities", str(work / "entities.yml"), cwd=work, env=ENV)
    assert done.returncode == 0, done.stderr


def _site(work: Path) -> str:
    """The incremental path of `make site` after the build step; its output."""
    config = _config(work, work / "site", "mkdocs.yml")
    done = subprocess.run([sys.executable, "-m", "build_tools.site", "--config", str(config), "--docs",
                           str(work / "docs")], cwd=work, env=ENV, capture_output=True, text=True, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _full_site(work: Path) -> dict[str, bytes]:
    """What `mkdocs build --strict` and a search index from nothing make of the same docs/."""
    site = work / "site-full"
    config = _config(work, site, "mkdocs-full.yml")
    for command in ([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config)],
                    [sys.executable, "-m", "build_tools.search", "index", "--site", str(site), "--docs",
                     str(work / "docs"), "--no-cache"]):
        done = subprocess.run(command, cwd=work, env=ENV, capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stderr
    return tree_bytes(site)


def _assert_same_as_full(work: Path) -> None:
    incremental, full = tree_bytes(work / "site"), _full_site(work)
    assert sorted(incremental) == sorted(full)
    differ = [rel for rel in full if incremental[rel] != full[rel]]
    assert not differ, differ[:10]


def _rendered(output: str) -> int:
    if output.startswith("site: nothing changed since the last run"):  # the step's own no-op check (nochange.py)
        return 0
    found = re.search(r"^site: (\d+) changed and (\d+) removed", output, flags=re.M)
    assert found, output  # an incremental render, not a full one
    return int(found.group(1))


def test_add_edit_delete_render_incrementally_and_equal_a_full_build(work: Path):
    _build(work)
    assert "full render" in _site(work)
    raw = work / "raw"

    (raw / "added.txt").write_text(article_text("site-added"), encoding="utf-8")
    _build(work)
    out = _site(work)
    assert 0 < _rendered(out) < 20, out
    assert (work / "site" / "articles" / "added" / "index.html").is_file()
    _assert_same_as_full(work)

    (raw / "plain-2.txt").write_text(article_text("site2", title="第2号报道：改过的标题"), encoding="utf-8")
    _build(work)
    _rendered(_site(work))
    assert "改过的标题" in (work / "site" / "articles" / "plain-2" / "index.html").read_text(encoding="utf-8")
    _assert_same_as_full(work)

    (raw / "plain-4.txt").unlink()
    _build(work)
    _rendered(_site(work))
    assert not (work / "site" / "articles" / "plain-4").exists()
    _assert_same_as_full(work)


def _page_times(site: Path) -> dict[Path, int]:
    """When each page was written (404.html is a theme template MkDocs writes on every render)."""
    return {p: p.stat().st_mtime_ns for p in site.rglob("*.html") if p.name != "404.html"}


def test_nothing_changed_renders_nothing_and_the_theme_forces_a_full_render(work: Path):
    _build(work)
    _site(work)
    before = _page_times(work / "site")
    _build(work)
    assert _rendered(_site(work)) == 0
    assert _page_times(work / "site") == before
    about = work / "docs" / "about.md"
    about.write_text(about.read_text(encoding="utf-8") + "\n补一句。\n", encoding="utf-8")
    assert "full render" in _site(work)
    _assert_same_as_full(work)
