"""Readers (build_tools/readers): envelopes are recognised by content, bodies become typed blocks."""

from __future__ import annotations

import pytest

from build_tools.model import (
    Break,
    CodeBlock,
    Emph,
    Figure,
    Heading,
    Link,
    ListBlock,
    Paragraph,
    Quote,
    Strong,
    Table,
    Text,
    block_text,
    inline_text,
)
from build_tools.model.walk import iter_nodes
from build_tools.stages.readers import read
from build_tools.stages.readers.inlines import normalize, plain


def _links(inlines):
    return [node for node in iter_nodes(inlines) if isinstance(node, Link)]


BODY = "在蜂拥而至的大模型团战中，幻方大概是最异类的一个。\n\n这是一场注定是少数人的游戏。\n"

JINA = (
    "Title: 微软 Copilot，像个乱贴小广告的街溜子-36氪\n\n"
    "URL Source: https://36kr.com/p/3750697076015878\n\n"
    "Published Time: 2026-06-17T18:10:29+08:00\n\n"
    "Markdown Content:\n" + BODY
)
CUBOX = (
    "疯狂的幻方：一家隐形AI巨头的大模型之路\n====================\n\n"
    "[mp.weixin.qq.com](http://mp.weixin.qq.com/s?__biz=Mzk0&mid=1)暗涌Waves 暗涌Waves\n\n"
    + BODY
    + "\n[跳转到 Cubox 查看](https://cubox.pro/my/card?id=7060930513518723715)\n"
)
EVERNOTE = (
    "# 巨头竞逐Chiplet\n\n> 笔记本: 微信\n> 创建时间: 2021-02-28\n\n---\n\n"
    "速读摘要\n本文还会介绍TSMC、三星电子、英特尔在此次的IEDM上发布了何种尖端封装技术。\n"
    "原文约 6091  字   |  图片 25 张  |  建议阅读 13 分钟  |  [评价反馈](https://static.app.yinxiang.com/x)\n\n\n"
    + BODY
    + "\n---\n**Tags:** #Chiplet #先进封装\n"
)
FRONT_MATTER_HTML = (
    "\n---\ntitle: '微软痛斩HoloLens头显项目：元宇宙窗口打不开'\ncategories:\n - 新媒体\n - 资讯\n"
    "author: 36kr\ndate: Mon, 07 Feb 2022 05:59:43 GMT\n---\n\n"
    "<div>\n"
    '<p class="image-wrapper"><img data-img-size-val="1080,570" src="https://img.36krcdn.com/a_img_000"></p>\n'
    '<p label="图片描述" class="img-desc" style>对此网友表示，「你这也是网上发布的消息啊。」 </p>\n'
    "<p>2月3日，Insider一篇洋洋洒洒的长文表示，微软已经把HoloLens 3项目毙掉了。 </p>\n"
    '<h2 label="一级标题" style><strong>第三代HoloLens搁浅了？</strong></h2>\n'
    '<p>与<a class="project-link" data-name="谷歌" href="https://36kr.com/projectDetails/3968996">谷歌</a>'
    "在推向消费者市场的尝试惨败之后再转入工业界不同。</p>\n"
    '<p>参考：<a href="https://www.businessinsider.com/x">Insider 原文</a></p>\n'
    "</div>\n"
)
PLAIN = "网易首页 > 网易号 > 正文 申请入驻\n\n黄仁勋首次回应DeepSeek冲击波\n\n" + BODY
HTML_PAGE = """<!DOCTYPE html><html><head>
<title>英伟达市值破万亿美元_腾讯新闻</title>
<meta property="og:title" content="英伟达市值破万亿美元，国产GPU追上还要十年？">
<meta property="article:published_time" content="2023-06-09T08:00:00+08:00">
<meta name="author" content="叶蓁">
<meta property="og:site_name" content="腾讯新闻">
<meta name="description" content="国产GPU追赶英伟达的难点在软件生态。">
<script type="application/ld+json">{"@type": "NewsArticle", "headline": "LD 标题", "datePublished": "2023-06-09",
 "author": [{"name": "叶蓁"}, "康晓"], "publisher": {"name": "深网"}, "url": "https://new.qq.com/rain/a/1"}</script>
<style>p { color: red }</style><script>alert("page script")</script>
</head><body><nav>首页 导航</nav>
<article><h1>英伟达市值破万亿美元</h1><p>第一段正文。</p><p>第二段<b>加粗</b>正文。</p>
<figure><img data-src="https://inews.gtimg.com/a.jpg" src="data:image/gif;base64,R0lG">
<figcaption>来源：视觉中国</figcaption></figure><iframe src="https://evil.example/"></iframe></article>
<footer>版权所有</footer></body></html>"""


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        pytest.param(JINA, "jina+markdown", id="jina"),
        pytest.param(CUBOX, "cubox+markdown", id="cubox"),
        pytest.param(EVERNOTE, "evernote+markdown", id="evernote"),
        pytest.param(FRONT_MATTER_HTML, "front-matter+html", id="front matter + html fragment"),
        pytest.param(HTML_PAGE, "html", id="saved html page"),
        pytest.param(PLAIN, "text", id="plain text"),
        pytest.param("# 标题\n\n正文第一段。\n\n> 引用\n\n*   列表项\n*   列表项二\n\n**加粗** 段落。\n",
                     "markdown", id="bare markdown"),
        pytest.param("Title: 不是 Jina 头\n普通的一行字，没有 Markdown Content 标记。\n", "text",
                     id="'Title:' alone is not a Jina header"),
    ],
)
def test_format_detection(text, fmt):
    assert read(text).format == fmt


