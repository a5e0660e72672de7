"""The cleaner (build_tools/clean.py): keep the article, drop the page around it, reject non-articles."""

from __future__ import annotations

import re
from functools import partial

import pytest

from build_tools.config.rules import load_rules
from build_tools.model import Article, Byline, Dateline, Failure, Heading, TitleCandidate, block_text
from build_tools.stages.clean import clean, credits
from build_tools.stages.clean.title import inferred_title
from tests import factories
from tests.factories import read_dump

# Six ordinary body paragraphs (50-70 characters each: real paragraphs are often this short).
BODY = [
    "英伟达CEO黄仁勋称市场对DeepSeek带来的影响存在误解，他在与合作伙伴的交谈中表示，R1的发布本质上利好AI市场。",
    "黄仁勋认为，R1的发布能够加速AI被采用，也就意味着市场仍然需要计算资源，这让每个人都注意到，模型的效率远超我们的想象。",
    "当地时间1月27日，英伟达发言人表示，DeepSeek是AI领域的一项卓越进步，也是测试时间缩放技术的完美范例，推理过程需要大量GPU。",
    "1月末至2月初，科技巨头微软、Meta、谷歌母公司Alphabet、亚马逊先后发布业绩报告，四家巨头的资本支出不约而同地持续上涨。",
    "公司CEO苏姿丰强调，最近在AI领域出现了一些新突破，而这些正是公司希望看到的那种进步，为AMD创造了前所未有的增长机会。",
    "报道举例说，DeepSeek-R1模型的核心贡献者宋俊潇，学生时代就已在同龄人中崭露头角，导师说他学习刻苦，设法找到了精英中的精英。",
]
TEXT_BODY = "\n\n".join(BODY)
JINA = "Title: 黄仁勋对DeepSeek的看法\n\nURL Source: https://mp.weixin.qq.com/s/zqFMiA\n\nMarkdown Content:\n"


def article(text: str, path: str = "raw/test.txt") -> Article:
    return read_dump(text, path)


def cleaned(text: str) -> Article:
    result = clean(article(text))
    assert not isinstance(result, Failure), result
    return result


def texts(text: str) -> list[str]:
    return [block_text(b) for b in cleaned(text).blocks]


def assert_body_intact(got: list[str]) -> None:
    missing = [p for p in BODY if p not in got]
    assert not missing, f"body paragraphs lost: {missing}"


NETEASE_RELATED = (
    "相关推荐\n热点推荐\n外国留学生群殴中国学生,打到头破血流\n\n外国留学生群殴中国学生,打到头破血流\n\n温读史\n"
    "2025-04-26 14:26:25\n4月—6月,开始降价和即将降价的十款车\n\n4月—6月,开始降价和即将降价的十款车\n\n"
    "趣味萌宠的日常\n2025-04-27 10:32:18\n造价1400000000巨船火了\n\n封面新闻\n2025-04-26 14:30:12\n"
    "2025-04-27 15:23:00\n澎湃新闻 incentive-icons\n澎湃新闻\n专注时政与思想的新闻平台。\n790201文章数 5070681关注度\n"
    "往期回顾 全部\n\n科技要闻\n\n贾跃亭:FF市值到百亿美元能基本还完债务\n\n无障碍浏览 进入关怀版\n"
)

