"""A dump never takes the place of a generated page (issue 12 item 5).

``raw/index.txt``, ``sources.txt``, ``tags.html``, ``page-2.txt`` (and ``index.html``, a common name to save
a page under) used to become ``articles/index.md``, ``sources.md``, ``tags.md``, ``page-2.md``, replacing the
timeline, the sources and tags pages silently.  Such a dump now gets the hashed form of its name, and the
build report says so.
"""

from __future__ import annotations

import json
import re

import pytest

from build_tools.archive.slugs import assign_slugs, is_reserved
from tests.fixtures.hostile.corpus import article_text, run_build

COLLIDING = ["index.txt", "index.html", "sources.txt", "tags.html", "page-2.txt", "page-17.md", "raw.txt",
             "provenance.txt", "months.md", "feeds.txt"]


@pytest.mark.parametrize("name", COLLIDING)
def test_a_dump_named_like_a_generated_page_gets_another_slug_with_a_note(name):
    slugs = assign_slugs([name, "report.txt"])
    slug, note = slugs[name]
    wanted = name.rsplit(".", 1)[0]
    assert slug != wanted and slug.startswith(wanted + "-") and not is_reserved(slug)
    assert note is not None and f"slug '{wanted}' belongs to " in note and f"published as '{slug}'" in note
    assert slugs["report.txt"] == ("report", None)


@pytest.mark.parametrize("slug", ["index2", "pages", "page-2a", "page", "indexes", "tag", "raws"])
def test_names_near_the_generated_ones_keep_their_slug(slug):
    assert not is_reserved(slug)
    assert assign_slugs([f"{slug}.txt"])[f"{slug}.txt"] == (slug, None)


@pytest.mark.slow  # a build of 56 dumps in a subprocess
def test_the_nav_pages_stay_and_the_dumps_are_published_under_other_names(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    for n in range(50):  # enough articles for a second page of their month
        (raw / f"a{n:02d}.txt").write_text(article_text(f"filler-{n}"), encoding="utf-8")
    for name in COLLIDING:
        body = article_text(f"colliding-{name}", title=f"名为{name}的文章")
        if name.endswith(".html"):
            prose = body.split("\n", 2)[2].replace("\n\n", "</p><p>")
            body = f"<html><body><article><h1>名为{name}的文章</h1><p>{prose}</p></article></body></html>"
        (raw / name).write_text(body, encoding="utf-8")
    docs = tmp_path / "docs"
    result = run_build(raw, docs, "--report", str(tmp_path / "report.json"), "--no-cache")
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    statuses = {i["raw"]: (i["status"], i["slug"]) for i in report["inputs"]}
    articles = docs / "articles"
    assert (articles / "index.md").read_text(encoding="utf-8").startswith("# 全部文章\n")
    month = next((articles / "months").glob("*/*.md"))  # a month's older page, not a dump's
    assert re.match(r"---\ntitle: \d{4}年\d{1,2}月 · ", month.read_text(encoding="utf-8"))
    assert "名为" not in (articles / "sources.md").read_text(encoding="utf-8").split("\n", 1)[0]
    assert not (articles / "tags.md").exists()  # no dump has tags: no tags page, and no dump in its place
    for name in COLLIDING:
        status, slug = statuses[f"raw/{name}"]
        assert status == "ok" and slug != name.rsplit(".", 1)[0], (name, status, slug)
        assert f"名为{name}的文章" in (articles / f"{slug}.md").read_text(encoding="utf-8")
        assert any(w.startswith(f"raw/{name}: slug '") and f"published as '{slug}'" in w for w in report["warnings"])
