"""The editor's desk in Debian's chromium: a dump whose name and text are HTML shows them as text, runs
nothing (no dialog, no console error), and its raw copy opens as plain UTF-8 text.  The desk is served by
its WSGI middleware from a thread (the same app the preview's mkdocs serve runs; tests/test_serve.py covers
the preview itself)."""

from __future__ import annotations

import threading
import wsgiref.simple_server
from pathlib import Path

import pytest

from build_tools.model.records import BuildReport, InputResult, Status
from build_tools.serve.desk import Desk, dump_id
from build_tools.serve.desk_app import EditorDesk
from tests.search_harness import CHROMIUM, browser

pytestmark = pytest.mark.browser
NAME = "<img src=x onerror=alert(1)>"
TEXT = "<script>alert('dump')</script>\n正文 <b>粗</b>"


class _Quiet(wsgiref.simple_server.WSGIRequestHandler):
    def log_message(self, *args):  # noqa: ARG002
        pass


def _site(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
    return ["<!doctype html><title>页面</title><p>预览里的页面</p>".encode()]


def test_hostile_names_and_text_are_shown_not_run(tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / f"{NAME}.txt").write_text(TEXT, encoding="utf-8")
    (raw / "ok.txt").write_text("正文", encoding="utf-8")
    shown = f"{raw}/{NAME}.txt"
    report = BuildReport(inputs=[InputResult(shown, Status.REJECTED, None, f"clean: {TEXT}"),
                                 InputResult(f"{raw}/ok.txt", Status.OK, "ok")])
    Desk(tmp_path / "state", raw, 10_000).built(report)
    server = wsgiref.simple_server.make_server("127.0.0.1", 0, EditorDesk(tmp_path / "state", _site),
                                               handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    dialogs, errors = [], []
    try:
        with browser() as ctx:
            page = ctx.new_page()
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(f"{base}/_editor/", wait_until="load")
            cell = page.locator("#rejected td").first
            assert cell.locator("code").inner_text() == shown
            assert page.locator("#rejected img").count() == 0 and page.locator("script").count() == 0
            assert "clean: <script>alert('dump')</script>" in page.locator("#rejected").inner_text()

            page.locator("#rejected").get_by_text("并排查看").click()
            page.wait_for_load_state("load")
            assert page.locator("pre").inner_text() == TEXT
            assert page.locator("iframe").count() == 0  # rejected: no page to show beside it

            page.goto(f"{base}/_editor/side/{dump_id(f'{raw}/ok.txt')}/", wait_until="load")
            assert page.frame_locator("iframe").locator("p").inner_text() == "预览里的页面"
            assert page.locator("pre").inner_text() == "正文"

            answer = page.goto(f"{base}/_editor/raw/{dump_id(shown)}.txt")
            assert answer.headers["content-type"] == "text/plain; charset=utf-8"
            assert page.evaluate("document.contentType") == "text/plain"
            assert page.locator("body").inner_text().strip() == TEXT.strip()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
    assert dialogs == [] and errors == [], (dialogs, errors)
