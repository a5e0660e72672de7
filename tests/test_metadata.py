"""Metadata (build_tools/metadata.py): one normaliser per field, an explicit fallback chain, no guessing."""

from __future__ import annotations

import hashlib

import pytest

from build_tools.config.rules import load_rules
from build_tools.model import Article, Byline, Dateline, Failure, Hint, Meta, Paragraph, Text, TitleCandidate
from build_tools.stages.clean import clean
from build_tools.stages.ingest import portals_of
from build_tools.stages.metadata import extract_metadata
from build_tools.stages.readers import read
from tests import factories

BODY = "\n\n".join([
    "英伟达CEO黄仁勋称市场对DeepSeek带来的影响存在误解，他在与合作伙伴的交谈中表示，R1的发布本质上利好AI市场。",
    "黄仁勋认为，R1的发布能够加速AI被采用，也就意味着市场仍然需要计算资源，这让每个人都注意到，模型的效率远超我们的想象。",
    "当地时间1月27日，英伟达发言人表示，DeepSeek是AI领域的一项卓越进步，也是测试时间缩放技术的完美范例，推理过程需要大量GPU。",
    "1月末至2月初，科技巨头微软、Meta、谷歌母公司Alphabet、亚马逊先后发布业绩报告，四家巨头的资本支出不约而同地持续上涨。",
    "公司CEO苏姿丰强调，最近在AI领域出现了一些新突破，而这些正是公司希望看到的那种进步，为AMD创造了前所未有的增长机会。",
    "报道举例说，DeepSeek-R1模型的核心贡献者宋俊潇，学生时代就已在同龄人中崭露头角，导师说他学习刻苦，设法找到了精英中的精英。",
])
PARAGRAPH = (Paragraph((Text("英伟达CEO黄仁勋称市场对DeepSeek带来的影响存在误解，R1的发布本质上利好AI市场。"),)),)


def meta_from_hints(*hints: Hint) -> Meta:
    portals = portals_of("", hints, load_rules())
    article = Article(raw_path="raw/x.txt", sha256="0" * 64, hints=hints, portals=portals, blocks=PARAGRAPH)
    return extract_metadata(article).meta


def meta_of(dump: str) -> Meta:
    """The whole chain a dump goes through: read → clean → metadata."""
    doc = read(dump)
    article = Article(raw_path="raw/x.txt", sha256=hashlib.sha256(dump.encode()).hexdigest(), text=dump,
                      format=doc.format, hints=doc.hints, portals=portals_of(dump, doc.hints, load_rules()),
                      blocks=doc.blocks)
    cleaned = clean(article)
    assert not isinstance(cleaned, Failure), cleaned
    return extract_metadata(cleaned).meta


# --- dates -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "date"),
    [
        ("2026-06-17T18:10:29+08:00", "2026-06-17"),  # ISO with offset: the date where it was published
        ("2025-02-21T23:30:00-05:00", "2025-02-21"),
        ("2025-02-22T10:00:00Z", "2025-02-22"),
        ("2025-02-22 10:49:00", "2025-02-22"),
        ("2025/2/22", "2025-02-22"),
        ("Mon, 07 Feb 2022 05:59:43 GMT", "2022-02-07"),  # HTTP-date (RSS, Hexo front matter)
        ("Tue, 22 Feb 2022 23:59:59 +0800", "2022-02-22"),
        ("2025年2月22日", "2025-02-22"),
        ("2025年02月22日 10:49", "2025-02-22"),
        ("7月16日", None),  # no year: never completed with a guessed one
        ("2月22日 10:49", None),
        ("昨天 10:49", None),
        ("2025-13-45", None),  # not a calendar date
        ("2025-02-30", None),
        ("", None),
    ],
)
def test_date_normaliser(value, date):
    assert meta_from_hints(Hint("published", value, "test")).date == date


def test_first_normalisable_date_wins_and_is_provenance():
    meta = meta_from_hints(
        Hint("published", "7月16日", "head-timestamp"),
        Hint("published", "2025-02-22T10:00:00+08:00", "jina-header"),
    )
    assert meta.date == "2025-02-22"
    assert ("date", "jina-header") in meta.provenance


def test_text_without_a_year_has_no_date():
    meta = meta_of("来源:张小珺\n\n北京时间7月16日,黄仁勋今年的第三次访华期间,出席媒体见面会。\n\n" + BODY)
    assert meta.date is None


