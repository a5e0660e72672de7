"""Property-based tests (hypothesis) for hostile input.

* For random and garbled dumps the build step never raises: bytes → Article or Failure,
  Article → page or Failure, and whole builds finish with every dump accounted for.
* The front matter of every page parses back (as MkDocs reads it) to exactly the values
  the renderer meant, whatever the title, source, authors or tags hold.
* No tag from the input survives as live HTML: pages rendered with the Python-Markdown
  extensions of mkdocs.yml hold no script/iframe/img-with-on*, no javascript:/data: URL,
  and text from a dump reads back as the same text.
"""

from __future__ import annotations

import contextlib
import re
import tempfile
import unicodedata
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from mkdocs.utils.meta import get_data

from build_tools.config.corrections import load_overrides
from build_tools.model import (
    Article,
    Break,
    Code,
    Emph,
    Failure,
    Heading,
    InlineImage,
    Link,
    Meta,
    Paragraph,
    Slug,
    Strong,
    Text,
)
from build_tools.pipeline import build, prepare
from build_tools.settings import Settings
from build_tools.stages.decode import DecodeError, decode_bytes
from build_tools.stages.front_matter import front_matter
from build_tools.stages.render.markdown import MAX_HEADING_CHARS, blocks_md
from build_tools.stages.render.page import render_article
from tests.fixtures.hostile.corpus import markdown_html, page_body, prose
from tests.test_safe_html import dangers

QUICK = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ATTACKS = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<iframe src=javascript:alert(1)></iframe>",
    '<a href="javascript:alert(1)">x</a>', "<a href=' data:text/html,<script>alert(1)</script>'>d</a>",
    "<svg onload=alert(1)>", "<body onload=alert(1)>", "<object data=x.swf>", "<form action=//evil>",
    "[x](javascript:alert(1))", "![x](javascript:alert(1))", "[x](data:text/html,alert)", "<javascript:alert(1)>",
    "{{ config }}", "{% include 'x' %}", "{# c #}", "{: onclick=alert(1) }", "{ .x onmouseover=alert(1) }",
    "!!! danger", "??? note", "???+ note", "~~~", "```html", "---", "title: x", "...", "[TOC]", "[^1]: x",
    "<div markdown=1>**b**</div>", "&lt;script&gt;", "&#60;script&#62;", "\r", "\u2028", "\x00", "\x02wzxhzdk:0\x03",
    "    indented", "\t#", "1. ", "- ", "+ ", "> ", "=== ", "| a | b |", "|---|", "<!--", "-->", "<![CDATA[",
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "java\tscript:x", "vbscript:x", "\u202e", "\ufeff", "#",
]
WORDS = st.sampled_from(["茶农", "旧书店", "人工智能", "DeepSeek", "英伟达", "2025年", "。", "，", "“引号”", "：",
                         "abc", "  ", "\n", "\n\n", "C#", "*", "_", "\\", "`", "|", "&", "<", ">", "{", "}"])
TEXT = st.lists(st.one_of(st.sampled_from(ATTACKS), WORDS, st.text(max_size=12)), max_size=12).map("".join)
URL = st.one_of(
    st.sampled_from(["https://example.com/a?b=1&c=2#d", "http://x.test/(a)[b]{c}", "https://mmbiz.qpic.cn/x/640",
                     "mailto:a@b.c", "javascript:alert(1)", " JAVASCRIPT:alert(1)", "data:image/svg+xml,<svg>",
                     "//evil.example/x", "../relative", "vbscript:x", "https://x.test/\"onerror=\"alert(1)",
                     "https://x.test/ a b", "https://[::1]/", "http://[", "https://x.test/\n!!! danger"]),
    st.text(max_size=30),
)


# --- the build step never raises ----------------------------------------------------------


def _prepare_and_render(data: bytes, name: str = "dump.txt") -> None:
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw"
        raw.mkdir()
        path = raw / name
        path.write_bytes(data)
        result = prepare(path, Settings(raw_dir=raw), load_overrides(Path(tmp) / "none.yml", []))
        assert isinstance(result, (Article, Failure))
        if isinstance(result, Article):
            page = render_article(result)
            assert isinstance(page, (str, Failure))
            if isinstance(page, str):
                assert page.startswith("---\n")
                assert dangers(markdown_html(page_body(page))) == []


def _garble(data: bytes, cuts: list[int], junk: bytes) -> bytes:
    out = bytearray(data)
    for cut in cuts:
        if out:
            position = cut % len(out)
            out[position : position + 1] = junk[:3]
    return bytes(out)


