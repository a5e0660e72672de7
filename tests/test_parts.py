"""Issue 15: whole-archive pages as reductions over kept parts (:meth:`Runner.parts`).  A part (one entity's
pages, one month's, one source's, one feed) is made again only when its inputs changed; the pages of the others
stay as the last build wrote them, never made nor read; the pages are those of a build from nothing."""

from __future__ import annotations

import functools
import tempfile
from collections import Counter
from pathlib import Path
from unittest import mock

import hypothesis
import pytest
from hypothesis import strategies as st

from build_tools.archive import entity_pages
from build_tools.archive.entity_pages import entity_families, entity_parts
from build_tools.archive.feed import source_feed
from build_tools.archive.paging import Family, every_part
from build_tools.archive.site_pages import site_parts
from build_tools.entities.matcher import AliasIndex
from build_tools.entities.registry import load_registry
from build_tools.model.records import BuildReport
from build_tools.runtime import stages
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


def _two_families(tmp_path: Path, inputs: dict[str, str], keep_warm: bool = False) -> list[str]:
    """One build of two families, ``A`` (part ``a``) and ``B`` (part ``b``), whose parts never change: the families
    laid out (``inputs``: each family's)."""
    settings = Settings(raw_dir=tmp_path / "raw", docs_dir=tmp_path / "docs", cache_dir=tmp_path / "cache", jobs=1,
                        keep_warm=keep_warm)
    families = {name: Family(inputs[name], functools.partial(lambda part: [(_letters, _groups(**{part: 1}))],
                                                            name.lower()))
                for name in ("A", "B")}
    with Runner.open(settings, BuildReport()) as run, run.output() as writer:
        return run.families(_letters, families, writer)


def test_the_preview_reads_the_records_of_parts_it_lays_out_for_the_first_time(tmp_path, monkeypatch) -> None:
    """The live preview keeps the parts' records in memory (``keep_warm``); the parts of a family it lays out for
    the first time (an entity's year, after one of its articles changed) are read from the store, not taken as new
    and all made again (their pages are those the last build wrote)."""
    assert _two_families(tmp_path, {"A": "1", "B": "1"}) == ["A", "B"]  # `make site` before the preview starts
    monkeypatch.setattr(stages, "_WARM", {})  # the preview: a new process
    monkeypatch.setattr(stages, "_ASKED", {}, raising=False)
    made.clear()
    assert _two_families(tmp_path, {"A": "2", "B": "1"}, keep_warm=True) == ["A"]
    assert _two_families(tmp_path, {"A": "2", "B": "2"}, keep_warm=True) == ["B"]
    assert not made, "a part whose inputs did not change was made again"
    assert _two_families(tmp_path, {"A": "2", "B": "2"}, keep_warm=True) == []


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


# --- entity pages as families: an entity whose articles did not change is not even laid out -------------------

def _families(summaries: list, index: AliasIndex, laid_out: Counter | None = None):
    mentions = {s.slug: [(e, f"{s.title}提到{e}") for e in s.entities] for s in summaries}
    always, families = entity_families(summaries, mentions, index.registry, keys={s.slug: repr(s) for s in summaries})

    def counted(name, parts):
        def lay_out():
            if laid_out is not None:
                laid_out[name] += 1
            return parts()
        return lay_out

    return always, {name: Family(f.inputs, counted(name, f.parts)) for name, f in families.items()}


def _build_families(docs: Path, summaries: list, index: AliasIndex) -> tuple[Counter, dict[str, str]]:
    """One build of the entity pages by families: the families laid out, and docs/ after it."""
    root = docs.parent
    settings = Settings(raw_dir=root / "raw", docs_dir=docs, cache_dir=root / "cache", jobs=1)
    laid_out: Counter[str] = Counter()
    always, families = _families(summaries, index, laid_out)
    with Runner.open(settings, BuildReport()) as run, run.output() as writer:
        run.families(entity_families, families, writer)
        writer.write_all(always)
    return laid_out, {path: data.decode("utf-8") for path, data in tree_bytes(docs).items()}


def _from_nothing(summaries: list, index: AliasIndex) -> dict[str, str]:
    mentions = {s.slug: [(e, f"{s.title}提到{e}") for e in s.entities] for s in summaries}
    always, passes = entity_parts(summaries, mentions, index.registry)
    return {**always, **every_part(passes)}


def test_one_added_article_lays_out_only_the_entities_it_names(tmp_path) -> None:
    index = AliasIndex.build(load_registry(REGISTRY_PATH))
    archive = _archive(200)
    first, _ = _build_families(tmp_path / "docs", archive, index)
    assert {name.split("\0")[0] for name in first} == {e.id for e in index.registry.entities}
    added = summary("new-one", date="2024-03-30", source="财新", entities=("tsmc", "openai"))
    again, docs = _build_families(tmp_path / "docs", [*archive, added], index)
    assert sorted(again) == ["openai", "openai\x002024", "tsmc", "tsmc\x002024"]  # the main pages, the year
    assert docs == _from_nothing([*archive, added], index)
    nothing, docs = _build_families(tmp_path / "docs", [*archive, added], index)
    assert not nothing and docs == _from_nothing([*archive, added], index)


