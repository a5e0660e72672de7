"""Hostile dumps: every input gets its one-line outcome while the rest of the archive builds.

The whole set (tests/fixtures/hostile/corpus.py) goes through the build CLI once,
as a user runs it; each case then checks its line of the report and of stderr.
Unit tests below pin the parts that are not visible in one build: reading is
bounded before a byte is read, repairs travel as warnings, nesting is bounded.
"""

from __future__ import annotations

import json
import os
import time
import tracemalloc
from types import SimpleNamespace

import pytest
import yaml

from build_tools.archive.slugs import assign_slugs, slugify
from build_tools.model import Article, Failure, ListBlock, Paragraph, Quote, Strong, Text
from build_tools.model.paths import printable_path
from build_tools.stages import ingest as ingest_module
from build_tools.stages.decode import DecodeError, decode_bytes
from build_tools.stages.ingest import WARNING, ingest, read_dump
from tests.fixtures.hostile.corpus import (
    FIXTURE_CASES,
    HUGE_BYTES,
    article_text,
    generated_cases,
    markdown_html,
    page_body,
    prose,
    run_build,
    write_cases,
)

CASES = {c.name: c for c in FIXTURE_CASES + [c for c, _ in generated_cases()]}
CASES["link-to-secret.txt"] = SimpleNamespace(name="link-to-secret.txt", status="rejected", reason="symbolic link")



@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    root = tmp_path_factory.mktemp("hostile")
    write_cases(root / "raw")
    started = time.monotonic()
    result = run_build(root / "raw", root / "docs", "--report", str(root / "report.json"), "--no-cache")
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads((root / "report.json").read_text(encoding="utf-8"))
    inputs = {item["raw"]: item for item in report["inputs"]}
    return SimpleNamespace(root=root, docs=root / "docs", result=result, report=report, inputs=inputs,
                           elapsed=elapsed)


def entry(hostile: SimpleNamespace, name: str) -> dict:
    key = "raw/" + printable_path(name)
    assert key in hostile.inputs, sorted(hostile.inputs)
    return hostile.inputs[key]


def test_the_build_finishes_with_every_input_accounted_for(hostile):
    assert "Traceback" not in hostile.result.stderr
    assert hostile.elapsed < 60
    names = {"raw/" + printable_path(n) for n in CASES if n != "link-to-secret.txt"}
    assert names <= set(hostile.inputs)


@pytest.mark.parametrize("name", [n for n, c in CASES.items() if c.status == "rejected"])
def test_rejected_input_gets_one_line_reason(hostile, name):
    case = CASES[name]
    item = entry(hostile, name)
    assert item["status"] == "rejected", item
    assert case.reason in item["reason"], item
    lines = [line for line in hostile.result.stderr.splitlines() if line.startswith(f"{item['raw']}: rejected: ")]
    assert len(lines) == 1, hostile.result.stderr
    assert lines[0] == f"{item['raw']}: rejected: {item['reason']}"


@pytest.mark.parametrize("name", [n for n, c in CASES.items() if c.status == "ok" and not n.startswith("report.")])
def test_accepted_input_is_published_on_its_own_page(hostile, name):
    item = entry(hostile, name)
    assert item["status"] == "ok", item
    page = hostile.docs / "articles" / f"{item['slug']}.md"
    front = yaml.safe_load(page.read_text(encoding="utf-8").split("---\n", 2)[1])
    assert front["raw"] == item["raw"]


def test_odd_file_names_get_distinct_url_safe_slugs(hostile):
    odd = ["with space.txt", "中文文件名.txt", "-leading-dash.txt", "new\nline.txt", "a b.txt", "a-b-19d703.txt",
           "folder/b.txt", "folder-b.txt"]
    slugs = {name: entry(hostile, name)["slug"] for name in odd}
    assert len(set(slugs.values())) == len(odd), slugs
    for slug in slugs.values():
        assert slug[0].isalnum() and slug.isascii() and " " not in slug and "/" not in slug


