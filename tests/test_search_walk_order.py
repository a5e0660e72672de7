"""The told index's order of pages (indexer._walk_order, one string per page) is unchanged.walk's order: a folder's
files by name before its sub-folders by name, top down, as the list [(1, folder), ..., (0, file)] sorts."""

from __future__ import annotations

import os

from hypothesis import given, settings
from hypothesis import strategies as st

from build_tools.search import unchanged
from build_tools.search.indexer import _walk_order


def _as_list(rel: str) -> list[tuple[int, str]]:
    parts = rel.split("/")
    return [(1, p) for p in parts[:-1]] + [(0, parts[-1])]


# names with the characters the string key uses as markers (\x01, \x02), prefixes of one another, and a few others
_name = st.text(alphabet=["a", "b", "\x01", "\x02", ".", "-", "é"], min_size=1, max_size=4).filter(
    lambda s: s not in (".", ".."))
_rel = st.lists(_name, min_size=1, max_size=4).map("/".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(_rel, min_size=2, max_size=30, unique=True))
def test_the_string_key_sorts_as_the_list_of_folders_and_file(rels):
    assert sorted(rels, key=_walk_order) == sorted(rels, key=_as_list)


def test_the_key_orders_pages_as_the_walk_finds_them(tmp_path):
    rels = ["index.html", "a.html", "a/index.html", "a/b.html", "ab/x.html", "a-b/y.html", "a/c/d.html", "z/a.html",
            "a/a/a.html", "b.html"]
    for rel in rels:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x", encoding="utf-8")
    walked = [f"{d}/{n}" if d else n for _p, d, names in unchanged.walk(tmp_path, set(), None) for n in names]
    assert walked == sorted(rels, key=_walk_order)
    assert sorted(rels, key=_walk_order) != sorted(rels)  # the case the key is for: not plain path order
    assert os.sep == "/"
