"""overrides.yml: validation with clear errors, corrections applied, stale corrections reported."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from build_tools.cli import main
from build_tools.config.corrections import Overrides, OverridesError, parse_overrides
from build_tools.entities.matcher import AliasIndex
from build_tools.entities.registry import parse_registry
from build_tools.model import Article, EntityRef, Paragraph, Text, block_text
from build_tools.pipeline import build, prepare
from build_tools.settings import Settings
from build_tools.stages import link as linking
from build_tools.stages.correct import apply_overrides
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "raw"
INTERVIEW = "004_20994deb65873d82.txt"  # starts with a junk line (炒股就看…) and a 来源: byline
NEWS = "003_54e1f791036312f9.txt"

# A dump with a junk line in the middle of the body (华丽的分割线 is furniture by rules/generic.yml).
SYNTHETIC = """# 编辑更正功能的测试文章标题

第一段正文：编辑们在预览里发现清理步骤删掉了一段不该删的文字，于是在更正文件里写下这段文字的开头，重新构建后这段文字回到原来的位置。

第二段正文：另一段文字其实是广告，清理步骤却保留了下来，编辑同样写下它的开头，让构建把它删掉，并在报告里记下是谁删的。

华丽的分割线

第三段正文：实体链接也可以更正，强制链接一个没有被自动识别的实体，或者取消一个错误的链接，这些更正在每次重新构建之后都还在。