def test_same_name_with_other_extension_gets_its_own_page(hostile):
    md, txt = entry(hostile, "report.md"), entry(hostile, "report.txt")
    assert md["status"] == txt["status"] == "ok"
    assert txt["slug"] == "report" and md["slug"] != txt["slug"]
    note = f"raw/report.md: slug 'report' belongs to report.txt; published as '{md['slug']}' instead"
    assert note in hostile.report["warnings"]
    assert f"warning: {note}" in hostile.result.stderr.splitlines()
    for item in (md, txt):
        front = yaml.safe_load((hostile.docs / "articles" / f"{item['slug']}.md").read_text().split("---\n", 2)[1])
        assert front["raw"] == item["raw"]


def test_byte_identical_dumps_make_one_article(hostile):
    copy = entry(hostile, "portal_a_copy.txt")
    assert copy["status"] == "duplicate"
    assert copy["reason"] == "byte-identical to raw/portal_a.txt"


def test_same_article_from_two_portals_is_one_article_that_names_the_other(hostile):
    a, b = entry(hostile, "portal_a.txt"), entry(hostile, "portal_b.txt")
    assert sorted([a["status"], b["status"]]) == ["duplicate", "ok"], (a, b)
    kept, dup = (a, b) if a["status"] == "ok" else (b, a)
    assert dup["reason"].startswith(f"same article as {kept['raw']}")
    assert dup["slug"] == kept["slug"]
    front = yaml.safe_load((hostile.docs / "articles" / f"{kept['slug']}.md").read_text().split("---\n", 2)[1])
    assert front.get("also_published_by"), front


def test_nothing_is_published_for_rejected_or_duplicate_inputs(hostile):
    published = {p.stem for p in (hostile.docs / "articles").glob("*.md")}
    ok = {i["slug"] for i in hostile.inputs.values() if i["status"] == "ok"}
    assert ok <= published
    for item in hostile.inputs.values():
        if item["status"] == "rejected":
            assert item["slug"] is None


def test_repaired_encodings_are_reported_as_warnings(hostile):
    warnings = "\n".join(hostile.report["warnings"])
    assert "raw/truncated.txt: truncated file" in warnings
    assert "raw/mixed-encodings.txt: mixed encodings" in warnings


def test_hostile_title_is_text_in_front_matter_and_heading(hostile):
    item = entry(hostile, "hostile_page.html")
    page = (hostile.docs / "articles" / f"{item['slug']}.md").read_text(encoding="utf-8")
    front = yaml.safe_load(page.split("---\n", 2)[1])
    assert "</title><script>" in front["title"] and "{{ config.site_name }}" in front["title"]
    html = markdown_html(page_body(page))
    assert "<script" not in html and "{{" in html  # shown, as text


# --- units: bounded reading ------------------------------------------------------


def test_too_large_is_rejected_before_reading(tmp_path):
    big = tmp_path / "big.txt"
    with big.open("wb") as handle:
        handle.truncate(HUGE_BYTES)
    tracemalloc.start()
    started = time.monotonic()
    result = ingest(big, "raw/big.txt")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert isinstance(result, Failure)
    assert result.reason == "too large: 50.0 MB, over the limit of 5.0 MB (settings.MAX_DUMP_BYTES)"
    assert peak < 1024 * 1024 and time.monotonic() - started < 1


def test_a_file_that_grows_while_read_is_still_bounded(tmp_path, monkeypatch):
    path = tmp_path / "growing.txt"
    path.write_bytes(b"x" * 5000)
    real_fstat = os.fstat

    def small_fstat(fd):
        info = real_fstat(fd)
        return os.stat_result((info.st_mode, *tuple(info)[1:6], 10, *tuple(info)[7:]))

    monkeypatch.setattr(ingest_module.os, "fstat", small_fstat)
    result = read_dump(path, "raw/growing.txt", max_bytes=1000)
    assert isinstance(result, Failure) and "grew past the limit of 1000 bytes" in result.reason


