"""The sitemap's entries a one-shot render keeps between processes (site/incremental.py ``SitemapPages``):
read back as written, whatever the config's site_url made of the URLs, and refused whole when damaged."""

from __future__ import annotations

import json

import pytest

from build_tools.site.incremental import SitemapPages

ENTRIES = {
    "index.md": [True, "https://example.test/", "/"],
    "articles/a.md": [True, "https://example.test/articles/a/", "/articles/a/"],
    "about.md": [True, None, None],  # no site_url: MkDocs gives a page no canonical or absolute URL
    "drafts/x.md": [False, None, None],  # excluded: in no sitemap
}


def test_entries_come_back_as_recorded():
    kept = SitemapPages.from_record(json.loads(json.dumps(SitemapPages.from_record(ENTRIES).record())))
    assert kept is not None and kept.record() == ENTRIES and not kept.changed


@pytest.mark.parametrize("damaged", [
    None, [], "pages", {"a.md": [True, "u"]}, {"a.md": ["yes", "u", "v"]}, {"a.md": [True, 3, "v"]},
    {"a.md": [True, "u", {}]}, {"a.md": (True, "u", "v")}, {1: [True, "u", "v"]},
])
def test_a_damaged_record_is_refused(damaged):
    assert SitemapPages.from_record(damaged) is None
