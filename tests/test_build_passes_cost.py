"""Session 24: the build step's per-archive passes made cheaper without changing a byte of what they give.

Each shortcut is checked against what it replaces (the same keys, the same order, the same records), and where it
claims to skip work, that the work is skipped.
"""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from build_tools.archive.navigation import neighbours, related_links
from build_tools.archive.ordering import listed_date, newest_first
from build_tools.model import Neighbour, Summary
from build_tools.pipeline.render_work import PageInputs
from build_tools.runtime.cache import key

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
    assert newest_first(summaries) == _reference_order(summaries)  # the kept order, asked again


def test_the_same_summaries_are_sorted_once_per_build_not_once_per_pass():
    summaries = [_summary(i, f"2024-01-{i % 28 + 1:02d}") for i in range(50)]
    calls = []

    def counted(s: Summary) -> str | None:
        calls.append(s.slug)
        return s.date

    first = newest_first(summaries, counted)
    asked = len(calls)
    assert newest_first(summaries, counted) == first and len(calls) == asked  # no date asked again
    assert newest_first(iter(summaries), counted) == first and len(calls) == asked


def test_a_changed_list_is_sorted_again():
    summaries = [_summary(i, f"2024-01-{i + 1:02d}") for i in range(5)]
    before = newest_first(summaries)
    summaries.append(_summary(9, "2025-01-01"))  # the caller's list, changed after the call
    after = newest_first(summaries)
    assert after == _reference_order(summaries) and after[0].slug == "s2-9" and len(before) == 5
    swapped = summaries[:-1] + [_summary(9, "2025-01-01")]  # an equal but different record: sorted again
    assert newest_first(swapped) == _reference_order(swapped)
    after.clear()
    assert newest_first(summaries) == _reference_order(summaries)  # the kept order is not the caller's list


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
