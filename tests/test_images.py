"""Pictures: kept once in the content-addressed store with ``build --fetch-images``, shown from there
offline; captions only with their picture, or marked as the caption of a missing one.

The end-to-end tests run the real build against a local HTTP server (a thread in this test) that
refuses any request carrying a Referer and serves an image, an image behind a clipper's proxy address,
an HTML page, text labelled as a PNG, an oversize file and a 404.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.server
import json
import os
import struct
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from build_tools.config.rules import load_rules
from build_tools.model import Article, Figure, InlineImage, Paragraph, Quote, Text
from build_tools.pipeline import build
from build_tools.runtime.images import sniff
from build_tools.settings import Settings as BuildSettings
from build_tools.stages.images import STORE_NAME, Picture, image_sources, original_url, with_pictures
from build_tools.stages.render.markdown import MISSING_IMAGE, blocks_md

ROOT = Path(__file__).resolve().parent.parent
PROXY_PARAMS = load_rules().image_proxy_params
SHA = "a" * 64


def png(rgb: tuple[int, int, int]) -> bytes:
    """A real 1×1 PNG of one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" + bytes(rgb)))
            + chunk(b"IEND", b""))


RED, BLUE = png((255, 0, 0)), png((0, 0, 255))


# --- the pure parts ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("src", "expected"), [
    ("https://proxy.example/img?url=https%3A%2F%2Fmmbiz.qpic.cn%2Fa.jpg&w=640", "https://mmbiz.qpic.cn/a.jpg"),
    ("https://cdn.example/fetch?w=1&src=http://origin.example/p.png", "http://origin.example/p.png"),
    # a proxy of a proxy
    ("https://a.example/?url=https%3A%2F%2Fb.example%2F%3Fimgurl%3Dhttps%253A%252F%252Fc.example%252Fz.gif",
     "https://c.example/z.gif"),
    ("https://example.com/a.jpg?size=640", "https://example.com/a.jpg?size=640"),  # no original to find
    ("https://proxy.example/img?url=javascript:alert(1)", "https://proxy.example/img?url=javascript:alert(1)"),
    ("https://proxy.example/img?url=/local/path.jpg", "https://proxy.example/img?url=/local/path.jpg"),
])
def test_a_proxy_address_is_resolved_to_the_original_it_carries(src, expected):
    assert original_url(src, PROXY_PARAMS) == expected


def test_sniffing_knows_images_from_their_bytes():
    assert sniff(RED) == "png"
    assert sniff(b"\xff\xd8\xff\xe0" + b"\0" * 20) == "jpg"
    assert sniff(b"GIF89a" + b"\0" * 10) == "gif"
    assert sniff(b"RIFF\0\0\0\0WEBPVP8 ") == "webp"
    assert sniff(b"<!doctype html><title>x</title>") is None
    assert sniff(b"") is None


def test_a_caption_without_its_picture_is_marked_never_bare():
    md = blocks_md((Figure("", "", (Text("黄仁勋接受采访"),)),))
    assert md.startswith(MISSING_IMAGE) and "黄仁勋接受采访" in md and ".image-missing" in md
    # an address no browser may load is no picture either
    md = blocks_md((Figure("javascript:alert(1)", "", (Text("图注"),)),))
    assert md.startswith(MISSING_IMAGE) and "javascript" not in md


def test_a_caption_follows_its_picture_unmarked():
    md = blocks_md((Figure("https://example.com/a.jpg", "", (Text("图注"),)),))
    image, caption = md.split("\n\n")
    assert image.startswith("![图注](https://example.com/a.jpg)") and 'referrerpolicy="no-referrer"' in image
    assert MISSING_IMAGE not in md and caption.startswith("*图注*") and ".image-missing" not in caption


def test_a_picture_in_the_store_is_shown_from_it_and_only_a_store_name_counts():
    local = f"{SHA}.png"
    md = blocks_md((Figure("https://example.com/a.jpg", "", (Text("图注"),), local=local),))
    assert f"](../assets/images/{local})" in md and "example.com" not in md
    for bad in ("../../../etc/passwd", "x.png", f"{SHA}.svg", f"{SHA}.png) ![x](javascript:1"):
        md = blocks_md((Paragraph((InlineImage("https://example.com/a.jpg", "图", local=bad),)),))
        assert "](https://example.com/a.jpg)" in md and "assets/images" not in md, bad


@settings(max_examples=300, deadline=None)
@given(local=st.text(max_size=80) | st.from_regex(r"[0-9a-f]{64}\.(png|jpg|svg|html)", fullmatch=True),
       src=st.text(max_size=40))
def test_no_store_name_but_a_real_one_reaches_the_page(local, src):
    """Whatever ``local`` holds, the page points into the store only at a real store name, and at nothing else."""
    md = blocks_md((Figure(src, "图", (Text("图注"),), local=local), Paragraph((InlineImage(src, "图", local=local),))))
    if STORE_NAME.fullmatch(local):
        assert md.count(f"](../assets/images/{local})") == 2
    else:
        assert "../assets/images/" not in md and "(.." not in md