@QUICK
@given(st.binary(max_size=3000))
def test_random_bytes_never_raise(data):
    _prepare_and_render(data)


@pytest.mark.slow  # hypothesis, over half a second
@QUICK
@given(
    text=TEXT,
    encoding=st.sampled_from(["utf-8", "gb18030", "big5", "utf-16", "utf-8-sig"]),
    cuts=st.lists(st.integers(min_value=0, max_value=10_000), max_size=4),
    junk=st.binary(min_size=1, max_size=3),
    truncate=st.integers(min_value=0, max_value=3),
)
def test_garbled_text_never_raises(text, encoding, cuts, junk, truncate):
    body = "\n".join(prose(len(text)))
    data = (text + "\n" + body).encode(encoding, errors="replace")
    data = _garble(data, cuts, junk)
    _prepare_and_render(data[: len(data) - truncate] if truncate < len(data) else data)


@st.composite
def html_dump(draw) -> str:
    """An HTML page with hostile text, tags and attributes in random places and nesting."""
    tags = ["p", "div", "section", "blockquote", "ul", "li", "ol", "h1", "h2", "h3", "table", "tr", "td", "th",
            "pre", "code", "strong", "em", "b", "i", "span", "a", "figure", "figcaption", "center", "br", "img"]

    def element(depth: int) -> str:
        tag = draw(st.sampled_from(tags))
        attrs = ""
        if tag == "a":
            attrs = f' href="{draw(URL)}"'
        elif tag == "img":
            return f'<img src="{draw(URL)}" alt="{draw(TEXT)}" onerror="alert(1)">'
        elif draw(st.booleans()):
            attrs = f' class="{draw(st.sampled_from(["caption", "x", "project-link", "desc"]))}" onclick="x()"'
        inner = draw(TEXT) if depth > 3 or draw(st.booleans()) else "".join(
            element(depth + 1) for _ in range(draw(st.integers(1, 3))))
        return f"<{tag}{attrs}>{inner}</{tag}>"

    title = draw(TEXT)
    body = "".join(element(0) for _ in range(draw(st.integers(1, 6))))
    paragraphs = "".join(f"<p>{p}</p>" for p in prose(len(body) % 97))
    return f"<html><head><title>{title}</title></head><body><article>{paragraphs}{body}</article></body></html>"


@st.composite
def markdown_dump(draw) -> str:
    lines = [f"# {draw(TEXT)}", ""]
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["p", "h", "quote", "list", "code", "link", "img", "table", "front"]))
        text = draw(TEXT).replace("\n", " ")
        lines.append({
            "p": text, "h": f"## {text}", "quote": f"> {text}", "list": f"- {text}\n- **{text}**",
            "code": f"```\n{text}\n```", "link": f"[{text}]({draw(URL)})", "img": f"![{text}]({draw(URL)})",
            "table": f"| {text} | b |\n|---|---|\n| {text} | d |", "front": f"---\ntitle: {text}\n---",
        }[kind])
        lines.append("")
    return "\n".join(lines) + "\n\n" + "\n\n".join(prose(len(lines)))


@pytest.mark.slow  # hypothesis, over half a second
@QUICK
@given(html_dump())
def test_hostile_html_dumps_never_raise_and_render_inert(page):
    _prepare_and_render(page.encode("utf-8"), "page.html")


@pytest.mark.slow  # hypothesis, over half a second
@QUICK
@given(markdown_dump())
def test_hostile_markdown_dumps_never_raise_and_render_inert(text):
    _prepare_and_render(text.encode("utf-8"), "page.md")


@SLOW
@given(st.lists(st.one_of(st.binary(max_size=400), TEXT.map(str.encode), html_dump().map(str.encode)),
                min_size=1, max_size=4),
       st.lists(st.text(alphabet=st.characters(blacklist_characters="/\x00", blacklist_categories=("Cs",)),
                        min_size=1, max_size=12), min_size=4, max_size=4, unique=True))
def test_whole_builds_account_for_every_dump(dumps, names):
    assume(all(n not in (".", "..") and not n.startswith(".") for n in names))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        raw = root / "raw"
        raw.mkdir()
        for name, data in zip(names, dumps, strict=False):
            (raw / name).write_bytes(data)
        settings_ = Settings(raw_dir=raw, docs_dir=root / "docs", cache_dir=root / "cache",
                             entities_path=root / "none.yml", overrides_path=root / "none.yml", jobs=1)
        with contextlib.chdir(root):
            report = build(settings_)
        assert len(report.inputs) == len(dumps)
        assert not list((root / "docs").glob(".staging-*"))


