"""`make site`'s site step learns what the build changed in docs/ from the build's own spare record, not by a stat
of every file (site/snapshot.py: ``changed_since``, ``docs_now``): only when that record describes exactly the
change since the last render; any doubt walks docs/.  Whatever the path, the site equals one made from nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from build_tools.runtime import generations
from build_tools.site.snapshot import changed_since, docs_now, pointer, snapshot_docs
from tests.fixtures.hostile.corpus import article_text
from tests.test_site_render import ENV, _assert_same_as_full, _config, make_work

# ---------------------------------------------------------------------------------------------------------------
# changed_since, table-driven over real generations (runtime/generations.py makes and publishes them)


def _docs(tmp_path: Path) -> tuple[Path, Path]:
    """docs/ showing a first generation with two articles and a hand-written page; (docs, that generation)."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "about.md").write_text("# about\n", encoding="utf-8")
    first = generations.new_generation(docs)
    (first / "articles").mkdir()
    for name in ("a.md", "b.md"):
        (first / "articles" / name).write_text(name, encoding="utf-8")
    generations.publish(docs, first)
    return docs, first


def _publish_change(docs: Path, shown: Path, changed: dict[str, str | None]) -> Path:
    """A build: a new generation with ``changed`` (None: removed), published; the old one kept as the spare."""
    new = generations.new_generation(docs)
    generations.copy_links(shown, new)
    for rel, text in changed.items():
        (new / rel).unlink(missing_ok=True)
        if text is not None:
            (new / rel).write_text(text, encoding="utf-8")
    generations.publish(docs, new)
    generations.keep_spare(docs, shown, list(changed))
    return new


def _record(docs: Path) -> dict:
    return {"docs": snapshot_docs(docs), "pointer": pointer(docs)}


def test_a_build_since_the_render_is_read_off_its_spare_record(tmp_path):
    docs, first = _docs(tmp_path)
    record = _record(docs)
    began = (str(docs.resolve()), pointer(docs))
    _publish_change(docs, first, {"articles/b.md": "b, edited", "articles/c.md": "c", "articles/a.md": None})
    shown = pointer(docs)
    assert sorted(changed_since(record, began, docs, shown)) == ["articles/a.md", "articles/b.md", "articles/c.md"]
    snapshot, how = docs_now(docs, (None, None), (record, began, shown))
    assert how == "build record" and snapshot == snapshot_docs(docs)


def test_no_publish_since_the_render_changes_no_generated_file(tmp_path):
    docs, _first = _docs(tmp_path)
    record = _record(docs)
    began = (str(docs.resolve()), pointer(docs))
    (docs / "about.md").write_text("# about, edited by hand\n", encoding="utf-8")
    assert changed_since(record, began, docs, pointer(docs)) == []
    snapshot, how = docs_now(docs, (None, None), (record, began, pointer(docs)))
    assert how == "build record" and snapshot == snapshot_docs(docs)  # the hand-written page is walked


@pytest.mark.parametrize("case", ["no build began", "another docs folder", "a build before the record's",
                                  "two builds since", "no spare record", "no record"])
def test_any_doubt_walks_docs(tmp_path, case):
    docs, first = _docs(tmp_path)
    record = _record(docs)
    began = (str(docs.resolve()), pointer(docs))
    if case == "no build began":
        began = None
    elif case == "another docs folder":
        began = (str(tmp_path / "elsewhere"), began[1])
    elif case == "no record":
        record = None
    if case == "a build before the record's":  # a lone `make build` ran since the render: the record is older
        second = _publish_change(docs, first, {"articles/c.md": "c"})
        began = (str(docs.resolve()), pointer(docs))
        _publish_change(docs, second, {"articles/d.md": "d"})
    elif case == "two builds since":
        second = _publish_change(docs, first, {"articles/c.md": "c"})
        _publish_change(docs, second, {"articles/d.md": "d"})
    else:
        _publish_change(docs, first, {"articles/c.md": "c"})
    if case == "no spare record":
        (docs / generations.HOME / generations.SPARE).unlink()
    shown = pointer(docs)
    assert changed_since(record, began, docs, shown) is None
    snapshot, how = docs_now(docs, (None, None), (record, began, shown))
    assert how == "walk" and snapshot == snapshot_docs(docs)


# ---------------------------------------------------------------------------------------------------------------
# `make site` as one command, end to end


def _make_site(work: Path) -> dict:
    config = _config(work, work / "site", "mkdocs.yml")
    done = subprocess.run([sys.executable, "-m", "build_tools", "site", "--raw", "raw", "--docs", "docs",
                           "--entities", "entities.yml", "--quiet", "--", "--config", str(config), "--docs", "docs",
                           "--json"], cwd=work, env=ENV, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _build_alone(work: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "build_tools", "build", "--raw", "raw", "--docs", "docs",
                           "--entities", "entities.yml", "--quiet"], cwd=work, env=ENV, capture_output=True,
                          text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr


@pytest.mark.slow
def test_make_site_reads_the_builds_record_and_equals_a_site_from_nothing(tmp_path):
    work = make_work(tmp_path)
    raw = work / "raw"
    assert _make_site(work)["docs_by"] == "walk"  # the first render: no record

    (raw / "added.txt").write_text(article_text("since-added"), encoding="utf-8")
    assert _make_site(work)["docs_by"] == "build record"
    assert (work / "site" / "articles" / "added" / "index.html").is_file()
    _assert_same_as_full(work)

    (raw / "plain-2.txt").write_text(article_text("site2", title="第2号报道：改过的标题"), encoding="utf-8")
    (raw / "plain-4.txt").unlink()
    assert _make_site(work)["docs_by"] == "build record"
    assert "改过的标题" in (work / "site" / "articles" / "plain-2" / "index.html").read_text(encoding="utf-8")
    assert not (work / "site" / "articles" / "plain-4").exists()
    _assert_same_as_full(work)

    # a build alone between two `make site`: its changes are in no record the site step reads, so it walks
    (raw / "between.txt").write_text(article_text("since-between"), encoding="utf-8")
    _build_alone(work)
    (raw / "after.txt").write_text(article_text("since-after"), encoding="utf-8")
    assert _make_site(work)["docs_by"] == "walk"
    for slug in ("between", "after"):
        assert (work / "site" / "articles" / slug / "index.html").is_file()
    _assert_same_as_full(work)