def test_every_picture_is_found_and_pointed_at_its_copy():
    article = Article("raw/a.md", "0" * 64, blocks=(
        Figure("https://a.example/1.jpg", "", (Text("一"),)),
        Quote((Paragraph((Text("引"), InlineImage("https://a.example/2.png"))),
               Figure("https://proxy.example/?url=https://b.example/3.gif"))),
        Figure("", "", (Text("丢了"),)),
        Paragraph((InlineImage("data:image/png;base64,AAAA"),)),
    ))
    sources = image_sources(article)
    assert sources == ("https://a.example/1.jpg", "https://a.example/2.png",
                       "https://proxy.example/?url=https://b.example/3.gif")
    pictures = {
        sources[0]: Picture(sources[0], sources[0], f"{SHA}.jpg"),
        sources[1]: Picture(sources[1], sources[1], f"{'b' * 64}.png"),
        sources[2]: Picture(sources[2], "https://b.example/3.gif"),
    }
    md = blocks_md(with_pictures(article, pictures).blocks)
    assert f"../assets/images/{SHA}.jpg" in md and f"../assets/images/{'b' * 64}.png" in md
    assert "](https://b.example/3.gif)" in md and "proxy.example" not in md
    assert "a.example" not in md and f"{MISSING_IMAGE}*丢了*" in md


# --- end to end: the fetcher against a local server ---------------------------------------------------

BIG_LIMIT = 2000  # bytes: the build's limit in these tests


