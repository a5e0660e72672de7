"""The render stage's jobs (build_tools/pipeline/page_jobs.py) make each related link once per build and join each
link's text in the page's key from shared fragments: every job must still be exactly the one made the plain way
(``related_links(...) + around`` and :meth:`PageInputs.key_parts`), or a page would be rendered again for nothing,
or, worse, kept when its links changed."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from build_tools.archive.navigation import neighbours, related_links
from build_tools.archive.prepared import Prepared, Published
from build_tools.archive.views import LinkedView
from build_tools.model import Neighbour
from build_tools.model.paths import PathDisplay
from build_tools.pipeline.page_jobs import page_jobs
from build_tools.pipeline.render_work import PageInputs
from build_tools.settings import Settings
from build_tools.stages.images import Picture
from tests.factories import summary

SHOWN = PathDisplay("raw")
# Titles and sources that repr() escapes or quotes differently: quotes, backslashes, CJK, control characters.
TEXT = st.sampled_from(["", "标题", "it's", 'say "hi"', "a\\b", "tab\there", "line\nbreak", "﻿bom", "\x00", "同一"])
OPTIONAL = st.one_of(st.none(), st.sampled_from(["2024-01-02", "2023-12-31", "2024-02"]))


@st.composite
def archives(draw):
    n = draw(st.integers(1, 12))
    summaries = [summary(f"a{i}", title=draw(TEXT), date=draw(OPTIONAL), added=draw(OPTIONAL),
                         source=draw(st.sampled_from([None, "", "新华网", "it's"]))) for i in range(n)]
    slugs = [s.slug for s in summaries] + ["gone"]  # a related slug no longer in the archive
    related = {s.slug: [(draw(st.sampled_from(slugs)), draw(TEXT), draw(st.booleans()))
                        for _ in range(draw(st.integers(0, 4)))] for s in summaries}
    also = {s.slug: tuple(draw(st.lists(TEXT, max_size=2))) for s in summaries}
    pictures = {s.slug: (Picture(draw(TEXT), "https://x/" + draw(TEXT), draw(st.sampled_from(["", "a.png"]))),)
                for s in summaries if draw(st.booleans())}
    return summaries, related, also, pictures, draw(st.booleans())


def _plain_job(item: Published, linked_key: str, view: LinkedView, related, around, pictures, publish_raw: bool):
    """The job as the pipeline made it before (session 29): every link made and written out in full."""
    slug = view.summary.slug
    page = PageInputs(linked_key, SHOWN(item.raw_path), item.also, related + around.get(slug, ()),
                      pictures.get(slug, ()), view.summary.added, publish_raw)
    outputs = (f"articles/{slug}.md", f"articles/provenance/{slug}.md")
    if publish_raw:
        outputs += (f"articles/raw/{slug}.html",)
    return item.raw_path, outputs, (slug, *page.key_parts()), page


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(archives())
def test_every_job_is_the_one_made_the_plain_way(archive):
    summaries, related, also, pictures, publish_raw = archive
    linked = [(f"key-{s.slug}", LinkedView(s, (), (), None)) for s in summaries]
    published = [Published(Prepared(f"x/{s.slug}.txt", "", s.slug, "", frozenset(), None), also[s.slug])
                 for s in summaries]
    around = neighbours(summaries)
    by_slug = {s.slug: s for s in summaries}
    settings_ = replace(Settings(), publish_raw=publish_raw)

    jobs = page_jobs(published, linked, related, around, pictures, settings_, SHOWN)

    assert len(jobs) == len(summaries)
    for job, item, (linked_key, view) in zip(jobs, published, linked, strict=True):
        links = related_links(related[view.summary.slug], by_slug)
        raw_path, outputs, inputs, page = _plain_job(item, linked_key, view, links, around, pictures, publish_raw)
        assert (job.raw_path, job.outputs, job.inputs, job.payload) == (raw_path, outputs, inputs, page)


def test_a_link_seen_under_two_roles_keeps_each_role_in_the_key():
    """The shared fragment is the link without its role: the same article as "newer" on one page and as a related
    article on another must still key the two pages by their own roles."""
    a, b = summary("a", title="甲", date="2024-01-02"), summary("b", title="乙", date="2024-01-01")
    linked = [(f"k{s.slug}", LinkedView(s, (), (), None)) for s in (a, b)]
    published = [Published(Prepared(f"{s.slug}.txt", "", s.slug, "", frozenset(), None)) for s in (a, b)]
    around = {"a": (Neighbour("older", "b", "乙", "2024-01-01"),), "b": ()}
    jobs = page_jobs(published, linked, {"b": [("b", "乙", False)]}, around, {}, Settings(), SHOWN)
    assert jobs[0].inputs[4] == "(('older', 'b', '乙', '2024-01-01', None, None),)"
    assert jobs[1].inputs[4] == "(('related', 'b', '乙', '2024-01-01', None, None),)"
    assert jobs[0].inputs[4] == repr(tuple(map(tuple, jobs[0].payload.links)))