def test_a_page_of_a_kept_entity_touched_by_hand_is_written_again(tmp_path) -> None:
    index = AliasIndex.build(load_registry(REGISTRY_PATH))
    archive = _archive(200)
    _build_families(tmp_path / "docs", archive, index)
    page = tmp_path / "docs" / "entities" / "nvidia" / "2024.md"
    page.write_text("edited by hand\n", encoding="utf-8")
    laid_out, docs = _build_families(tmp_path / "docs", archive, index)
    assert list(laid_out) == ["nvidia\x002024"] and docs == _from_nothing(archive, index)


def test_an_article_added_in_one_year_lays_out_that_year_and_the_one_before_not_every_year(tmp_path) -> None:
    """An entity's archive is one family per year: a year's pages link the last page of the year after it (newer),
    whose cut its articles decide, so an article added in 2021 lays out the main page, 2021 and 2020 only."""
    index = AliasIndex.build(load_registry(REGISTRY_PATH))
    archive = [summary(f"y-{i:04d}", date=f"{2019 + i % 6}-{1 + i % 12:02d}-{1 + i % 28:02d}", source=SOURCES[i % 4],
                       entities=("nvidia",)) for i in range(600)]
    first, _ = _build_families(tmp_path / "docs", archive, index)
    years = {f"nvidia\x00{y}" for y in range(2019, 2025)}
    assert {name for name in first if name.startswith("nvidia")} == {"nvidia", *years}
    added = summary("mid-2021", date="2021-06-15", source="新华社", entities=("nvidia",))
    again, docs = _build_families(tmp_path / "docs", [*archive, added], index)
    assert sorted(again) == ["nvidia", "nvidia\x002020", "nvidia\x002021"]
    assert docs == _from_nothing([*archive, added], index)
    newest = summary("newest", date="2025-01-02", source="新华社", entities=("nvidia",))  # one leaves the main page
    again, docs = _build_families(tmp_path / "docs", [*archive, added, newest], index)
    assert sorted(again) == ["nvidia", "nvidia\x002023", "nvidia\x002024"]
    assert docs == _from_nothing([*archive, added, newest], index)


_DAYS = [f"2024-{m:02d}-{d:02d}" for m in (1, 2, 3) for d in (1, 15)] + [None]
_article = st.tuples(st.sampled_from(_DAYS), st.sets(st.sampled_from(ENTITIES[:3]), max_size=3),
                     st.sampled_from(SOURCES[:2]))
# One change: add an article, drop one (by its rank among those there), or edit one (new date, entities, source).
_change = st.one_of(st.tuples(st.just("add"), _article), st.tuples(st.just("drop"), st.integers(0, 40)),
                    st.tuples(st.just("edit"), st.integers(0, 40), _article))


_YEARS = [f"{y}-{m:02d}-01" for y in (2022, 2023, 2024) for m in (2, 6, 10)] + [None]
_article_years = st.tuples(st.sampled_from(_YEARS), st.sets(st.sampled_from(ENTITIES[:3]), max_size=3),
                           st.sampled_from(SOURCES[:2]))
_change_years = st.one_of(st.tuples(st.just("add"), _article_years), st.tuples(st.just("drop"), st.integers(0, 40)),
                          st.tuples(st.just("edit"), st.integers(0, 40), _article_years))


@hypothesis.settings(max_examples=60, deadline=None)
@hypothesis.given(start=st.lists(_article, max_size=14),
                  changes=st.lists(st.lists(_change, min_size=1, max_size=3), min_size=1, max_size=4))
def test_entity_pages_by_families_equal_the_pages_from_nothing(start, changes) -> None:
    _step_by_step(start, changes)


@hypothesis.settings(max_examples=100, deadline=None)
@hypothesis.given(start=st.lists(_article_years, max_size=24),
                  changes=st.lists(st.lists(_change_years, min_size=1, max_size=3), min_size=1, max_size=5))
def test_entity_pages_by_year_families_equal_the_pages_from_nothing(start, changes) -> None:
    """Archives over several years (pages of 3): adds, edits and removals anywhere, built step by step."""
    _step_by_step(start, changes)


def _step_by_step(start, changes) -> None:
    index = AliasIndex.build(load_registry(REGISTRY_PATH))
    serial = 0

    def made(what) -> object:
        nonlocal serial
        serial += 1
        day, entities, source = what
        return summary(f"s-{serial:03d}", date=day, source=source, entities=tuple(sorted(entities)))

    # Pages of 3: entities get archived pages, cut within a year, from a handful of articles.
    with tempfile.TemporaryDirectory() as folder, mock.patch.object(entity_pages, "PAGE_SIZE", 3):
        docs = Path(folder) / "docs"
        archive = [made(what) for what in start]
        _build_families(docs, archive, index)
        for batch in changes:
            for what in batch:
                if what[0] == "add":
                    archive.insert(len(archive) // 2, made(what[1]))
                elif archive and what[0] == "drop":
                    del archive[what[1] % len(archive)]
                elif archive:
                    old = archive[what[1] % len(archive)]
                    day, entities, source = what[2]
                    archive[what[1] % len(archive)] = summary(old.slug, date=day, source=source,
                                                              entities=tuple(sorted(entities)))
            _, got = _build_families(docs, archive, index)
            assert got == _from_nothing(archive, index)
