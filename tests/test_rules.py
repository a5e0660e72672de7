"""The cleaning rules (build_tools/config/rules.py): compiled once, asked per line."""

from __future__ import annotations

import re
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from build_tools.config.rules import AnyPattern, load_rules

RULES = load_rules()


@pytest.mark.parametrize(
    "sources",
    [
        ["^a|b"], ["a|b"], [r"^(x|y)z|q"], [r"[|^]a|^b"], [r"\|^a"], [r"(a)\1|^b"], ["(?i)^a|b"], ["^a|"],
        [r"^\d+$|[，,]"], ["^a", "^b|c", "(?P<n>z)"], [r"^[^|]a|b"], [r"[\]|]|^q"],
    ],
)
def test_joined_patterns_find_what_the_patterns_find(sources):
    patterns = tuple(re.compile(s) for s in sources)
    found = AnyPattern(patterns)
    for text in ("a", "b", "xz", "qq", "|a", "^b", "aa", "A", "", "12", "，", "za", "bz", "]", "ca", "z"):
        assert found(text) == any(p.search(text) for p in patterns), (sources, text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["^", "a", "b", "|", "(", ")", "[", "]", "\\", "\\d", "$", "x", "?", "*",
                                          "，"]), max_size=8).map("".join), min_size=1, max_size=3),
       st.lists(st.sampled_from(list("ab|^()[]x1，\\")), max_size=6).map("".join))
def test_joined_patterns_random(sources, text):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # "possible nested set": fine for this test
        patterns = []
        for source in sources:
            try:
                patterns.append(re.compile(source))
            except re.error:
                continue
        found = AnyPattern(tuple(patterns))
    assert found(text) == any(p.search(text) for p in patterns)


@pytest.mark.parametrize(
    "text",
    ["分享", "点赞 12", "本文来自微信公众号 abc", "x 36氪经授权发布", "IP 属地", "继续阅读", "正文内容。", "相关推荐",
     "— 完 —"],
)
def test_the_shipped_rules_joined(text):
    assert RULES.is_junk(text) == any(p.search(text) for p in RULES.junk_lines)
    assert RULES.is_end(text) == any(p.search(text) for p in RULES.end_markers)


@pytest.mark.parametrize(
    ("url", "head", "portals"),
    [
        ("https://mp.weixin.qq.com/s/x", "", ("微信公众号", "腾讯新闻")),  # the most specific host first
        ("https://news.qq.com/a", "", ("腾讯新闻",)),
        ("https://m.sohu.com/a/1", "", ("搜狐",)),
        ("https://sina.com.cn.evil.org/", "", ()),  # a host under another domain is not the portal's
        (None, "正文……炒股就看金麒麟", ("新浪",)),  # a marker in the head
        (None, "nothing here", ()),
    ],
)
def test_portals_by_host_or_marker(url, head, portals):
    assert tuple(p.name for p in RULES.portals_for(url, head)) == portals


@pytest.mark.parametrize(
    ("label", "role"),
    [("作者", "author"), ("記者", "author"), ("责任编辑", "editor"), ("出品", "producer"), ("來源", "via"),
     ("编译", "via"), ("题图", "credit"), ("原创", "credit")],
)
def test_byline_labels_have_one_role_each(label, role):
    assert RULES.byline_roles[label] == role
    assert RULES.byline.match(f"{label}：某某").group("label") == label


def test_portals_named_keeps_the_articles_order():
    assert [p.name for p in RULES.portals_named(("腾讯新闻", "微信公众号", "不存在"))] == ["腾讯新闻", "微信公众号"]