DROPPED = [
    # (id, dump text, strings that must not survive in any block)
    ("breadcrumb and everything above it",
     "99国产精品欲av蜜臀,免费观看的AV网站,高清免费毛片\n\n网易首页 > 网易号 > 正文 申请入驻\n\n"
     "黄仁勋首次回应DeepSeek冲击波\n\n" + TEXT_BODY,
     ["网易首页", "申请入驻", "蜜臀"]),
    ("share counter 0 and 分享至", "黄仁勋首次回应DeepSeek冲击波\n\n0\n分享至\n\n" + TEXT_BODY, ["0", "分享至"]),
    ("相关推荐 then the timestamped list and account card", "黄仁勋首次回应DeepSeek冲击波\n\n" + TEXT_BODY + "\n\n"
     + NETEASE_RELATED,
     ["相关推荐", "温读史", "2025-04-26 14:26:25", "十款车", "澎湃新闻", "文章数", "往期回顾", "贾跃亭", "无障碍浏览"]),
    ("推荐阅读 link list", JINA + TEXT_BODY + "\n\n**推荐阅读**\n\n"
     "★[一颗改变了世界的芯片](https://mp.weixin.qq.com/s?__biz=Mzg&mid=1)\n\n"
     "★[美国商务部长：华为的芯片没那么先进](https://mp.weixin.qq.com/s?__biz=Mzg&mid=2)\n\n"
     "★[悄然崛起的英伟达新对手](https://mp.weixin.qq.com/s?__biz=Mzg&mid=3)\n",
     ["推荐阅读", "一颗改变了世界的芯片", "华为的芯片没那么先进", "英伟达新对手"]),
    ("link list in the middle without a heading", JINA + "\n\n".join(BODY[:3])
     + "\n\n[一颗改变了世界的芯片](https://mp.weixin.qq.com/s?mid=1)\n\n"
     "[美国商务部长：华为的芯片没那么先进](https://mp.weixin.qq.com/s?mid=2)\n\n" + "\n\n".join(BODY[3:]),
     ["一颗改变了世界的芯片", "华为的芯片没那么先进"]),
    ("WeChat call-to-action lines", JINA + "👆如果您希望可以时常见面，欢迎标星🌟收藏哦~\n\n" + TEXT_BODY
     + "\n\n▲点击上方名片即可关注\n\n公众号ID：icbank\n\n点个在看你最好看\n",
     ["标星", "点击上方名片", "公众号ID", "在看"]),
    ("quoted “在看” call to action", JINA + TEXT_BODY + "\n\n喜欢我们的内容就点“在看”分享给小伙伴哦\n", ["在看"]),
    ("WeChat English UI chrome", JINA + TEXT_BODY + "\n\nScan to Follow\n\n继续滑动看下一个\n\n轻触阅读原文\n\n"
     "Got It\n\nScan with Weixin to use this Mini Program\n\nCancel Allow\n",
     ["Scan to Follow", "继续滑动", "轻触阅读原文", "Got It", "Mini Program"]),
    ("platform disclaimer", "黄仁勋首次回应DeepSeek冲击波\n\n" + TEXT_BODY + "\n\n责任编辑:李曦_NN2587\n\n"
     "特别声明:以上内容(如有图片或视频亦包括在内)为自媒体平台“网易号”用户上传并发布,本平台仅提供信息存储服务。\n\n"
     "Notice: The content above (including the pictures and videos if any) is uploaded and posted by a user of "
     "NetEase Hao, which is a social media platform and only provides information storage services.\n",
     ["特别声明", "Notice: The content above", "责任编辑"]),
    ("Cubox footer", "疯狂的幻方\n==========\n\n"
     "[mp.weixin.qq.com](http://mp.weixin.qq.com/s?a=1)暗涌Waves 暗涌Waves\n\n" + TEXT_BODY + "\n\n[跳转到 Cubox 查看](https://cubox.pro/my/card?id=7060930513518723715)\n",
     ["跳转到 Cubox 查看"]),
]


@pytest.mark.parametrize(("text", "gone"), [pytest.param(*row[1:], id=row[0]) for row in DROPPED])
def test_furniture_dropped_body_kept(text, gone):
    got = texts(text)
    assert_body_intact(got)
    survivors = [g for g in gone if any(g == t or (len(g) > 1 and g in t) for t in got)]
    assert not survivors, f"still in the body: {survivors}"


def test_dropped_blocks_are_recorded_with_their_rule():
    result = cleaned("网易首页 > 网易号 > 正文 申请入驻\n\n黄仁勋首次回应DeepSeek冲击波\n\n0\n分享至\n\n" + TEXT_BODY)
    rules = {r.text: r.rule for r in result.removed}
    assert rules["网易首页 > 网易号 > 正文 申请入驻"].startswith("head:")
    assert rules["分享至"] == "junk-line"


def test_timestamp_list_without_heading_keeps_the_body_above_it():
    """Without a 相关推荐 heading the related list still ends where the last real paragraph ends."""
    related = (
        "外国留学生群殴中国学生\n\n温读史\n2025-04-26 14:26:25\n4月—6月，开始降价的十款车\n\n"
        "趣味萌宠的日常\n2025-04-27 10:32:18\n造价巨船火了\n\n封面新闻\n2025-04-26 14:30:12\n"
    )
    got = texts("黄仁勋首次回应DeepSeek冲击波\n\n" + TEXT_BODY + "\n\n" + related)
    assert_body_intact(got)
    assert not any("温读史" in t or "2025-04-26" in t for t in got)


