"""Issue 16, the class "credits, bylines, source and repost lines": a reader never sees them, metadata reads them.

Each case is a minimal page written for this test (never a copy of a corpus file): the credit line where
pages put it, above the article's first prose or after its last, alone in its paragraph or one line of a
paragraph joined by <br>.  Each asserts what a reader must (and must not) see, and what metadata reads
from the line: authors, outlet and date only where the line states them.
"""

from __future__ import annotations

import pytest

from build_tools.model import Article, Break, Paragraph, block_text
from build_tools.stages.readers import read
from tests.factories import assert_kept, prepared, seen

PROSE = [
    "河边的老码头今年春天重新开放，来往的渡船换成了电动船，清早赶集的村民说船比以前安静多了。",
    "码头管理处介绍，改造用了整整两年，旧的石阶保留了下来，只在边上加装了扶手和夜间照明。",
    "附近小学的老师带着学生来写生，孩子们画下了停在岸边的渡船，也画下了正在修补渔网的老人。",
    "一位在码头卖了三十年早点的摊主说，人多了生意也好了，他打算明年把摊子搬进新盖的廊棚里。",
    "管理处还在码头旁边开了一间小小的陈列室，展出老船票、旧船钉和几张发黄的渡口照片。",
    "到了傍晚，散步的人沿着河堤走到码头，看最后一班渡船靠岸，然后再慢慢走回镇上。",
]
PARAS = "".join(f"<p>{p}</p>" for p in PROSE)
HEAD = '<head><meta charset="utf-8"><title>老码头重新开放</title></head>'


def html(body: str, head: str = HEAD) -> str:
    return f"<!DOCTYPE html><html>{head}<body><div class='article'><h1>老码头重新开放</h1>{body}</div></body></html>"


def built(text: str, path: str = "raw/case.html") -> Article:
    return prepared(text, path)


def assert_prose_kept(article: Article) -> None:
    assert_kept(article, PROSE)


# --- the credit lines: gone from the body, read by metadata --------------------------------------------------

BR_PROSE = "<br />".join(PROSE)

CASES = {
    # A reporter's byline behind a box bullet, alone after the last paragraph.
    "reporter_after_text": (html(f"{PARAS}<p>□ 本报记者 王小明</p>"), ["本报记者", "王小明"],
                            {"authors": ("王小明",)}),
    # Outlet, date and reporter / where from, as the first line of a paragraph joined by <br>.
    "dateline_in_br_paragraph": (html(f"<p>示例新报2023.05.06 李大同/台中報導<br />{BR_PROSE}</p>"),
                                 ["示例新报", "台中報導"],
                                 {"authors": ("李大同",), "date": "2023-05-06", "source": "示例新报"}),
    # A translated piece: author, translator and date lines in one <br> paragraph above the text (an editor's
    # StartFragment comment among them), where it first appeared after it.
    "translated_piece": (html("<font size='2'>作者： 张三 (John Smith)<br />译： Li Lei <br />"
                              "<!--StartFragment -->2006年3月4日 <br /></font>"
                              f"{PARAS}<p>本文最先用英文出版，题为 <a href='http://example.com/a'>Some Title</a></p>"),
                         ["译：", "Li Lei", "StartFragment", "2006年3月4日", "本文最先"],
                         {"authors": ("张三",), "date": "2006-03-04"}),
    # An old forum's whole post in one <br> paragraph: the authors' names under the title, their institution and
    # the journal it was excerpted from after the text.
    "journal_excerpt": (html("<p><b>老码头重新开放</b><br><br>老码头重新开放 <br />&nbsp;<br />王小明、李小红 <br />"
                             "&nbsp;<br />" + "<br />&nbsp;<br />".join(PROSE) + "<br />&nbsp;<br />"
                             "【作者单位：某某大学社会学系】 <br />&nbsp;<br />"
                             "(摘自《某某学刊》2001年第3期，原文约8，000字)《文摘》2001年第5期 <br /></p>"),
                        ["王小明", "作者单位", "摘自"],
                        {"authors": ("王小明", "李小红"), "source": "某某学刊"}),
    # A source line naming the outlet (linked) and the time, above the text.
    "source_and_time": (html("<div class='info'><span>来源：<a href='https://example.com/app'>示例日报</a></span>"
                             f"<span>2024-05-13 08:49</span></div>{PARAS}"),
                        ["来源"], {"source": "示例日报", "date": "2024-05-13"}),
    # The account and its time in a heading's spans, glued together: "原创：示例健康网2024-04-23 12:27:25".
    "account_and_time_heading": (html(f"<h4><span>原创：</span><span>示例健康网</span><span>2024-04-23 12:27:25</span>"
                                      f"</h4>{PARAS}"),
                                 ["原创", "示例健康网"], {"source": "示例健康网", "date": "2024-04-23"}),
    # The page's own address after the text.
    "permalink_after_text": (html(f"{PARAS}<p>本文链接：<a href='https://example.com/37/'>https://example.com/37/</a>"
                                  "</p>"), ["本文链接"], {}),
}