def _hints(text: str) -> set[tuple[str, str, str]]:
    return {(h.field, h.value, h.source) for h in read(text).hints}


def test_jina_header_hints():
    assert _hints(JINA) == {
        ("title", "微软 Copilot，像个乱贴小广告的街溜子-36氪", "jina-header"),
        ("url", "https://36kr.com/p/3750697076015878", "jina-header"),
        ("published", "2026-06-17T18:10:29+08:00", "jina-header"),
    }


def test_jina_header_is_not_body():
    texts = [block_text(b) for b in read(JINA).blocks]
    assert texts == ["在蜂拥而至的大模型团战中，幻方大概是最异类的一个。", "这是一场注定是少数人的游戏。"]


def test_cubox_header_and_footer():
    doc = read(CUBOX)
    assert {(h.field, h.value) for h in doc.hints} == {
        ("title", "疯狂的幻方：一家隐形AI巨头的大模型之路"),
        ("url", "http://mp.weixin.qq.com/s?__biz=Mzk0&mid=1"),
        ("account_line", "暗涌Waves 暗涌Waves"),
    }
    body = "\n".join(block_text(b) for b in doc.blocks)
    assert "跳转到 Cubox 查看" not in body and "mp.weixin.qq.com" not in body


def test_evernote_header_digest_and_tags():
    doc = read(EVERNOTE)
    hints = {(h.field, h.value) for h in doc.hints}
    expected = {("title", "巨头竞逐Chiplet"), ("captured", "2021-02-28"), ("tags", "Chiplet"), ("tags", "先进封装")}
    assert expected <= hints
    body = "\n".join(block_text(b) for b in doc.blocks)
    for clipper_text in ("笔记本", "创建时间", "速读摘要", "原文约", "建议阅读", "Tags"):
        assert clipper_text not in body
    assert body.startswith("在蜂拥而至的大模型团战中")


def test_front_matter_hints():
    hints = _hints(FRONT_MATTER_HTML)
    assert ("title", "微软痛斩HoloLens头显项目：元宇宙窗口打不开", "front-matter") in hints
    assert ("published", "Mon, 07 Feb 2022 05:59:43 GMT", "front-matter") in hints
    assert ("byline", "36kr", "front-matter") in hints
    assert {("tags", "新媒体", "front-matter"), ("tags", "资讯", "front-matter")} <= hints


def test_html_fragment_blocks():
    blocks = read(FRONT_MATTER_HTML).blocks
    figure = blocks[0]
    assert isinstance(figure, Figure) and figure.src == "https://img.36krcdn.com/a_img_000"
    assert inline_text(figure.caption) == "对此网友表示，「你这也是网上发布的消息啊。」"
    heading = next(b for b in blocks if isinstance(b, Heading))
    assert block_text(heading) == "第三代HoloLens搁浅了？"
    # 36kr's automatic entity links are the portal's, not the author's; the author's own link stays.
    hrefs = [link.href for b in blocks if isinstance(b, Paragraph) for link in _links(b.inlines)]
    assert hrefs == ["https://www.businessinsider.com/x"]
    assert any(block_text(b).startswith("与谷歌在推向消费者市场") for b in blocks)


