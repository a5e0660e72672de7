"""What a rebuild recomputes (issue 15): nothing when nothing changed, and for a new dump only what it touches.

Builds run in this process on a small archive of plain-text dumps, with the build cache; the stages' work is
counted through the progress callback (it reports each stage's items computed, not those found in the cache).
"""

from __future__ import annotations

from unittest import mock

import pytest

import build_tools
from build_tools.archive import site_pages
from build_tools.runtime.stages import Runner
from build_tools.settings import Settings
from tests.fixtures.hostile.corpus import article_text

SHARED = "三位观察人士对此各执一词，暂无定论。"  # a short line that only some dumps carry


class Counted:
    """The progress callback: stage → the largest ``total`` it reported (the items it computed)."""

    def __init__(self) -> None:
        self.computed: dict[str, int] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:  # noqa: ARG002
        self.computed[stage] = max(self.computed.get(stage, 0), total)


def _dump(seed: int, shared: bool) -> str:
    """A plain-text dump; with ``shared``, SHARED as a paragraph of its own in the middle of the body."""
    blocks = article_text(seed).split("\n\n")
    if shared:
        blocks.insert(3, SHARED)
    return "\n\n".join(blocks)


@pytest.fixture
def project(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    for n in range(12):
        (raw / f"a{n:02d}.txt").write_text(_dump(n, shared=n < 2), encoding="utf-8")
    settings = Settings(raw_dir=raw, docs_dir=tmp_path / "docs", cache_dir=tmp_path / "cache",
                        entities_path=tmp_path / "entities.yml", overrides_path=tmp_path / "overrides.yml",
                        added_record=tmp_path / "added.json", jobs=1)
    build_tools.build(settings)
    return settings


def _build(settings: Settings) -> tuple[Counted, int, list[str]]:
    """The stages' computed items, how many times the index pages' pass ran (grouping the summaries into its
    parts), and the parts of the whole-archive pages made again (:meth:`Runner.parts`)."""
    counted = Counted()
    remade: list[str] = []
    parts = Runner.parts

    def counting(self, func, groups, writer):
        done = parts(self, func, groups, writer)
        remade.extend(f"{func.__name__}:{name}" for name in done)
        return done

    with mock.patch.object(site_pages, "index_parts", wraps=site_pages.index_parts) as made, \
            mock.patch.object(Runner, "parts", counting):
        report = build_tools.build(settings, counted)
    assert not report.rejected
    return counted, made.call_count, remade


def test_nothing_changed_recomputes_nothing(project):
    counted, _index_runs, remade = _build(project)
    assert not counted.computed, counted.computed
    # No entity page, list page or feed made again; but feed.xml, which the writer cannot keep unread (a top-level
    # file is a link into the generation: OutputWriter.keep_if_unchanged refuses links), is made and compared.
    assert set(remade) <= {"channel_page:feed.xml"}, remade


def test_a_new_dump_relinks_only_the_articles_that_share_a_line_it_made_recurring(project):
    """Its arrival makes SHARED a line three dumps keep (cross-dump furniture): the two older dumps holding it
    are linked again (the line leaves their text), and the new one; not the nine others."""
    (project.raw_dir / "new.txt").write_text(_dump(99, shared=True), encoding="utf-8")
    counted, index_runs, remade = _build(project)
    assert counted.computed.get("link") == 3, counted.computed
    assert index_runs == 1 and remade  # the lists and feeds holding the three articles
    for n in range(2):
        assert SHARED not in (project.docs_dir / "articles" / f"a{n:02d}.md").read_text(encoding="utf-8")


def test_the_cross_dump_threshold_moves_rarely_as_the_archive_grows():
    """A line 40 of 2,000 dumps keep stays furniture when the 2,001st arrives (the exact 2% share moved the
    threshold to 41 and re-cleaned every article holding such a line); from 2,000 to 10,000 dumps the
    threshold moves 19 times, not 160; below 150 dumps it is min_dumps (3), as every per-site eval build sees."""
    from build_tools.archive.furniture import recurring_lines, settled_size

    line = frozenset({"line"})
    for n in (2000, 2001, 2002):
        assert recurring_lines([line] * 40 + [frozenset()] * (n - 40)) == line, n
    thresholds = [max(3, int(0.02 * settled_size(n) + 0.999)) for n in range(2000, 10001)]
    assert sum(a != b for a, b in zip(thresholds, thresholds[1:], strict=False)) == 19
    assert all(settled_size(n) <= n for n in range(0, 10001))  # never above the exact share
    for n in range(3, 150):
        assert recurring_lines([line] * 3 + [frozenset()] * (n - 3)) == line
        assert recurring_lines([line] * 2 + [frozenset()] * (n - 2)) == frozenset()
