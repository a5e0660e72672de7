"""One minimal example per failure class of the extraction issue (issue 16), built through the CLI.

Each dump here is written for this test (never a copy of a corpus file): the smallest page that shows the
failure, then what a reader must (and must not) see on the built page.  The classes:

1. saved HTML recognised as HTML whatever precedes <html> (comment, doctype, BOM, whitespace);
2. titles: no site or section suffix, no channel menu line, headline preferred to the tab title;
3. non-articles rejected with a reason (thread list, login page, list page);
4. the body is not cut short (a layout table, the article inside a container named "share");
5. furniture dropped (comment threads, reader-mode banner, copyright and hotline notices, teaser streams);
6. metadata: the visible dateline and <meta>/itemprop dates are read; a clipper's note date is not a
   publication date.

Added with the second round (each fails on the code before it):
2b. the file's name states the title of a clip that never repeats it ("标题 - 站点.md"); a text dump's first
    short line is its title only when it agrees with that name; a repost's "原标题：" line states the title
    of a copy that lost its own; a paged view's "(页 1)" is not in the title;
3b. a paywall / expired-archive teaser, a list of results (linked headline + snippet, again and again) and a
    note of callouts about an article are not articles;
5b. a bookmark tool's own summary above the Jina Reader output it saved is not the article; a "follow @account" or
    "↓↓ tap the title for another story" prompt ends the article (the teasers and notices after it go).

Added with the third round (each fails on the code before it):
2c. a lower heading (<h2>–<h6>) the tab title starts with is the title, without the suffix glued on by "-";
    a tab title naming only the forum or blog yields to the post's "主题：" subject, or to the entry's bold
    line above the text that the text opens with again;
5c. page controls and labels between paragraphs (font-size switch, tag label, a contact line, a blog's
    "相关日志") and an author's card after a reward appeal ("…二维码捐助作者", "小礼物走一走") are dropped;
6b. dates stated away from the text: a dateline above a share bar of empty icons, a blog engine's "三月 9th,
    2011", a CMS's publication-date property in a comment, a page copy's stats line above the text; and a
    date above the headline (a portal's top bar showing today, a header's crawl day above an entry that
    states its own "September 10th, 2005") is not the article's.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

pytestmark = pytest.mark.slow  # one build per dump

PROSE = [
    "今年夏天，这座城市的旧书店迎来了一批特别的读者，他们大多是附近大学的学生，也有不少退休的老人。",
    "店主说，过去十年里书店搬了三次家，每一次都以为撑不下去了，但总有熟客从城市的另一头赶来买书。",
    "为了吸引年轻人，书店在周末举办读书会，讨论的书从地方志到科幻小说都有，参加的人越来越多。",
    "有读者在留言本上写道，这里的书未必最新，但每一本都有人认真挑选过，翻开时能感到前一位读者的温度。",
    "附近的咖啡馆也与书店合作，凭书店的小票可以打折，两家店的老板说这样的合作让街区更有生气。",
    "书店的收入仍然不高，店主靠出租二楼的工作室补贴开支，他说只要房租不再上涨，就会一直开下去。",
]
PARAS = "".join(f"<p>{p}</p>" for p in PROSE)
NAV = "".join(f'<li><a href="/c{i}">频道{i}</a></li>' for i in range(12))
RELATED = "".join(f'<li><a href="/n/{i}.html">另一篇新闻的标题第{i}条，讲的是别的事情</a>'
                  '<p>这是另一篇新闻的摘要，与本文无关。</p></li>' for i in range(8))
HEAD = '<head><meta charset="utf-8"><title>旧书店里的夏天_文化频道_示例新闻网</title>' \
       '<meta property="og:site_name" content="示例新闻网"></head>'


def page(body: str, head: str = HEAD, before: str = "") -> str:
    footer = "<div class='footer'>关于我们 联系我们 版权所有</div>"
    return f"{before}<html>{head}<body><ul class='nav'>{NAV}</ul>{body}{footer}</body></html>"


ARTICLE = f"<div class='main'><h1>旧书店里的夏天</h1><div class='info'>2024-07-05 10:20 来源：示例新闻网</div>" \
          f"<div class='article-content'>{PARAS}</div></div>"

DIGEST = ["城南旧书店十年搬家三次的故事", "退休教师在旧书店里找到的地方志", "大学生周末读书会一年回顾",
          "旧书店与咖啡馆合作的小街区", "从城市回到乡下开书店的人", "二楼工作室如何养活一家书店",
          "留言本上的一百条读者留言", "科幻小说为何在旧书店最好卖"]
SMALL_PRINT = ["转载请保留原文链接谢谢！",
               "本站所有文章出自互联网收集整理，本站不参与制作，如果侵犯了您的合法权益，请联系本站我们会及时删除。",
               "本站发布的资源来源于互联网，可能存在水印或者引流等信息，请用户擦亮眼睛自行鉴别，做一个有主见的用户。",
               "本站资源仅供研究、学习交流之用，若使用商业用途，请购买正版授权，否则产生的一切后果由用户自行承担。"]
QUOTED = ["“及时享乐”", "“真人秀”", "“旧书”", "……"]  # each short enough to read as a menu item
SIMPREAD = "> 本文由 [简悦 SimpRead](http://ksria.com/simpread/) 转码， 原文地址 [news.example.cn](https://news.example.cn/a/5.html)\n\n"
RESULTS = "".join(f'<div class="item"><h2><a href="/q/{i}">旧书店第{i}个问题怎么回答才好</a></h2>'
                  f'<p>网友{i}：{PROSE[i % 6]}{PROSE[(i + 1) % 6]}</p></div>' for i in range(12))
CALLOUT_NOTE = ("---\ntitle: 旧书店里的夏天\ncreated: 2023-04-07\n---\n\n> [!example]- 🧷内部链接 🌐外部链接\n\n"
                "> [!md] Metadata\n> 标题:: 旧书店里的夏天\n> 日期:: [[2023-04-07]]\n\n## Annotations\n\n"
                + "".join(f"> [!srhl{i}] [[SR1@旧书店里的夏天|📄]] Highlights\n> {PROSE[i][:30]}\n\n"
                          for i in range(4)))
JINA_INSIDE = ("---\ntitle: 旧书店里的夏天\n---\n## TL;DR\n"
               "这篇文章讲述了一家旧书店在夏天迎来新读者的故事，店主坚持经营，书店与咖啡馆合作，"
               "读书会吸引了年轻人，作者认为这样的书店让街区更有生气。\n## Summary\n"
               "**摘要**：本文介绍了一家旧书店如何在十年里三次搬家仍坚持下来的经历，以及它如何吸引年轻读者。\n"
               "## Full Content\n"
               "Title: 旧书店里的夏天\n\nURL Source: https://news.example.cn/a/6.html\n\nMarkdown Content:\n"
               + "\n\n".join(PROSE) + "\n")

CASES: dict[str, str] = {
    # 1. what precedes <html>
    "saved_from_url.html": page(ARTICLE, before="<!-- saved from url=(0040)https://news.example.cn/a/1.html -->\n"),
    "doctype_bom.html": "\ufeff  \n" + page(ARTICLE, before="<!DOCTYPE html>\n"),
    "crawler_comment.htm": page(ARTICLE, before="<!--https://news.example.cn/a/2.html-->"),
    # 2. titles
    "tab_title_with_slogan.html": page(
        "<div><h3 class='title'>旧书店里的夏天</h3>" + f"<div class='content'>{PARAS}</div></div>",
        head='<head><meta charset="utf-8"><title>示例网 一个有观点的新媒体！</title></head>'),
    "site_first_tab_title.html": page(
        f"<div><p><b>旧书店里的夏天</b></p>{PARAS}</div>",
        head='<head><meta charset="utf-8"><title>Old Books Weekly - 旧书店里的夏天</title></head>'),
    # 2b. the file's name
    "旧书店里的夏天 - 示例新闻网.md": SIMPREAD + "\n\n".join(PROSE) + "\n",
    "旧书店里的夏天_示例新闻网.txt": "“书店还开着吗”\n\n" + "\n\n".join(PROSE) + "\n",
    "3f2a9c1e0b7d4e6a.txt": "旧书店里的夏天\n\n" + "\n\n".join(PROSE) + "\n",
    "jsonld_agrees_with_tab.html": page(
        "<h1>示例新闻网 首页 即时 文化 生活</h1><div class='text'><h3>书店门口的旧招牌。（图／示例）</h3>"
        + PARAS + "</div>",
        head='<head><meta charset="utf-8"><title>旧书店里的夏天 - 文化 - 示例新闻网</title>'
             '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "旧书店里的夏天"}'
             '</script></head>'),
    "12.txt": "【摘要：一家旧书店在城市里坚持了十年，迎来了新的读者。】\n原标题：旧书店里的夏天\n"
              + "\n".join(PROSE) + "\n",
    "paged_view.html": page(f"<div class='postmessage'>{PARAS}</div>", head='<head><meta charset="utf-8"><title>'
                            "旧书店里的夏天(页 1) - 读书 - 示例论坛 - powered by Discuz! Archiver</title></head>"),
    # 3. non-articles
    "thread_list.html": page("<table class='threads'>" + "".join(
        f"<tr><td><a href='/t/{i}'>帖子标题第{i}个</a></td><td>作者{i}</td><td>{i}</td></tr>" for i in range(40))
        + "</table>"),
    "login.html": page("<form class='login'><p>邮箱帐号登录</p><input name='u'><input name='p'>"
                       "<button>登录</button><a href='/reg'>注册新帐号</a><a href='/forget'>忘记密码</a></form>"),
    "news_list.html": page(f"<ul class='list'>{RELATED}</ul>"),
    "expired_teaser.html": page("<div class='main'><h1>旧书店里的夏天</h1><div class='info'>2024-07-05 10:20</div>"
                                f"<div class='article-content'>{''.join(f'<p>{p}</p>' for p in PROSE[:3])}"
                                "<p>您浏览的新闻已过查询时效，建议您加入本网付费会员查看全文。</p></div></div>"),
    "search_results.html": page(f"<div class='results'>{RESULTS}</div>",
                                head='<head><meta charset="utf-8"><title>旧书店 - 示例问答</title></head>'),
    "callout_note.md": CALLOUT_NOTE,
    "jina_inside_summary.md": JINA_INSIDE,
    "other_answers.md": SIMPREAD + "\n\n".join(PROSE) + "\n\n**书店还开着**\n\n"
                        "![](data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
                        "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==)读书人甲\n\n"
                        "我也来说两句，这家书店我去过很多次，老板推荐的书都很好看，下次还会再去的，推荐给大家。\n",
    "credits_and_appeals.md": "# 旧书店里的夏天\n\n記者王小明／台北報導\n\n" + "\n\n".join(PROSE)
                              + "\n\n你去过这样的书店吗？评论区聊聊吧\n\n编｜李小红\n\n"
                              "（作者是本地的书评人。本文仅代表作者观点。）\n\n还没有人赞赏，支持一下\n\n"
                              "請加入成為本網的月費訂戶，長期支持我們的工作。\n",
    "follow_prompt_tail.md": "# 旧书店里的夏天\n\n" + "\n\n".join(PROSE) + "\n\n**点击关注** @旧书店老板 2020\n\n"
                             "了解更多书店的故事\n\n↓↓↓↓点击标题，看另一个故事↓↓↓↓\n\n"
                             "[从城市回到乡下开一家书店的人](https://news.example.cn/a/7.html)\n\n"
                             "#我的故事#【本组图文独家发布，严禁转载】\n",
    # 4. body kept whole
    "layout_table.html": page("<table><tr><td class='side'><a href='/a'>首页</a><br><a href='/b'>博客</a></td>"
                              f"<td><h2>旧书店里的夏天</h2>{PARAS}</td></tr></table>"),
    "share_named_wrapper.html": page(f"<div id='real' class='js_img_share_area'><h1>旧书店里的夏天</h1>{PARAS}</div>"),
    # 4b. a technical article's highlighted code: the highlighter's "comment" tokens are code, not a comment
    # thread, and each <br> it ends a line with is a line break
    "highlighted_code.html": page(
        f"<article><h1>旧书店里的夏天</h1>{PARAS}<pre><code class='hljs'>"
        "<span class='hljs-comment'># 复制文件到容器内部去</span><br>"
        "<span class='line'>docker cp ./books.csv shop:/data/</span><br>"
        "<span class='line'><span class='comment'>// 书店的库存</span></span><br>"
        "<span class='line'>const stock = 42;</span></code></pre></article>"),
    # 4c. a digest: two sentences and the list of linked headlines it is about, in a post with a table of contents
    # and a box of small print longer than its own prose
    "digest_post.html": page(
        "<article class='post'><h1>旧书店里的夏天</h1><div class='entry-content'>"
        "<div class='toc'><b>文章目录</b> <a href='#'>显示</a><div><a href='#s1'>1 本周书单</a></div>"
        "<div><a href='#s2'>2 往期回顾</a></div><div><a href='#s3'>3 更多</a></div></div>"
        "<h3 id='s1'>本周书单</h3><p>这一周我们走访了城里的几家旧书店，和店主、熟客聊了聊他们最近在读什么。"
        "大家推荐最多的文章都整理在下面，欢迎按编号挑着读。</p>"
        "<h4 id='s2'>往期回顾</h4>" + "".join(f"<p>{i}、<a href='/b/{i}'>{t}</a></p>" for i, t in enumerate(DIGEST, 1))
        + "<div class='post-note'><ol>" + "".join(f"<li><small>{n}</small></li>" for n in SMALL_PRINT)
        + "</ol></div></div></article>"),
    # 4d. quoted words one per line, near the top: the article quotes them, no menu does
    "quoted_words.html": page(
        f"<div class='article-content'><p>{PROSE[0]}</p>" + "".join(f"<p>{q}</p>" for q in QUOTED)
        + "".join(f"<p>{p}</p>" for p in PROSE[1:]) + "</div>"),
    # 5. furniture
    "comments_and_notices.html": page(
        f"<article><h1>旧书店里的夏天</h1>{PARAS}<p>转载请注明出处，未经授权不得转载。</p>"
        "<p>★示例新闻网关心您：再给自己一次机会</p><p>自杀防治专线：0800-000000</p></article>"
        "<div class='commentlist'>" + "".join(
            f"<div class='comment-body'><p>网友{i}：写得真好，我也去过这家书店，老板人很好，下次还会再去的。</p></div>"
            for i in range(6)) + "</div>"
        f"<div class='stream'><ul>{RELATED}</ul></div>"),
    "simpread_banner.md": "> 本文由 [简悦 SimpRead](http://ksria.com/simpread/) 转码， 原文地址 "
                          "[news.example.cn](https://news.example.cn/a/3.html)\n\n" + "\n\n".join(PROSE) + "\n",
    # 6. metadata
    "itemprop_date.html": page("<div><h1>旧书店里的夏天</h1>"
                               "<span itemprop='datePublished' content='2023-03-09T08:00:00+08:00'>"
                               f"三月九日</span><div class='text'>{PARAS}</div></div>"),
    "script_date.html": page("<div><h1>旧书店里的夏天</h1><script>var publishtime=\"2021年3月4日08:00\";</script>"
                             f"<div class='text'>{PARAS}</div></div>"),
    "date_class.html": page(f"<div><h1>旧书店里的夏天</h1><span class='pub-time'>2020-05-06 10:00</span>{PARAS}</div>"),
    "url_date.html": page(f"<div><h1>旧书店里的夏天</h1>{PARAS}</div>", head=HEAD.replace(
        "</head>", '<meta property="og:url" content="https://news.example.cn/n/2019/08/07/123.html"></head>')),
    "clip_note.md": "---\ntitle: 旧书店里的夏天\ndate: 2026-04-19\nurl: https://news.example.cn/a/4.html\n---\n\n"
                    + "\n\n".join(PROSE) + "\n",
    # 6b. dates the dump states, further from the text; and a date that is not the article's
    "share_bar_dateline.html": page("<div><h1>旧书店里的夏天</h1><p class='info'>2018年4月3日 09:15</p><div>"
                                    + "<span> <a href='#s'> <i> </i> </a> </span>\n" * 20
                                    + f"</div><div class='text'>{PARAS}</div></div>"),
    "month_name_date.html": page(f"<div><h2>旧书店里的夏天</h2><span>三月 9th, 2011</span><div>{PARAS}</div></div>"),
    "comment_property_date.html": page(f"<div><h1>旧书店里的夏天</h1><div class='text'>{PARAS}</div></div>")
    + "<!--articleproperty <publishdate>2017-06-08</publishdate> <author>王</author>-->",
    "crawl_day_header.html": page("<table><tr><td>2006年12月27日（京港台时间）</td><td><a href='/'>多维主页</a></td>"
                                  "</tr></table><table><tr><td><p>Saturday, September 10th, 2005 &nbsp; 10:56 am</p>"
                                  f"<p align='center'>旧书店里的夏天</p>{PARAS}</td></tr></table>"),
    "top_bar_today.html": page(f"<div><p>2026年1月2日 星期五</p><h1>旧书店里的夏天</h1><div>{PARAS}</div></div>"),
    "旧书店里的夏天 - 示例社区.md": SIMPREAD + "2019.04.03 09:15:02 字数 1,024 阅读 356\n\n"
                                    + "\n\n".join(PROSE) + "\n",
    # 5c. page controls and labels between the paragraphs; an author's card after a reward appeal
    "page_controls.html": page(
        "<article><h1>旧书店里的夏天</h1><p>字級設定：<a href='#1'>小</a><a href='#2'>中</a><a href='#3'>大</a></p>"
        f"{''.join(f'<p>{p}</p>' for p in PROSE[:3])}<p>標籤：<a href='/t/1'>#書店</a><a href='/t/2'>#夏天</a></p>"
        f"{''.join(f'<p>{p}</p>' for p in PROSE[3:])}<p>教程交流： dushu2024</p>"
        "<h4>相关日志</h4><p><a href='/e/9'>城里的另一家书店也要关门了</a></p></article>"),
    "reward_tail.md": "# 旧书店里的夏天\n\n" + "\n\n".join(PROSE)
                      + "\n\n如果您喜欢本文，请扫描下面的二维码捐助作者。\n\n谢谢您的支持！也欢迎您订阅本刊。\n\n"
                      "Old Books -- Read on the Web\n\n"
                      "\"小礼物走一走，来示例社区关注我\"\n",
    "forum_subject.html": page(
        "<table><tr><td class='large'><b>主题：</b>书店还开着吗？旧书店里的夏天</td></tr>"
        "<tr><td>作者：读书人 时间：2024-01-02 10:00</td></tr>" f"<tr><td>{PARAS}</td></tr></table>",
        head='<head><meta charset="utf-8"><title>SHILI.com- 示例论坛 :: null</title></head>'),
    "blog_entry.html": page(
        "<table><tr><td><strong><a href='/c/2'>[随笔]</a><a href='/e/1'>旧书店里的夏天</a></strong><br>"
        "<a href='/u'>dtyy</a> 发表于 2005-9-15 11:46:00</td></tr>"
        f"<tr><td><p>旧书店里的夏天<br>&nbsp;<br>{PROSE[0]}</p>{''.join(f'<p>{p}</p>' for p in PROSE[1:])}</td></tr>"
        "</table>", head='<head><meta charset="utf-8"><title>Example blog--洞庭一叶</title></head>'),
    "glued_suffix.html": page(f"<div><h4>旧书店里的夏天</h4><div class='text'>{PARAS}</div></div>", head=(
        '<head><meta charset="utf-8"><title>旧书店里的夏天-示例技术周刊</title></head>')),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[dict, dict]:
    """Each dump built alone (they share their prose, so together they would be duplicates of each other)."""
    inputs, pages = {}, {}
    for name, text in CASES.items():
        work = tmp_path_factory.mktemp("case")
        raw = work / "raw"
        raw.mkdir()
        (raw / name).write_text(text, encoding="utf-8")
        docs, report = work / "docs", work / "report.json"
        done = subprocess.run([sys.executable, "-m", "build_tools", "build", "--raw", str(raw), "--docs", str(docs),
                               "--report", str(report), "--no-cache", "--quiet", "--jobs", "1",
                               "--entities", str(ROOT / "entities.yml")],
                              cwd=work, capture_output=True, text=True, timeout=300)
        assert report.exists(), done.stderr
        inputs.update({Path(i["raw"]).name: i for i in json.loads(report.read_text(encoding="utf-8"))["inputs"]})
        for md in (docs / "articles").glob("*.md"):
            text = md.read_text(encoding="utf-8")
            if text.startswith("---\n") and "\nraw:" in text.split("\n---", 1)[0]:
                front, body = text[4:].split("\n---\n", 1)
                meta = yaml.safe_load(front)
                pages[Path(meta["raw"]).name] = (meta, body)
    return inputs, pages


def _article(built, name):
    inputs, pages = built
    assert inputs[name]["status"] == "ok", inputs[name]
    return pages[name]


@pytest.mark.parametrize("name", ["saved_from_url.html", "doctype_bom.html", "crawler_comment.htm"])
def test_saved_pages_are_read_as_html(built, name):
    meta, body = _article(built, name)
    assert "<html" not in body and "<p>" not in body and "频道3" not in body
    assert all(p in body for p in PROSE)
    assert meta["title"] == "旧书店里的夏天"


@pytest.mark.parametrize(("name", "title"), [
    ("saved_from_url.html", "旧书店里的夏天"),  # "<title>旧书店里的夏天_文化频道_示例新闻网" agrees with the <h1>
    ("tab_title_with_slogan.html", "旧书店里的夏天"),  # the tab says only the site's slogan
    ("site_first_tab_title.html", "旧书店里的夏天"),  # "Site - Headline": the piece the page itself shows
    ("simpread_banner.md", None),  # no title stated: never the clipper's banner line
])
def test_titles_without_site_names_or_chrome(built, name, title):
    meta, _ = _article(built, name)
    if title:
        assert meta["title"] == title
    assert "简悦" not in meta["title"] and "示例新闻网" not in meta["title"] and "频道" not in meta["title"]


@pytest.mark.parametrize("name", ["thread_list.html", "login.html", "news_list.html", "expired_teaser.html",
                                  "search_results.html", "callout_note.md"])
def test_non_articles_are_rejected_with_a_reason(built, name):
    inputs, _ = built
    assert inputs[name]["status"] == "rejected"
    assert "not an article" in inputs[name]["reason"]


@pytest.mark.parametrize("name", ["layout_table.html", "share_named_wrapper.html", "comments_and_notices.html"])
def test_the_whole_body_is_kept(built, name):
    _, body = _article(built, name)
    assert all(p in body for p in PROSE), body


def test_highlighted_code_is_kept_line_by_line(built):
    _, body = _article(built, "highlighted_code.html")
    assert ("# 复制文件到容器内部去\ndocker cp ./books.csv shop:/data/\n// 书店的库存\nconst stock = 42;"
            in body), body


def test_a_digest_keeps_its_linked_headlines(built):
    _, body = _article(built, "digest_post.html")
    assert "大家推荐最多的文章都整理在下面" in body
    assert all(f"{i}、{t}" in body for i, t in enumerate(DIGEST, 1)), body
    for junk in ("转载请保留", "本站", "文章目录", "显示"):  # small print and the table of contents are not text
        assert junk not in body, junk


def test_quoted_words_one_per_line_are_not_a_menu(built):
    _, body = _article(built, "quoted_words.html")
    assert all(q in body for q in QUOTED) and all(p in body for p in PROSE), body


def test_comments_notices_and_teasers_are_dropped(built):
    _, body = _article(built, "comments_and_notices.html")
    for junk in ("网友", "转载请注明", "关心您", "防治专线", "另一篇新闻", "频道"):
        assert junk not in body, junk


def test_a_reader_mode_banner_is_not_text(built):
    meta, body = _article(built, "simpread_banner.md")
    assert "简悦" not in body and "转码" not in body
    assert meta["url"] == "https://news.example.cn/a/3.html"


@pytest.mark.parametrize(("name", "date"), [
    ("saved_from_url.html", "2024-07-05"),  # the dateline under the headline
    ("itemprop_date.html", "2023-03-09"),  # itemprop=datePublished
    ("script_date.html", "2021-03-04"),  # a named publication-time variable in a script
    ("date_class.html", "2020-05-06"),  # an element named as the publication time
    ("url_date.html", "2019-08-07"),  # the day in the article's address, when nothing else states one
])
def test_dates_the_page_states_are_read(built, name, date):
    meta, _ = _article(built, name)
    assert str(meta.get("date")) == date


@pytest.mark.parametrize(("name", "date"), [
    ("share_bar_dateline.html", "2018-04-03"),  # a share bar of empty icons between the dateline and the text
    ("month_name_date.html", "2011-03-09"),  # a blog engine's "三月 9th, 2011" under the headline
    ("comment_property_date.html", "2017-06-08"),  # a CMS's publication-date property in a comment
    ("旧书店里的夏天 - 示例社区.md", "2019-04-03"),  # a page copy's stats line opens with the publication time
    ("crawl_day_header.html", "2005-09-10"),  # the entry's own English date, not the header's crawl day
    ("top_bar_today.html", None),  # a date above the headline is the page's top bar (today), not the article's
])
def test_dates_stated_away_from_the_text_are_read_and_no_other(built, name, date):
    meta, body = _article(built, name)
    assert (str(meta["date"]) if "date" in meta else None) == date
    assert all(p in body for p in PROSE) and "字数" not in body and "September" not in body  # the datelines go


@pytest.mark.parametrize(("name", "title"), [
    ("glued_suffix.html", "旧书店里的夏天"),  # "标题-站点": a heading the tab title starts with
    ("forum_subject.html", "书店还开着吗？旧书店里的夏天"),  # the tab names only the forum: the post's "主题："
    ("blog_entry.html", "旧书店里的夏天"),  # the tab names only the blog: the entry's bold line the text repeats
])
def test_titles_a_tab_title_does_not_state(built, name, title):
    meta, body = _article(built, name)
    assert meta["title"] == title
    assert all(p in body for p in PROSE)


def test_a_clip_notes_own_date_is_not_a_publication_date(built):
    meta, _ = _article(built, "clip_note.md")
    assert "date" not in meta
    assert str(meta.get("captured", "")).startswith("2026-04-19")


@pytest.mark.parametrize(("name", "title", "kept"), [
    ("旧书店里的夏天 - 示例新闻网.md", "旧书店里的夏天", None),  # the clip states its title only in its name
    ("旧书店里的夏天_示例新闻网.txt", "旧书店里的夏天", "书店还开着吗"),  # a first line the name disagrees with stays
    ("3f2a9c1e0b7d4e6a.txt", "旧书店里的夏天", None),  # a name that is an id names nothing
    ("paged_view.html", "旧书店里的夏天", None),  # "(页 1)" of a paged view is not the title's
    ("12.txt", "旧书店里的夏天", None),  # a repost's "原标题：" line, when nothing else states a title
    ("jsonld_agrees_with_tab.html", "旧书店里的夏天", None),  # JSON-LD and the tab agree: not the caption heading
    ("jina_inside_summary.md", "旧书店里的夏天", None),
])
def test_titles_from_the_file_name_and_the_page(built, name, title, kept):
    meta, body = _article(built, name)
    assert meta["title"] == title
    assert all(p in body for p in PROSE)
    if kept:
        assert kept in body


def test_a_bookmark_tools_summary_is_not_the_article(built):
    _, body = _article(built, "jina_inside_summary.md")
    for junk in ("TL;DR", "Summary", "摘要", "这篇文章讲述", "Full Content", "URL Source", "Markdown Content"):
        assert junk not in body, junk


def test_a_follow_prompt_ends_the_article(built):
    _, body = _article(built, "follow_prompt_tail.md")
    assert all(p in body for p in PROSE)
    for junk in ("点击关注", "了解更多书店的故事", "另一个故事", "回到乡下开一家书店", "严禁转载"):
        assert junk not in body, junk


def test_credit_lines_prompts_and_appeals_are_dropped(built):
    _, body = _article(built, "credits_and_appeals.md")
    assert all(p in body for p in PROSE)
    for junk in ("報導", "评论区", "李小红", "仅代表作者观点", "赞赏", "月費訂戶"):
        assert junk not in body, junk


@pytest.mark.parametrize(("name", "junk"), [
    ("page_controls.html", ("字級設定", "標籤", "#書店", "教程交流", "相关日志", "另一家书店")),
    ("reward_tail.md", ("捐助作者", "谢谢您的支持", "Read on the Web", "小礼物")),
])
def test_page_controls_labels_and_an_authors_card_are_dropped(built, name, junk):
    _, body = _article(built, name)
    assert all(p in body for p in PROSE)
    for line in junk:
        assert line not in body, line


def test_another_users_post_after_the_article_is_not_the_article(built):
    """A clip that swept in the next answer on the page: its avatar and name start someone else's post."""
    _, body = _article(built, "other_answers.md")
    assert all(p in body for p in PROSE)
    assert "读书人甲" not in body and "我也来说两句" not in body


def test_rejections_name_what_the_page_is(built):
    inputs, _ = built
    assert "paywall" in inputs["expired_teaser.html"]["reason"]
    assert "list of results" in inputs["search_results.html"]["reason"]
    assert "callouts" in inputs["callout_note.md"]["reason"]
