"""The editor's desk (/_editor/ in the live preview): what it lists from a build report, that every value
from a dump arrives as escaped text, and how the preview's server answers its paths.  The desk against a
running `serve` is in tests/test_serve.py."""

from __future__ import annotations

import html
import wsgiref.util
from pathlib import Path

import pytest

from build_tools.model import Slug, Summary
from build_tools.model.paths import PathDisplay
from build_tools.model.records import BuildReport, BuildWarning, CorrectionReview, InputResult, Status
from build_tools.serve.desk import Desk, desk_state, dump_id, load_state
from build_tools.serve.desk_app import EditorDesk
from build_tools.serve.desk_page import render_desk, render_side
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent
EVIL = '<img src=x onerror=alert(1)>'
SCRIPT = '<script>alert("x")</script>'


def _summary(slug: str, title: str, **kw) -> Summary:
    return Summary(slug=Slug(slug), title=title, raw_path=f"{slug}.txt", sha256="0" * 64, lang="zh-Hans", **kw)


@pytest.fixture
def report(tmp_path) -> tuple[BuildReport, Path]:
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in ("ok.txt", "bare.txt", f"{EVIL}.txt", "copy.txt"):
        (raw / name).write_text("正文", encoding="utf-8")
    shown = PathDisplay(str(raw))
    report = BuildReport(
        inputs=[InputResult(shown("ok.txt"), Status.OK, "ok"),
                InputResult(shown("bare.txt"), Status.OK, "bare"),
                InputResult(shown(f"{EVIL}.txt"), Status.REJECTED, None, f"clean: not an article: {SCRIPT}"),
                InputResult(shown("copy.txt"), Status.DUPLICATE, "ok", f"byte-identical to {shown('ok.txt')}"),
                InputResult(shown("gone.txt"), Status.REJECTED, None, "ingest: cannot read")],
        warnings=[BuildWarning(shown("ok.txt"), "decode", f"repaired {SCRIPT}"),
                  BuildWarning("overrides.yml:4", "correction", "entry 'x.txt': field title: gone")],
        summaries=[_summary("ok", f"标题 {SCRIPT}", date="2025-02-21", source="澎湃新闻"),
                   _summary("bare", "第一句话", title_inferred=True)],
        corrections=[CorrectionReview("ok.txt", "overrides.yml:1", ("title",), (shown("ok.txt"),)),
                     CorrectionReview(f"{EVIL}.txt", "overrides.yml:3", ("date",), (),
                                      (BuildWarning("overrides.yml:3", "correction",
                                                    f"entry {EVIL!r}: not published"),), applied=False)],
    )
    return report, raw


def _rows(page: str, section: str) -> str:
    start = page.index(f'<section id="{section}">')
    return page[start:page.index("</section>", start)]


def test_the_desk_lists_each_kind_of_problem(report):
    report, raw = report
    page = render_desk(desk_state(report, raw))
    rejected = _rows(page, "rejected")
    assert html.escape(f"{EVIL}.txt") in rejected and "clean: not an article" in rejected
    assert "ingest: cannot read" in rejected
    duplicates = _rows(page, "duplicates")
    assert "copy.txt" in duplicates and 'href="/articles/ok/"' in duplicates and "byte-identical to" in duplicates
    warnings = _rows(page, "warnings")
    assert "<code>decode</code>" in warnings and "<code>correction</code>" in warnings
    attention = _rows(page, "attention")
    assert all(text in attention for text in ("第一句话", "没有日期", "没有来源", "标题是从正文推断的"))
    assert "/articles/ok/" not in attention  # dated, with a source, its own title: nothing to do
    corrections = _rows(page, "corrections")
    assert "state-active" in corrections and "state-stale" in corrections and "not published" in corrections
    articles = _rows(page, "articles")
    assert articles.count("<tr><td>") == 2 and "2025-02-21" in articles and "澎湃新闻" in articles


