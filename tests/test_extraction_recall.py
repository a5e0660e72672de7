"""Body recall (issue 16): lines of the article that look like furniture by one feature, and stay.

Each case is a minimal dump written for this test (never a copy of a corpus file), cleaned by the clean stage:
what a reader must still see, and the furniture next to it that must still go.  The classes:

1. a data series inside prose ("10, 1, 20, 3, 30") is not a share counter;
2. an equation line ("总存款 = 100 元 + 90 元 + …") and a phrase whose numbers a clipper spaced off their units
   ("在 2021 年 11 月 14 日那一页") are not channel menus;
3. a post written one phrase per line keeps its one-word phrases near the top (no menu run there);
   a video player's label ("播放") still goes;
4. a comment prompt ends the article: its question, the prompt, and the readers' comments after it go;
5. references in another script (English titles linked between the paragraphs of a Chinese text) are not a
   link list; a site's own related list still is;
6. a short line said again between paragraphs of prose (a speaker's name in a play) is the text's;
7. the eval reads a gold line without the code block's gutter cell beside the code;
8. an HTML comment a clipper leaves between Markdown paragraphs ("<!-- -->") is no text (kept now that a short
   line said again between paragraphs stays, it must not show).
"""

from __future__ import annotations

from benchmarks import extraction as ev
from build_tools.model import Failure, block_text
from build_tools.stages.clean import clean
from tests.factories import read_dump
from tests.test_extraction_classes import PROSE


def kept(text: str, path: str = "raw/clip.md") -> list[str]:
    article = read_dump(text, path)
    assert article.format.endswith("markdown"), article.format
    result = clean(article)
    assert not isinstance(result, Failure), result
    return [block_text(b).strip() for b in result.blocks]


# A clipper's banner: the dump is read as Markdown (a bare heading and paragraphs would read as a text copy).
BANNER = "> 本文由 [简悦 SimpRead](http://ksria.com/simpread/) 转码， 原文地址 [news.example.cn](https://news.example.cn/a/5.html)\n\n"


def md(*paragraphs: str) -> str:
    return BANNER + "# 旧书店里的夏天\n\n" + "\n\n".join(paragraphs) + "\n"


# 1. numbers the article lists
def test_a_data_series_between_paragraphs_is_body():
    got = kept(md(*PROSE[:3], "假设每个月卖出的书是这样的：", "10, 1, 20, 3, 30, 4, 50", *PROSE[3:], "1.2万 345"))
    assert "10, 1, 20, 3, 30, 4, 50" in got
    assert "1.2万 345" not in got  # a share counter is still furniture


# 2. equations and spaced numbers are not menus
def test_an_equation_line_is_not_a_menu():
    got = kept(md(*PROSE[:3], "**总存款 = 100 元 + 90 元 + 81 元 + 72.9 元 +...**", "**小王资产 = 一套房子 + 100 万**",
                  *PROSE[3:], "首页 新闻 体育 财经 娱乐 科技"))
    assert "总存款 = 100 元 + 90 元 + 81 元 + 72.9 元 +..." in got
    assert "小王资产 = 一套房子 + 100 万" in got
    assert "首页 新闻 体育 财经 娱乐 科技" not in got  # a channel menu still goes


def test_a_phrase_with_spaced_numbers_is_not_a_menu():
    got = kept(md(*PROSE[:3], "在 2021 年 11 月 14 日那一页", *PROSE[3:]))
    assert "在 2021 年 11 月 14 日那一页" in got


# 3. a post written one phrase per line
PHRASES = ["一位老父亲", "在一本日历上", "写下的这些留言", "让不少网友看后感动", "播放", "近日", "上海的", "王女士",
           "收到父亲送来的", "一本新年的日历", "翻开后", "王女士发现", "老父亲在日历上", "认认真真写满了嘱咐",
           "“别老发脾气”", "“多出去走走”", "“少吃辣”", "“小心提重物”", "王女士表示", "随着父亲年纪渐大",
           "记性变差", "习惯把想说的都记录下来", "这本日历", "原本是女儿买的", "没想到父亲收到后", "加上了自己的留言",
           "王女士说", "她看后十分感动", "父亲是个情感细腻的人", "在父母眼中", "她依旧被当作小孩疼爱"]


def test_one_word_phrases_of_a_post_written_in_phrases_stay():
    got = kept(BANNER + "\n\n".join(PHRASES) + "\n")
    assert [t for t in got if t in ("近日", "上海的", "王女士")] == ["近日", "上海的", "王女士"]
    assert "播放" not in got  # the video player's label


# 4. the comment section
def test_a_comment_prompt_ends_the_article():
    got = kept(md(*PROSE, "你和父母之间有什么暖心的事？", "评论区分享一波吧", "编辑：王朝", "**55 岁的宝贝，羡慕！**"))
    assert got[-1] == PROSE[-1]
    assert not {"你和父母之间有什么暖心的事？", "55 岁的宝贝，羡慕！"} & set(got)


def test_a_question_in_the_text_without_a_prompt_stays():
    got = kept(md(*PROSE, "这样的书店还能开多久？"))
    assert got[-1] == "这样的书店还能开多久？"


# 5. references in another script
def test_english_references_between_paragraphs_are_body():
    refs = ["[Native American Myths of the Moon](https://myths.example.org/moon)",
            "[The Wooden Indian and the Shaghorn Buffalo](https://tales.example.org/wooden)",
            "插画师的介绍：[Kay Nielsen](https://art.example.org/nielsen)"]
    got = kept(md(*PROSE[:3], "这里还有几则来自北美的关于月亮的故事：", *refs, *PROSE[3:]))
    assert "Native American Myths of the Moon" in got
    assert "The Wooden Indian and the Shaghorn Buffalo" in got
    assert "插画师的介绍：Kay Nielsen" in got


def test_a_chinese_related_list_between_paragraphs_still_goes():
    refs = ["[城南旧书店十年搬家三次的故事](https://news.example.cn/a/1.html)",
            "[退休教师在旧书店里找到的地方志](https://news.example.cn/a/2.html)"]
    got = kept(md(*PROSE[:3], *refs, *PROSE[3:]))
    assert not {"城南旧书店十年搬家三次的故事", "退休教师在旧书店里找到的地方志"} & set(got)


# 6. a short line said twice
def test_a_speaker_name_said_again_between_speeches_stays():
    got = kept(md(PROSE[0], "THESEUS", PROSE[1], "HIPPOLYTA", PROSE[2], "THESEUS", *PROSE[3:]))
    assert got.count("THESEUS") == 2


# 8. HTML comments in a Markdown clip
def test_a_comment_between_markdown_paragraphs_shows_nothing():
    got = kept(md(PROSE[0], "<!-- -->", PROSE[1], "<!-- -->", *PROSE[2:]))
    assert got == PROSE


# 7. the eval's reading of a gold line
def test_the_scorer_leaves_out_a_gutter_cell_beside_the_code():
    line = ('<h3 id="x"><a href="#x" class="headerlink"></a>add_header 添加响应头字段</h3><figure class="highlight">'
            '<table><tr><td class="gutter"><pre><span class="line">1</span><br></pre></td><td class="code"><pre>'
            '<span class="line">add_header name value [always];</span></pre></td></tr></table></figure>')
    assert ev.score({"body": [line]}, "### add_header 添加响应头字段\n\n```\nadd_header name value [always];\n```\n")[
        "recall"] == 1.0
