"""Session 32: what the dumps of sites and saving tools nobody here had seen showed, as minimal cases of our own.

Each case is written for this test (never a copy of a corpus file; the dumps themselves are in tests/corpus,
240-249): the smallest page that shows one kind of failure the unseen dumps had, and what a reader must (and
must not) see, or what metadata must read.  The kinds:

* a file name with a date before the title ("2009-11-10 标题.html", "2026-04-20 - 标题.md", Jekyll's
  "2026-04-21-标题.md") names the title without the date (the date is not read: it is as often the day the
  file was clipped as the day the article was published);
* a clip that is "# 标题", a bulleted field list and paragraphs is Markdown (not a text copy whose "#" and
  "-" a reader would see);
* a clip's field list under its title ("- Author: …", "- Source: https://…", "- Published: …", "- Clipped: …",
  "- 作者：…", "- 发布时间：…", "- 话题：…") is read field by field: bylines and datelines leave the body and
  metadata reads them, the clip day is not a publication date; a post's counters ("- Likes: 123") and a
  clipper's "Full Text" / "Stats" labels are furniture; a list of fields the article keeps stays a list;
* a sentence of the article that ends announcing links ("…文章如下：") and the links it announces, with more
  of the article after them, are the article (a related list under a label still goes);
* "（转载本站文章请注明作者和出处 …）" and a blog feed's "The post … first appeared on …" footer end the article;
* a 即刻 post's circle card ("来自圈子", its name, "100万+人已经加入") is furniture (portals.yml knowledge).
"""

from __future__ import annotations

import pytest

from build_tools.model import Article, ListBlock
from build_tools.stages.readers import read
from build_tools.stages.title import file_name_title
from tests.factories import assert_kept, prepared, seen

PROSE = [
    "山脚下的小镇今年办起了第一届读书节，镇上的图书馆把书架搬到了河边的广场上，来借书的人排起了长队。",
    "组织者说，他们原本只准备了三百本书，没想到第一天就借出去一大半，只好连夜从附近学校再调来一批。",
    "一位退休教师带着孙女来了三次，她说小时候镇上没有图书馆，现在终于可以陪孩子在树荫下读完一本书。",
    "读书节的最后一天，广场上举办了一场朗读会，报名的人从十岁的学生到七十岁的老人，一直读到天黑。",
]
BODY_MD = "\n\n".join(PROSE)


def built(text: str, path: str = "raw/case.md") -> Article:
    return prepared(text, path)


def assert_prose_kept(article: Article) -> None:
    assert_kept(article, PROSE)


# --- a date before the title in the file's name -----------------------------------------------------------

@pytest.mark.parametrize(("name", "title"), [
    ("raw/2009-11-10 小镇读书节的第一天.html", "小镇读书节的第一天"),            # an archive's "date title"
    ("raw/2009-11-10: 小镇读书节的第一天.html", "小镇读书节的第一天"),
    ("raw/2026-04-20 - 小镇读书节的第一天.md", "小镇读书节的第一天"),           # a vault's "date - title"
    ("raw/2026-04-21-小镇读书节的第一天.md", "小镇读书节的第一天"),             # Jekyll's "date-title"
    ("raw/20260421_小镇读书节的第一天.md", "小镇读书节的第一天"),
    ("raw/2019年小镇读书节的第一天.md", "2019年小镇读书节的第一天"),          # a year that is the title's own
    ("raw/2024-01-05.md", None),                                              # a date names no article
])
def test_a_date_before_the_title_in_a_file_name_is_not_the_title(name, title):
    assert file_name_title(name) == title


def test_a_clip_named_with_its_date_is_titled_without_it_and_dated_by_nothing():
    article = built(BODY_MD + "\n", "raw/2026-04-20 - 小镇读书节的第一天.md")
    assert article.meta.title == "小镇读书节的第一天"
    assert article.meta.date is None


# --- a clip's title, field list and paragraphs is Markdown ------------------------------------------------

FIELD_CLIP = ("# 小镇读书节\n\n- 作者：林小溪\n- 发布时间：2026-04-21\n- 话题：读书会\n"
              "- 原文链接：https://m.example.com/posts/5\n\n" + BODY_MD + "\n\n![](../assets/img-1.jpg)\n")


@pytest.mark.parametrize(("text", "fmt"), [
    (FIELD_CLIP, "markdown"),
    # a text copy whose lines start with "- " is still a text copy: one list is one sign of Markdown, not three
    ("小镇读书节\n- 第一天借出两百本\n- 第二天借出三百本\n" + "\n".join(PROSE) + "\n", "text"),
])
def test_a_clips_bulleted_field_list_is_a_sign_of_markdown(text, fmt):
    assert read(text).format == fmt


