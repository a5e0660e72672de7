"""Slugs (build_tools/slugs.py): ASCII, URL-safe, stable, and one page per dump."""

from __future__ import annotations

import contextlib
import itertools
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from build_tools.archive import slugs as slugs_module
from build_tools.archive.slugs import assign_slugs, plain_slugs, slugify
from build_tools.pipeline import build
from build_tools.settings import Settings
from tests.conftest import ROOT

# Pinned: a slug is a URL, so these must never change (a change breaks every link to the page).
PINNED = [
    ("000_6b80b90a7abdcb64.txt", "000_6b80b90a7abdcb64"),
    ("01_jina_wechat_icbank_nvidia_rtx5090_riscv.md", "01_jina_wechat_icbank_nvidia_rtx5090_riscv"),
    ("report.md", "report"),
    ("a_b.txt", "a_b"),
    ("abc", "abc"),
    ("黄仁勋访谈.md", "huang-ren-xun-fang-tan-41630b"),
    ("英伟达RTX 5090揭秘.md", "ying-wei-da-rtx-5090-jie-mi-a4c712"),
    ("my file.md", "my-file-52eb4a"),
    ("-x.md", "x-3a77e9"),
    ("Report.md", "report-1aa8a5"),
    ("REPORT.md", "report-6f3cf0"),
    ("。.txt", "dump-a3c69d"),
]


@pytest.mark.parametrize(("path", "slug"), PINNED)
def test_pinned_slugs(path, slug):
    assert slugify(path) == slug


SAMPLES = [p for p, _ in PINNED] + [
    "2025/02/黄仁勋.txt", "a b c.txt", "  spaces  .md", "UPPER lower.TXT", "café.md", "Ｒｅｐｏｒｔ.md",
    "emoji👆🌟.md", "a.b.c.txt", "x" * 200 + ".md", "深度求索" * 30 + ".md", "../escape.md", "a/../b.md",
    "中文/子目录/文件名.md", "quote'\"<>&.md", "tab\tname.md", "#hash?.md", "%20encoded.md",
]


@pytest.mark.parametrize("path", SAMPLES)
def test_slug_is_ascii_url_safe_and_bounded(path):
    slug = slugify(path)
    assert re.fullmatch(r"[a-z0-9][a-z0-9_-]*", slug), slug
    assert len(slug) <= 80
    assert slugify(path) == slug  # deterministic


@pytest.mark.parametrize(
    ("path", "prefix"),
    [("黄仁勋访谈.md", "huang-ren-xun-fang-tan"), ("深度求索/幻方.md", "shen-du-qiu-suo-huan-fang"),
     ("英偉達.md", "ying-wei-da")],
)
def test_chinese_names_become_pinyin(path, prefix):
    assert slugify(path).startswith(prefix + "-")


@pytest.mark.parametrize(
    "paths",
    [
        pytest.param(["my file.md", "my-file.md", "my_file.md"], id="spaces"),
        pytest.param(["-x.md", "x.md", "_x.md"], id="leading dash or underscore"),
        pytest.param(["Report.md", "report.md", "REPORT.md", "rePort.md"], id="case"),
        pytest.param(["a b.txt", "a.b.txt"], id="space vs dot"),
        pytest.param(["a b.txt", "a-b-19d703.txt"], id="a name that looks like another's hashed slug"),
        pytest.param(["黄仁勋.md", "黃仁勳.md", "huang-ren-xun.md"], id="hanzi vs its pinyin"),
        pytest.param(["a/b.md", "a-b.md"], id="folder vs dash"),
        pytest.param(["2025/02/a.txt", "2025-02/a.txt", "2025-02-a.txt"], id="nested folders"),
    ],
)
def test_different_dumps_get_different_slugs(paths):
    slugs = [slugify(p) for p in paths]
    assert len(set(slugs)) == len(slugs), dict(zip(paths, slugs, strict=True))


SEEDS = sorted((ROOT / "raw").glob("*.txt"))


def _build(raw: Path, out: Path) -> dict[str, str]:
    out.mkdir(parents=True, exist_ok=True)
    settings = Settings(raw_dir=raw, docs_dir=out / "docs", cache_dir=out / "cache", entities_path=out / "none.yml",
                        overrides_path=out / "none.yml", jobs=1)
    with contextlib.chdir(out):
        report = build(settings)
    return {Path(i.raw).relative_to(raw).as_posix(): i.slug for i in report.inputs if i.status == "ok"}


