"""Issue 16, failure class 5 (furniture kept), "page chrome a reader still sees": minimal pages of our own.

Each case is the smallest page that shows one kind of chrome, written for this test (never a copy of a
corpus file), and what a reader must and must not see once the dump is read and cleaned:

* HTML comments are not text: a template's "<!-- /.fontsize -->" markers, "<!-- ad start -->", a whole
  share bar commented out (its markup and its CSS ids read as paragraphs before);
* a font-size switch ("A-A+") and a "join our fan page" call between paragraphs;
* a call to go elsewhere set as a paragraph of one link led by arrows (">>…"); a post's own address
  ("本文链接：…", a blog's copyright box); share-bar labels ("分享：", "朋友圈"), bracketed page controls
  ("【纠错】"), a blog's trackback link and view counter;
* "- THE END -" ends the article like "— 完 —";
* a save tool's heading that is the title's Latin words without its Han characters;
* the page's own "继续阅读" list names the source of a linked article only when it is not this page's
  source, and lists a neighbour once when it is the neighbour both in the archive and in its source.
"""

from __future__ import annotations

import pytest

from build_tools.model import Failure, Neighbour, block_text
from build_tools.stages.clean import clean
from build_tools.stages.render.page import render_article
from tests.factories import article as made_article
from tests.factories import paragraph, read_dump

PROSE = [
    "今年夏天，这座城市的旧书店迎来了一批特别的读者，他们大多是附近大学的学生，也有不少退休的老人。",
    "店主说，过去十年里书店搬了三次家，每一次都以为撑不下去了，但总有熟客从城市的另一头赶来买书。",
    "为了吸引年轻人，书店在周末举办读书会，讨论的书从地方志到科幻小说都有，参加的人越来越多。",
    "有读者在留言本上写道，这里的书未必最新，但每一本都有人认真挑选过，翻开时能感到前一位读者的温度。",
]


def _page(inside: str, title: str = "旧书店里的夏天") -> str:
    return (f'<html><head><meta charset="utf-8"><title>{title}</title></head><body>'
            f"<div class='article-content'><h1>{title}</h1>{inside}</div></body></html>")


def _paras(between: dict[int, str] | None = None) -> str:
    between = between or {}
    return "".join(between.get(i, "") + f"<p>{p}</p>" for i, p in enumerate(PROSE)) + between.get(len(PROSE), "")


def _cleaned(text: str) -> list[str]:
    result = clean(read_dump(text))
    assert not isinstance(result, Failure), result
    return [block_text(b) for b in result.blocks]


def _assert_body(seen: list[str]) -> None:
    assert all(p in seen for p in PROSE), f"body lost: {seen}"


CHROME = {
    "comments": (_paras({1: "<!-- /.fontsize -->", 2: "<!-- ad start --><!-- ad end -->",
                         3: '<!--<div class="social_bar"><ul><li><a href="#">分享</a></li></ul></div>'
                            "<style>#story_bady_info { width: 100%; }</style>-->"}),
                 ["fontsize", "ad start", "social_bar", "分享", "story_bady_info", "width"]),
    "comment_inside_a_paragraph": (f"<p>{PROSE[0]}</p><p>{PROSE[1][:20]}<!-- 广告位 -->{PROSE[1][20:]}</p>"
                                   + "".join(f"<p>{p}</p>" for p in PROSE[2:]), ["广告位"]),
    "font_size_switch": (_paras({1: "<div><a href='#'>A-</a><a href='#'>A+</a></div>"}), ["A-A+", "A- A+"]),
    "fan_page_call": (_paras({4: "<p>加入示例日報粉絲團天天看新聞！</p>"}), ["粉絲團"]),
    "arrow_led_link": (_paras({2: "<p><span><strong><a href='https://example.com/app'>&gt;&gt;点此订阅每日快报"
                                  "</a></strong></span></p>"}), ["订阅每日快报"]),
    "permalink": (_paras({4: "<p>本文链接：<a href='https://example.com/p/1'>https://example.com/p/1</a></p>"}),
                  ["本文链接", "example.com"]),
    "share_labels_and_controls": (
        _paras({1: "<div><a href='#'>分享：</a></div><div>朋友圈</div>",
                4: "<p><a href='javascript:void(0)'>【纠错】</a></p><p>(本文发表于首页随笔, 已被阅读178次)</p>"
                   "<p>本文通告引用(Trackback)链接: /wp-trackback.php?p=1700</p>"}),
        ["分享：", "朋友圈", "纠错", "已被阅读", "Trackback"]),
    "the_end": (_paras({4: "<p class='end'> - THE END - </p><p>作者的其他文章：旧城改造的十年记录</p>"}),
                ["THE END", "其他文章"]),
}


@pytest.mark.parametrize("case", sorted(CHROME))
def test_page_chrome_inside_the_article_is_dropped(case):
    inside, junk = CHROME[case]
    seen = _cleaned(_page(inside))
    _assert_body(seen)
    shown = "\n".join(seen)
    assert not [j for j in junk if j in shown], shown