# --- a clip's field list, read field by field --------------------------------------------------------------

ENGLISH_CLIP = ("# 小镇读书节\n\n- Author: 林小溪\n- Source: https://m.example.com/posts/5\n"
                "- Published: 4天前（页面显示）\n- Clipped: 2026-04-20\n\n## Full Text\n\n" + BODY_MD +
                "\n\n## Stats\n\n- Likes: 123\n- Comments: 4\n- Reposts: 34\n")


@pytest.mark.parametrize(("text", "gone", "meta"), [
    (FIELD_CLIP, ["林小溪", "发布时间", "读书会", "原文链接"], {"authors": ("林小溪",), "date": "2026-04-21"}),
    # "4天前" states no day, and the clip's own day is not the article's: no date is read
    (ENGLISH_CLIP, ["Author", "Source", "Published", "4天前", "Clipped", "Full Text", "Stats", "Likes", "Reposts"],
     {"authors": ("林小溪",), "date": None}),
])
def test_a_clips_field_list_leaves_the_body_and_metadata_reads_it(text, gone, meta):
    article = built(text)
    assert_prose_kept(article)
    shown = [g for g in gone if g in seen(article)]
    assert not shown, f"a reader still sees {shown}"
    date = article.meta.date
    got = {"authors": article.meta.authors, "date": str(date)[:10] if date else None}
    assert {k: got[k] for k in meta} == meta


def test_a_list_of_fields_the_article_keeps_stays_a_list():
    text = ("# 小镇读书节\n\n" + PROSE[0] + "\n\n- 优点：书多，离家近\n- 缺点：周末人太多\n\n" + "\n\n".join(PROSE[1:])
            + "\n\n![](../assets/img-1.jpg)\n")
    article = built(text)
    lists = [b for b in article.blocks if isinstance(b, ListBlock)]
    assert len(lists) == 1 and len(lists[0].items) == 2, article.blocks


# --- links a sentence of the article announces ------------------------------------------------------------

def _linked(n: int) -> str:
    return "\n\n".join(f"[《小镇读书节（{'一二三'[i]}）》](https://example.com/post/{i})" for i in range(n))


ANNOUNCED = "这几年里，读书节每年都办，我也写过几篇文章，把每一届的经过都记了下来，文章如下："
LABELLED = "相关文章："
# an account's card after the article recommends its links in a sentence of its own: still a related list
CARD = "本号是一个关注读书的媒体，欢迎加入我们的社群，获取每日推送。过去关于读书的几篇文章推荐："


@pytest.mark.parametrize(("text", "kept", "gone"), [
    ("\n\n".join([PROSE[0], ANNOUNCED, _linked(3), *PROSE[1:]]) + "\n",
     [ANNOUNCED, "小镇读书节（一）", "小镇读书节（三）"], []),
    ("\n\n".join([*PROSE, LABELLED, _linked(3)]) + "\n", [], [LABELLED, "小镇读书节（一）"]),
    ("\n\n".join([*PROSE, "* * *", CARD, _linked(3)]) + "\n", [], [CARD, "小镇读书节（一）"]),
])
def test_links_a_sentence_of_the_article_announces_are_the_article(text, kept, gone):
    article = built(text)
    assert_prose_kept(article)
    body = seen(article)
    assert all(k in body for k in kept), f"lost: {[k for k in kept if k not in body]}"
    assert not [g for g in gone if g in body], body


# --- a repost notice with words between 转载 and 请, a blog feed's footer ------------------------------------

@pytest.mark.parametrize("footer", [
    "<p>（转载本站文章请注明作者和出处 示例博客 ，请勿用于任何商业用途）</p>",
    '<p>The post <a href="https://blog.example.com/1.html">小镇读书节</a> first appeared on '
    '<a href="https://blog.example.com">示例博客</a>.</p>',
])
def test_a_repost_notice_and_a_feed_footer_end_the_article(footer):
    page = "<html><body>" + "".join(f"<p>{p}</p>" for p in PROSE) + footer + "</body></html>"
    article = built(page, "raw/case.html")
    assert_prose_kept(article)
    assert "转载" not in seen(article) and "first appeared" not in seen(article)


# --- a portal's card under the post (portals.yml) ---------------------------------------------------------

def test_a_jike_posts_circle_card_is_furniture():
    text = ("# 小镇读书节\n\n- 作者：林小溪\n- 原文链接：https://m.okjike.com/originalPosts/5\n\n" + BODY_MD +
            "\n\n## 来自圈子\n\n- 读书会\n- 100万+人已经加入\n")
    article = built(text)
    assert_prose_kept(article)
    assert "来自圈子" not in seen(article) and "人已经加入" not in seen(article)
