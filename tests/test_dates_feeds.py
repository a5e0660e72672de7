"""Issue 14: added dates, honest feeds, the provenance view, undated ordering, navigation, small fixes.

Unit level: each piece on its own records (tests/factories.py); the seeds' whole output is in the golden
tree, the built site in tests/test_navigation_site.py.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import pytest

from build_tools.archive.feed import feeds
from build_tools.archive.index_pages import index_pages
from build_tools.archive.navigation import neighbours
from build_tools.model import Neighbour, Quote, Turn
from build_tools.model.errors import UsageError
from build_tools.pipeline import check_deployable
from build_tools.runtime.added import added_dates, git_added, parse_log
from build_tools.settings import Settings
from build_tools.stages.render.markdown import blocks_md
from build_tools.stages.render.page import raw_copy_html, render_article
from build_tools.stages.render.provenance import provenance_page
from build_tools.stages.shape import shape
from tests.conftest import free_port
from tests.factories import article, heading, paragraph, removed, summary

ATOM = "{http://www.w3.org/2005/Atom}"

# --- added dates -----------------------------------------------------------------------------------


def _git(repo: Path, *args: str, date: str | None = None) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e.test", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@e.test"}
    if date:
        env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


@pytest.fixture
def repo(tmp_path):
    repo = tmp_path / "repo"
    raw = repo / "raw"
    (raw / "子目录").mkdir(parents=True)
    _git(repo, "init", "-q")
    (raw / "a.txt").write_text("a", encoding="utf-8")
    _git(repo, "add", "raw/a.txt")
    _git(repo, "commit", "-qm", "a", date="2024-03-02T23:30:00+08:00")
    (raw / "子目录" / "b 文件.txt").write_text("b", encoding="utf-8")
    (raw / "a.txt").write_text("a, edited", encoding="utf-8")
    _git(repo, "add", "raw")
    _git(repo, "commit", "-qm", "b", date="2025-01-15T10:00:00+00:00")
    (raw / "new.txt").write_text("not committed yet", encoding="utf-8")
    return raw


def test_added_is_the_author_date_of_the_commit_that_first_added_the_path(repo):
    dates, why_not = git_added(repo)
    assert why_not is None
    # the author's own day (23:30 in +08:00 stays 2024-03-02), not the last commit touching it
    assert dates == {"a.txt": "2024-03-02", "子目录/b 文件.txt": "2025-01-15"}


def test_untracked_dump_gets_the_first_build_that_saw_it_and_keeps_it(repo, tmp_path):
    record = tmp_path / "cache" / "added.json"
    first, _ = added_dates(repo, ["a.txt", "new.txt"], record, today=lambda: "2026-01-01")
    again, _ = added_dates(repo, ["a.txt", "new.txt"], record, today=lambda: "2027-09-09")
    assert first == again == {"a.txt": "2024-03-02", "new.txt": "2026-01-01"}
    assert json.loads(record.read_text(encoding="utf-8"))["added"] == {"new.txt": "2026-01-01"}


def test_without_git_every_date_comes_from_the_record(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    record = tmp_path / "added.json"
    record.write_text(json.dumps({"version": 1, "added": {"x.txt": "2020-05-06", "bad": "1970-13-45"}}))
    dates, warnings = added_dates(raw, ["x.txt", "y.txt"], record, use_git=False, today=lambda: "2026-02-03")
    assert dates == {"x.txt": "2020-05-06", "y.txt": "2026-02-03"}
    assert warnings == []


def test_a_damaged_record_is_a_warning_not_a_crash(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    record = tmp_path / "added.json"
    record.write_text("{not json")
    dates, warnings = added_dates(raw, ["x.txt"], record, use_git=False, today=lambda: "2026-02-03")
    assert dates == {"x.txt": "2026-02-03"} and "unreadable" in warnings[0].message


def test_parse_log_takes_the_oldest_add_and_paths_with_odd_names():
    log = "\0@2025-02-02\0\nre-added.txt\0\0@2024-01-01\0\nre-added.txt\0@odd name.txt\0"
    assert parse_log(log) == {"re-added.txt": "2024-01-01", "@odd name.txt": "2024-01-01"}


# --- ordering and the index pages ------------------------------------------------------------------


def _archive():
    return [summary("dated-old", date="2024-06-01", source="甲"), summary("dated-new", date="2025-03-01", source="乙"),
            summary("undated", added="2025-01-10", source="甲"), summary("undated-later", added="2025-04-02")]


def test_undated_articles_are_listed_under_their_added_day_saying_so():
    pages = index_pages(_archive())
    timeline = pages["articles/index.md"]
    assert "日期未知" not in timeline
    order = re.findall(r"\]\(([\w-]+)\.md\)", timeline)
    assert order == ["undated-later", "dated-new", "undated", "dated-old"]
    assert "· 收录于 2025-01-10 ·" in timeline and "· 2025-03-01 ·" in timeline
    assert re.findall(r"^## \[(.+?)\]\(months/([\d-]+)\.md\)$", timeline, re.M)[:2] == [
        ("2025年4月", "2025-04"), ("2025年3月", "2025-03")]
    assert "articles/months/2025-01.md" in pages and "undated" in pages["articles/months/2025-01.md"]
    home = pages["index.md"]
    assert home.index("undated-later") < home.index("dated-new")


def test_no_tags_page_without_tags_and_one_with_them():
    assert "articles/tags.md" not in index_pages(_archive())
    pages = index_pages([*_archive(), summary("tagged", date="2025-01-01", tags=("芯片",))])
    assert "芯片" in pages["articles/tags.md"] and "articles/tags.md" in pages["index.md"]


def test_home_page_front_matter_carries_the_counts_the_footer_shows():
    home = index_pages(_archive(), entity_count=7)["index.md"]
    assert home.startswith("---\narchive_counts:\n  articles: 4\n  sources: 2\n  entities: 7\n---\n")


# --- feeds -------------------------------------------------------------------------------------------


def _feeds():
    items = [*_archive(), summary("nothing", title="无日期无收录")]
    items = [s if s.slug != "dated-new" else summary("dated-new", date="2025-03-01", source="乙",
                                                      entities=("nvidia",)) for s in items]
    bodies = {"undated": '<p>正文 <a href="../entities/nvidia.md">英伟达</a></p>', "dated-new": "<p>全文</p>"}
    return feeds(items, bodies, site_url="https://example.org/base/", title="T", entity_names={"nvidia": "英伟达"})


def test_feeds_never_invent_a_date():
    out = _feeds()
    for path, xml in out.items():
        assert "1970" not in xml, path
        stamps = re.findall(r"<(?:published|updated)>([^<]+)</", xml)
        assert set(stamps) <= {"2024-06-01T00:00:00Z", "2025-03-01T00:00:00Z", "2025-01-10T00:00:00Z",
                               "2025-04-02T00:00:00Z"}, path
    main = feedparser.parse(out["feed.xml"])
    assert [e.link for e in main.entries][0] == "https://example.org/base/articles/undated-later/"
    assert "无日期无收录" not in out["feed.xml"]  # neither date nor added: left out, not stamped


def test_feed_entries_carry_the_full_text_with_absolute_links():
    main = feedparser.parse(_feeds()["feed.xml"])
    undated = next(e for e in main.entries if e.link.endswith("/undated/"))
    html = undated.content[0].value
    assert "收录于 2025-01-10" in html and "正文" in html
    assert 'href="https://example.org/base/entities/nvidia/"' in html


def test_feeds_per_source_and_per_entity():
    out = _feeds()
    source_feeds = [p for p in out if p.startswith("articles/feeds/")]
    assert len(source_feeds) == 2 and all(p.isascii() for p in source_feeds)
    entity = ET.fromstring(out["entities/nvidia.xml"])
    assert [e.find(f"{ATOM}id").text for e in entity.iter(f"{ATOM}entry")] == [
        "https://example.org/base/articles/dated-new/"]
    assert entity.find(f"{ATOM}link[@rel='self']").get("href") == "https://example.org/base/entities/nvidia.xml"


@pytest.mark.parametrize("url", ["", "http://127.0.0.1:8000/", "example.org"])
def test_a_build_for_deployment_needs_the_public_address(url):
    with pytest.raises(UsageError, match="SITE_URL"):
        check_deployable(Settings(deploy=True, site_url=url))
    check_deployable(Settings(deploy=False, site_url=url))
    check_deployable(Settings(deploy=True, site_url="https://example.org/"))


# --- the provenance view and raw copies ------------------------------------------------------------


HOSTILE = '<script>alert(1)</script> **粗** [x](javascript:alert(1)) {{ config }}'


def _cleaned():
    return article(paragraph("正文一段。"), meta_fields={"title": "标题"},
                   removed=(removed(HOSTILE, rule="spam"), removed("推荐阅读\n第二行", rule="tail:after-end"),
                            removed("其他", rule="a-new-rule")))


def test_provenance_view_names_the_dump_its_digest_and_why_each_block_went():
    page = provenance_page(_cleaned(), raw_shown="raw/x.txt")
    assert "provenance_of:" in page and _cleaned().sha256 in page and "raw/x.txt" in page
    assert "3 块，在原始存档中共 4 行，涉及 3 条规则" in page
    assert "垃圾内容" in page and "文章结束标记" in page and "规则 a-new-rule" in page
    assert '??? note "' in page  # collapsed


def test_provenance_view_escapes_what_was_removed():
    import markdown

    html = markdown.markdown(provenance_page(_cleaned()).split("---\n", 2)[2],
                             extensions=["attr_list", "pymdownx.details"])
    assert "<script" not in html and "javascript:" not in html.replace("javascript:alert(1)) {", "")
    assert "&lt;script&gt;" in html


def test_raw_copy_is_utf8_noindex_and_inert():
    page = raw_copy_html(article(text=HOSTILE + "\n中文"))
    assert '<meta charset="utf-8">' in page and 'content="noindex' in page
    assert "<script>alert" not in page and "&lt;script&gt;" in page and "中文" in page


def test_article_page_links_neighbours_and_related_with_dates_and_sources():
    links = (Neighbour("related", "r", "相关", None, "2025-01-02", "乙"),
             )
    nav = (Neighbour("month", "2025-01", "2025年1月"), Neighbour("newer", "n", "较新的", "2025-02-01", None, "甲"),
           Neighbour("source-older", "o", "同源较早", None, "2024-12-30", None))
    text = render_article(article(paragraph("正文。"), meta_fields={"title": "标题"}, related=links, neighbours=nav))
    assert "- [相关](r.md) · 收录于 2025-01-02 · 乙" in text
    assert "## 继续阅读" in text and "- 较新：[较新的](n.md) · 2025-02-01 · 甲" in text
    assert "- 同一来源 · 较早：[同源较早](o.md) · 收录于 2024-12-30" in text
    assert "month: 2025-01\nmonth_label: 2025年1月\n" in text


def test_neighbours_by_date_and_within_the_source():
    around = neighbours(_archive())
    roles = {n.role: n.slug for n in around["undated"]}
    assert roles == {"month": "2025-01", "newer": "dated-new", "older": "dated-old", "source-older": "dated-old"}
    assert {n.role for n in around["undated-later"]} == {"month", "older"}


# --- smaller fixes ---------------------------------------------------------------------------------


def test_a_barred_quotation_is_a_pull_quote_not_a_heading():
    blocks = shape([paragraph("前文。"), heading("▎“英伟达几乎就是地缘政治风险的典型例子。”", level=5),
                    heading("▎第一部分"), paragraph("后文很长的一段。")])
    assert isinstance(blocks[1], Quote) and "▎" not in blocks_md(blocks)
    assert blocks_md((blocks[2],)).startswith("## 第一部分")


def test_every_paragraph_of_a_long_question_is_bold():
    qa = []
    for n in range(3):
        qa += [paragraph(f"记者：第{n}个问题的开头。"), paragraph(f"问题{n}的第二段。"),
               paragraph(f"黄仁勋：回答{n}。")]
    blocks = shape(qa)
    assert isinstance(blocks[1], Turn) and blocks[1].is_question
    text = blocks_md(blocks)
    assert "**问题0的第二段。**" in text and "**黄仁勋：** 回答0。" in text


def test_addresses_under_reference_links_become_links():
    blocks = shape([paragraph("正文。"), paragraph("参考链接："), paragraph("[1] https://example.org/a?b=1，说明"),
                    heading("另一节"), paragraph("https://example.org/not-a-reference")])
    text = blocks_md(blocks)
    assert "[https://example.org/a?b=1](https://example.org/a?b=1" in text
    assert "](https://example.org/not-a-reference" not in text


def test_the_preview_server_logs_no_line_per_request(capsys, tmp_path):
    """The preview's own server (no more mkdocs serve) answers the live-reload polls silently."""
    import urllib.request

    from build_tools.serve.static import VERSION_PATH, Gate, SiteServer

    port = free_port()
    server = SiteServer(tmp_path, "127.0.0.1", port, Gate())
    server.start()
    try:
        for _ in range(3):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{VERSION_PATH}", timeout=10) as answer:
                assert answer.read() == b"0"
    finally:
        server.stop()
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


