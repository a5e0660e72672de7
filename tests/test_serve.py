"""`python -m build_tools serve`: a dump dropped into raw/ (or an edited overrides.yml) shows up
in the running preview without a restart."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from build_tools.archive.slugs import slugify
from build_tools.serve import ServeError, check_port_free, parse_addr
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "raw").iterdir())
STARTUP_LIMIT = 90.0  # first build + mkdocs' first site build (jieba for search loads once)
CHANGE_LIMIT = 30.0  # a change must be served within this many seconds


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, ""
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0, ""


def wait_for(url: str, limit: float, server: subprocess.Popen, log: Path, contains: str = "") -> float:
    """Seconds until ``url`` answers 200 (with ``contains`` in the body); fails after ``limit``."""
    start = time.monotonic()
    while time.monotonic() - start < limit:
        if server.poll() is not None:
            pytest.fail(f"serve exited with {server.returncode}:\n{log.read_text()}")
        status, body = fetch(url)
        if status == 200 and contains in body:
            return time.monotonic() - start
        time.sleep(0.2)
    pytest.fail(f"{url} not served{' with ' + contains if contains else ''} within {limit} s:\n{log.read_text()}")


@pytest.mark.slow  # runs mkdocs serve
def test_a_new_dump_and_an_override_show_up_without_a_restart(tmp_path):
    raw, docs = tmp_path / "raw", tmp_path / "docs"
    raw.mkdir()
    for seed in SEEDS[:2]:
        shutil.copy(seed, raw / seed.name)
    new = SEEDS[3]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "build_tools", "serve", "--raw", str(raw), "--docs", str(docs),
             "--overrides", str(tmp_path / "overrides.yml"), "--addr", f"127.0.0.1:{port}"],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True,
        )
    try:
        wait_for(f"{base}/", STARTUP_LIMIT, server, log)
        page = f"{base}/articles/{slugify(new.name)}/"
        assert fetch(page)[0] == 404

        shutil.copy(new, raw / new.name)
        took = wait_for(page, CHANGE_LIMIT, server, log)
        print(f"new dump served after {took:.1f} s")

        # An edited overrides.yml re-runs the build step too.
        first = f"{base}/articles/{slugify(SEEDS[0].name)}/"
        (tmp_path / "overrides.yml").write_text(f"{SEEDS[0].name}:\n  title: 预览中的更正标题\n", encoding="utf-8")
        took = wait_for(first, CHANGE_LIMIT, server, log, contains="预览中的更正标题")
        print(f"correction served after {took:.1f} s")

        # A broken overrides.yml is reported and the last good preview stays up.
        (tmp_path / "overrides.yml").write_text(f"{SEEDS[0].name}:\n  titel: x\n", encoding="utf-8")
        deadline = time.monotonic() + CHANGE_LIMIT
        while "field titel: unknown field" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "field titel: unknown field" in log.read_text()
        assert fetch(first)[0] == 200
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            code = server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)  # our own session: serve and its mkdocs child
            server.wait()
            pytest.fail("serve did not stop on SIGTERM")
    text = log.read_text()
    assert code == 0, text
    assert "build step" in text and f"{new.name} added" in text
    assert "preview updated" in text
    # mkdocs (the child) stopped with it: the port is free again.
    check_port_free("127.0.0.1", port)


def _start(tmp_path: Path, raw: Path, port: int) -> tuple[subprocess.Popen, Path]:
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "build_tools", "serve", "--raw", str(raw), "--docs", str(tmp_path / "docs"),
             "--overrides", str(tmp_path / "overrides.yml"), "--addr", f"127.0.0.1:{port}"],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=dict(os.environ, PYTHONUNBUFFERED="1"),
            start_new_session=True,
        )
    return server, log


def _stop(server: subprocess.Popen) -> int:
    server.send_signal(signal.SIGTERM)
    try:
        return server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)  # our own session: serve and its mkdocs child
        server.wait()
        pytest.fail("serve did not stop on SIGTERM")


@pytest.mark.slow  # runs mkdocs serve
def test_the_editor_desk_lists_rejected_and_duplicate_dumps_and_follows_rebuilds(tmp_path):
    import html
    import re

    raw = tmp_path / "raw"
    raw.mkdir()
    for seed in SEEDS[:2]:
        shutil.copy(seed, raw / seed.name)
    shutil.copy(SEEDS[0], raw / "copy-of-first.txt")  # a byte-identical duplicate
    hostile = "<img src=x onerror=alert(1)>空.txt"
    (raw / hostile).write_text("<script>alert(1)</script>", encoding="utf-8")  # no text: rejected
    (tmp_path / "overrides.yml").write_text("renamed-long-ago.txt:\n  title: 旧更正\n", encoding="utf-8")
    port = free_port()
    desk = f"http://127.0.0.1:{port}/_editor/"
    server, log = _start(tmp_path, raw, port)
    try:
        wait_for(desk, STARTUP_LIMIT, server, log, contains="被拒绝的存档")
        page = fetch(desk)[1]
        rejected = page[page.index('id="rejected"'):page.index('id="duplicates"')]
        assert html.escape(hostile, quote=False) in rejected and "not an article" in rejected
        assert "<img" not in page and "<script" not in page
        duplicates = page[page.index('id="duplicates"'):page.index('id="warnings"')]
        assert "copy-of-first.txt" in duplicates and f'href="/articles/{slugify(SEEDS[0].name)}/"' in duplicates
        assert "renamed-long-ago.txt" in page and "state-stale" in page

        raw_link = re.search(r'/_editor/raw/[0-9a-f]{16}\.txt', rejected).group(0)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{raw_link}", timeout=5) as answer:
            assert answer.headers["Content-Type"] == "text/plain; charset=utf-8"
            assert answer.read().decode("utf-8") == "<script>alert(1)</script>"

        # After a live rebuild the desk shows the new build.
        shutil.copy(SEEDS[1], raw / "second-copy.txt")
        took = wait_for(f"{desk}?kind=duplicates", CHANGE_LIMIT, server, log, contains="second-copy.txt")
        print(f"desk updated {took:.1f} s after the change")
    finally:
        code = _stop(server)
    assert code == 0, log.read_text()


def test_addresses_are_checked():
    assert parse_addr("127.0.0.1:8000") == ("127.0.0.1", 8000)
    assert parse_addr("[::1]:8001") == ("::1", 8001)
    for bad in ("8000", "127.0.0.1", "127.0.0.1:x", "127.0.0.1:70000"):
        with pytest.raises(ServeError):
            parse_addr(bad)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(ServeError, match=f"--addr 127.0.0.1:{port + 1}"):
            check_port_free("127.0.0.1", port)


def test_serve_refuses_a_missing_raw_dir(tmp_path, capsys):
    from build_tools.cli import main

    assert main(["serve", "--raw", str(tmp_path / "nope"), "--addr", f"127.0.0.1:{free_port()}"]) == 2
    assert "raw directory not found" in capsys.readouterr().err


@pytest.mark.parametrize("manifest", [True, False], ids=["manifest", "no manifest"])
def test_unchanged_pages_keep_their_modification_time(tmp_path, manifest):
    """So that `serve --dirty` has mkdocs rebuild only the pages whose text changed: the writer swaps in
    only changed files, whether or not it remembers the last build (a page is then compared by content)."""
    from build_tools.runtime.emit import OutputWriter

    docs, remembered = tmp_path / "docs", (tmp_path / "manifest.json" if manifest else None)
    writer = OutputWriter(docs, manifest=remembered)
    writer.write("articles/a.md", "旧内容")
    writer.write("articles/b.md", "旧内容")
    writer.commit()
    same, changed = docs / "articles" / "a.md", docs / "articles" / "b.md"
    for path in (same, changed):
        os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    # The manifest (if any) recorded other times now: it must cost time only, never a rewrite.
    writer = OutputWriter(docs, manifest=remembered)
    writer.write("articles/a.md", "旧内容")  # rebuilt, same bytes
    writer.write("articles/b.md", "新内容")
    writer.write("index.md", "首页")  # new
    writer.commit()
    assert same.stat().st_mtime_ns == 1_000_000_000
    assert changed.stat().st_mtime_ns > 1_000_000_000
    assert (docs / "index.md").read_text(encoding="utf-8") == "首页"


@pytest.mark.slow  # runs the preview, Pagefind included
def test_a_dropped_dump_is_listed_served_and_searchable_in_one_update(tmp_path):
    """While a drop is handled, the home page never lists an article that is not served yet; the drop is one
    update (no second rebuild set off by the update's own writes); the preview's search bundle counts it."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for seed in SEEDS[:2]:
        shutil.copy(seed, raw / seed.name)
    new = SEEDS[2]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server, log = _start(tmp_path, raw, port)  # no overrides.yml in tmp_path: no corrections
    slug = slugify(new.name)
    try:
        wait_for(f"{base}/", STARTUP_LIMIT, server, log)
        entry = f"{base}/pagefind/pagefind-entry.json"
        status, body = fetch(entry)
        assert status == 200, "the preview serves search"
        before = json.loads(body)["languages"]["en"]["page_count"]
        shutil.copy(new, raw / new.name)
        deadline, listed = time.monotonic() + CHANGE_LIMIT, False
        while not listed and time.monotonic() < deadline:
            listed = f"articles/{slug}/" in fetch(f"{base}/")[1]
            if listed:  # the moment the home page lists it, its page answers
                assert fetch(f"{base}/articles/{slug}/")[0] == 200
        assert listed, log.read_text()
        assert json.loads(fetch(entry)[1])["languages"]["en"]["page_count"] == before + 1
        time.sleep(3)  # a second update, were one set off, would start within the watchers' debounce
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
    assert log.read_text().count("preview updated") == 1, log.read_text()