第四段正文：如果一条更正找不到它的目标，比如文件改了名字、段落的开头对不上、实体编号写错了，构建会给出警告而不是悄悄忽略。
"""


def errors_of(text: str) -> list[str]:
    with pytest.raises(OverridesError) as caught:
        parse_overrides(text, "overrides.yml")
    return caught.value.errors


# --- validation -------------------------------------------------------------------------


def test_a_valid_file_parses_and_dates_stay_text():
    overrides = parse_overrides(
        f"{INTERVIEW}:\n"
        "  title: 新标题\n"
        "  date: 2025-07-16\n"
        "  authors: 张小珺\n"
        "  source: 腾讯科技\n"
        "  url: https://example.com/a?b=1\n"
        "  drop_paragraphs: [他总是说英文]\n"
        "  keep_paragraphs: [炒股就看]\n"
        "  link_entities: [huawei]\n"
        "  unlink_entities: [deepseek]\n"
    )
    entry = overrides.for_file(f"raw/{INTERVIEW}")
    assert entry["date"] == "2025-07-16"
    assert entry["authors"] == "张小珺"
    assert overrides.lines == {INTERVIEW: 1}


def test_empty_and_missing_files_mean_no_corrections(tmp_path):
    assert parse_overrides("").entries == {}
    assert parse_overrides("# nothing yet\n").entries == {}
    from build_tools.config.corrections import load_overrides

    assert load_overrides(tmp_path / "overrides.yml").entries == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a.txt:\n  titel: x\n", "overrides.yml:2: entry 'a.txt': field titel: unknown field"),
        ("a.txt:\n  date: 2025-13-01\n", "overrides.yml:2: entry 'a.txt': field date: '2025-13-01' is not a real date"),
        ("a.txt:\n  date: 2025/01/01\n",
         "overrides.yml:2: entry 'a.txt': field date: '2025/01/01' is not valid: use YYYY-MM-DD"),
        ("a.txt:\n  date: 20250101\n", "overrides.yml:2: entry 'a.txt': field date: 20250101 is not a date"),
        ("a.txt:\n  url: ftp://x\n", "overrides.yml:2: entry 'a.txt': field url: 'ftp://x' is not valid"),
        ("a.txt:\n  authors: [王博, 7]\n", "overrides.yml:2: entry 'a.txt': field authors: must be a name or a list"),
        ("a.txt:\n  title: ''\n", "overrides.yml:2: entry 'a.txt': field title:"),
        ("a.txt:\n  drop_paragraphs: 一段\n", "overrides.yml:2: entry 'a.txt': field drop_paragraphs: must be a list"),
        ("a.txt:\n  keep_paragraphs: [x]\n", "overrides.yml:2: entry 'a.txt': field keep_paragraphs[0]:"),
        ("a.txt:\n  link_entities: [Huawei]\n", "overrides.yml:2: entry 'a.txt': field link_entities[0]: 'Huawei'"),
        ("a.txt:\n", "overrides.yml:1: entry 'a.txt': must be a mapping of corrections"),
        ("a.txt: {}\n", "overrides.yml:1: entry 'a.txt': empty entry"),
        ("- a.txt\n", "overrides.yml: top level: must map dump file names to corrections"),
        ("a.txt:\n  title: [unclosed\n", "overrides.yml:3: not valid YAML"),
        ("a.txt:\n  title: x\na.txt:\n  date: 2025-01-01\n", "'a.txt' appears twice (lines 1 and 3)"),
    ],
)
def test_errors_name_the_file_the_entry_and_the_field(text, expected):
    errors = errors_of(text)
    assert any(e.startswith(expected) or expected in e for e in errors), errors


def test_every_problem_is_reported_at_once_with_its_line():
    errors = errors_of("ok.txt:\n  title: 好\nbad.txt:\n  titel: x\n  date: 2025-02-30\n")
    assert errors == [
        "overrides.yml:4: entry 'bad.txt': field titel: unknown field (allowed: title, date, authors, source, "
        "url, drop_paragraphs, keep_paragraphs, link_entities, unlink_entities)",
        "overrides.yml:5: entry 'bad.txt': field date: '2025-02-30' is not a real date",
    ]


def test_an_error_points_at_the_line_of_the_field_or_item_itself():
    """Not at the entry's line: in a long entry the editor is sent to the very line to fix."""
    text = ("ok.txt:\n  title: 好\n"                   # 1-2
            "bad.txt:\n"                               # 3
            "  title: 标题\n"                           # 4
            "  source: 来源\n"                          # 5
            "  link_entities:\n"                        # 6
            "    - huawei\n"                            # 7
            "    - Not-An-Id\n"                         # 8
            "  url: ftp://x\n"                          # 9
            "  dat: 2025-01-01\n"                       # 10
            "2025:\n  authors: [王博, 7]\n")             # 11-12 (a key YAML reads as a number)
    errors = errors_of(text)
    assert [e.split(": entry")[0] for e in errors] == ["overrides.yml:12", "overrides.yml:10", "overrides.yml:8",
                                                       "overrides.yml:9"], errors
    assert "overrides.yml:8: entry 'bad.txt': field link_entities[1]: 'Not-An-Id' is not valid" in errors[2]