# --- through the build ----------------------------------------------------------------------------


def _small_build(tmp_path, **settings):
    from build_tools.pipeline import build
    from tests.conftest import ROOT
    from tests.fixtures.hostile.corpus import article_text

    raw = tmp_path / "raw"
    raw.mkdir(exist_ok=True)
    (raw / "one.txt").write_text(article_text("one") + "\n相关推荐\n<script>alert(1)</script>\n", encoding="utf-8")
    (raw / "two.txt").write_text(article_text("two"), encoding="utf-8")
    docs = tmp_path / "docs"
    base = dict(raw_dir=raw, docs_dir=docs, cache_dir=tmp_path / "cache", jobs=1, entities_path=ROOT / "entities.yml",
                overrides_path=tmp_path / "none.yml", added_record=tmp_path / "added.json", added_from_git=False)
    report = build(Settings(**{**base, **settings}))
    assert [i.status for i in report.inputs] == ["ok", "ok"], report.inputs
    return docs


@pytest.mark.slow  # whole builds
def test_by_default_no_raw_dump_is_published_only_its_provenance_view(tmp_path):
    docs = _small_build(tmp_path)
    assert not (docs / "articles" / "raw").exists()
    assert sorted(p.name for p in (docs / "articles" / "provenance").iterdir()) == ["one.md", "two.md"]
    page = (docs / "articles" / "one.md").read_text(encoding="utf-8")
    assert "raw_published" not in page and re.search(r"^added: '\d{4}-\d{2}-\d{2}'$", page, re.M)