def test_html_page_hints():
    hints = {(h.field, h.value) for h in read(HTML_PAGE).hints}
    assert {
        ("title", "英伟达市值破万亿美元_腾讯新闻"),  # <title>
        ("title", "英伟达市值破万亿美元，国产GPU追上还要十年？"),  # og:title
        ("title", "LD 标题"),  # JSON-LD headline
        ("published", "2023-06-09T08:00:00+08:00"),  # article:published_time
        ("published", "2023-06-09"),  # JSON-LD datePublished
        ("byline", "叶蓁"),
        ("byline", "康晓"),
        ("source", "腾讯新闻"),
        ("source", "深网"),
        ("url", "https://new.qq.com/rain/a/1"),
        ("description", "国产GPU追赶英伟达的难点在软件生态。"),
    } <= hints


def test_html_page_blocks_keep_the_article_only():
    blocks = read(HTML_PAGE).blocks
    texts = [block_text(b) for b in blocks]
    joined = "\n".join(texts)
    for furniture in ("首页 导航", "版权所有", "alert", "color: red"):
        assert furniture not in joined
    assert texts[:3] == ["英伟达市值破万亿美元", "第一段正文。", "第二段加粗正文。"]


def test_html_figure_with_figcaption():
    figure = next((b for b in read(HTML_PAGE).blocks if isinstance(b, Figure)), None)
    assert figure is not None, "the <figure><img> became a plain paragraph (its caption only)"
    assert figure.src == "https://inews.gtimg.com/a.jpg"  # data-src (lazy loading) beats the placeholder
    assert inline_text(figure.caption) == "来源：视觉中国"


def test_html_inline_elements_directly_inside_a_div():
    """An inline element directly inside a block container keeps its meaning (image, bold, link, break)."""
    page = (
        '<div><p>正文一。</p><img src="https://a.example/x.png">'
        '<strong>粗体</strong>文字<a href="https://b.example/">链接</a><br>下一行</div><p>尾段一。</p><p>尾段二。</p>'
    )
    blocks = read(page).blocks
    assert any(isinstance(b, Figure) and b.src == "https://a.example/x.png" for b in blocks)
    inlines = next(b.inlines for b in blocks if isinstance(b, Paragraph) and "粗体" in block_text(b))
    assert Strong((Text("粗体"),)) in inlines
    assert Link("https://b.example/", (Text("链接"),)) in inlines
    assert Break() in inlines


def test_plain_text_lost_image_caption():
    """Two blank lines then a short line without sentence punctuation: the caption of an image the copy lost."""
    text = (
        "英伟达CEO黄仁勋称市场对DeepSeek带来的影响存在误解。\n\n\n黄仁勋接受采访\n\n"
        "在近日播出的一档采访节目中，黄仁勋称R1令人兴奋不已。\n\n"
        "这是普通的下一段，只隔一个空行。\n\n\n"
        "两个空行之后的一整句话也还是正文。\n"
    )
    blocks = read(text).blocks
    assert [type(b) for b in blocks] == [Paragraph, Figure, Paragraph, Paragraph, Paragraph]
    assert blocks[1].src == "" and inline_text(blocks[1].caption) == "黄仁勋接受采访"


def test_plain_text_first_line_is_never_a_caption():
    blocks = read("\n\n\n标题行\n\n正文第一段。\n").blocks
    assert isinstance(blocks[0], Paragraph)


MD = "Title: T\n\nURL Source: https://example.com/a\n\nMarkdown Content:\n"


@pytest.mark.parametrize(
    ("markdown", "caption"),
    [
        pytest.param("![](https://a.example/1.jpg)_来源：视觉中国_", "来源：视觉中国", id="italic caption"),
        pytest.param("![图片](https://a.example/1.jpg)图：OpenAI官网宣布开始构建超级对齐系统",
                     "图：OpenAI官网宣布开始构建超级对齐系统", id="plain caption"),
    ],
)
def test_markdown_image_glued_to_caption_is_a_figure(markdown, caption):
    blocks = read(MD + "正文。\n\n" + markdown + "\n\n正文二。\n").blocks
    figure = blocks[1]
    assert isinstance(figure, Figure) and figure.src == "https://a.example/1.jpg"
    assert inline_text(figure.caption) == caption


