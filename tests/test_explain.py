"""``build --explain FILE``: each block of one dump with its class and the rule or features that decided it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from build_tools.config.rules import load_rules
from build_tools.explain import explain_lines

PROSE = [
    "今年夏天，这座城市的旧书店迎来了一批特别的读者，他们大多是附近大学的学生，也有不少退休的老人。",
    "店主说，过去十年里书店搬了三次家，每一次都以为撑不下去了，但总有熟客从城市的另一头赶来买书。",
    "为了吸引年轻人，书店在周末举办读书会，讨论的书从地方志到科幻小说都有，参加的人越来越多。",
]
TEXT_DUMP = "# 旧书店里的夏天\n\n作者：王小明\n\n" + "\n\n".join(PROSE) + "\n\n转载请注明出处，未经授权不得转载。\n"
PAGE = ('<html><head><meta charset="utf-8"><title>旧书店里的夏天_示例新闻网</title></head><body>'
        '<ul class="nav"><li><a href="/a">首页</a></li><li><a href="/b">文化</a></li></ul>'
        f'<div class="article-content"><h1>旧书店里的夏天</h1><p>{PROSE[0]}</p>'
        f'<p><img src="https://img.example.cn/1.jpg"></p><p>{PROSE[1]}</p><p>{PROSE[2]}</p></div></body></html>')
LIST_PAGE = "<html><body><ul>" + "".join(f'<li><a href="/n/{i}">另一篇新闻的标题第{i}条</a></li>' for i in range(30)) \
            + "</ul></body></html>"


def _rows(name: str, text: str, tmp_path) -> list[str]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return list(explain_lines(path, load_rules()))


def _row_of(rows: list[str], text: str) -> str:
    return next(row for row in rows if text in row)


@pytest.mark.parametrize(("name", "text", "expected"), [
    # (text on the row, class, the rule or feature the row names)
    ("a.md", TEXT_DUMP, [("作者：王小明", "removed", "byline"), ("作者：王小明", "removed", "author 王小明"),
                         ("转载请注明出处", "removed", "tail:"), (PROSE[0][:20], "kept", "47 chars, 4 marks")]),
    ("b.html", PAGE, [(PROSE[1][:20], "kept", "46 chars"), ("figure", "neutral", "no text")]),
])
def test_each_block_has_its_class_and_reason(tmp_path, name, text, expected):
    rows = _rows(name, text, tmp_path)
    for shown, kind, why in expected:
        row = _row_of(rows, shown)
        assert f" {kind} " in row and why in row, row
    assert any(row.startswith("verdict: published") for row in rows)
    assert _row_of(rows, "title:").startswith("title: 旧书店里的夏天")


def test_a_page_shows_its_shape_and_a_rejection_its_reason(tmp_path):
    page = _rows("b.html", PAGE, tmp_path)
    assert _row_of(page, "page:").startswith("page: ") and "links" in _row_of(page, "page:")
    rows = _rows("list.html", LIST_PAGE, tmp_path)
    verdict = _row_of(rows, "verdict:")
    assert "rejected" in verdict and "not an article" in verdict


@pytest.mark.slow  # three CLI subprocesses
def test_the_cli_prints_it_writes_nothing_and_exits_by_verdict(tmp_path):
    (tmp_path / "a.md").write_text(TEXT_DUMP, encoding="utf-8")
    (tmp_path / "list.html").write_text(LIST_PAGE, encoding="utf-8")
    run = [sys.executable, "-m", "build_tools", "build", "--explain"]
    done = subprocess.run([*run, str(tmp_path / "a.md")], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "tail:" in done.stdout and "verdict: published" in done.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.md", "list.html"]  # no docs/, no cache
    rejected = subprocess.run([*run, str(tmp_path / "list.html")], cwd=tmp_path, capture_output=True, text=True,
                              timeout=120)
    assert rejected.returncode == 1 and "not an article" in rejected.stdout
    missing = subprocess.run([*run, str(tmp_path / "none.md")], cwd=tmp_path, capture_output=True, text=True,
                             timeout=120)
    assert missing.returncode == 2 and "no such file" in missing.stderr