@pytest.mark.slow  # whole builds
def test_publish_raw_writes_each_dump_as_an_inert_page(tmp_path):
    docs = _small_build(tmp_path, publish_raw=True)
    copy = (docs / "articles" / "raw" / "one.html").read_text(encoding="utf-8")
    assert 'content="noindex' in copy and "&lt;script&gt;alert(1)&lt;/script&gt;" in copy
    assert "raw_published: true" in (docs / "articles" / "one.md").read_text(encoding="utf-8")
    assert "../raw/one.html" in (docs / "articles" / "provenance" / "one.md").read_text(encoding="utf-8")


@pytest.mark.slow  # whole builds
def test_a_rebuild_keeps_the_added_day_of_a_dump_outside_git(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")  # 2025-01-01: the first build's "today"
    first = (_small_build(tmp_path) / "articles" / "one.md").read_text(encoding="utf-8")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01
    again = (_small_build(tmp_path) / "articles" / "one.md").read_text(encoding="utf-8")
    assert "added: '2025-01-01'" in first and first == again


def test_the_cli_refuses_a_deploy_build_without_an_address_in_one_line(tmp_path, monkeypatch, capsys):
    from build_tools.cli import main

    monkeypatch.delenv("SITE_URL", raising=False)
    (tmp_path / "raw").mkdir()
    code = main(["build", "--raw", str(tmp_path / "raw"), "--docs", str(tmp_path / "docs"), "--deploy", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and err.startswith("error: ") and "SITE_URL" in err
    assert not (tmp_path / "docs").exists()  # stopped before writing anything


def test_the_deploy_workflow_builds_for_deployment_with_full_history():
    import yaml

    from tests.conftest import ROOT

    jobs = yaml.safe_load((ROOT / ".github" / "workflows" / "deploy.yml").read_text(encoding="utf-8"))["jobs"]
    steps = jobs["build"]["steps"]
    checkout = next(s for s in steps if str(s.get("uses", "")).startswith("actions/checkout"))
    assert checkout.get("with", {}).get("fetch-depth") == 0  # added dates come from git history
    assert any("make site" in s.get("run", "") and "--deploy" in s.get("run", "") for s in steps)


def test_a_file_name_that_is_not_utf8_is_recorded_and_read_back(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    name = b"gbk-\xd6\xd0\xce\xc4.txt".decode("utf-8", "surrogateescape")
    record = tmp_path / "added.json"
    first, _ = added_dates(raw, [name], record, use_git=False, today=lambda: "2026-03-04")
    again, warnings = added_dates(raw, [name], record, use_git=False, today=lambda: "2027-01-01")
    assert first == again == {name: "2026-03-04"} and warnings == []


def test_search_text_leaves_out_the_neighbours_titles():
    from build_tools.search.extract import extract_page

    page = ('<html><body><article class="md-content__inner"><div class="archive-article"><h1>本文</h1>'
            "<p>正文一段。</p><h2>继续阅读</h2><ul><li>较新：<a>别的文章标题</a></li></ul></div></article>"
            "</body></html>")
    found = extract_page(page, "articles/x/index.html", None)
    assert "正文一段" in found.text and "别的文章标题" not in found.text
