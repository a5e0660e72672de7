"""The render stage's jobs: one per published article, keyed by everything its page shows.

Every build keys every page (a page whose key the last build wrote it from is not rendered again), so this is
O(archive) work on every change: ~10 links per page (its related articles, the articles around it), made as
:class:`~build_tools.model.Neighbour` records and written out in the page's key.  Most of those are the same
few values seen many times over — an article is on about as many related lists as it has related articles, and
its slug, title, dates and source appear in the links of the pages around it too — so each related link is made
once per build and each link's text in the key is joined from a fragment written once per linked article.  The
keys are :meth:`PageInputs.key_parts`'s, given that text (``tests/test_pipeline_page_jobs.py``): the same pages
are kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from build_tools.archive.navigation import related_links
from build_tools.archive.prepared import Published
from build_tools.archive.views import LinkedView
from build_tools.model import Neighbour, Summary
from build_tools.model.paths import PathDisplay
from build_tools.pipeline.render_work import PageInputs
from build_tools.runtime.jobs import PageJob
from build_tools.settings import Settings


class _Keyed:
    """Links and their text in a page's key, each distinct value made once per build."""

    def __init__(self, by_slug: Mapping[str, Summary]):
        self.by_slug = by_slug
        self.related: dict[tuple[str, str, bool], Neighbour] = {}
        self.tails: dict[tuple, str] = {}  # a link without its role → its repr, without the opening bracket

    def links(self, related: Sequence[tuple[str, str, bool]], around: tuple[Neighbour, ...]) -> tuple[Neighbour, ...]:
        """``related_links(related, by_slug) + around``."""
        made = []
        for entry in related:
            entry = entry if type(entry) is tuple else tuple(entry)
            link = self.related.get(entry)
            if link is None:
                link = self.related[entry] = related_links((entry,), self.by_slug)[0]
            made.append(link)
        return (*made, *around)

    def links_repr(self, links: tuple[Neighbour, ...]) -> str:
        """``repr(tuple(map(tuple, links)))``: a tuple of n ≥ 2 items is written ``(a, b, …)``, so a link is its
        role's repr then the rest of the tuple of its other fields, shared by every role it appears under."""
        tails = self.tails
        parts = []
        for link in links:
            rest = link[1:]  # a named tuple's slice is a plain tuple
            tail = tails.get(rest)
            if tail is None:
                tail = tails[rest] = repr(rest)[1:]
            parts.append(f"({link[0]!r}, {tail}")
        if len(parts) == 1:
            return f"({parts[0]},)"
        return f"({', '.join(parts)})"


def page_jobs(published: Sequence[Published], linked: Sequence[tuple[str, LinkedView]],
              related: Mapping[str, Sequence[tuple[str, str, bool]]], around: Mapping[str, tuple[Neighbour, ...]],
              pictures: Mapping[str, tuple], settings: Settings, shown: PathDisplay) -> list[PageJob]:
    """One job per published article (``published`` and ``linked`` in the same order): its related articles
    (``related``: slug → (slug, title, same story)), then the articles around it (``around``), its pictures;
    ``shown``: how a page names its dump."""
    keyed = _Keyed({view.summary.slug: view.summary for _, view in linked})
    outputs_of = _outputs(settings.publish_raw)
    jobs = []
    for item, (linked_key, view) in zip(published, linked, strict=True):
        summary = view.summary
        slug = summary.slug
        links = keyed.links(related.get(slug, ()), around.get(slug, ()))
        page = PageInputs(linked_key, shown(item.raw_path), item.also, links, pictures.get(slug, ()),
                          summary.added, settings.publish_raw)
        key = (slug, *page.key_parts(keyed.links_repr(links)))
        jobs.append(PageJob(item.raw_path, outputs_of(slug), key, page))
    return jobs


def _outputs(publish_raw: bool):
    def outputs(slug: str) -> tuple[str, ...]:
        found = (f"articles/{slug}.md", f"articles/provenance/{slug}.md")
        return found + (f"articles/raw/{slug}.html",) if publish_raw else found
    return outputs