def test_markdown_image_glued_to_long_text_is_not_a_caption():
    long_text = "这是一段很长的正文，" * 12
    blocks = read(MD + f"![](https://a.example/1.jpg){long_text}\n").blocks
    assert not (isinstance(blocks[0], Figure) and blocks[0].caption)
    assert any(long_text.strip() in block_text(b) for b in blocks)


def test_markdown_image_glued_to_bold_heading():
    """06: '![图片](…)**做研究，做探索**' is a section banner plus its heading, not an image caption."""
    blocks = read(MD + "以下为对话：\n\n![图片](https://a.example/1.jpg)**做研究，做探索**\n\n第一问的正文。\n").blocks
    assert any(isinstance(b, Figure) and not b.caption for b in blocks)
    assert any(isinstance(b, Heading) and block_text(b) == "做研究，做探索" for b in blocks)


def test_markdown_only_images_paragraph_becomes_figures():
    blocks = read(MD + "![a](https://a.example/1.jpg) ![b](https://a.example/2.jpg)\n").blocks
    assert [(type(b), b.src) for b in blocks] == [(Figure, "https://a.example/1.jpg"),
                                                  (Figure, "https://a.example/2.jpg")]


def test_markdown_structure():
    text = MD + (
        "小标题\n------\n\n#### 四级标题\n\n> 引用第一行  \n> 引用第二行\n\n"
        "*   **对称设计**：反向排列\n    \n*   **双向并行**：同时推进\n    \n\n"
        "```python\nprint('hi')\n```\n\n参考链接：  \nhttps://x.com/deepseek\\_ai/status/1\n"
    )
    blocks = read(text).blocks
    assert [type(b) for b in blocks] == [Heading, Heading, Quote, ListBlock, CodeBlock, Paragraph]
    assert blocks[1].level == 4
    assert blocks[3].items[0][0].inlines[0] == Strong((Text("对称设计"),))
    assert blocks[4] == CodeBlock("print('hi')", "python")
    assert Break() in blocks[5].inlines and block_text(blocks[5]).endswith("deepseek_ai/status/1")


def test_csdn_heading_anchors_and_swapped_table_rows():
    text = MD + (
        "{#t0}应用汇总\n---------\n\n"
        "|------|------|------|\n| 类型 | 应用点 | [GPT](https://so.csdn.net/so/search?q=GPT)效果 |\n"
        "| 面试 | AI面试官 | 中 |\n\n### {#t3}AI面试官\n\n正文。\n"
    )
    blocks = read(text).blocks
    assert [block_text(b) for b in blocks if isinstance(b, Heading)] == ["应用汇总", "AI面试官"]
    table = next(b for b in blocks if isinstance(b, Table))
    assert [inline_text(c) for c in table.header] == ["类型", "应用点", "GPT效果"]
    assert [[inline_text(c) for c in row] for row in table.rows] == [["面试", "AI面试官", "中"]]


def test_html_block_inside_markdown_is_read_as_html_without_scripts():
    blocks = read(MD + "第一段。\n\n<div><p>块内段落。</p><script>alert(1)</script></div>\n\n最后。\n").blocks
    assert [block_text(b) for b in blocks] == ["第一段。", "块内段落。", "最后。"]


def test_code_with_markup_in_a_prompt_does_not_swallow_the_rest():
    """05: SVG/Lisp prompt text with an unterminated '<!-- … --\\>' comment inside a Markdown dump."""
    text = MD + (
        "第一段正文，介绍背景。\n\n"
        '(format nil "<svg>  \n<!-- 背景 --\\>  \n<rect x=\\"0\\"/\\>  \n</svg>")\n\n'
        "最后一段正文，总结全文。\n"
    )
    texts = [block_text(b) for b in read(text).blocks]
    assert texts[0] == "第一段正文，介绍背景。"
    assert texts[-1] == "最后一段正文，总结全文。"