def test_every_value_from_a_dump_is_escaped(report):
    report, raw = report
    page = render_desk(desk_state(report, raw))
    for hostile in (EVIL, SCRIPT, "<script"):
        assert hostile not in page
    assert "<script" not in page.lower() and "<img" not in page
    assert "标题 &lt;script&gt;alert(" in page and "&lt;img src=x onerror=alert(1)&gt;.txt" in page
    side = render_side({"shown": f"{EVIL}.txt", "page": None, "file": "x"}, "0" * 16, f"{SCRIPT}\n{EVIL}")
    assert SCRIPT not in side and EVIL not in side and "&lt;script&gt;" in side


def test_a_dump_is_linked_by_an_opaque_id_and_only_when_its_file_is_inside_raw(report):
    report, raw = report
    state = desk_state(report, raw)
    evil = dump_id(PathDisplay(str(raw))(f"{EVIL}.txt"))
    assert state["dumps"][evil]["file"] == str((raw / f"{EVIL}.txt").resolve())
    assert state["dumps"][dump_id(PathDisplay(str(raw))("gone.txt"))]["file"] is None  # no file: no raw link
    page = render_desk(state)
    assert f'href="/_editor/side/{evil}/"' in page and f'href="/_editor/raw/{evil}.txt"' in page
    outside = BuildReport(inputs=[InputResult(f"{raw}/../outside.txt", Status.REJECTED, None, "x")])
    (raw.parent / "outside.txt").write_text("secret", encoding="utf-8")
    assert all(d["file"] is None for d in desk_state(outside, raw)["dumps"].values())


def test_one_kind_at_a_time(report):
    report, raw = report
    state = desk_state(report, raw)
    only = render_desk(state, "duplicates")
    assert only.count("<section") == 1 and 'id="duplicates"' in only
    assert render_desk(state, "<nonsense>").count("<section") == 6


def test_a_large_archive_lists_its_articles_on_their_own_page():
    from build_tools.serve.desk_page import LIST_ALL_UP_TO

    many = BuildReport(inputs=[InputResult(f"raw/{i}.txt", Status.OK, f"a{i}") for i in range(LIST_ALL_UP_TO + 1)],
                       summaries=[_summary(f"a{i}", f"文章{i}", date="2025-01-01", source="来源")
                                  for i in range(LIST_ALL_UP_TO + 1)])
    state = desk_state(many, Path("raw"))
    assert 'id="articles"' not in render_desk(state) and f"全部文章 ({LIST_ALL_UP_TO + 1})" in render_desk(state)
    assert _rows(render_desk(state, "articles"), "articles").count("<tr><td>") == LIST_ALL_UP_TO + 1


def test_a_failed_build_is_shown_on_top_of_the_last_good_report(report, tmp_path):
    report, raw = report
    desk = Desk(tmp_path / "state", raw, 1000)
    desk.built(report)
    desk.failed([f"overrides.yml:2: entry 'a.txt': field titel: unknown field {SCRIPT}"])
    page = render_desk(load_state(tmp_path / "state"))
    assert "最近一次构建失败" in page and "field titel: unknown field" in page and SCRIPT not in page
    assert "copy.txt" in _rows(page, "duplicates")  # the last good report stays
    desk.built(report)
    assert "最近一次构建失败" not in render_desk(load_state(tmp_path / "state"))


def _get(app, path: str, query: str = "") -> tuple[str, dict, bytes]:
    environ = {"PATH_INFO": path.encode("utf-8").decode("latin-1"), "QUERY_STRING": query, "REQUEST_METHOD": "GET"}
    wsgiref.util.setup_testing_defaults(environ)
    seen = {}

    def start_response(status, headers):
        seen["status"], seen["headers"] = status, dict(headers)

    body = b"".join(app(environ, start_response))
    return seen["status"], seen["headers"], body