def test_a_heading_of_the_titles_latin_words_alone_is_not_text():
    """A save tool that cannot write Han characters leaves "Claude Code 101 6 Kimi Code" for the title
    "Claude Code 101:…的 6 个高分插件(亲测 Kimi Code 也能用)" as the clip's first heading."""
    title = "Claude Code 101:普通人都能快速上手的 6 个高分插件(亲测 Kimi Code 也能用)"
    clip = f'---\ntitle: "{title}"\nurl: "https://example.com/p/1"\n---\n\n# Claude Code 101 6 Kimi Code\n\n'
    seen = _cleaned(clip + "\n\n".join(PROSE) + "\n\n## Claude Code 的安装\n\n" + PROSE[0][:30] + "。\n")
    _assert_body(seen)
    shown = "\n".join(seen)
    assert "Claude Code 101 6 Kimi Code" not in shown
    assert "## Claude Code 的安装" in seen  # a heading with Han of its own is the article's


def test_a_product_name_heading_is_kept():
    """A title that merely starts with Latin words ("iPhone 16 发布…") is not stripped to them: the Latin
    words must be the title's runs on both sides of its Han text."""
    clip = '---\ntitle: "iPhone 16 发布会上的新功能"\n---\n\n## iPhone 16\n\n' + "\n\n".join(PROSE) + "\n"
    assert "## iPhone 16" in _cleaned(clip)


def test_neighbours_name_another_source_and_list_a_neighbour_once():
    own = "某某的博客"
    nav = (Neighbour("older", "a", "较早的一篇", "2022-04-15", None, own),
           Neighbour("source-older", "a", "较早的一篇", "2022-04-15", None, own),
           Neighbour("newer", "b", "别处的一篇", "2024-01-02", None, "示例新闻网"))
    related = (Neighbour("related", "c", "相关的一篇", "2023-01-01", None, own),)
    text = render_article(made_article(paragraph("正文。"), meta_fields={"title": "标题", "source": own},
                                       neighbours=nav, related=related))
    tail = text.split("# 标题", 1)[1]
    assert own not in tail, tail
    assert tail.count("(a.md)") == 1 and "- 同一来源 · 较早：[较早的一篇](a.md) · 2022-04-15\n" in tail
    assert "- 较新：[别处的一篇](b.md) · 2024-01-02 · 示例新闻网" in tail
    assert "- [相关的一篇](c.md) · 2023-01-01\n" in tail


RULES = ["本站对留言系统使用者发布的文字、图片或档案保有修改或移除的权利，使用留言服务即表示同意以下规则。",
         "请勿重复刊登一样的文章，或大意内容相同、类似的文章；请不要刊登与主题无关的内容，谢谢配合。",
         "发言涉及攻击、侮辱、影射或其他违反善良风俗、法令的内容，本站将会直接移除，并限制发言权限。",
         "请勿以发文、回文等方式进行商业广告、骚扰网友等行为，一经发现，将会封锁账号，不另行通知。"]


def test_a_comment_sections_folded_rules_are_not_the_article():
    """A short article above a comment section whose rules are folded away (Bootstrap ``collapse``): the
    rules hold more sentences than the article, but a reader sees them only after a click, so they are no
    sign that the section named "comments" is the article."""
    rules = "".join(f"<p>{r}</p>" for r in RULES[:2]) + "<ul>" + "".join(f"<li>{r}</li>" for r in RULES[2:]) + "</ul>"
    article = "".join(f"<p>{p}</p>" for p in PROSE[:3])
    text = ('<html><head><meta charset="utf-8"><title>旧书店里的夏天</title></head><body><article>'
            f"<h1>旧书店里的夏天</h1><div class='article-body'>{article}</div>"
            f"<section id='comments' class='comments'><div class='collapse comment-rules'>{rules}</div>"
            "</section></article></body></html>")
    seen = _cleaned(text)
    assert all(p in seen for p in PROSE[:3]), seen
    assert not [r for r in RULES if r in seen], seen


def test_a_one_paragraph_news_brief_is_an_article():
    """103 characters under a photo: a news brief, not a page without an article."""
    brief = ("北市士林区一处民宅，16日下午1时48分传出一对97岁母亲和75岁儿子在阳台储物间身亡的消息，消防局据报派出人车"
             "赶到现场，两人已无生命迹象，警方正在调查事件原因，详细情况仍待进一步确认，家属表示希望外界不要打扰。")
    assert 100 <= len(brief) < 120
    text = ('<html><head><meta charset="utf-8"><title>士林母子身亡</title></head><body><article>'
            f"<h1>士林母子身亡</h1><figure><img src='a.jpg'></figure><p>{brief}</p></article></body></html>")
    assert brief in _cleaned(text)