def test_the_cli_stops_with_the_errors(tmp_path, capsys):
    bad = tmp_path / "overrides.yml"
    bad.write_text(f"{INTERVIEW}:\n  date: 2025-07-32\n", encoding="utf-8")
    code = main(["build", "--raw", str(SEEDS), "--docs", str(tmp_path / "docs"), "--overrides", str(bad), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{bad}:2: entry '{INTERVIEW}': field date: '2025-07-32' is not a real date" in err
    assert not (tmp_path / "docs" / "articles").exists()


# --- which entry applies ----------------------------------------------------------------


def test_entries_match_the_file_name_or_the_path_inside_raw():
    overrides = parse_overrides("a.txt:\n  title: 甲\nwechat/a.txt:\n  source: 乙\n")
    assert overrides.for_file("raw/wechat/a.txt") == {"title": "甲", "source": "乙"}
    assert overrides.for_file("raw/other/a.txt") == {"title": "甲"}
    assert overrides.for_file("raw/xa.txt") == {}
    assert overrides.key_for("wechat/a.txt") != overrides.key_for("other/a.txt")
    assert overrides.key_for("b.txt") == ""


# --- metadata and paragraphs --------------------------------------------------------------


def _prepare(name: str, text: str, raw: Path = SEEDS) -> Article:
    result = prepare(raw / name, Settings(raw_dir=raw), parse_overrides(text))
    assert isinstance(result, Article), result
    return result


def test_metadata_corrections_win_and_are_recorded():
    article = _prepare(INTERVIEW, f"{INTERVIEW}:\n  title: 黄仁勋北京媒体见面会实录\n  date: 2025-07-16\n"
                                  "  authors: [张小珺, 王艺]\n  source: 腾讯科技\n  url: https://example.com/x\n")
    meta = article.meta
    assert (meta.title, meta.date, meta.authors, meta.source, meta.url) == (
        "黄仁勋北京媒体见面会实录", "2025-07-16", ("张小珺", "王艺"), "腾讯科技", "https://example.com/x")
    assert meta.title_inferred is False
    assert {f for f, how in meta.provenance if how == "overrides.yml"} == {"title", "date", "authors", "source", "url"}


def test_drop_removes_a_paragraph_the_cleaner_kept_and_records_it():
    before = _prepare(INTERVIEW, "")
    after = _prepare(INTERVIEW, f"{INTERVIEW}:\n  drop_paragraphs: [他总是说英文]\n")
    assert any(block_text(b).startswith("他总是说英文") for b in before.blocks)
    assert not any(block_text(b).startswith("他总是说英文") for b in after.blocks)
    assert len(after.blocks) == len(before.blocks) - 1
    assert [r.rule for r in after.removed if r.text.startswith("他总是说英文")] == ["override:drop"]


def test_keep_puts_a_dropped_paragraph_back_where_it_was(tmp_path):
    before = _prepare(INTERVIEW, "")
    assert any(r.text.startswith("炒股就看") for r in before.removed)
    after = _prepare(INTERVIEW, f"{INTERVIEW}:\n  keep_paragraphs: ['炒股 就看']\n")  # whitespace is ignored
    assert block_text(after.blocks[0]).startswith("炒股就看")
    assert after.blocks[1:] == before.blocks
    assert not any(r.text.startswith("炒股就看") for r in after.removed)

    (tmp_path / "s.md").write_text(SYNTHETIC, encoding="utf-8")
    plain = _prepare("s.md", "", tmp_path)
    assert any(r.text == "华丽的分割线" for r in plain.removed)
    kept = _prepare("s.md", "s.md:\n  keep_paragraphs: [华丽的分割线]\n", tmp_path)
    texts = [block_text(b)[:5] for b in kept.blocks]
    assert texts == ["第一段正文", "第二段正文", "华丽的分割", "第三段正文", "第四段正文"]


def test_a_dump_without_corrections_is_unchanged():
    article = _prepare(INTERVIEW, "")
    overrides = parse_overrides("other.txt:\n  title: 新标题\n")
    assert apply_overrides(article, overrides) is article


# The cleaned body 甲 丙 戊, and what the cleaner dropped from the dump 乙 甲 丙 丁 戊 己 (with where each stood).
KEPT = tuple(factories.paragraph(t) for t in ("甲段正文", "丙段正文", "戊段正文"))
DROPPED = (
    factories.removed("乙段被删", "head:title", block=factories.quote("乙段被删"), position=0, before=0),
    factories.removed("丁段被删", "junk-line", block=factories.paragraph("丁段被删"), position=3, before=2),
    factories.removed("己段被删", "tail:after-end", block=factories.paragraph("己段被删"), position=5, before=3),
    factories.removed("返回搜狐，查看更多", "junk-suffix"),  # a suffix cut off a paragraph: no block of its own
)


@pytest.mark.parametrize(
    ("entry", "order"),
    [
        ("keep_paragraphs: [乙段]", ["乙", "甲", "丙", "戊"]),
        ("keep_paragraphs: [丁段]", ["甲", "丙", "丁", "戊"]),
        ("keep_paragraphs: [己段]", ["甲", "丙", "戊", "己"]),
        ("keep_paragraphs: [己段, 乙段, 丁段]", ["乙", "甲", "丙", "丁", "戊", "己"]),
        ("keep_paragraphs: [返回搜狐]", ["甲", "丙", "戊", "返"]),
        # An editor's drop leaves the body first; a kept paragraph still goes next to its neighbours.
        ("drop_paragraphs: [丙段]\n  keep_paragraphs: [丁段]", ["甲", "丁", "戊"]),
        ("drop_paragraphs: [甲段, 丙段]\n  keep_paragraphs: [丁段, 乙段]", ["乙", "丁", "戊"]),
    ],
)
def test_a_kept_paragraph_returns_to_its_place_without_rereading_the_dump(entry, order):
    article = factories.article(*KEPT, removed=DROPPED, text="")  # no dump text: nothing to read again
    corrected = apply_overrides(article, parse_overrides(f"test.txt:\n  {entry}\n"))
    assert [block_text(b)[0] for b in corrected.blocks] == order
    if "乙" in order:  # the dropped block itself comes back, a quote, not a paragraph of its text
        assert DROPPED[0].block in corrected.blocks


def test_two_kept_paragraphs_before_the_same_block_keep_their_order():
    dropped = (factories.removed("丁段二", "menu", block=factories.paragraph("丁段二"), position=4, before=2),
               factories.removed("丁段一", "spam", block=factories.paragraph("丁段一"), position=3, before=2))
    article = factories.article(*KEPT, removed=dropped)
    corrected = apply_overrides(article, parse_overrides("test.txt:\n  keep_paragraphs: [丁段]\n"))
    assert [block_text(b)[:3] for b in corrected.blocks] == ["甲段正", "丙段正", "丁段一", "丁段二", "戊段正"]
    assert corrected.removed == ()


# --- entity links ---------------------------------------------------------------------------

REGISTRY = {
    "version": 1,
    "entities": [
        {"id": "apple", "name": "苹果公司", "type": "organization", "aliases": ["Apple"], "description": "公司。",
         "ambiguous": [{"alias": "苹果", "context": ["iPhone", "库克"]}]},
        {"id": "huawei", "name": "华为", "type": "organization", "aliases": ["Huawei"], "description": "公司。"},
        {"id": "quiet-co", "name": "安静公司", "type": "organization", "aliases": [], "description": "公司。",
         "no_autolink": True},
        {"id": "tesla", "name": "特斯拉", "type": "organization", "aliases": ["Tesla"], "description": "公司。"},
    ],
}


def _linked(text: str, overrides_text: str = "") -> Article:
    index = AliasIndex.build(parse_registry(REGISTRY))
    article = Article(raw_path="raw/x.txt", sha256="0" * 64,
                      blocks=(Paragraph((Text(text),)), Paragraph((Text("第二段还提到华为。"),))))
    return linking.link(article, index, parse_overrides(overrides_text) if overrides_text else Overrides())


def _refs(article: Article) -> list[tuple[str, str]]:
    return [(n.entity_id, n.children[0].text) for b in article.blocks for n in b.inlines if isinstance(n, EntityRef)]


def test_without_corrections_the_linker_decides():
    article = _linked("我吃了一个苹果，华为和安静公司都发布了新手机。")
    assert _refs(article) == [("huawei", "华为")]
    assert article.entities == ("huawei",)


def test_link_entities_forces_ambiguous_and_no_autolink_entities():
    article = _linked("我吃了一个苹果，华为和安静公司都发布了新手机。", "x.txt:\n  link_entities: [apple, quiet-co]\n")
    assert _refs(article) == [("apple", "苹果"), ("huawei", "华为"), ("quiet-co", "安静公司")]
    assert set(article.entities) == {"apple", "huawei", "quiet-co"}


def test_a_forced_entity_without_a_mention_is_still_listed():
    article = _linked("华为发布了新手机。", "x.txt:\n  link_entities: [tesla]\n")
    assert _refs(article) == [("huawei", "华为")]
    assert article.entities == ("huawei", "tesla")


def test_unlink_entities_suppresses_every_link_and_mention():
    article = _linked("华为发布了新手机。", "x.txt:\n  unlink_entities: [huawei]\n")
    assert _refs(article) == []
    assert article.entities == ()
    assert not any(m.entity_id == "huawei" for m in article.mentions)
    assert block_text(article.blocks[0]) == "华为发布了新手机。"


# --- in a build: applied, surviving rebuilds, stale corrections reported ------------------


@pytest.fixture
def project(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in (INTERVIEW, NEWS):
        shutil.copy(SEEDS / name, raw / name)
    (raw / "s.md").write_text(SYNTHETIC, encoding="utf-8")
    (raw / "empty.txt").write_text("登录\n", encoding="utf-8")  # rejected: not an article
    return tmp_path


def _build(project: Path, overrides_text: str):
    (project / "overrides.yml").write_text(overrides_text, encoding="utf-8")
    settings = Settings(raw_dir=project / "raw", docs_dir=project / "docs", cache_dir=project / "cache",
                        entities_path=ROOT / "entities.yml", overrides_path=project / "overrides.yml", jobs=1)
    report = build(settings)
    pages = {p.name: p.read_text(encoding="utf-8") for p in (project / "docs" / "articles").glob("*.md")}
    return report, pages


def test_corrections_apply_in_a_build_and_survive_rebuilds(project):
    text = (f"{INTERVIEW}:\n  title: 黄仁勋北京媒体见面会实录\n  date: 2025-07-16\n"
            "  drop_paragraphs: [他总是说英文]\n  unlink_entities: [lei-jun]\n  link_entities: [tesla]\n")
    for _ in range(2):  # the second build comes from the cache
        report, pages = _build(project, text)
        page = pages["004_20994deb65873d82.md"]
        assert "title: 黄仁勋北京媒体见面会实录" in page and "date: '2025-07-16'" in page
        assert "他总是说英文" not in page
        assert "entities/lei-jun.md" not in page and "- lei-jun" not in page
        assert "- tesla" in page and "(../entities/tesla.md)" in page
        assert not [w for w in report.warning_lines() if INTERVIEW in w]
    # Changing a correction takes effect (it is part of the cache key).
    _, pages = _build(project, text.replace("黄仁勋北京媒体见面会实录", "另一个标题"))
    assert "title: 另一个标题" in pages["004_20994deb65873d82.md"]
    _, pages = _build(project, "")
    assert "他总是说英文" in pages["004_20994deb65873d82.md"]


def test_stale_corrections_are_warnings_naming_the_entry(project):
    report, _ = _build(project, (
        "renamed.txt:\n  title: 文件已经改名\n"
        f"{INTERVIEW}:\n"
        "  drop_paragraphs: [不存在的段落开头, 炒股就看]\n"
        "  keep_paragraphs: [也不存在的开头]\n"
        "  link_entities: [no-such-entity]\n"
        "  unlink_entities: [deepseek]\n"
        "empty.txt:\n  title: 不是文章\n"
    ))
    where = str(project / "overrides.yml")
    warnings = "\n".join(report.warning_lines())
    assert f"{where}:1: entry 'renamed.txt': no dump with this name" in warnings
    # Each at the line of its own field (the entry starts on line 3).
    assert (f"{where}:4: entry '{INTERVIEW}': field drop_paragraphs[0]: no paragraph starts with "
            "'不存在的段落开头'; nothing was dropped") in warnings
    assert f"{where}:4: entry '{INTERVIEW}': field drop_paragraphs[1]: the cleaner already drops" in warnings
    assert (f"{where}:5: entry '{INTERVIEW}': field keep_paragraphs[0]: no paragraph starts with "
            "'也不存在的开头'") in warnings
    assert f"{where}:6: entry '{INTERVIEW}': field link_entities[0]: 'no-such-entity' is not an entity id" in warnings
    assert f"{where}:8: entry 'empty.txt': the dump was not published" in warnings
    assert "unlink_entities" not in warnings
    assert len(report.warnings) == 6