def test_head_timestamp_is_the_date():
    meta = meta_of("DeepSeek“刷屏”硅谷:芯片管制反激发中国大模型创新力?\n创始人\n2025-01-27 01:22:24\n0\n\n" + BODY)
    assert meta.date == "2025-01-27"


NETEASE_TAIL = (
    "\n\n相关推荐\n热点推荐\n外国留学生群殴中国学生\n\n温读史\n2025-04-26 14:26:25\n造价1400000000巨船火了\n\n"
    "封面新闻\n2025-04-26 14:30:12\n2025-04-27 15:23:00\n澎湃新闻 incentive-icons\n澎湃新闻\n"
    "专注时政与思想的新闻平台。\n790201文章数 5070681关注度\n往期回顾 全部\n"
)


def test_tail_and_account_card_timestamps_never_become_the_date():
    meta = meta_of("黄仁勋首次回应DeepSeek冲击波\n\n" + BODY + NETEASE_TAIL)
    assert meta.date is None


def test_account_card_gives_the_source_not_its_blurb():
    meta = meta_of("黄仁勋首次回应DeepSeek冲击波\n\n" + BODY + NETEASE_TAIL)
    assert meta.source == "澎湃新闻"


def test_account_card_with_repeated_name_and_slogan():
    """Seed 002: the name twice, then a slogan without 。 above the card; the slogan is not the source."""
    tail = (
        "\n\n相关推荐\n热点推荐\n巴萨的DNA传承\n\n直播吧\n2025-05-02 23:09:05\n白忙活了\n\n青眼财经\n"
        "2025-05-02 22:50:45\n2025-05-03 02:07:00\n甲子光年\n甲子光年\n中国科技产业化前沿智库\n3050文章数 9237关注度\n"
    )
    assert meta_of("英伟达市值蒸发创纪录|甲子光年\n\n" + BODY + tail).source == "甲子光年"


# --- people ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("byline", "field", "names"),
    [
        ("作者|王博 王艺", "authors", ("王博", "王艺")),
        ("作者|王博 王藝", "authors", ("王博", "王藝")),
        ("作者丨叶蓁", "authors", ("叶蓁",)),
        ("作者｜林志佳", "authors", ("林志佳",)),
        ("文 | 于丽丽、张三", "authors", ("于丽丽", "张三")),
        ("编辑丨康晓", "editors", ("康晓",)),
        ("编辑｜马金男", "editors", ("马金男",)),
    ],
)
def test_head_bylines(byline, field, names):
    meta = meta_of("标题在这里写得长一点啊\n\n" + byline + "\n\n" + BODY)
    assert getattr(meta, field) == names


def test_placeholder_author_is_dropped():
    meta = meta_of("DeepSeek“刷屏”硅谷:芯片管制反激发中国大模型创新力?\n创始人\n2025-01-27 01:22:24\n\n" + BODY)
    assert meta.authors == ()
    assert "创始人" not in (meta.source or "")


def test_tail_editor_with_staff_code():
    meta = meta_of("标题在这里写得长一点啊\n\n" + BODY + "\n\n责任编辑:李曦_NN2587\n\n"
                   "特别声明:以上内容为自媒体平台“网易号”用户上传并发布,本平台仅提供信息存储服务。\n")
    assert meta.editors == ("李曦",)
    assert meta.disclaimer is True


def test_wechat_reporter_byline():
    """量子位: '##### 衡宇 梦晨 发自 凹非寺' — two authors, the place is not a name."""
    dump = ("Title: DeepSeek今日连开3源\n\nURL Source: https://mp.weixin.qq.com/s/GXIvj1\n\nMarkdown Content:\n"
            "##### 衡宇 梦晨 发自 凹非寺  \n量子位 | 公众号 QbitAI\n\n" + BODY)
    meta = meta_of(dump)
    assert meta.authors == ("衡宇", "梦晨")
    assert meta.source == "量子位"


