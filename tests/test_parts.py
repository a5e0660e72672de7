"""Issue 15: whole-archive pages as reductions over kept parts (:meth:`Runner.parts`).  A part (one entity's
pages, one month's, one source's, one feed) is made again only when its inputs changed; the pages of the others
stay as the last build wrote them, never made nor read; the pages are those of a build from nothing."""

from __future__ import annotations

import functools
from collections import Counter
from pathlib import Path

import pytest

from build_tools.archive.entity_pages import entity_parts
from build_tools.archive.feed import source_feed
from build_tools.archive.paging import every_part
from build_tools.archive.site_pages import site_parts
from build_tools.entities.matcher import AliasIndex
from build_tools.entities.registry import load_registry
from build_tools.model.records import BuildReport
from build_tools.runtime.stages import Runner
from build_tools.settings import Settings
from tests.conftest import ROOT
from tests.factories import summary
from tests.fixtures.hostile.corpus import tree_bytes

made: Counter[str] = Counter()  # part name → times its pages were made


def _letters(name: str, n: int) -> dict[str, str]:
    made[name] += 1
    return {f"entities/{name}.md": f"{name} × {n}\n", f"entities/{name}/more.md": f"{n}\n"}


def _run(tmp_path: Path, groups: dict[str, tuple[tuple[str, ...], tuple]]) -> tuple[list[str], dict[str, str]]:
    """One build that writes ``groups`` by parts: the parts made, and docs/ after it."""
    settings = Settings(raw_dir=tmp_path / "raw", docs_dir=tmp_path / "docs", cache_dir=tmp_path / "cache", jobs=1)
    with Runner.open(settings, BuildReport()) as run, run.output() as writer:
        remade = run.parts(_letters, groups, writer)
    return remade, {path: data.decode("utf-8") for path, data in tree_bytes(tmp_path / "docs").items()}


def _groups(**counts: int) -> dict[str, tuple[tuple[str, ...], tuple]]:
    return {name: ((str(n),), (name, n)) for name, n in counts.items()}


@pytest.mark.parametrize(("second", "remade"), [
    ({"a": 1, "b": 2, "c": 3}, []),  # nothing changed: nothing made
    ({"a": 1, "b": 5, "c": 3}, ["b"]),  # one part's inputs changed: that part alone
    ({"a": 1, "c": 3}, []),  # a part gone: its pages go, nothing made
    ({"a": 1, "b": 2, "c": 3, "d": 4}, ["d"]),  # a new part
    ({"c": 3, "b": 2, "a": 9}, ["a"]),  # the order of the parts is not an input
])
def test_a_part_is_made_again_exactly_when_its_inputs_changed(tmp_path, second, remade) -> None:
    assert _run(tmp_path, _groups(a=1, b=2, c=3))[0] == ["a", "b", "c"]
    made.clear()
    got, docs = _run(tmp_path, _groups(**second))
    assert got == remade and sorted(made) == sorted(remade)
    assert docs == every_part([(_letters, _groups(**second))])  # the pages of a build from nothing


def test_a_page_touched_since_is_written_again_and_its_part_made_again(tmp_path) -> None:
    _run(tmp_path, _groups(a=1, b=2))
    (tmp_path / "docs" / "entities" / "b" / "more.md").write_text("edited by hand\n", encoding="utf-8")
    made.clear()
    got, docs = _run(tmp_path, _groups(a=1, b=2))
    assert got == ["b"] and docs["entities/b/more.md"] == "2\n" and docs["entities/b.md"] == "b × 2\n"


# --- the archive's passes: one added article remakes the parts it is in, and no other -----------------------

REGISTRY_PATH = ROOT / "entities.yml"
ENTITIES = ("nvidia", "jensen-huang", "tsmc", "openai", "deepseek")
SOURCES = ("新华社", "澎湃新闻", "36氪", "财新")


def _archive(n: int) -> list:
    """``n`` dated articles over eight months of 2024 (under 50 a month), four sources, two entities each."""
    return [summary(f"a-{i:04d}", date=f"2024-{1 + i % 8:02d}-{1 + i % 28:02d}", source=SOURCES[i % 4],
                    entities=(ENTITIES[i % 5], ENTITIES[(i + 2) % 5])) for i in range(n)]