def test_the_preview_serves_the_desk_and_raw_dumps_as_utf8_text(report, tmp_path):
    report, raw = report
    (raw / "bare.txt").write_bytes("简体中文的原始存档 <b>粗</b>".encode("gb18030"))
    Desk(tmp_path / "state", raw, 10_000).built(report)
    passed = []

    def site(environ, start_response):
        passed.append(environ["PATH_INFO"])
        start_response("200 OK", [("Content-Type", "text/html")])
        return [b"site"]

    app = EditorDesk(tmp_path / "state", site)

    status, headers, body = _get(app, "/_editor/")
    assert status == "200 OK" and headers["Content-Type"] == "text/html; charset=utf-8"
    assert "script-src 'none'" in headers["Content-Security-Policy"] and headers["X-Content-Type-Options"] == "nosniff"
    assert "被拒绝的存档" in body.decode("utf-8")

    bare = dump_id(PathDisplay(str(raw))("bare.txt"))
    status, headers, body = _get(app, f"/_editor/raw/{bare}.txt")
    assert headers["Content-Type"] == "text/plain; charset=utf-8"
    assert body.decode("utf-8") == "简体中文的原始存档 <b>粗</b>"  # decoded from GB18030, served as UTF-8
    status, _, body = _get(app, f"/_editor/side/{bare}/")
    text = body.decode("utf-8")
    assert status == "200 OK" and "简体中文的原始存档 &lt;b&gt;粗&lt;/b&gt;" in text
    assert '<iframe src="/articles/bare/"' in text

    for bad in ("/_editor/raw/../../etc/passwd", "/_editor/raw/0000000000000000.txt", "/_editor/side/ok.txt/",
                f"/_editor/raw/{bare}.txt/x"):
        assert _get(app, bad)[0] == "404 Not Found", bad
    assert _get(app, "/_editor")[0] == "302 Found"

    # A link inside raw/ that leads out of it is listed, but its target is never read.
    (tmp_path / "secret.txt").write_text("不该看到的内容", encoding="utf-8")
    (raw / "link.txt").symlink_to(tmp_path / "secret.txt")
    linked = BuildReport(inputs=[InputResult(PathDisplay(str(raw))("link.txt"), Status.REJECTED, None, "x")])
    Desk(tmp_path / "state", raw, 10_000).built(linked)
    body = _get(app, f"/_editor/raw/{dump_id(PathDisplay(str(raw))('link.txt'))}.txt")[2].decode("utf-8")
    assert "不该看到" not in body and "不在原始存档目录里" in body
    assert _get(app, "/articles/ok/")[2] == b"site" and passed == ["/articles/ok/"]


def test_the_previews_server_answers_the_desk_and_serves_the_site_around_it(report, tmp_path):
    """The desk is mounted by the preview's own web server only: mkdocs.yml (make site) never names it."""
    import urllib.request

    from build_tools.serve.static import Gate, SiteServer

    built, raw = report
    Desk(tmp_path / "state", raw, 10_000).built(built)
    site = tmp_path / "site"
    (site / "articles" / "ok").mkdir(parents=True)
    (site / "articles" / "ok" / "index.html").write_text("<html><body>page</body></html>", encoding="utf-8")
    port = free_port()
    server = SiteServer(site, "127.0.0.1", port, Gate(), desk=EditorDesk(tmp_path / "state"))
    server.start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_editor/?kind=rejected", timeout=10) as answer:
            desk = answer.read().decode("utf-8")
            assert "script-src 'none'" in answer.headers["Content-Security-Policy"]
        assert "被拒绝" in desk and "<script" not in desk
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/articles/ok/", timeout=10) as answer:
            assert b"page" in answer.read()
    finally:
        server.stop()
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert "_editor" not in config and "desk" not in config


def test_path_display_leads_back_to_the_path_inside_raw():
    for prefix in ("raw", "/abs/raw", "."):
        shown = PathDisplay(prefix)
        assert shown.inside(shown("sub/a.txt")) == "sub/a.txt"
    assert PathDisplay("raw").inside("other/a.txt") is None


def test_the_state_survives_a_round_trip_through_its_file(report, tmp_path):
    report, raw = report
    desk = Desk(tmp_path / "state", raw, 0)
    assert load_state(tmp_path / "state") is None
    desk.built(report)
    assert load_state(tmp_path / "state") == desk_state(report, raw)


def test_a_desk_that_cannot_be_saved_is_one_line_not_a_crash(report, tmp_path, capsys):
    report, raw = report
    blocked = tmp_path / "file"
    blocked.write_text("", encoding="utf-8")
    Desk(blocked / "state", raw, 0).built(report)  # its folder cannot be made: a file is in the way
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "the editor's desk is not updated: cannot write" in err