def test_a_slug_never_changes_when_other_dumps_are_added(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(SEEDS[0], raw / "黄仁勋访谈.txt")
    before = _build(raw, tmp_path / "one")
    for n, seed in enumerate(SEEDS[1:]):
        (raw / f"sub{n}").mkdir()
        shutil.copy(seed, raw / f"sub{n}" / "黄仁勋访谈.txt")  # same file name, other folders
    shutil.copy(SEEDS[1], raw / "黃仁勳訪談.txt")
    after = _build(raw, tmp_path / "many")
    assert after["黄仁勋访谈.txt"] == before["黄仁勋访谈.txt"]
    assert len(set(after.values())) == len(after)


def test_every_published_dump_has_its_own_page(tmp_path):
    raw = tmp_path / "raw"
    (raw / "a").mkdir(parents=True)
    names = ["report.txt", "report.md", "a/b.txt", "a-b.txt"]
    for name, seed in zip(names, itertools.cycle(SEEDS), strict=False):
        shutil.copy(seed, raw / name)
    published = _build(raw, tmp_path / "out")
    assert sorted(published) == sorted(names)
    assert len(set(published.values())) == len(names), published


def test_same_name_other_extension_keeps_the_first_slug_when_the_second_arrives(tmp_path):
    """A published URL never moves: report.txt keeps 'report' when report.md is added later (sorted first or not)."""
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(SEEDS[0], raw / "report.txt")
    before = _build(raw, tmp_path / "one")["report.txt"]
    shutil.copy(SEEDS[1], raw / "report.md")
    after = _build(raw, tmp_path / "two")
    assert after["report.txt"] == before
    assert after["report.md"] != before


# --- the last build's slugify results, taken again ----------------------------------------------------------

_NAMES = ["a.md", "a.txt", "a.html", "index.md", "page-2.md", "黄仁勋访谈.md", "英伟达RTX 5090揭秘.md", "x/y.md",
          "my file.md", "Report.md", "report.md", "raw.txt", "b.md", "b.txt"]


@settings(max_examples=200, deadline=None)
@given(before=st.lists(st.sampled_from(_NAMES), unique=True), now=st.lists(st.sampled_from(_NAMES), unique=True))
def test_slugs_from_the_last_builds_names_are_the_slugs_from_nothing(before, now):
    """Any archive's names, given the slugify results of any earlier archive's (collisions, reserved names and
    renamed keepers included), get exactly the slugs and notes they get from nothing."""
    known = plain_slugs(assign_slugs(before))
    assert all(slugify(path) == slug for path, slug in known.items())
    assert assign_slugs(now, known) == assign_slugs(now)


def test_only_a_new_name_is_slugified(monkeypatch):
    names = [f"文章{i}.md" for i in range(50)]
    known = plain_slugs(assign_slugs(names))
    called = []
    real = slugs_module.slugify
    monkeypatch.setattr(slugs_module, "slugify", lambda path: (called.append(path), real(path))[1])
    assert assign_slugs([*names, "新文章.md"], known) == assign_slugs([*names, "新文章.md"])
    assert called.count("新文章.md") == 2 and len(called) == 1 + len(names) + 1  # the second call: from nothing


def test_a_build_slugifies_only_the_dumps_it_has_not_seen(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    raw.mkdir()
    for i in range(3):
        (raw / f"第{i}篇.md").write_text(f"# 标题{i}\n\n" + "正文内容。" * 40 + "\n", encoding="utf-8")
    settings_ = Settings(raw_dir=raw, docs_dir=tmp_path / "docs", cache_dir=tmp_path / "cache",
                         entities_path=ROOT / "entities.yml", quiet=True)
    build(settings_)
    (raw / "新的一篇.md").write_text("# 新标题\n\n" + "正文内容。" * 40 + "\n", encoding="utf-8")
    called = []
    real = slugs_module.slugify
    monkeypatch.setattr(slugs_module, "slugify", lambda path: (called.append(path), real(path))[1])
    build(settings_)
    assert called == ["新的一篇.md"]
    assert (tmp_path / "docs" / "articles" / f"{real('新的一篇.md')}.md").is_file()