@pytest.mark.parametrize(
    ("line", "original"),
    [
        ("来源：内容编译自fortune，谢谢。", "Fortune"),
        # the dump writes 「eetimes」: any casing of it is honest
        ("来源：内容由半导体行业观察（ID：icbank）编译自「eetimes」，作者：汤之上隆，谢谢。", None),
    ],
)
def test_compiled_from(line, original):
    dump = ("Title: 黄仁勋对DeepSeek的看法\n\nURL Source: https://mp.weixin.qq.com/s/zqFMiA\n\nMarkdown Content:\n"
            "👆如果您希望可以时常见面，欢迎标星🌟收藏哦~\n\n" + line + "\n\n" + BODY)
    meta = meta_of(dump)
    if original:
        assert meta.original_source == original
    else:
        assert (meta.original_source or "").lower() == "eetimes"
        assert meta.authors == ("汤之上隆",)


def test_repost_footer_gives_original_source_and_author():
    dump = ("Title: 微软 Copilot，像个乱贴小广告的街溜子-36氪\n\nURL Source: https://36kr.com/p/3750697076015878\n\n"
            "Markdown Content:\n" + BODY + "\n\n本文来自微信公众号 [“爱范儿”（ID：ifanr）](https://mp.weixin.qq.com/s?a=1)，"
            "作者：咽不下泔水的，36氪经授权发布。\n")
    meta = meta_of(dump)
    assert meta.original_source == "爱范儿"
    assert meta.authors == ("咽不下泔水的",)
    assert meta.source == "36氪"


# --- titles, sources, urls -----------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "url", "expected"),
    [
        ("微软 Copilot，像个乱贴小广告的街溜子-36氪", "https://36kr.com/p/1", "微软 Copilot，像个乱贴小广告的街溜子"),
        ("超级对齐四年计划_腾讯新闻", "https://new.qq.com/rain/a/1", "超级对齐四年计划"),
        ("GPT在HR场景的应用汇总-CSDN博客", "https://blog.csdn.net/a/article/details/1", "GPT在HR场景的应用汇总"),
        ("黄仁勋首次回应DeepSeek_网易订阅", "https://www.163.com/dy/article/1.html", "黄仁勋首次回应DeepSeek"),
        ("-36氪", "https://36kr.com/p/1", "-36氪"),  # never strip a title down to nothing
        ("标题:带冒号的标题", "https://example.com/a", "标题:带冒号的标题"),
    ],
)
def test_title_site_suffix(title, url, expected):
    assert meta_from_hints(Hint("title", title, "test"), Hint("url", url, "test")).title == expected


def test_login_popup_title_is_not_the_title():
    """16: Cubox took the CSDN login modal's heading as the page title."""
    dump = ("登录后您可以：\n=======\n\n[blog.csdn.net](https://blog.csdn.net/oanqoanq/article/details/130150681)"
            "成就一亿技术人!\n\n" + BODY + "\n\n[跳转到 Cubox 查看](https://cubox.pro/my/card?id=1)\n")
    meta = meta_of(dump)
    assert "登录后您可以" not in meta.title
    assert meta.platform == "CSDN博客"


def test_no_title_anywhere_is_inferred_and_flagged():
    meta = meta_of("来源:张小珺\n\n北京时间7月16日,黄仁勋今年的第三次访华期间,出席媒体见面会。\n\n" + BODY)
    assert meta.title_inferred is True
    assert meta.title and len(meta.title) <= 41


def test_an_inferred_title_skips_punctuation_the_paragraph_opens_with():
    """A body opening with ";; 3." once gave an empty title, and the page was rejected at render."""
    meta = meta_of("Title: 喜欢我们的内容就点“在看”分享给小伙伴哦\n\nURL Source: https://mp.weixin.qq.com/s/f51ae02e\n\n"
                   "Markdown Content:\n;; 3. 严格按照智能选择的关系类型进行图形呈现\n\n" + BODY)
    assert meta.title_inferred is True
    assert meta.title.startswith("3. 严格按照")


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://36kr.com/p/1", True),
        ("http://mp.weixin.qq.com/s?__biz=Mzk0&mid=1", True),
        ("javascript:alert(1)", False),
        ("mp.weixin.qq.com/s/abc", False),
        ("ftp://example.com/a", False),
    ],
)
def test_url_normaliser(url, kept):
    assert meta_from_hints(Hint("url", url, "test")).url == (url if kept else None)


def test_platform_from_url_host_most_specific_first():
    assert meta_from_hints(Hint("url", "https://mp.weixin.qq.com/s/a", "t")).platform == "微信公众号"
    assert meta_from_hints(Hint("url", "https://new.qq.com/rain/a/1", "t")).platform == "腾讯新闻"