def _passes(summaries: list, index: AliasIndex):
    mentions = {s.slug: [(e, f"{s.title}提到{e}") for e in s.entities] for s in summaries}
    always, entities = entity_parts(summaries, mentions, index.registry, keys={s.slug: repr(s) for s in summaries})
    pages, passes = site_parts(summaries, index, "存档", "https://example.org/", {}, None,
                               {s.slug: repr(s) for s in summaries})
    return {**always, **pages}, [*entities, *passes]


pages_made: Counter[str] = Counter()  # function → pages its parts made


def _counted(func):
    @functools.wraps(func)  # the same name and module: the same keys
    def made_by(*args):
        pages = func(*args)
        pages_made[func.__name__] += len(pages)
        return pages
    return made_by


def _build(tmp_path: Path, summaries: list, index: AliasIndex) -> dict[str, list[str]]:
    """The parts made, by the function that makes them."""
    settings = Settings(raw_dir=tmp_path / "raw", docs_dir=tmp_path / "docs", cache_dir=tmp_path / "cache", jobs=1)
    always, passes = _passes(summaries, index)
    pages_made.clear()
    with Runner.open(settings, BuildReport()) as run, run.output() as writer:
        remade = {func.__name__: run.parts(_counted(func), parts, writer) for func, parts in passes}
        writer.write_all(always)
    return remade


def test_one_added_article_remakes_only_the_parts_it_is_in(tmp_path) -> None:
    index = AliasIndex.build(load_registry(REGISTRY_PATH))
    archive = _archive(200)
    first = _build(tmp_path, archive, index)
    assert len(first["entity_main_page"]) == len(index.registry.entities) and len(first["month_pages"]) == 8
    # 80 articles an entity: one archived page each; 50 a source: none archived.
    assert len(first["entity_archived_pages"]) == 5 and first["source_archived_pages"] == []
    # The newest article of the archive, in August, from 财新, naming two entities: it is in every list it joins.
    added = summary("new-one", date="2024-08-30", source="财新", entities=("tsmc", "openai"))
    again = _build(tmp_path, [*archive, added], index)
    # Each entity's page, and its 2024 pages: the article its page no longer lists is archived there.
    assert sorted(again["entity_main_page"]) == ["openai", "tsmc"]
    assert sorted(again["entity_archived_pages"]) == ["openai/2024", "tsmc/2024"]
    assert again["month_pages"] == ["2024-08"]
    assert again["source_main"] == ["source:财新"]
    assert again["source_archived_pages"] == ["source:财新/2024"]  # its 51st article: the source's archive begins
    assert sorted(again["channel_page"]) == sorted([source_feed("财新", "articles/"), "entities/openai.xml",
                                                     "entities/tsmc.xml", "feed.xml"])
    written = {path: data.decode("utf-8") for path, data in tree_bytes(tmp_path / "docs").items()}
    always, passes = _passes([*archive, added], index)
    assert written == {**always, **every_part(passes)}  # the pages of a build from nothing


def test_an_article_added_inside_a_long_year_rewrites_the_archived_page_it_lands_in(tmp_path) -> None:
    index = AliasIndex.build(load_registry(REGISTRY_PATH))
    # 700 articles naming nvidia over 2023 (its archive: ~25 pages of that year) and one a month of 2024 after.
    archive = [summary(f"a-{i:04d}", date=f"2023-{1 + i % 12:02d}-{1 + i % 28:02d}", source=SOURCES[i % 4],
                       entities=("nvidia",)) for i in range(700)]
    archive += [summary(f"b-{m:02d}", date=f"2024-{m:02d}-01", source="新华社", entities=("nvidia",))
                for m in range(1, 13)]
    first = _build(tmp_path, archive, index)
    nvidia = [name for name in first["entity_archived_pages"] if name.startswith("nvidia/2023")]
    assert len(nvidia) > 10
    added = summary("mid-year", date="2023-06-15", source="新华社", entities=("nvidia",))
    again = _build(tmp_path, [*archive, added], index)
    # The page of 2023 it lands in, now and then the page whose cut it moved: not every page of the year.
    assert 1 <= len(again["entity_archived_pages"]) <= 2, again["entity_archived_pages"]
    assert 1 <= pages_made["entity_archived_pages"] <= 2
    assert again["entity_main_page"] == ["nvidia"]  # made from all its articles (the co-occurring entities)
    assert 1 <= pages_made["month_pages"] <= 2 and 1 <= pages_made["source_archived_pages"] <= 2