LONG_SHARE = (
    "禹之鼎回忆，英伟达当时原本正考虑给潘梓正全职工作机会，潘梓正在社交平台上发帖庆祝，曾是他导师的禹之鼎随即转发，"
    "并点赞了这条消息，同时披露了潘梓正加入DeepSeek前的故事。"
)


def test_long_paragraph_mentioning_share_words_is_prose():
    got = texts(JINA + BODY[0] + "\n\n" + LONG_SHARE + "\n\n" + "\n\n".join(BODY[1:]) + "\n\n转发\n\n点赞\n\n在看\n")
    assert LONG_SHARE in got
    assert_body_intact(got)
    assert not {"转发", "点赞", "在看"} & set(got)


def test_embedded_further_reading_section_is_kept():
    """Seed 000: a 延伸阅读 section inside the article is the author's, not a related-articles list."""
    inner = "中国人工智能初创企业DeepSeek的异军突起，不仅给硅谷带来技术路线的冲击，也引发了美国对于AI人才流动的反思。"
    got = texts(
        "黄仁勋首次回应DeepSeek冲击波\n\n" + "\n\n".join(BODY[:3]) + "\n\n延伸阅读\n\n"
        "DeepSeek关键工程师曾在英伟达实习 美前官员发出感叹\n\n" + inner + "\n\n" + "\n\n".join(BODY[3:])
    )
    assert_body_intact(got)
    for kept in ("延伸阅读", "DeepSeek关键工程师曾在英伟达实习 美前官员发出感叹", inner):
        assert kept in got


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(JINA + "黄仁勋对DeepSeek的看法\n\n" + TEXT_BODY, id="title line"),
        pytest.param(JINA + "《黄仁勋对DeepSeek的看法》\n\n" + TEXT_BODY, id="title in book-title marks"),
        pytest.param(JINA + "# 黄仁勋对DeepSeek的看法\n\n" + TEXT_BODY, id="title as heading"),
        pytest.param("黄仁勋对DeepSeek的看法\n创始人\n2025-01-27 01:22:24\n0\n\n"
                     "《黄仁勋对DeepSeek的看法》\n\n" + TEXT_BODY, id="text dump: title line repeated below"),
    ],
)
def test_title_repeated_in_body_is_dropped(text):
    got = texts(text)
    assert_body_intact(got)
    assert not any("黄仁勋对DeepSeek的看法" in t for t in got)


def test_title_words_inside_a_paragraph_are_not_a_repeat():
    sentence = "黄仁勋对DeepSeek的看法，在接受采访时说得很清楚：市场的反应完全反了，推理本身就是计算密集型的部分。"
    assert sentence in texts(JINA + sentence + "\n\n" + TEXT_BODY)


REJECTED = [
    # (id, dump text, words the reason must contain)
    ("captcha", "环境异常\n\n当前环境异常，完成验证后即可继续访问。\n\n去验证", "captcha"),
    ("deleted by publisher", "该内容已被发布者删除", "deleted"),
    ("WeChat violation notice", JINA + "此内容因违规无法查看\n", "deleted"),
    ("login wall", "请先登录\n\n登录后可查看全文", "login"),
    ("title only", "# 一口气了解英伟达，芯片新王凭什么是他？\n\n# 一口气了解英伟达，芯片新王凭什么是他？\n",
     "title only"),
    ("404", "404 Not Found\n\nnginx", "404"),
    ("too short", "短短一行字。", "characters of body text"),
    ("login popup only (CSDN)",
     "登录后您可以：\n\n免费复制代码\n\n和博主大V互动\n\n下载海量资源\n\n发动态/写文章/加入社区", "not an article"),
]


@pytest.mark.parametrize(("text", "reason"), [pytest.param(*row[1:], id=row[0]) for row in REJECTED])
def test_non_articles_rejected_with_reason(text, reason):
    result = clean(article(text, "raw/bad.md"))
    assert isinstance(result, Failure), [block_text(b) for b in result.blocks]
    assert (result.raw_path, result.stage) == ("raw/bad.md", "clean")
    assert "not an article" in result.reason and reason in result.reason