@pytest.mark.parametrize(
    ("markdown", "label"),
    [
        pytest.param("**梁文锋：**我们要做的是通用人工智能。", "梁文锋：", id="bold label then CJK"),
        pytest.param("*   **DualPipe：**一种创新的双向流水线并行算法。", "DualPipe：", id="in a list item"),
        pytest.param("**第二级是Reinforcement Learning from Human Feedback：**我们需要确保人工智能表现良好。",
                     "第二级是Reinforcement Learning from Human Feedback：", id="long bold lead-in"),
    ],
)
def test_cjk_emphasis_closes_after_fullwidth_punctuation(markdown, label):
    """CommonMark's flanking rule leaves '**…：**正文' unclosed; WeChat editors write exactly that (02, 06, 07, 08)."""
    blocks = read(MD + markdown + "\n\n另一段正文。\n").blocks
    first = blocks[0].items[0][0] if isinstance(blocks[0], ListBlock) else blocks[0]
    assert first.inlines[0] == Strong((Text(label),))


def test_emphasis_that_commonmark_accepts_is_kept():
    blocks = read(MD + "且**DualPipe的开发团队中包括梁文锋本人**。*斜体*说明。\n").blocks
    inlines = blocks[0].inlines
    assert Strong((Text("DualPipe的开发团队中包括梁文锋本人"),)) in inlines
    assert Emph((Text("斜体"),)) in inlines


def test_links_keep_their_target():
    blocks = read(MD + "我在[一个 Prompt 搞定架构图](http://mp.weixin.qq.com/s?a=1)中写过。\n").blocks
    links = _links(blocks[0].inlines)
    assert links == [Link("http://mp.weixin.qq.com/s?a=1", (Text("一个 Prompt 搞定架构图"),))]


# --- inline normalisation, whichever reader produced the inlines -----------------------------------


@pytest.mark.parametrize(
    ("inlines", "expected"),
    [
        ((Text("中文"), Text("继续")), (Text("中文继续"),)),  # adjacent texts merge
        ((Text("中文\n换行"),), (Text("中文换行"),)),  # a soft break inside Chinese prose joins without a space
        ((Text("word\nwrap"),), (Text("word wrap"),)),
        ((Text("a \u3000\t b"),), (Text("a b"),)),  # any run of spaces becomes one
        ((Text("  前后  "),), (Text("前后"),)),  # stripped at both ends
        ((Break(), Text("甲"), Break()), (Text("甲"),)),  # no line break at either end
        ((Text("甲"), Strong(()), Text("乙")), (Text("甲乙"),)),  # an empty wrapper goes, its neighbours merge
        ((Link("", ()),), ()),
        ((Link("https://x.cn/", ()),), (Link("https://x.cn/", ()),)),  # an empty link with a target stays
        ((Strong((Strong((Text("粗"),)),)),), (Strong((Text("粗"),)),)),  # strong in strong flattens
        ((Emph((Text(" 斜 "), Text("体")),),), (Emph((Text("斜 体"),)),)),
        ((Text("见"), Link("https://x.cn/", (Text("原文"),)), Text("。")),
         (Text("见"), Link("https://x.cn/", (Text("原文"),)), Text("。"))),
    ],
)
def test_normalize(inlines, expected):
    assert normalize(list(inlines)) == expected
    assert normalize(expected) == expected  # normalised inlines stay as they are


@pytest.mark.parametrize("text", ["", " ", "正文", "  两端  ", "中文\n换行", "a\t\u00a0b", "\n\n", "甲 \n 乙",
                                  "x\u200by"])
def test_plain_is_normalize_of_one_text(text):
    assert plain(text) == normalize([Text(text)])


def test_a_wrapper_or_reader_reads_a_text_once(monkeypatch):
    """An envelope and a page are parsed once each: the hints and the blocks come from the same parse."""
    from bs4 import BeautifulSoup

    from build_tools.stages.readers import html, wrappers

    loads, soups = [], []
    compose = wrappers.yaml_read.compose
    monkeypatch.setattr(wrappers.yaml_read, "compose", lambda s: loads.append(s) or compose(s))
    monkeypatch.setattr(html, "BeautifulSoup", lambda *a: soups.append(a) or BeautifulSoup(*a))
    doc = read("---\ntitle: 标题\ndate: 2025-02-22\ntags: [a, b]\nauthor: 王博\n---\n\n正文第一段，足够长的一句话。\n")
    assert [h.field for h in doc.hints] == ["title", "published", "tags", "tags", "byline"]
    page = read("<html><head><title>页面标题</title></head><body><p>正文</p><p>第二段</p><div>三</div></body></html>")
    assert (page.hints[0].value, block_text(page.blocks[0])) == ("页面标题", "正文")
    assert (len(loads), len(soups)) == (1, 1)
