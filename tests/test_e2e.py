"""End to end: the CLI builds raw/ into docs/, then `mkdocs build --strict` turns it into the site."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from build_tools.runtime.emit import GENERATED
from tests.conftest import ROOT

pytestmark = pytest.mark.slow  # the build CLI in subprocesses and mkdocs build --strict

MKDOCS = Path(sys.executable).with_name("mkdocs")
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONUTF8": "1"}
ENV.pop("SITE_URL", None)

# A dump written to attack the site: every string must reach the reader as text, never as markup.
HOSTILE = """Title: 标题: "引号" 与 # 井号 <script>alert('title')</script> {{ config.site_name }}

URL Source: https://example.com/hostile

Markdown Content:
今年春天，江南小城的茶农们比往年更早开始了采摘。连续几周的晴好天气让新芽长得格外快，合作社的负责人说，头茬明前茶的产量比去年多了将近两成。<script>alert('inline')</script>

<script>alert('block')</script>

<iframe src="https://evil.example/"></iframe>

为了赶在清明之前把鲜叶做成成品，村里的几家作坊几乎昼夜不停地炒制。老师傅们依旧坚持手工杀青，[点这里](javascript:alert('link'))领取茶叶。

<img src=x onerror="alert('img')"> 与此同时，年轻一代开始尝试在网上直播卖茶。{ .evil onclick="alert('attr')" }

一位返乡创业的大学生告诉记者，直播间里最常被问到的问题是茶叶的产地和采摘时间，
{{ page.title }} 与 {% include 'x.html' %} 都只是文字。

![图](javascript:alert('image'))

茶叶收购价格比去年略有上涨，但人工成本上涨得更快。合作社计划明年引入一条小型加工线，减少对临时工的依赖，同时保留手工炒制的高端产品线。

