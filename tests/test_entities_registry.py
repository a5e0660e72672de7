"""entities.yml validation, the jieba user dictionary, entity pages and related articles."""

from __future__ import annotations

from pathlib import Path

import pytest

from build_tools.archive.entity_pages import entity_pages
from build_tools.archive.related import related_articles
from build_tools.archive.stories import story_fingerprint
from build_tools.entities.linker import link_article, mention_contexts, mention_counts
from build_tools.entities.matcher import AliasIndex
from build_tools.entities.registry import RegistryError, load_registry, parse_registry
from build_tools.model import Article, Paragraph, Slug, Summary, Text
from build_tools.suggest import suggest

ROOT = Path(__file__).resolve().parent.parent


def _ent(eid: str, name: str, *aliases: str, **extra) -> dict:
    return {"id": eid, "name": name, "type": "organization", "aliases": list(aliases), "description": "d", **extra}


def test_real_registry_loads() -> None:
    reg = load_registry(ROOT / "entities.yml")
    assert len(reg) >= 50
    for must in ("jensen-huang", "nvidia", "deepseek", "deepseek-r1", "liang-wenfeng", "openai", "amd", "huawei"):
        assert must in reg
    assert reg["jensen-huang"].name == "黄仁勋"
    assert reg["nvidia"].name == "英伟达"


@pytest.mark.parametrize(
    ("entities", "needle"),
    [
        ([_ent("Nvidia", "英伟达")], "entry 1 (id 'Nvidia'): field id"),
        ([_ent("nvidia", "英伟达", "黄")], "entry 1 (id 'nvidia'): field aliases[0]"),
        ([{"id": "x1", "name": "X", "type": "company", "aliases": [], "description": "d"}], "field type"),
        ([{"id": "x1", "name": "X", "type": "person", "aliases": []}], "'description' is a required property"),
        ([_ent("a-b", "甲乙"), _ent("a-b", "丙丁")], "entry 2 (id 'a-b'): field id: duplicate id"),
        (
            [_ent("nvidia", "英伟达", "NVIDIA"), _ent("nv", "恩威", "Nvidia")],
            "alias 'Nvidia' is also an alias of 'nvidia'",
        ),
        ([_ent("nvidia", "英伟达"), _ent("nv2", "英偉達")], "is also an alias of 'nvidia'"),
        ([_ent("q", "甲乙", wikidata="12")], "field wikidata"),
        ([_ent("q", "甲乙", not_in=["丙丁戊"])], "field not_in[0]"),
    ],
)
def test_registry_errors_name_entry_and_field(entities: list, needle: str) -> None:
    with pytest.raises(RegistryError) as err:
        parse_registry({"entities": entities}, "entities.yml")
    assert "entities.yml" in str(err.value)
    assert needle in str(err.value)


