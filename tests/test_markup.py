"""build_tools.markup.escape_line: the one escaper for a line of a generated page, with each page's rules."""

from __future__ import annotations

import pytest

from build_tools.markup import escape_line

INDEX = {"escape_every_hash": True}
ENTITY = {"braces_as_references": True}

# (text, plain, index pages, entity pages)
CASES = [
    ("普通标题", "普通标题", "普通标题", "普通标题"),
    ("  两行\n标题\t 合并 ", "两行 标题 合并", "两行 标题 合并", "两行 标题 合并"),
    ("\u2028", "", "", ""),
    ("#tag", "\\#tag", "\\#tag", "\\#tag"),
    ("C# | F#", "C\\# \\| F\\#", "C\\# \\| F\\#", "C\\# \\| F\\#"),
    ("a{b}c", "a\\{b\\}c", "a\\{b\\}c", "a&#123;b&#125;c"),
    ("{{ x }} {% y %}", "\\{\\{ x \\}\\} \\{% y %\\}", "\\{\\{ x \\}\\} \\{% y %\\}",
     "&#123;&#123; x &#125;&#125; &#123;% y %&#125;"),
    ("x\\{y", "x\\\\\\{y", "x\\\\\\{y", "x\\\\&#123;y"),
    ("=abc", "&#61;abc", "&\\#61;abc", "&#61;abc"),
    ("?x", "&#63;x", "&\\#63;x", "&#63;x"),
    ("~~~", "&#126;~~", "&\\#126;~~", "&#126;~~"),
    ("1. x", "1\\. x", "1\\. x", "1\\. x"),
    ("- item", "\\- item", "\\- item", "\\- item"),
    ("<b>&</b>", "&lt;b&gt;&amp;&lt;/b&gt;", "&lt;b&gt;&amp;&lt;/b&gt;", "&lt;b&gt;&amp;&lt;/b&gt;"),
    ("[x](y) *z*", "\\[x\\](y) \\*z\\*", "\\[x\\](y) \\*z\\*", "\\[x\\](y) \\*z\\*"),
]


@pytest.mark.parametrize(("text", "plain", "index", "entity"), CASES)
def test_escape_line_per_page(text, plain, index, entity):
    assert escape_line(text) == plain
    assert escape_line(text, **INDEX) == index
    assert escape_line(text, **ENTITY) == entity


def test_escape_line_keyword_only():
    with pytest.raises(TypeError):
        escape_line("x", True)  # type: ignore[misc]
