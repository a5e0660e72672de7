"""Session 24: the build step's per-archive passes made cheaper without changing a byte of what they give.

Each shortcut is checked against what it replaces (the same keys, the same order, the same records), and where it
claims to skip work, that the work is skipped.
"""

from __future__ import annotations

import contextlib
import hashlib
import sys
from pathlib import Path
from unittest import mock

from hypothesis import given
from hypothesis import strategies as st

import build_tools
from build_tools.archive.navigation import neighbours, related_links
from build_tools.archive.ordering import listed_date, newest_first
from build_tools.model import Neighbour, Summary
from build_tools.pipeline.render_work import PageInputs
from build_tools.runtime.cache import key
from build_tools.settings import Settings
from tests.fixtures.hostile.corpus import article_text

ROOT = Path(__file__).resolve().parents[1]

TEXT = st.text(st.characters(blacklist_characters="\0", blacklist_categories=("Cs",)), max_size=8)


def _per_part(*parts: str | bytes) -> str:
    """The build's key as it was defined before session 24: one hash update per part and per separator."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else part.encode("utf-8", "surrogateescape"))
        digest.update(b"\0")
    return digest.hexdigest()


@given(st.lists(st.one_of(TEXT, st.binary(max_size=8)), max_size=6))
def test_a_key_is_the_same_hash_as_one_update_per_part(parts):
    """Keys in every cache built before stay valid: the one-call hash is the same bytes hashed."""
    assert key(*parts) == _per_part(*parts)


def test_a_key_of_a_name_that_is_not_utf8_is_its_surrogate_escaped_bytes():
    assert key("raw/\udcff.txt", "x") == _per_part("raw/\udcff.txt", "x")


def _summary(i: int, date: str | None, added: str | None = None, source: str | None = None) -> Summary:
    return Summary(slug=f"s{i % 7}-{i}", title=f"t{i}", raw_path=f"raw/{i}.txt", sha256="0" * 64, lang="zh",
                   date=date, added=added, source=source)


DATES = st.sampled_from([None, "", "2024-01-02", " 2024-01-02 ", "2024-01", "2024", "2023-12-31", "yesterday"])


def _reference_order(summaries, date=listed_date):
    """newest_first as it was before session 24."""
    by_slug = sorted(summaries, key=lambda s: (s.slug, s.raw_path))
    dated = [s for s in by_slug if date(s)]
    dated.sort(key=date, reverse=True)
    return dated + [s for s in by_slug if not date(s)]


@given(st.lists(st.tuples(DATES, st.sampled_from([None, "2024-02-01", "2023-01-01"])), max_size=30))
def test_newest_first_is_the_order_it_was(rows):
    summaries = [_summary(i, d, a) for i, (d, a) in enumerate(rows)]
    assert newest_first(summaries) == _reference_order(summaries)


@given(st.lists(st.tuples(DATES, st.sampled_from([None, "2024-02-01"]), st.booleans()), max_size=30))
def test_the_order_of_some_articles_is_the_whole_order_filtered(rows):
    """The build sorts the linked articles once and lists the published ones (a page may fail) in that order
    filtered: the same as sorting them."""
    summaries = [_summary(i, d, a) for i, (d, a, _) in enumerate(rows)]
    kept = {s.slug for s, (_, _, keep) in zip(summaries, rows, strict=True) if keep}
    assert [s for s in newest_first(summaries) if s.slug in kept] == \
        _reference_order([s for s in summaries if s.slug in kept])


def test_a_build_sorts_its_articles_once(tmp_path):
    """The neighbours, the feeds, the entity pages and the index pages all list the articles newest first; the
    build sorts them once and hands the order on (it was a hidden memo of the last order, session 24)."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for n in range(8):
        (raw / f"a{n:02d}.txt").write_text(article_text(n), encoding="utf-8")
    settings = Settings(raw_dir=raw, docs_dir=tmp_path / "docs", cache_dir=tmp_path / "cache",
                        entities_path=ROOT / "entities.yml", overrides_path=tmp_path / "overrides.yml",
                        added_record=tmp_path / "added.json", jobs=1)
    calls, sort = [], newest_first  # the function itself, before its names are patched

    def counted(summaries, *args, **kwargs):
        calls.append(1)
        return sort(summaries, *args, **kwargs)

    users = [m for m in list(sys.modules.values()) if getattr(m, "newest_first", None) is newest_first]
    with contextlib.ExitStack() as patches:
        for module in users:
            patches.enter_context(mock.patch.object(module, "newest_first", counted))
        report = build_tools.build(settings)
    assert len(report.summaries) == 8 and (settings.docs_dir / "entities" / "index.md").is_file()
    assert len(calls) == 1


def test_page_links_key_the_page_as_the_neighbour_records_did():
    """The render key is unchanged: a page's links (named tuples) are keyed as the Neighbour dataclass records were."""
    summaries = [_summary(i, f"2024-01-{i + 1:02d}", source="源" if i % 2 else None) for i in range(5)]
    around = neighbours(summaries)
    by_slug = {s.slug: s for s in summaries}
    links = related_links([(summaries[1].slug, "t1", True), ("gone", "t", False)], by_slug) + around[summaries[2].slug]
    assert all(isinstance(link, Neighbour) for link in links)
    records = links
    old_key_links = repr(tuple((n.role, n.slug, n.title, n.date, n.added, n.source) for n in records))
    page = PageInputs("k", "raw/x.txt", (), links)
    assert page.key_parts()[3] == old_key_links
    assert {n.role for n in records} >= {"same-story", "related", "month", "newer", "older"}