def test_load_registry_reports_bad_yaml(tmp_path: Path) -> None:
    p = tmp_path / "entities.yml"
    p.write_text("entities: [\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="not valid YAML"):
        load_registry(p)


def test_index_is_immutable_and_userdict() -> None:
    reg = parse_registry({"entities": [_ent("nvidia", "英伟达", "英偉達", "Jensen Huang Co")]})
    index = AliasIndex.build(reg)
    with pytest.raises(AttributeError):
        index.foo = 1  # type: ignore[attr-defined]
    lines = index.jieba_userdict().splitlines()
    assert "英伟达 100000 nz" in lines and "英偉達 100000 nz" in lines
    assert not any("Jensen Huang Co" in line for line in lines)  # jieba never yields spaces


def _summary(slug: str, title: str, date: str | None, entities: tuple[str, ...], source: str = "来源") -> Summary:
    return Summary(Slug(slug), title, f"{slug}.txt", "0", "zh-Hans", date=date, source=source, entities=entities)


def test_entity_pages_list_articles_newest_first_and_escape() -> None:
    reg = load_registry(ROOT / "entities.yml")
    index = AliasIndex.build(reg)
    arts = {
        "a": Article(
            "a.txt", "0", blocks=(Paragraph((Text("黄仁勋说：英伟达*很好*。黄仁勋{{ x }}"),)),), slug=Slug("a")
        ),
        "b": Article("b.txt", "0", blocks=(Paragraph((Text("英伟达与华为。"),)),), slug=Slug("b")),
    }
    linked = {s: link_article(a, index) for s, a in arts.items()}
    summaries = [
        _summary("a", "标题 [一] {{ t }}", "2025-01-01", linked["a"].entities, "源 | *x*"),
        _summary("b", "标题二", "2025-02-01", linked["b"].entities),
    ]
    pages = entity_pages(
        summaries,
        {s: mention_contexts(a) for s, a in linked.items()},
        reg,
        {s: mention_counts(a) for s, a in linked.items()},
    )
    assert set(pages) >= {"entities/index.md", "entities/nvidia.md", "entities/jensen-huang.md"}
    nv = pages["entities/nvidia.md"]
    assert nv.startswith("---\nentity: nvidia\ntitle: 英伟达\ntype: organization\naliases:\n")
    assert nv.index("(../articles/b.md)") < nv.index("(../articles/a.md)")  # newest first
    assert "见于" not in nv  # counted on the index, not on the page (issue 15)
    assert "{{" not in nv and "}}" not in nv
    assert "\\[一\\]" in nv and "\\|" in nv
    assert "- [华为](huawei.md)\n" in nv.split("## 常一起出现")[1]  # co-occurring
    jh = pages["entities/jensen-huang.md"]
    assert "“黄仁勋说：英伟达\\*很好\\*。”" in jh
    index_page = pages["entities/index.md"]
    assert "## 人物" in index_page and "## 机构" in index_page
    assert "[英伟达](nvidia.md)（2 篇，提及 2 次）" in index_page
    assert "[黄仁勋](jensen-huang.md)（1 篇，提及 2 次）" in index_page


def test_related_articles_rank_by_rare_shared_entities() -> None:
    summaries = [
        _summary("a", "A", "2025-01-01", ("nvidia", "deepseek", "lisa-su")),
        _summary("b", "B", "2025-01-20", ("nvidia", "deepseek", "lisa-su")),
        _summary("c", "C", "2025-01-02", ("nvidia", "deepseek")),
        _summary("d", "D", "2025-01-03", ("nvidia", "deepseek")),
        _summary("e", "E", "2025-01-03", ("huawei",)),
    ]
    rel = related_articles(summaries)
    assert rel["a"][0][0] == "b"  # shares the rare lisa-su
    assert {s for s, _, _ in rel["a"]} == {"b", "c", "d"}
    assert rel["e"] == []
    assert all(len(v) <= 5 for v in rel.values())


def test_same_story_by_text_overlap_and_close_dates() -> None:
    story = "黄仁勋在接受采访时表示，市场对DeepSeek R1的反应是基于误解，推理需要大量计算。" * 3
    other = "台积电公布了新的封装技术路线图，三星和英特尔也在跟进，芯粒成为行业热点。" * 3
    fps = {
        "a": story_fingerprint(story + "第一家媒体的导语。"),
        "b": story_fingerprint("另一家媒体：" + story),
        "c": story_fingerprint(other),
        "d": story_fingerprint(story),
    }
    ents = ("jensen-huang", "deepseek-r1", "nvidia")
    summaries = [
        _summary("a", "A", "2025-02-22", ents),
        _summary("b", "B", "2025-02-23", ents),
        _summary("c", "C", "2025-02-22", ents),
        _summary("d", "D", "2024-01-01", ents),  # same text, a year apart: not the same story
    ]
    rel = {k: {s: same for s, _, same in v} for k, v in related_articles(summaries, fps).items()}
    assert rel["a"]["b"] is True
    assert rel["a"]["c"] is False
    assert rel["a"]["d"] is False


def test_suggest_finds_unregistered_names_only() -> None:
    reg = load_registry(ROOT / "entities.yml")
    index = AliasIndex.build(reg)
    text = (
        "卡内基国际和平基金会的人工智能研究员马特·希恩(Matt Sheehan)表示，Matt Sheehan 认为黄仁勋说得对。"
        "英伟达高级研究科学家禹之鼎(Zhiding Yu)也发文。Foveros 与 Foveros 技术。"
    )
    arts = [Article("a.txt", "0", blocks=(Paragraph((Text(text),)),), slug=Slug("a"))]
    cands = {c.surface: c for c in suggest(arts, index, min_count=2, use_jieba=False)}
    assert "马特·希恩" in cands and cands["马特·希恩"].english == "Matt Sheehan"
    assert cands["马特·希恩"].count == 2
    assert "Foveros" in cands
    assert "禹之鼎" not in cands and "黄仁勋" not in cands and "Zhiding Yu" not in cands


def test_suggest_reads_dumps_through_the_stages(tmp_path: Path, capsys) -> None:
    raw = tmp_path / "raw"
    (raw / "sub").mkdir(parents=True)
    (raw / ".hidden").mkdir()
    body = "".join(f"据介绍，第{n}代 Foveros 封装与 Lakefield 处理器一起发布，这一代产品随后在工厂量产。\n\n"
                   for n in "一二三四五")
    (raw / "一.txt").write_text("第一篇文章\n\n" + body, encoding="utf-8")
    (raw / "sub" / "二.txt").write_text("第二篇文章\n\n" + body, encoding="utf-8")
    (raw / ".hidden" / "三.txt").write_text(body, encoding="utf-8")
    (raw / ".skip.txt").write_text(body, encoding="utf-8")
    from build_tools.suggest import cleaned_articles, suggest_main

    arts = list(cleaned_articles(raw))
    assert len(arts) == 2 and all(a.slug for a in arts)
    assert all(a.blocks and a.meta.title for a in arts)
    registry = tmp_path / "entities.yml"
    registry.write_text((ROOT / "entities.yml").read_text(encoding="utf-8"), encoding="utf-8")
    assert suggest_main(["--raw", str(raw), "--entities", str(registry), "--no-jieba", "--json"]) == 0
    import json

    found = {c["surface"]: c for c in json.loads(capsys.readouterr().out)}
    assert found["Foveros"]["articles"] == 2 and found["Lakefield"]["articles"] == 2