@QUICK
@given(st.binary(max_size=2000))
def test_decoded_text_is_clean_or_refused(data):
    try:
        decoded = decode_bytes(data)
    except DecodeError as error:
        assert "\n" not in str(error)
        return
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", decoded.text)
    assert decoded.text.strip()


@QUICK
@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), min_size=1))
def test_utf8_text_round_trips(text):
    assume(text.strip(" \t\n\r\x0b\x0c\u00a0\u3000\u200b\u200c\u200d\u2060\ufeff"))
    decoded = decode_bytes(text.encode("utf-8"))
    expected = re.sub(r"[^\S\n]{65,}", lambda m: m.group()[:64], text.lstrip("\ufeff"))
    assert decoded.text == expected and decoded.warnings == ()


# --- front matter parses back ---------------------------------------------------------------

SHORT = st.text(min_size=1, max_size=40)


@QUICK
@given(
    title=st.text(min_size=1, max_size=300),
    source=st.one_of(st.none(), st.text(min_size=1, max_size=100)),
    authors=st.lists(SHORT, max_size=3),
    tags=st.lists(SHORT, max_size=3),
    summary=st.one_of(st.none(), st.text(max_size=200)),
    raw_name=st.text(min_size=1, max_size=30),
)
def test_front_matter_parses_back_to_what_was_meant(title, source, authors, tags, summary, raw_name):
    article = Article(raw_path=f"raw/{raw_name}", sha256="a" * 64, slug=Slug("x"),
                      meta=Meta(title=title, source=source, authors=tuple(authors), tags=tuple(tags),
                                summary=summary, date="2025-01-27"),
                      blocks=(Paragraph((Text("正文。"),)),))
    page = render_article(article)
    if isinstance(page, Failure):
        assert page.stage == "render"
        return
    body, meta = get_data(page)
    assert meta == front_matter(article)
    assert not body.startswith("---")  # the whole front matter was consumed, nothing leaked into the body


# --- no tag from the input survives ----------------------------------------------------------


def _visible(text: str) -> str:
    """Text as a reader should see it: line separators as spaces, control characters gone, whitespace runs as one."""
    text = re.sub(r"[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]", " ", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cc" or ch in "\t\n\r")
    return re.sub(r"\s+", " ", text).strip()


@QUICK
@given(TEXT)
def test_text_reads_back_as_written(text):
    html = markdown_html(blocks_md((Paragraph((Text(text),)),)))
    assert dangers(html) == []
    soup = BeautifulSoup(html, "lxml")
    assert not soup.find_all(lambda tag: tag.name not in ("html", "body", "p")), html
    assert _visible(soup.get_text()) == _visible(text)


@QUICK
@given(TEXT)
def test_heading_text_reads_back_as_written(text):
    assume(_visible(text))
    html = markdown_html(blocks_md((Heading(2, (Text(text),)),)))
    soup = BeautifulSoup(html, "lxml")
    heading = soup.find("h2") if len(text) <= MAX_HEADING_CHARS else soup.find("p")  # over-long: a paragraph
    assert heading is not None, html
    for anchor in heading.find_all("a", class_="headerlink"):
        anchor.decompose()
    assert _visible(heading.get_text()) == _visible(text)
    assert dangers(html) == []


INLINE = st.deferred(lambda: st.one_of(
    TEXT.map(Text), TEXT.map(Code), st.just(Break()),
    st.builds(lambda u, a: InlineImage(u, a), URL, TEXT),
    st.builds(lambda u, c: Link(u, tuple(c)), URL, st.lists(INLINE, max_size=3)),
    st.lists(INLINE, max_size=3).map(lambda c: Strong(tuple(c))),
    st.lists(INLINE, max_size=3).map(lambda c: Emph(tuple(c))),
))


@pytest.mark.slow  # hypothesis, over half a second
@QUICK
@given(st.lists(INLINE, max_size=8))
def test_inline_structure_never_becomes_live_html(inlines):
    html = markdown_html(blocks_md((Paragraph(tuple(inlines)),)))
    assert dangers(html) == [], html
    soup = BeautifulSoup(html, "lxml")
    for a in soup.find_all("a"):
        assert re.match(r"(https?://|mailto:)", a.get("href", ""), re.I), a
        if a["href"].lower().startswith("http"):
            assert a.get("rel") == ["noopener", "noreferrer", "nofollow"], a
    for img in soup.find_all("img"):
        assert re.match(r"https?://", img.get("src", ""), re.I) and img.get("referrerpolicy") == "no-referrer", img
