"""The sitemap's entries a one-shot render keeps between processes (site/sitemap.py ``SitemapPages``): read
back as written, whatever the config's site_url made of the URLs, refused whole when damaged, and kept in
MkDocs' order as pages come and go; the render's record files (site/snapshot.py) are refused when not intact."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from build_tools.site.sitemap import SitemapPages
from build_tools.site.snapshot import load_record, save_record

ENTRIES = {
    "index.md": (True, "https://example.test/", "/"),
    "articles/a.md": (True, "https://example.test/articles/a/", "/articles/a/"),
    "about.md": (True, None, None),  # no site_url: MkDocs gives a page no canonical or absolute URL
    "drafts/x.md": (False, None, None),  # excluded: in no sitemap
}


def test_entries_come_back_as_recorded(tmp_path: Path):
    path = tmp_path / "x.sitemap.rec"
    save_record(path, {"pages": SitemapPages.from_record(ENTRIES).record()})
    kept = SitemapPages.from_record(load_record(path)["pages"])
    assert kept is not None and kept.record() == ENTRIES and not kept.changed


@pytest.mark.parametrize("damaged", [
    None, [], "pages", {"a.md": (True, "u")}, {"a.md": ("yes", "u", "v")}, {"a.md": (True, 3, "v")},
    {"a.md": (True, "u", {})}, {"a.md": [True, "u", "v"]}, {1: (True, "u", "v")},
])
def test_a_damaged_record_is_refused(damaged):
    assert SitemapPages.from_record(damaged) is None


@pytest.mark.parametrize("damage", ["empty", "truncated", "a byte flipped", "json", "other header", "not a dict"])
def test_a_record_file_that_is_not_intact_is_no_record(tmp_path: Path, damage: str):
    path = tmp_path / "r.rec"
    save_record(path, {"docs": {"a.md": [1, 2, 3]}, "day": "2023-11-14"})
    assert load_record(path) == {"docs": {"a.md": [1, 2, 3]}, "day": "2023-11-14"}
    data = path.read_bytes()
    if damage == "empty":
        data = b""
    elif damage == "truncated":
        data = data[:-3]
    elif damage == "a byte flipped":
        data = data[:-5] + bytes([data[-5] ^ 1]) + data[-4:]
    elif damage == "json":
        data = b'{"docs": {}}'
    elif damage == "other header":
        data = data.replace(b"marshal", b"Marshal", 1)
    else:  # intact, but a list: a digest made for it, as another writer would
        body = b"[\x00\x00\x00\x00"
        data = data[:data.index(b"\n") + 1] + hashlib.sha256(body).digest() + body
    path.write_bytes(data)
    assert load_record(path) is None


@settings(max_examples=60, deadline=None)
@given(before=st.sets(st.sampled_from(["index.md", "a.md", "b/index.md", "b/c.md", "b/d/e.md", "b/README.md",
                                       "z.md", "b/d/index.md", "c.md", "b/a.md"]), max_size=10),
       after=st.sets(st.sampled_from(["index.md", "a.md", "b/index.md", "b/c.md", "b/d/e.md", "b/README.md",
                                      "z.md", "b/d/index.md", "c.md", "b/a.md", "y/x.md"]), max_size=11))
def test_pages_added_and_removed_keep_mkdocs_order(tmp_path_factory, before: set[str], after: set[str]):
    """Entries kept in order as pages come and go are the entries of the new set sorted afresh."""
    from mkdocs.config.defaults import MkDocsConfig

    docs = tmp_path_factory.mktemp("docs")
    config = MkDocsConfig()
    config.load_dict({"site_name": "t", "docs_dir": str(docs), "site_dir": str(docs.parent / "site"),
                      "site_url": "https://example.test/"})
    assert config.validate() == ([], [])
    kept = SitemapPages()
    kept.urls(config, before)
    again = SitemapPages.from_record(kept.record())
    assert again.urls(config, after) == SitemapPages().urls(config, after)