def test_a_fifo_is_not_waited_on(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    result = ingest(fifo, "raw/pipe.txt")
    assert isinstance(result, Failure) and result.reason == "not a regular file"


def test_a_symlink_is_never_followed(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text(article_text("secret"), encoding="utf-8")
    (tmp_path / "raw").mkdir()
    link = tmp_path / "raw" / "innocent.txt"
    link.symlink_to(secret)
    result = ingest(link, "raw/innocent.txt")
    assert isinstance(result, Failure)
    assert result.reason == "symbolic link, not a regular file (links are never followed)"


# --- units: decoding --------------------------------------------------------------

BODY = "\n".join(prose("decode"))


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        pytest.param(b"", "empty file (0 bytes)", id="empty"),
        pytest.param(b"   \n\t\n", "empty file: only whitespace (6 bytes)", id="whitespace"),
        pytest.param("\u3000\u00a0\n".encode(), "empty file: only whitespace", id="ideographic spaces"),
        pytest.param(b"\xff\xfe" + " \n".encode("utf-16-le"), "empty file: only whitespace and a byte-order mark",
                     id="utf-16 BOM and blanks"),
        pytest.param(b"%PDF-1.7\n" + bytes(range(256)), "binary file (PDF document), not text", id="pdf"),
        pytest.param(b"\x1f\x8b\x08\x00" + bytes(64), "binary file (gzip archive), not text", id="gzip"),
        pytest.param(b"text\x00" * 100, "binary file (contains NUL bytes), not text", id="nul"),
        pytest.param(bytes(range(128, 256)) * 50, "not text in any supported encoding", id="high bytes"),
    ],
)
def test_undecodable_input_has_a_reason(data, reason):
    with pytest.raises(DecodeError) as error:
        decode_bytes(data)
    assert str(error.value).startswith(reason)


def test_truncated_multibyte_character_is_dropped_with_a_warning():
    decoded = decode_bytes(BODY.encode("utf-8")[:-1])
    assert decoded.text == BODY[:-1]
    assert decoded.warnings == ("truncated file: an incomplete 2-byte character at the end was dropped",)


@pytest.mark.parametrize("encoding", ["gb18030", "big5"])
def test_truncated_legacy_encoding_is_dropped_with_a_warning(encoding):
    text = "英偉達市值蒸發創紀錄，黃仁勳表示市場對這個模型的反應存在誤解。他強調，儘管人們擔心需求可能會下降。"
    decoded = decode_bytes(text.encode(encoding)[:-1])
    assert decoded.text == text[:-1]
    assert decoded.warnings and decoded.warnings[0].startswith("truncated file")


def test_mixed_encodings_are_decoded_line_by_line_with_a_warning():
    lines = prose("mixed", 6)
    data = "\n".join(lines[:3]).encode() + b"\n" + "\n".join(lines[3:]).encode("gb18030")
    decoded = decode_bytes(data)
    assert decoded.text == "\n".join(lines)
    assert decoded.warnings == ("mixed encodings: UTF-8 with 3 in gb18030 of 6 lines, decoded line by line",)


def test_mixed_encodings_inside_one_line():
    line = prose("inside", 1)[0]
    data = line[:20].encode() + line[20:].encode("gb18030")
    assert decode_bytes(data).text == line


def test_a_few_broken_bytes_become_replacement_characters_with_a_warning():
    data = BODY.encode().replace("地方".encode(), b"\xff", 2)
    decoded = decode_bytes(data)
    assert decoded.text.count("\ufffd") == 2
    assert decoded.warnings == ("2 undecodable byte sequences in UTF-8 shown as U+FFFD (first on line 1)",)


def test_many_broken_bytes_are_rejected_with_the_line():
    lines = BODY.split("\n")
    lines[3] = lines[3].encode().replace("地方".encode(), b"\xff").decode("latin-1")
    data = "\n".join(lines[:3]).encode() + b"\n" + lines[3].encode("latin-1") * 20 + b"\n"
    with pytest.raises(DecodeError, match=r"^invalid UTF-8: \d+ byte sequences cannot be decoded \(first on line 4\)"):
        decode_bytes(data)


def test_ingest_attaches_repairs_as_warning_hints(tmp_path):
    path = tmp_path / "cut.txt"
    path.write_bytes(article_text("cut").encode()[:-2])
    article = ingest(path, "raw/cut.txt")
    assert isinstance(article, Article)
    assert [h.value for h in article.hint_values(WARNING)] == [
        "truncated file: an incomplete 2-byte character at the end was dropped"]


def test_long_runs_of_spaces_are_capped_so_later_passes_stay_linear(tmp_path):
    path = tmp_path / "spaces.txt"
    path.write_text(article_text("spaces") + "开始" + " " * 300_000 + "结束\n", encoding="utf-8")
    started = time.monotonic()
    article = ingest(path, "raw/spaces.txt")
    assert isinstance(article, Article)
    assert " " * 65 not in article.text and "开始" + " " * 64 + "结束" in article.text
    assert time.monotonic() - started < 5