@pytest.mark.parametrize("notice", ["该内容已被发布者删除", "当前环境异常，完成验证后即可继续访问", "请先登录"])
def test_short_real_article_quoting_a_block_notice_is_accepted(notice):
    quote = f"有读者反映，打开原链接只看到“{notice}”的提示。"
    result = clean(article(JINA + BODY[0] + "\n\n" + quote + "\n\n" + "\n\n".join(BODY[1:])))
    assert not isinstance(result, Failure), result


def test_wechat_english_chrome_page_is_a_real_article():
    """05: 'Weixin Official Accounts Platform' (a block-page string) heads a real article."""
    text = (
        "Title: Prompt 制作方法：文字逻辑关系图\n\nURL Source: https://mp.weixin.qq.com/s?__biz=Mzk\n\n"
        "Markdown Content:\nWeixin Official Accounts Platform\n===============\n\n \n\n"
        "Prompt 制作方法：文字逻辑关系图\n===================\n\n"
        "Original 是空格 [PM产品星球](javascript:void(0);)\n\n" + TEXT_BODY
        + "\n\nScan to Follow\n\n继续滑动看下一个\n\n[Got It](javascript:;)\n"
    )
    got = texts(text)
    assert_body_intact(got)
    assert not any("Weixin Official Accounts Platform" in t or "Got It" in t for t in got)


def test_interview_sections_keep_their_headings():
    got = cleaned(JINA + "\n\n".join(BODY[:2]) + "\n\n**做研究，做探索**\n\n" + "\n\n".join(BODY[2:])).blocks
    assert any(isinstance(b, Heading) and block_text(b) == "做研究，做探索" for b in got)


# --- what clean lifts for metadata: typed records, where it finds them ----------------------------

RULES = load_rules()


@pytest.mark.parametrize(
    ("lift", "line", "records"),
    [
        (credits.from_timestamp, "**2025-02-22 10:49**", [Dateline("2025-02-22 10:49", "head-timestamp")]),
        (partial(credits.from_dateline, rules=RULES), "2025-02-22 10:49 来源：澎湃新闻 作者：王博",
         [Dateline("2025-02-22 10:49 来源：澎湃新闻 作者：王博", "head-dateline"),
          Byline("outlet", "澎湃新闻", "head-dateline"), Byline("author", "王博", "head-dateline")]),
        (partial(credits.from_dateline, rules=RULES), "2025-02-22 10:49 澎湃新闻",  # one bare name: the outlet
         [Dateline("2025-02-22 10:49 澎湃新闻", "head-dateline"), Byline("outlet", "澎湃新闻", "head-dateline")]),
        (partial(credits.from_byline, rules=RULES), "作者：王博", [Byline("author", "王博", "byline")]),
        (partial(credits.from_byline, rules=RULES), "**编辑 | 李曦**", [Byline("editor", "李曦", "byline")]),
        (partial(credits.from_byline, rules=RULES), "出品｜腾讯科技", [Byline("producer", "腾讯科技", "byline")]),
        (partial(credits.from_byline, rules=RULES), "来源：36氪", [Byline("via", "36氪", "byline")]),
        (partial(credits.from_byline, rules=RULES), "题图：视觉中国", [Byline("credit", "视觉中国", "byline")]),
        (partial(credits.from_byline, rules=RULES), "原创 王博 [机器之心](https://mp.weixin.qq.com/x)",
         [Byline("author", "王博", "byline"), Byline("outlet", "机器之心", "byline")]),
        (partial(credits.from_byline, rules=RULES), "原创 机器之心", [Byline("outlet", "机器之心", "byline")]),
        (partial(credits.from_byline, rules=RULES), "梦晨 发自 凹非寺", [Byline("author", "梦晨", "byline")]),
        (partial(credits.from_byline, rules=RULES), "原标题：黄仁勋的一天", []),  # leaves the body, says nothing
        (credits.from_footer, "责任编辑：李曦", [Byline("editor", "李曦", "tail-editor")]),
        (credits.from_footer, "本文来自微信公众号“爱范儿”（ID：ifanr），作者：咽不下泔水的，36氪经授权发布。",
         [Byline("original", "爱范儿", "repost-footer"), Byline("author", "咽不下泔水的", "repost-footer")]),
        (credits.from_footer, "相关推荐", []),
        (credits.from_account_line, "智源社区2023-08-29 18:00:00发布于北京",
         [Dateline("2023-08-29 18:00:00", "account-line"), Byline("outlet", "智源社区", "account-line")]),
        (credits.from_account_line, "张小珺 腾讯科技",
         [Byline("outlet", "腾讯科技", "account-line"), Byline("author", "张小珺", "account-line")]),
    ],
)
def test_credit_lines_lift_typed_records(lift, line, records):
    assert lift(line) == records