镇上的茶叶交易市场比往年热闹，外地客商来得更早，一些老字号茶庄也派人驻村收茶，希望在新茶上市之前锁定货源。
"""
HOSTILE_TITLE = "标题: \"引号\" 与 # 井号 <script>alert('title')</script> {{ config.site_name }}"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "build_tools", *args], cwd=cwd, env=ENV, capture_output=True,
                          text=True, timeout=120)


def _project(tmp: Path) -> None:
    """A project-like directory: mkdocs.yml, theme/ and the hand-written part of docs/."""
    shutil.copy(ROOT / "mkdocs.yml", tmp / "mkdocs.yml")
    shutil.copytree(ROOT / "theme", tmp / "theme")
    (tmp / "docs").mkdir()
    for item in (ROOT / "docs").iterdir():  # about, assets, dev notes: everything the build does not write
        if item.name in GENERATED or item.name.startswith("."):
            continue
        copy = shutil.copytree if item.is_dir() else shutil.copy
        copy(item, tmp / "docs" / item.name)


def _mkdocs(tmp: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(MKDOCS), "build", "--strict", "-f", str(tmp / "mkdocs.yml"), "-d", str(tmp / "site")],
                          cwd=tmp, env=ENV, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> dict:
    """raw/ seeds + one hostile dump → docs/ (CLI, --strict) → site/ (mkdocs build --strict)."""
    tmp = tmp_path_factory.mktemp("e2e")
    raw = tmp / "raw"
    shutil.copytree(ROOT / "raw", raw)
    (raw / "hostile.md").write_text(HOSTILE, encoding="utf-8")
    _project(tmp)
    build = run("build", "--raw", "raw", "--docs", "docs", "--report", "report.json", "--strict", "--quiet",
                "--entities", str(ROOT / "entities.yml"), "--overrides", str(tmp / "overrides.yml"), cwd=tmp)
    mkdocs = _mkdocs(tmp)
    report = json.loads((tmp / "report.json").read_text(encoding="utf-8")) if build.returncode == 0 else {}
    return {"tmp": tmp, "build": build, "mkdocs": mkdocs, "report": report}


def test_build_step_succeeds_with_every_dump_published(site):
    build = site["build"]
    assert build.returncode == 0, build.stderr
    statuses = {Path(i["raw"]).name: i["status"] for i in site["report"]["inputs"]}
    expected = {p.name for p in (ROOT / "raw").iterdir() if p.is_file()} | {"hostile.md"}
    assert statuses == dict.fromkeys(expected, "ok")


def test_the_site_has_no_editor_desk(site):
    """The editor's desk (/_editor/) lives in the live preview only: `mkdocs build` of mkdocs.yml, as `make
    site` runs it, never puts it, or a link to it, into the public site."""
    assert site["mkdocs"].returncode == 0
    built = site["tmp"] / "site"
    assert not [p for p in built.rglob("*") if p.name in ("_editor", "desk.json", "desk_app.py")]
    link = re.compile(r"""(?:href|src)=["']?[^"'\s>]*_editor""")
    assert not [p for p in built.rglob("*.html") if link.search(p.read_text(encoding="utf-8"))]


def test_mkdocs_strict_build_succeeds(site):
    mkdocs = site["mkdocs"]
    assert mkdocs.returncode == 0, mkdocs.stdout[-3000:] + mkdocs.stderr[-3000:]
    assert "WARNING" not in mkdocs.stderr, mkdocs.stderr[-3000:]


def _article_html(site: dict, raw_name: str) -> tuple[str, str]:
    slug = next(i["slug"] for i in site["report"]["inputs"] if Path(i["raw"]).name == raw_name)
    page = (site["tmp"] / "site" / "articles" / slug / "index.html").read_text(encoding="utf-8")
    found = re.search(r'<article class="md-content__inner[^"]*">(.*?)</article>', page, re.S)
    assert found, f"no <article> element in articles/{slug}/index.html"
    return page, found.group(1)


@pytest.mark.parametrize("raw_name", sorted(p.name for p in (ROOT / "raw").iterdir() if p.is_file()))
def test_seed_article_page_shows_its_title(site, raw_name):
    assert site["mkdocs"].returncode == 0
    slug = next(i["slug"] for i in site["report"]["inputs"] if Path(i["raw"]).name == raw_name)
    front = (site["tmp"] / "docs" / "articles" / f"{slug}.md").read_text(encoding="utf-8").split("\n", 2)[1]
    title = front.removeprefix("title: ").strip("'\"")
    page, article = _article_html(site, raw_name)
    assert html.escape(title, quote=False) in article or title in html.unescape(article)
    assert "<script" not in article


def test_hostile_dump_reaches_the_reader_as_text(site):
    assert site["mkdocs"].returncode == 0
    page, article = _article_html(site, "hostile.md")
    assert "<script" not in article and "<iframe" not in article
    assert not re.search(r"<[^>]+\son\w+=", article), "an event-handler attribute made it into the article"
    assert not re.search(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", page, re.I)
    text = html.unescape(re.sub(r"<[^>]+>", "", article))
    assert HOSTILE_TITLE in text  # the title, shown literally
    assert "{{ page.title }} 与 {% include 'x.html' %} 都只是文字" in text
    # outside the article too: the <title> element and meta tags carry the title escaped
    head = page[: page.find("<body")]
    assert "<script>alert" not in head


def test_link_with_a_dangerous_target_shows_its_text_only(site):
    assert site["mkdocs"].returncode == 0
    _, article = _article_html(site, "hostile.md")
    text = html.unescape(re.sub(r"<[^>]+>", "", article))
    assert "点这里领取茶叶" in text
    assert "javascript" not in text


def test_page_title_element_shows_the_hostile_title_as_text(site):
    assert site["mkdocs"].returncode == 0
    page, _ = _article_html(site, "hostile.md")
    title = re.search(r"<title>(.*?)</title>", page, re.S)
    assert title and HOSTILE_TITLE in html.unescape(title.group(1))


# --- the dev corpus as a reader sees it -------------------------------------------------

# Markdown that reached the reader as text instead of formatting (outside code).
READER_VISIBLE_MARKUP = [r"\*\*", r"\]\(", r"!\[", r"\{ ?[.#][\w-]", r"\{:", r"\\[*_\[\]{}#]", r"(?m)^#{1,6} "]


@pytest.fixture(scope="module")
def dev_site(dev_build, tmp_path_factory) -> Path:
    _, docs = dev_build
    tmp = tmp_path_factory.mktemp("e2e-dev")
    _project(tmp)
    for name in GENERATED:
        if (docs / name).is_dir():
            shutil.copytree(docs / name, tmp / "docs" / name)
        elif (docs / name).exists():
            shutil.copy(docs / name, tmp / "docs" / name)
    result = _mkdocs(tmp)
    assert result.returncode == 0, result.stderr[-3000:]
    return tmp / "site"


def test_dev_corpus_pages_show_no_markup_or_active_content(dev_site):
    problems = {}
    pages = sorted((dev_site / "articles").glob("*/index.html"))
    assert pages
    for page in pages:
        found = re.search(r'<article class="md-content__inner[^"]*">(.*?)</article>', page.read_text("utf-8"), re.S)
        assert found, page
        article = found.group(1)
        tags = set(re.findall(r"<(script|iframe|object|embed|form|style|svg)\b", article))
        handlers = re.findall(r"<[^>]+\son\w+=", article)
        prose = re.sub(r"<pre.*?</pre>|<code>.*?</code>", "", article, flags=re.S)
        text = html.unescape(re.sub(r"<[^>]+>", "", prose))
        markup = [m.group(0) + " in …" + text[max(0, m.start() - 20):m.end() + 20] + "…"
                  for pattern in READER_VISIBLE_MARKUP for m in re.finditer(pattern, text)]
        if tags or handlers or markup:
            problems[page.parent.name] = (sorted(tags), handlers[:3], markup[:3])
    assert not problems, problems


# --- CLI contract ------------------------------------------------------------------------


@pytest.fixture
def small_raw(tmp_path) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(ROOT / "raw" / "000_6b80b90a7abdcb64.txt", raw)
    return raw


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["build", "--bogus"], id="unknown option"),
        pytest.param([], id="no command"),
        pytest.param(["build", "--jobs", "many"], id="bad option value"),
        pytest.param(["rebuild"], id="unknown command"),
    ],
)
def test_usage_errors_exit_2(tmp_path, args):
    result = run(*args, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "usage:" in result.stderr or "error:" in result.stderr


def test_missing_raw_dir_exits_2_with_one_line(tmp_path):
    result = run("build", "--raw", "no-such-dir", "--docs", "docs", cwd=tmp_path)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "no-such-dir" in lines[0], result.stderr
    assert not (tmp_path / "docs").exists()


@pytest.mark.parametrize(("strict", "code"), [(True, 1), (False, 0)], ids=["--strict", "default"])
def test_rejected_dump_is_one_stderr_line_and_strict_fails(tmp_path, small_raw, strict, code):
    (small_raw / "empty.txt").write_bytes(b"")
    args = ["build", "--raw", "raw", "--docs", "docs", "--report", "r.json", "--quiet",
            "--entities", str(ROOT / "entities.yml")] + (["--strict"] if strict else [])
    result = run(*args, cwd=tmp_path)
    assert result.returncode == code, result.stderr
    about = [line for line in result.stderr.splitlines() if "empty.txt" in line]
    assert len(about) == 1, result.stderr
    assert about[0].startswith("raw/empty.txt: ") and "empty file" in about[0]
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    statuses = {Path(i["raw"]).name: (i["status"], i["reason"]) for i in report["inputs"]}
    assert statuses["000_6b80b90a7abdcb64.txt"][0] == "ok"
    assert statuses["empty.txt"][0] == "rejected" and "empty file" in statuses["empty.txt"][1]
    assert (tmp_path / "docs" / "articles" / "000_6b80b90a7abdcb64.md").exists()  # the good dump is still published


def test_strict_build_with_nothing_rejected_exits_0(tmp_path, small_raw):
    result = run("build", "--raw", "raw", "--docs", "docs", "--strict", "--quiet", "--entities",
                 str(ROOT / "entities.yml"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == ""


def test_broken_overrides_file_is_a_clean_error(tmp_path, small_raw):
    (tmp_path / "overrides.yml").write_text("000_6b80b90a7abdcb64.txt: [unclosed\n", encoding="utf-8")
    result = run("build", "--raw", "raw", "--docs", "docs", "--quiet", "--overrides", "overrides.yml", cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "overrides.yml" in result.stderr