def test_source_from_cubox_account_line_with_publish_time():
    dump = ("5000字详解OpenAI超级对齐四年计划\n==============================\n\n"
            "[new.qq.com](https://new.qq.com/rain/a/20230829A07HKW00)"
            "智源社区2023-08-29 18:00:00发布于北京智源社区官方账号+关注\n\n"
            + BODY + "\n\n[跳转到 Cubox 查看](https://cubox.pro/my/card?id=1)\n")
    meta = meta_of(dump)
    assert (meta.source, meta.date, meta.platform) == ("智源社区", "2023-08-29", "腾讯新闻")


# --- the records clean lifted: metadata only chooses among them ---------------------------------

INFERRED = TitleCandidate("正文的第一句话", "inferred from body", inferred=True)


def meta_from(*lifted, hints=(), portals=()) -> Meta:
    return extract_metadata(factories.article(hints=tuple(hints), lifted=tuple(lifted), portals=portals)).meta


@pytest.mark.parametrize(
    ("lifted", "hints", "expected"),
    [
        ([Byline("author", "王博、王艺", "byline")], [], {"authors": ("王博", "王艺")}),
        ([Byline("editor", "李曦_NN2587", "tail-editor")], [], {"editors": ("李曦",)}),
        ([Byline("producer", "腾讯科技", "byline")], [],
         {"source": "腾讯科技", "provenance": (("source", "byline"), ("title", "inferred from body"))}),
        ([Byline("author", "36kr", "byline")], [], {"source": "36氪", "authors": ()}),  # a portal's alias: the outlet
        ([Byline("via", "编译自 the verge", "byline")], [], {"original_source": "The verge", "source": None}),
        ([Byline("via", "36氪 作者：王博", "byline")], [], {"authors": ("王博",), "source": "36氪 作者：王博"}),
        ([Byline("original", "爱范儿", "repost-footer"), Byline("author", "咽不下泔水的", "repost-footer")], [],
         {"original_source": "爱范儿", "authors": ("咽不下泔水的",)}),
        ([Byline("credit", "视觉中国", "byline")], [], {"authors": (), "source": None}),
        # The first outlet wins: the reader's envelope, then the lines in the order clean found them.
        ([Byline("outlet", "澎湃新闻", "head-dateline"), Byline("outlet", "封面新闻", "account-card")],
         [Hint("source", "", "meta:og:site_name")], {"source": "澎湃新闻"}),
        ([Byline("outlet", "澎湃新闻", "head-dateline")], [Hint("source", "新京报", "json-ld")], {"source": "新京报"}),
        ([Byline("author", "王博", "byline")], [Hint("byline", "张三", "front-matter")], {"authors": ("张三", "王博")}),
        ([Dateline("2025年2月22日 10:49", "head-dateline")], [],
         {"date": "2025-02-22", "provenance": (("date", "head-dateline"), ("title", "inferred from body"))}),
        ([Dateline("7月16日", "head-timestamp"), Dateline("2025-02-21 08:00", "account-line")], [],
         {"date": "2025-02-21"}),  # a date without a year is no candidate
    ],
)
def test_metadata_reads_the_lifted_records(lifted, hints, expected):
    meta = meta_from(*lifted, INFERRED, hints=hints)
    assert {field: getattr(meta, field) for field in expected} == expected


@pytest.mark.parametrize(
    ("lifted", "hints", "title", "inferred"),
    [
        ([TitleCandidate("文本开头的标题", "text-head"), INFERRED], [], "文本开头的标题", False),
        ([INFERRED], [Hint("title", "页面标题_腾讯新闻", "html-title")], "页面标题", False),
        ([INFERRED], [Hint("title", "登录后您可以", "html-title")], "正文的第一句话", True),  # a login popup's text
        ([INFERRED], [], "正文的第一句话", True),
    ],
)
def test_the_title_is_chosen_not_inferred_again(lifted, hints, title, inferred):
    meta = meta_from(*lifted, hints=hints, portals=("腾讯新闻",))
    assert (meta.title, meta.title_inferred) == (title, inferred)


def test_portals_come_from_the_article_not_detected_again():
    """metadata reads the portals ingest found: a URL hint alone does not make a platform."""
    assert meta_from(INFERRED, hints=[Hint("url", "https://36kr.com/p/1", "t")]).platform is None
    assert meta_from(INFERRED, portals=("微信公众号", "腾讯新闻")).platform == "微信公众号"