# --- units: names -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "shown"),
    [("raw/with space.txt", "raw/with space.txt"), ("raw/中文.txt", "raw/中文.txt"), ("raw/-x.txt", "raw/-x.txt"),
     ("raw/a\nb.txt", "raw/a\\nb.txt"), ("raw/a\tb.txt", "raw/a\\tb.txt"),
     ("raw/bad\udcffname.txt", "raw/bad\\xffname.txt"), ("raw/rtl\u202etxt.exe", "raw/rtl\\u202etxt.exe")],
)
def test_file_names_print_on_one_line(name, shown):
    assert printable_path(name) == shown
    assert printable_path(name).encode("utf-8")


def test_slug_of_an_undecodable_file_name():
    slug = slugify("bad\udcffname.txt")
    assert slug.startswith("bad-name-") and slug.isascii()


def test_assign_slugs_settles_same_name_other_extension():
    slugs = assign_slugs(["report.md", "report.txt", "report", "a b.txt", "a-b-19d703.txt"])
    assert slugs["report.txt"] == ("report", None)
    assert slugs["report.md"][0] != "report" and "belongs to report.txt" in slugs["report.md"][1]
    assert len({s for s, _ in slugs.values()}) == 5


@pytest.mark.slow  # the build CLI in a subprocess
def test_a_file_name_that_is_not_utf8_does_not_stop_the_build(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "good.txt").write_text(article_text("good"), encoding="utf-8")
    (raw / os.fsdecode(b"bad\xffname.txt")).write_text(article_text("bad name"), encoding="utf-8")
    result = run_build(raw, tmp_path / "docs", "--report", str(tmp_path / "report.json"), "--no-cache")
    assert result.returncode == 0, result.stderr
    inputs = {i["raw"]: i for i in json.loads((tmp_path / "report.json").read_text())["inputs"]}
    assert inputs["raw/bad\\xffname.txt"]["status"] == "ok"


# --- units: structure ------------------------------------------------------------------


def test_thousands_of_nested_elements_are_rejected_not_a_crash(tmp_path):
    paragraphs = "".join(f"<p>{p}</p>" for p in prose("deep"))
    path = tmp_path / "deep.html"
    path.write_text("<html><body>" + "<div>" * 5000 + paragraphs + "</div>" * 5000 + "</body></html>")
    result = ingest(path, "raw/deep.html")
    assert isinstance(result, Failure)
    assert result.reason == "too deeply nested to read (thousands of nested HTML elements)"


def test_deep_but_readable_nesting_is_flattened(monkeypatch):
    deep = Paragraph((Text("最里面的话"),))
    for _ in range(200):
        deep = Quote((deep,))
    nested = ListBlock(False, ((deep,),))
    bold = Text("加粗")
    for _ in range(100):
        bold = Strong((bold,))
    blocks = ingest_module.bounded((nested, Paragraph((bold,))))

    def depth(block, level=0):
        children = getattr(block, "blocks", None) or [b for item in getattr(block, "items", ()) for b in item]
        return max([level] + [depth(c, level + 1) for c in children])

    assert max(depth(b) for b in blocks) <= ingest_module.MAX_BLOCK_DEPTH + 1
    assert "最里面的话" in repr(blocks) and "加粗" in repr(blocks)


@pytest.mark.slow  # a timing bound, seconds by design
def test_a_long_line_of_markup_characters_renders_in_bounded_time(tmp_path):
    """Python-Markdown is superlinear in escapes per block: paragraphs are split so mkdocs stays fast."""
    from build_tools.config.corrections import load_overrides
    from build_tools.pipeline import prepare
    from build_tools.settings import Settings
    from build_tools.stages.render.page import render_article

    raw = tmp_path / "raw"
    raw.mkdir()
    path = raw / "line.txt"
    path.write_text("超长的一行\n\n" + "我[<*_`{|}>]#!" * 12_000 + "\n", encoding="utf-8")
    started = time.monotonic()
    article = prepare(path, Settings(raw_dir=raw), load_overrides(tmp_path / "none.yml", []))
    page = render_article(article)
    assert isinstance(page, str)
    html = markdown_html(page_body(page))
    assert time.monotonic() - started < 20
    assert "<script" not in html and html.count("<p>") > 50