@pytest.mark.parametrize(
    ("dropped", "records"),
    [
        (["澎湃新闻 incentive-icons", "澎湃新闻", "专注时政与思想的新闻平台。", "790201文章数 5070681关注度"],
         [Byline("outlet", "澎湃新闻", "account-card")]),  # the name said twice above the card
        (["2025-04-26 14:26:25", "封面新闻", "790201文章数 5070681关注度"],
         [Byline("outlet", "封面新闻", "account-card")]),
        (["相关推荐", "封面新闻"], []),  # no card
    ],
)
def test_the_name_above_an_account_card_is_the_outlet(dropped, records):
    assert credits.from_account_card(dropped) == records


def test_a_portals_source_pattern_names_the_outlet():
    wechat = RULES.portals_named(("微信公众号",))
    dropped = ["今天是《科技早知道》为您分享", "其他"]
    assert credits.from_portal_patterns(dropped, wechat, RULES) == [
        Byline("outlet", "科技早知道", "portal:微信公众号")]


HEAD = ["网易首页 > 网易号 > 正文", "黄仁勋首次回应DeepSeek冲击波", "作者：王博", "2025-02-22 10:49 来源：澎湃新闻"]


def test_clean_lifts_the_head_lines_in_the_order_it_finds_them():
    result = clean(factories.dump("\n".join([*HEAD, *BODY[:3]])))
    assert result.lifted == (
        TitleCandidate("黄仁勋首次回应DeepSeek冲击波", "text-head"),
        Byline("author", "王博", "byline"),
        Dateline("2025-02-22 10:49 来源：澎湃新闻", "head-dateline"),
        Byline("outlet", "澎湃新闻", "head-dateline"),
        TitleCandidate(BODY[0][:40] + "…", "inferred from body", inferred=True),
    )


@pytest.mark.parametrize(
    ("blocks", "title"),
    [
        ((factories.heading("第一部分：背景介绍"), factories.paragraph(BODY[0])), "第一部分：背景介绍"),
        ((factories.paragraph(";; 3. 严格按照关系类型呈现。后面还有"),), "3. 严格按照关系类型呈现"),
        ((factories.paragraph("短"), factories.paragraph("足够长的第二段，就是标题了")), "足够长的第二段，就是标题了"),
        ((factories.figure(caption="只有图注的一张图"),), "x.txt"),  # nothing to infer from: the file name
    ],
)
def test_the_inferred_title_is_the_first_heading_or_sentence(blocks, title):
    assert inferred_title(blocks, "raw/x.txt") == TitleCandidate(title, "inferred from body", inferred=True)


def test_dropped_blocks_keep_their_place():
    """Each dropped block is recorded with its index in the dump and the cleaned-body block it stood before."""
    result = clean(factories.dump("\n".join([*HEAD, *BODY[:3], "相关推荐", "另一篇文章的标题"])))
    assert [(r.text[:8], r.rule, r.position, r.before) for r in result.removed] == [
        ("网易首页 > 网", "head:breadcrumb", 0, 0),
        ("相关推荐", "tail:after-end", 7, 3),
        ("另一篇文章的标题", "tail:after-end", 8, 3),
        ("黄仁勋首次回应D", "head:title", 1, 0),
        ("作者：王博", "head:byline", 2, 0),
        ("2025-02-", "head:dateline", 3, 0),
    ]
    assert all(r.block == factories.paragraph(r.text) for r in result.removed)


def test_clean_reads_the_portals_ingest_found():
    """Portal junk lines apply only to a dump of that portal: ingest detected it, clean does not again."""
    text = "\n".join([*BODY[:3], "炒股就看金麒麟分析师研报，权威，专业，及时，全面"])
    sina = clean(factories.dump(text, portals=("新浪",)))
    other = clean(factories.dump(text))
    assert [r.rule for r in sina.removed] == ["junk-line"]
    assert len(other.blocks) == 4


def test_body_characters_are_counted_without_whitespace_as_regex_sees_it():
    """_accept counts body characters with str.split(), which splits on exactly what r"\\s" matches."""
    space = re.compile(r"\s")
    assert all((space.match(chr(c)) is not None) == chr(c).isspace() for c in range(0x110000))