class _Images(http.server.BaseHTTPRequestHandler):
    requests: list[tuple[float, str, str | None]]  # (time, path, Referer)

    def do_GET(self) -> None:  # noqa: N802
        self.requests.append((time.monotonic(), self.path, self.headers.get("Referer")))
        if self.headers.get("Referer"):
            return self._send(403, "text/plain", b"no hotlinking")
        routes = {
            "/red.png": (200, "image/png", RED),
            "/blue.png": (200, "image/png", BLUE),
            "/page.html": (200, "text/html; charset=utf-8", b"<!doctype html><p>not a picture</p>"),
            "/fake.png": (200, "image/png", b"this is text, whatever the header says"),
            "/big.jpg": (200, "image/jpeg", b"\xff\xd8\xff\xe0" + b"\0" * (BIG_LIMIT * 3)),
        }
        self._send(*routes.get(self.path.split("?")[0], (404, "text/plain", b"not found")))

    def _send(self, status: int, kind: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@contextlib.contextmanager
def image_server() -> Iterator[tuple[str, list]]:
    log: list = []
    handler = type("Handler", (_Images,), {"requests": log})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", log
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


PROSE = [
    "这是一篇用来检验图片存档的文章，记者在现场看到了很多细节，并且拍下了照片。",
    "第二段说的是会议的经过：上午九点开幕，几位嘉宾先后发言，讨论持续到中午。",
    "第三段记下了听众的提问，有人关心成本，有人关心时间表，也有人追问具体的数字。",
    "第四段是主办方的回应，他们表示会在下个月公布完整的报告，并接受公众的意见。",
    "第五段谈到了行业的背景，过去三年里类似的项目在国内外都有不少尝试与失败。",
    "第六段引用了一位研究者的看法，她认为真正的难点不在技术，而在长期的维护。",
    "第七段描述了会后的场景，不少人留下来继续交流，直到傍晚才陆续散去离开。",
    "最后一段是记者的观察：这样的讨论还会继续，答案也许要等到明年才能揭晓。",
]


def write_dump(raw: Path, base: str) -> None:
    proxy = f"https://clipper-proxy.invalid/image?w=640&url={base}/blue.png"
    images = [f"![现场照片]({base}/red.png)", f"![代理地址的图片]({proxy})", f"![不是图片]({base}/page.html)",
              f"![伪装的图片]({base}/fake.png)", f"![太大的图片]({base}/big.jpg)", f"![不存在的图片]({base}/gone.png)",
              f"![同一张照片]({base}/red.png)"]  # the same picture again: one request, one file
    body = ["# 图片存档测试", ""]
    for prose, image in zip(PROSE, images, strict=False):
        body += [prose, "", image, ""]
    body.append(PROSE[-1])
    raw.mkdir(parents=True, exist_ok=True)
    (raw / "images.md").write_text("\n".join(body) + "\n", encoding="utf-8")


def settings_for(tmp: Path, **changes) -> BuildSettings:
    base = dict(raw_dir=tmp / "raw", docs_dir=tmp / "docs", cache_dir=tmp / "cache", entities_path=tmp / "none.yml",
                overrides_path=tmp / "none.yml", jobs=1, max_image_bytes=BIG_LIMIT, image_host_interval=0.25,
                images_from_private_hosts=True)
    return BuildSettings(**{**base, **changes})


def page_of(docs: Path) -> str:
    (page,) = [p for p in (docs / "articles").glob("*.md") if "images" in p.stem]
    return page.read_text(encoding="utf-8")


@pytest.fixture
def fetched(tmp_path):
    """The test dump built with --fetch-images against the local server: (settings, report, request log, base)."""
    with image_server() as (base, log):
        write_dump(tmp_path / "raw", base)
        settings = settings_for(tmp_path, fetch_images=True)
        report = build(settings)
        yield settings, report, list(log), base


@pytest.mark.slow  # builds against a local HTTP server, paced
def test_fetch_keeps_each_picture_once_by_content_and_the_page_uses_the_copies(fetched):
    settings, report, log, base = fetched
    store = settings.docs_dir / "assets" / "images"
    red, blue = f"{hashlib.sha256(RED).hexdigest()}.png", f"{hashlib.sha256(BLUE).hexdigest()}.png"
    assert sorted(p.name for p in store.iterdir()) == sorted([red, blue, "sources.json"])
    assert (store / red).read_bytes() == RED and (store / blue).read_bytes() == BLUE
    sources = json.loads((store / "sources.json").read_text(encoding="utf-8"))
    assert sources[f"{base}/red.png"] == red and sources[f"{base}/blue.png"] == blue
    page = page_of(settings.docs_dir)
    assert f"](../assets/images/{red})" in page and f"](../assets/images/{blue})" in page
    assert f"{base}/red.png" not in page and "clipper-proxy" not in page  # the proxy's original was fetched
    assert [path for _t, path, _r in log].count("/red.png") == 1  # shown twice, asked once
    assert all(referer is None for _t, _p, referer in log), log


@pytest.mark.slow  # builds against a local HTTP server, paced
def test_what_is_not_a_picture_is_refused_with_a_warning_naming_the_url_and_the_article(fetched):
    settings, report, _log, base = fetched
    lines = [w.line for w in report.warnings if w.code == "image"]
    expected = {"page.html": "not an image", "fake.png": "not an image", "big.jpg": f"larger than {BIG_LIMIT}",
                "gone.png": "HTTP 404"}
    for name, reason in expected.items():
        found = [line for line in lines if f"{base}/{name}" in line]
        assert len(found) == 1 and reason in found[0] and "images.md" in found[0], (name, lines)
    assert len(lines) == len(expected)
    page = page_of(settings.docs_dir)
    assert f"]({base}/gone.png)" in page  # the page keeps the address it could not copy


@pytest.mark.slow  # builds against a local HTTP server, paced
def test_one_host_is_asked_at_most_once_per_interval(fetched):
    _settings, _report, log, _base = fetched
    times = [t for t, _p, _r in log]
    assert len(times) >= 6
    assert min(b - a for a, b in zip(times, times[1:], strict=False)) >= 0.25 * 0.9


@pytest.mark.slow  # builds against a local HTTP server, paced
def test_later_builds_use_the_store_offline_and_give_the_same_page(fetched, tmp_path):
    settings, _report, _log, base = fetched
    before = page_of(settings.docs_dir)
    # the server is gone: nothing can be fetched now, and nothing needs to be
    again = build(settings_for(tmp_path, use_cache=False))
    assert page_of(settings.docs_dir) == before
    assert not [w for w in again.warnings if w.code == "image"]


@pytest.mark.slow  # builds against a local HTTP server, paced
def test_without_the_flag_nothing_is_fetched(tmp_path):
    with image_server() as (base, log):
        write_dump(tmp_path / "raw", base)
        report = build(settings_for(tmp_path))
    assert log == [] and not [w for w in report.warnings if w.code == "image"]
    page = page_of(tmp_path / "docs")
    assert f"]({base}/red.png)" in page and "assets/images" not in page
    assert not (tmp_path / "docs" / "assets" / "images").exists()


@pytest.mark.slow  # builds against a local HTTP server, paced
def test_hosts_on_this_machine_are_refused_unless_allowed(tmp_path):
    with image_server() as (base, log):
        write_dump(tmp_path / "raw", base)
        report = build(settings_for(tmp_path, fetch_images=True, images_from_private_hosts=False))
    assert log == []
    lines = [w.line for w in report.warnings if w.code == "image"]
    assert lines and all("private or local network" in line or "cannot resolve" in line for line in lines), lines


@pytest.mark.slow
def test_mkdocs_builds_the_page_with_its_local_pictures(fetched, tmp_path):
    settings, _report, _log, _base = fetched
    config = tmp_path / "mkdocs.yml"
    config.write_text(f"site_name: t\ndocs_dir: {settings.docs_dir}\nsite_dir: {tmp_path / 'site'}\n"
                      "markdown_extensions: [attr_list]\nvalidation: {links: {not_found: warn}}\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config)],
                          capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}, timeout=300)
    assert done.returncode == 0, done.stderr
    red = f"{hashlib.sha256(RED).hexdigest()}.png"
    slug = next(p.stem for p in (settings.docs_dir / "articles").glob("*.md") if "images" in p.stem)
    html = (tmp_path / "site" / "articles" / slug / "index.html").read_text(encoding="utf-8")
    assert f'src="../../assets/images/{red}"' in html
    assert (tmp_path / "site" / "assets" / "images" / red).read_bytes() == RED
