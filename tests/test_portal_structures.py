"""Portals the archive has no rules for, written from their usual page structure
(Sohu, Toutiao and Zhihu text copies, an ifeng HTML page): the generic rules alone
must keep the article and drop the furniture.  tests/fixtures/portals/ holds them."""

from __future__ import annotations

from pathlib import Path

import pytest

from build_tools.config.corrections import Overrides
from build_tools.model import Failure, block_text
from build_tools.pipeline import prepare
from build_tools.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures" / "portals"

CASES = [
    # file, key sentences kept, furniture dropped, expected metadata
    (
        "sohu.txt",
        ["3月11日晚，智谱AI正式发布新一代基座大模型GLM-5", "这对中小企业非常友好。"],
        ["搜狐首页", "返回搜狐", "平台声明", "阅读 (3212)", "推荐阅读", "苹果发布会定档",
         "发布于", "原标题", "机器之心报道"],
        {"date": "2025-03-12", "source": "机器之心", "editors": ("杜伟", "陈萍")},
    ),
    (
        "toutiao.txt",
        ["芯东西3月10日报道", "其MTT S4000训练卡已在多个千卡集群中部署。"],
        ["首页", "头条号", "登录", "举报/反馈", "相关推荐", "壁仞科技发布新品", "2025-03-09"],
        {"date": "2025-03-10", "source": "芯东西"},
    ),
    (
        "zhihu.txt",
        ["FlashMLA 是 DeepSeek 开源周第一天发布的项目", "还需要进一步的适配工作。"],
        ["等你来答", "关注者", "被浏览", "人赞同了该回答", "IP 属地", "条评论", "收起", "AI 研究员"],
        {"title": "如何评价 DeepSeek 开源周发布的 FlashMLA？"},
    ),
    (
        "ifeng.html",
        ["3月8日，华为在深圳发布了新一代昇腾AI芯片", "昇腾正成为国内大模型训练的重要选择。"],
        ["首页", "相关新闻", "小米发布新手机", "Copyright", "编辑：王强", "window.ads"],
        {"date": "2025-03-08", "title": "华为发布昇腾新芯片", "authors": ("李明",)},
    ),
]


@pytest.mark.parametrize(("name", "keys", "junk", "meta"), CASES, ids=[c[0] for c in CASES])
def test_generic_rules_clean_an_unknown_portal(name, keys, junk, meta):
    article = prepare(FIXTURES / name, settings=Settings(raw_dir=FIXTURES), overrides=Overrides())
    assert not isinstance(article, Failure), article
    body = "\n".join(block_text(b) for b in article.blocks)
    for key in keys:
        assert key in body, f"{name}: lost {key!r}"
    left = [j for j in junk if j in body]
    assert not left, f"{name}: furniture kept: {left}"
    for field, value in meta.items():
        assert getattr(article.meta, field) == value, field
