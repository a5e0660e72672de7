"""Issue 15: which shards each search bundle merges (tiers.plan), checked on shard lists alone (no Pagefind).

What a reader and an editor rely on: every page in exactly one bundle, in (date, path) order across bundles
(the browser numbers pages bundle after bundle); no bundle of old articles past OLD_PART_GROUPS groups (a merge
holds its whole bundle: the 1.5 GB bound at 50k); and new articles at the end never move an earlier old part's
shards (those bundles are not merged again)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from build_tools.search import tiers


def _shards(plan: list[tuple[str, list[list[int]]]]) -> list[int]:
    return [i for _role, bundle in plan for group in bundle for i in group]


@given(others=st.integers(0, 3), articles=st.integers(0, 200), recent=st.integers(1, 9), part=st.integers(1, 6))
def test_every_shard_once_in_page_order_and_old_parts_bounded(others, articles, recent, part):
    kinds = [True] * articles + [False] * others
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tiers, "RECENT_SHARDS", recent)
        mp.setattr(tiers, "OLD_PART_GROUPS", part)
        plan = tiers.plan(kinds)
    art_bundles = [bundle for _role, bundle in (plan[1:] if others else plan)]
    assert _shards(plan) == list(range(articles, articles + others)) + list(range(articles))
    assert all(len(group) == recent for bundle in art_bundles[:-1] for group in bundle)
    assert all(len(bundle) <= part for bundle in art_bundles[:-1])
    assert all(len(bundle) == part for bundle in art_bundles[:-2])  # parts fill from the oldest
    assert len({role for role, _bundle in plan}) == len(plan)  # a bundle's folder is named by its role


@given(articles=st.integers(1, 300), more=st.integers(1, 100))
def test_new_articles_at_the_end_keep_every_full_old_part(articles, more):
    before = tiers.plan([True] * articles)[:-1]
    after = tiers.plan([True] * (articles + more))[:-1]
    full = [(role, bundle) for role, bundle in before if len(bundle) == tiers.OLD_PART_GROUPS]
    assert after[:len(full)] == full  # same role (folder) and same shards: not merged again


def test_the_shipped_part_keeps_a_10k_archive_in_one_old_bundle():
    """At 10k generated articles the archive has ~350 article shards (43 old groups): one old bundle, as before
    the cut (the first query pays one meta and one chunk per token for it); at 50k (~1,750 shards) five."""
    assert len(tiers.plan([True] * 350)) == 2
    assert len(tiers.plan([True] * 1750)) == 6