@pytest.mark.parametrize("name", CASES)
def test_credit_lines_leave_the_body(name):
    text, junk, _ = CASES[name]
    article = built(text)
    assert_prose_kept(article)
    body = seen(article)
    shown = [j for j in junk if j in body]
    assert not shown, f"{name}: a reader still sees {shown}"


@pytest.mark.parametrize("name", [n for n in CASES if CASES[n][2]])
def test_metadata_reads_what_the_credit_line_states(name):
    text, _, expected = CASES[name]
    meta = built(text).meta
    got = {"authors": meta.authors, "date": meta.date, "source": meta.source}
    assert {k: got[k] for k in expected} == expected


def test_a_repost_notice_above_a_clip_leaves_the_body_and_names_the_account():
    clip = ("# 老码头重新开放\n\n本文来自微信公众号：[示例周刊 （ID：example_weekly）](http://mp.weixin.qq.com/s?__biz=MzU1)"
            "，作者：张三，编辑：李四，原文标题：《码头的春天》\n\n" + "\n\n".join(PROSE) + "\n")
    article = built(clip, "raw/clip.md")
    assert_prose_kept(article)
    assert "本文来自" not in seen(article)
    assert article.meta.original_source == "示例周刊"
    assert "张三" in article.meta.authors and article.meta.date is None  # no date stated, none invented


# --- what a reader sees of <br> paragraphs -------------------------------------------------------------------


def test_a_blank_line_of_br_ends_a_paragraph_and_comments_are_no_text():
    blocks = read(html("<p>第一段。<br><br>第二段。<!-- 正文 end --></p>")).blocks
    assert [block_text(b) for b in blocks if isinstance(b, Paragraph)][-2:] == ["第一段。", "第二段。"]


def test_a_kept_br_paragraph_keeps_its_line_breaks():
    poem = "<p>春水碧于天，<br>画船听雨眠。<br>垆边人似月，<br>皓腕凝霜雪。</p>"
    article = built(html(f"{PARAS}{poem}{PARAS.replace('河边', '江边')}"))
    kept = [b for b in article.blocks if isinstance(b, Paragraph) and "春水" in block_text(b)]
    assert len(kept) == 1 and sum(isinstance(n, Break) for n in kept[0].inlines) == 3


def test_a_hotline_on_a_later_line_of_the_last_paragraph_ends_nothing_after_it():
    # The paragraph's later lines are the article's text running on; the caption after it is judged alone.
    text = html(f"{PARAS}<p>{PROSE[0]}<br>自殺防治諮詢安心專線：0800-788995</p>"
                "<p>码头旁的陈列室里展出的老船票。王小明攝</p>")
    assert "老船票。王小明攝" in seen(built(text))


def test_a_run_of_notices_under_a_short_report_is_a_footer():
    # A brief of two sentences, then a hotline box and a long comment policy: the box starts the footer even
    # though the brief is short beside the policy.
    policy = "".join(f"<p>本网对留言系统使用者发布的文字保有修改或移除的权利，第{i}条规定请使用者在发言前详细阅读，"
                     "违反规定者本网有权删除留言或者直接封锁帐号，谢谢合作。</p>" for i in range(8))
    text = html(f"<p>{PROSE[0]}{PROSE[1]}{PROSE[2]}</p><p>★示例新报关心您：再给自己一次机会</p>"
                f"<p>自杀咨询专线：0800-000000</p>{policy}")
    body = seen(built(text))
    assert PROSE[0] in body and "关心您" not in body and "留言系统" not in body
