"""Real dumps from ../shared/corpus/dev: key sentences present, junk absent, honest metadata.

One row per dump.  Key sentences come from the beginning, the middle and the
last real paragraph of the article; junk strings are page furniture the dump
carries (SOURCES.tsv lists it).  Both are matched against the rendered page
body as a reader sees it (Markdown escapes, link targets and attribute lists
removed, whitespace ignored) and, for junk, against the raw Markdown too, so
that link targets and image URLs count.

Where the build is wrong today the aspect is marked xfail(strict=True) with
what is wrong: fix the cleaner, then delete the mark.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.pagetext import article_body, contains, split_page, visible

MANIFEST = "SOURCES.tsv"


@dataclass(frozen=True)
class Dump:
    file: str
    keys: tuple[str, ...]
    junk: tuple[str, ...]
    meta: dict = field(default_factory=dict)
    keep_raw: tuple[str, ...] = ()  # must survive in the page Markdown itself (image URLs)
    xfail: dict = field(default_factory=dict)  # aspect -> what the build gets wrong


# Metadata keys: front matter fields compared exactly (None: the field must be absent, the dump has
# no honest value); "title_startswith" / "title_not_contains" for titles a site may still decorate.
DUMPS = (
    Dump(
        "01_jina_wechat_icbank_nvidia_rtx5090_riscv.md",
        keys=(
            "当 Nvidia 在 2025 年 CES 上首次发布 RTX 5000 系列显卡时，很明显该公司将通过这些产品进一步向 AI 靠拢。",
            "RTX 5090 GPU 的一个新特性是 AI 管理处理器 (AMP)，这是一个完全可编程的上下文调度程序。",
            "RTX 5090 整合了 CUDA、RT 和 Tensor Cores 以及管理芯片的最佳技术，以确保更好的延迟并最大限度地提高效率。",
        ),
        junk=(
            "欢迎标星",
            "本文编译自forbe",
            "半导体精品公众号推荐",
            "点击上方名片即可关注",
            "免责声明",
            "为您分享的第4029期内容",
            "一颗改变了世界的芯片",
            "公众号ID",
            "喜欢我们的内容就点",
            # the account's "follow us" banner that the 👆 line points at, identical in every post
            "CB90MLwUv2dlSOw0Zeq8bxDDb9at7uFb5MI56wyliabMPeGVJDphicsoGTAVFYnsicCjx9D4ediabGpxjbtVUgfpDg",
        ),
        meta={
            "title": "英伟达RTX 5090揭秘：集成RISC-V处理器",
            "url": "https://mp.weixin.qq.com/s/ng9yG2ydJ7RTF8Q4HF42iw",
            "source": "半导体行业观察",
            "date": None,
        },
    ),
    Dump(
        "02_jina_wechat_qbitai_deepseek_opensource_day4.md",
        keys=(
            "DeepSeek开源周第四天，直接痛快「1日3连发」，且全都围绕一个主题：",
            "它实现了前向与后向计算-通信阶段的完全重叠，还减少了流水线气泡（即某些设备在某些时刻空闲等待）。",
            "好了，DeepSeek开源周，明天就是最后一天了，不知道会有什么压轴登场？",
        ),
        junk=(
            "量子位 | 公众号 QbitAI",
            "凹非寺",
            "扫码备注",
            "评选报名",
            "本次评选结果将于4月中国AIGC产业峰会上公布",
            "一键关注",
            "点亮星标",
            "一键三连",
            "欢迎在评论区留下你的想法",
        ),
        meta={
            "title": "DeepSeek今日连开3源！针对优化的并行策略，梁文锋本人参与开发",
            "url": "https://mp.weixin.qq.com/s/GXIvj1omweDu3_DZjo6sVg",
            "authors": ["衡宇", "梦晨"],
            "source": "量子位",
            "date": None,
        },
    ),
    Dump(
        "03_jina_36kr_microsoft_copilot_pr_ads.md",
        keys=(
            "上周，澳大利亚开发者 Zach Manson 发现，自己在 GitHub 上提交的代码合并请求 (PR) 里面，"
            "不知道为什么被插入了一段广告。",
            "大家知道 GitHub 早就被微软收购了。",
            "GitHub 已经修复了这个问题，我相信这并非出于恶意，只是一系列不幸的事件造成的巧合。",
            "大公司的泔水，我真是一口都咽不下了。",
        ),
        junk=("本文来自微信公众号", "36氪经授权发布", "ID：ifanr", "-36氪"),
        meta={
            "title": "微软 Copilot，像个乱贴小广告的街溜子",
            "date": "2026-06-17",
            "url": "https://36kr.com/p/3750697076015878",
            "source": "36氪",
            "original_source": "爱范儿",
            "authors": ["咽不下泔水的"],
        },
    ),
    Dump(
        "05_jina_wechat_pmplanet_prompt_en_ui_chrome.md",
        keys=(
            "最近，难得让 AI 重新敲开了自己的创作欲，顺势制作了一系列非常有用的提示词，比如：",
            "以前一个Prompt是一个好的回答，现在一个Prompt可以是一个交付物。",
            "如果你也找到了自己的心动之物，那么快行动起来吧，你可以试用下面这几个Prompt，参考它的结构来制作。",
            ";; 4. No other comments!!",
        ),
        junk=(
            "Weixin Official Accounts Platform",
            "Scan to Follow",
            "Scan with Weixin",
            "use this Mini Program",
            "Got It",
            "继续滑动看下一个",
            "向上滑动看下一个",
            "轻触阅读原文",
            "预览时标签不可点",
            "javascript:",
            "使用 Cursor，人人都是程序员",
            "产品星球是一个关注产品的媒体",
            "过去关于 AI 的几篇文章推荐",
            "修改于",
            "× 分析",
        ),
        meta={
            "title": "Prompt 制作方法：文字逻辑关系图",
            "authors": ["是空格"],
            "source": "PM产品星球",
            "date": None,
        },
    ),
    Dump(
        "06_cubox_wechat_huanfang_deepseek_origin.md",
        keys=(
            "在蜂拥而至的大模型团战中，幻方大概是最异类的一个。",
            "我们做大模型，其实跟量化和金融都没有直接关系。我们独建了一个名为深度求索的新公司来做这件事。",
            "幻方作为我们的出资人之一，有充足的研发预算",
            "不是所有人都能疯狂一辈子，但大部分人，在他年轻的那些年，可以完全没有功利目的，投入地去做一件事。",
        ),
        junk=(
            "于丽丽",
            "刘旌",
            "51篇原创内容",
            "排版｜杜梦",
            "钱的流向，人的沉浮。36氪旗下投资报道账号。",
            "跳转到 Cubox 查看",
            "cubox.pro/my/card",
        ),
        meta={
            "title": "疯狂的幻方：一家隐形AI巨头的大模型之路",
            "source": "暗涌Waves",
            "authors": ["于丽丽"],
            "editors": ["刘旌"],
            "date": None,
        },
    ),
    Dump(
        "07_cubox_wechat_jensen_stanford_interview_qa.md",
        keys=(
            "2024年3月初，NVIDIA英伟达CEO黄仁勋（Jensen Huang）回到了他的母校美国斯坦福大学",
            "下面是黄仁勋另一场在SIEPR keynote开幕活动上的对话",
            "我们的客户知道，我愿意这样做，并认识到，如果你改变得太远",
            "那么，我认为我们需要结束了。非常感谢John和Jensen。",
        ),
        junk=(
            "作者｜林志佳",
            "本文首发钛媒体",
            "54篇原创内容",
            "6127篇原创内容",
            "钛媒体集团旗下产品",
            "热点视频推荐",
            "点赞关注",
            "温馨提示：喜欢钛媒体公众号的小伙伴",
            "华丽的分割线",
            "下载钛媒体App",
            "万水千山总是情",
            "跳转到 Cubox 查看",
            # the image between the account card and 热点视频推荐, after the article's last line
            "OaFsUa11r0BZhZGA9VBUFj0lZGoxHVh7IRicicTgXJ0KCicHcNEmuGDlg",
        ),
        meta={
            "title_startswith": "黄仁勋最新2万字对话全文：未来10年算力将再提高100万倍",
            "url": "https://mp.weixin.qq.com/s/3FQlcv3OwZ_nAUmFkaew0Q",
            "authors": ["林志佳"],
            "editors": ["马金男"],
            "date": None,
        },
    ),
    Dump(
        "08_cubox_tencent_newqq_openai_superalignment.md",
        keys=(
            "超级智能是一把双刃剑，有助于解决许多重要问题，同时也可能削弱人类的权力并威胁我们的安全。",
            "图：OpenAI官网宣布开始构建超级对齐系统",
            "图：GPT-4模拟输出从而提供可扩展监督的能力示例",
            "Superalignment 团队由OpenAI联合创始人Ilya Sutskever和Jan Leike共同领导。",
            "总的来说，OpenAI为大家勾勒的超级对齐的蓝图，是值得期待且令人向往的。",
        ),
        junk=("发布于北京", "官方账号+关注", "更多内容 尽在智源社区", "跳转到 Cubox 查看"),
        meta={
            "title": "5000字详解OpenAI超级对齐四年计划：定义、挑战与方法",
            "date": "2023-08-29",
            "url": "https://new.qq.com/rain/a/20230829A07HKW00",
            "source": "智源社区",
        },
    ),
    Dump(
        "09_qqnews_tencent_nvidia_trillion_domestic_gpu.md",
        keys=(
            "“中国有很多GPU的初创公司，不要低估中国在芯片领域的追赶能力。”",
            "GPU从90年底起步，经历了早期的创业潮到现如今的寡头垄断——英伟达和AMD。",
            "股价飙升超过25%。5月底，英伟达股价一度创下419.38美元的历史新高",
            "（文中张静、李晨、张思远为化名。）",
        ),
        junk=(
            "英伟达市值破万亿美元，国产GPU追上还要十年？",  # the title, twice in the dump, once on the page
            "作者丨叶蓁",
            "编辑丨康晓",
            "出品丨深网",
        ),
        meta={
            "title": "英伟达市值破万亿美元，国产GPU追上还要十年？",
            "authors": ["叶蓁"],
            "editors": ["康晓"],
            "source": "深网·腾讯新闻小满工作室",
            "date": None,
        },
    ),
    Dump(
        "11_evernote_clip_wechat_icbank_chiplet.md",
        keys=(
            "过去几年，因为厂商的推动，Chiplet这个概念已经深入民心。",
            "图1：“Chiplet”是什么？",
            "通过分割芯片来提高良率，结果降低了单颗芯片的成本。",
            "假设以上皆为可能，人类第一步要走的是消灭新冠肺炎，继续勤洗手、勤漱口、佩戴口罩，期待疫苗发挥良效。",
        ),
        junk=(
            "笔记本",
            "速读摘要",
            "原文约 6091",
            "建议阅读",
            "评价反馈",
            "原创 汤之上隆",
            "点击文末【阅读原文】",
            "免责声明",
            "为您分享的第2601内容",
            "手机元器件的国内新竞赛",
            "识别二维码",
            "回复 投稿",
            "Tags:",
        ),
        meta={
            "title": "巨头竞逐Chiplet",
            "source": "半导体行业观察",
            "authors": ["汤之上隆"],
            "captured": "2021-02-28",
            "tags": ["Chiplet"],
            "date": None,
        },
    ),
    Dump(
        "14_rsshub_hexo_36kr_microsoft_hololens_htmlfrag.md",
        keys=(
            "2月3日，Insider一篇洋洋洒洒的长文表示，微软已经把HoloLens 3项目毙掉了。",
            "对此网友表示，「你这也是网上发布的消息啊。」",
            "关于微软混合现实头显的产品路线图可以追溯到近十年前。",
            "虽然目前还不清楚云版本将使用什么操作系统",
            "HoloLens的开发者估计都需要从头开始重写他们的部分或全部软件，甚至还不止一次。",
        ),
        junk=("本文来自微信公众号", "36氪经授权发布", "projectDetails", "project-link", "data-img-size-val"),
        meta={
            "title": "微软痛斩HoloLens头显项目：元宇宙窗口打不开，干脆请三星帮忙做",
            "date": "2022-02-07",
            "source": "36氪",
            "original_source": "新智元",
        },
    ),
    Dump(
        "16_cubox_csdn_loginwall_title_gpt_hr_table.md",
        keys=(
            "各个指标项分 低、中、中高、高 四档",
            "简历亮点疑点分析",
            "利用AI面试官替代传统面试官，在初面环节完成对候选人的预沟通信息采集、初面预计结果评估工作。",
            "此外，ChatGPT可以自动化培训过程，为员工提供在线培训资源，并根据员工的进度和理解程度调整培训计划。",
            "提出改进建议",
        ),
        junk=("登录后您可以", "成就一亿技术人", "{#t", "跳转到 Cubox 查看", "so.csdn.net/so/search"),
        meta={
            "title_not_contains": "登录后您可以",
            "url": "https://blog.csdn.net/oanqoanq/article/details/130150681",
            "date": None,
        },
        # the last screenshot (under 绩效 / 提出改进建议) is article content, not a trailing banner
        keep_raw=("2023060619244085380/89180.jpg",),
    ),
)

BAD = {"91_bad_qqnews_title_only_video_article.md": "not an article"}


def _params(aspect: str) -> list:
    return list(_iter_params(aspect))


def _iter_params(aspect: str):
    for dump in DUMPS:
        reason = dump.xfail.get(aspect)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        yield pytest.param(dump, id=dump.file.split("_")[0], marks=marks)


def _status(dev_build, name: str):
    report, _ = dev_build
    found = [i for i in report.inputs if Path(i.raw).name == name]
    assert len(found) == 1, f"{name}: {len(found)} entries in the build report"
    return found[0]


def _page(dev_build, dump: Dump) -> str:
    item = _status(dev_build, dump.file)
    assert item.status == "ok", f"{dump.file}: {item.status}: {item.reason}"
    _, docs = dev_build
    return (docs / "articles" / f"{item.slug}.md").read_text(encoding="utf-8")


def test_every_dev_dump_has_a_row(dev_corpus):
    on_disk = {p.name for p in dev_corpus.iterdir() if p.is_file() and p.name != MANIFEST}
    assert on_disk == {d.file for d in DUMPS} | set(BAD)


@pytest.mark.parametrize("dump", _params("published"))
def test_published(dev_build, dump):
    assert _page(dev_build, dump).startswith("---\n")


@pytest.mark.parametrize("dump", _params("keys"))
def test_key_sentences_present(dev_build, dump):
    text = visible(article_body(_page(dev_build, dump)))
    missing = [k for k in dump.keys if not contains(text, k)]
    assert not missing, f"{dump.file}: body lost {missing}"


@pytest.mark.parametrize("dump", _params("junk"))
def test_junk_absent(dev_build, dump):
    body = article_body(_page(dev_build, dump))
    text = visible(body)
    present = [j for j in dump.junk if contains(text, j) or contains(body, j)]
    assert not present, f"{dump.file}: reader still sees {present}"


@pytest.mark.parametrize("dump", _params("images"))
def test_content_images_kept(dev_build, dump):
    body = article_body(_page(dev_build, dump))
    lost = [s for s in dump.keep_raw if s not in body]
    assert not lost, f"{dump.file}: lost {lost}"


@pytest.mark.parametrize("dump", _params("markup"))
def test_no_literal_markup(dev_build, dump):
    """Emphasis in the dump renders as emphasis: a reader never sees ** or a {#anchor}."""
    text = visible(article_body(_page(dev_build, dump)))
    assert "**" not in text, f"{dump.file}: literal ** near {text[max(0, text.find('**') - 30):][:80]!r}"


@pytest.mark.parametrize("dump", _params("meta"))
def test_metadata(dev_build, dump):
    front, _ = split_page(_page(dev_build, dump))
    wrong = {}
    for key, want in dump.meta.items():
        if key == "title_startswith":
            ok = front["title"].startswith(want)
        elif key == "title_not_contains":
            ok = want not in front["title"]
        else:
            ok = front.get(key) == want
        if not ok:
            wrong[key] = (front.get(key.split("_")[0]), want)
    assert not wrong, f"{dump.file}: (got, want) {wrong}"


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_dump_rejected_with_reason(dev_build, name):
    item = _status(dev_build, name)
    assert item.status == "rejected"
    assert BAD[name] in (item.reason or ""), item.reason


def test_manifest_is_not_an_article(dev_build):
    """SOURCES.tsv describes the corpus; it must never be published as an article page."""
    report, docs = dev_build
    published = [i for i in report.inputs if Path(i.raw).name == MANIFEST and i.status == "ok"]
    assert not published, f"{MANIFEST} published as articles/{published[0].slug}.md"
