"""The sitemap of an incremental render: what it needs of each page (:class:`SitemapPages`) and its text.

The sitemap lists every page (~25,000 at 10k articles) and the build date; it is written again whenever a page
is added or removed or the date moves.  Two whole-archive costs of that are avoided here:

* **a MkDocs File per page** to learn its URL and exclusion: :class:`SitemapPages` keeps each page's entry, in
  MkDocs' order, made once per page (a long-lived renderer keeps the object, a one-shot one its record);
* **the template over every entry** (~0.13 s at 10k): :func:`sitemap_text` writes the text MkDocs' template
  renders, a fixed head, one fixed chunk per page and a fixed tail, when :func:`renders_like_mkdocs` says the
  theme's ``sitemap.xml`` is MkDocs' own in an environment with Jinja's default whitespace options; otherwise
  the template is rendered (``tests/test_site_sitemap_text.py`` compares both over hostile URLs).
"""

from __future__ import annotations

import bisect
import gzip
import os
from collections.abc import Callable, Iterable
from types import SimpleNamespace

from markupsafe import escape
from mkdocs import utils
from mkdocs.commands.build import get_context
from mkdocs.structure.files import File, set_exclusions
from mkdocs.structure.pages import Page

# An entry: (included, canonical URL, absolute URL)
Entry = tuple[bool, str | None, str | None]
_SHAPES = {(str, tuple, bool, url, other) for url in (str, type(None)) for other in (str, type(None))}
_INSERT_AT_MOST = 64  # new pages put in place one by one (a bisection each); more are sorted with the rest

# mkdocs/templates/sitemap.xml (MkDocs 1.6), as the theme's loader returns it.
MKDOCS_TEMPLATE = ("""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
{%- for file in pages -%}
    {% if not file.page.is_link and (file.page.abs_url or file.page.canonical_url) %}
    <url>
         <loc>{% if file.page.canonical_url %}{{ file.page.canonical_url|e }}{% else %}"""
    """{{ file.page.abs_url|e }}{% endif %}</loc>
         {% if file.page.update_date %}<lastmod>{{file.page.update_date}}</lastmod>{% endif %}
    </url>
    {%- endif -%}
{% endfor %}
</urlset>
""")

# What Jinja makes of it: the whitespace controls (``-``) eat the newlines around the loop's tags, and the
# final newline goes (``keep_trailing_newline`` is off).
_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
_TAIL = "\n</urlset>"

# The environment options the texts above assume (Jinja's defaults, which MkDocs' theme keeps).
_OPTIONS = {"autoescape": False, "finalize": None, "trim_blocks": False, "lstrip_blocks": False,
            "keep_trailing_newline": False, "newline_sequence": "\n", "block_start_string": "{%",
            "block_end_string": "%}", "variable_start_string": "{{", "variable_end_string": "}}"}


def renders_like_mkdocs(env) -> bool:
    """True when ``env`` renders ``sitemap.xml`` from MkDocs' template with the options :func:`sitemap_text`
    assumes (a theme folder's own sitemap.xml, or another environment, is rendered by Jinja)."""
    if any(getattr(env, name, None) != value for name, value in _OPTIONS.items()) or env.filters.get("e") is not escape:
        return False
    try:
        source = env.loader.get_source(env, "sitemap.xml")[0]
    except Exception:  # noqa: BLE001 - no such template, or a loader that cannot say: Jinja decides
        return False
    return source == MKDOCS_TEMPLATE


def sitemap_text(urls: Iterable[tuple[str | None, str | None]], day: str) -> str:
    """The template's output for pages of (canonical URL, absolute URL), in order, all updated on ``day``
    (every page's ``update_date`` is the build date; none is a link)."""
    lastmod = f"<lastmod>{day}</lastmod>" if day else ""
    parts = [_HEAD]
    for canonical, absolute in urls:
        if absolute or canonical:
            parts.append(f"\n    <url>\n         <loc>{escape(canonical or absolute)}</loc>\n         {lastmod}"
                         "\n    </url>")
    parts.append(_TAIL)
    return "".join(parts)



def write_sitemap(config, env, nav, docs: set[str], sitemap: Callable[[], SitemapPages] | None = None) -> None:
    """site/sitemap.xml and .gz as MkDocs writes them, from the theme's template over every page
    (``sitemap``: the entries kept for this config, default made afresh)."""
    day = utils.get_build_date()
    urls = (sitemap() if sitemap else SitemapPages()).urls(config, docs)
    if renders_like_mkdocs(env):
        output = sitemap_text(urls, day)
    else:
        entries = [SimpleNamespace(page=SimpleNamespace(is_link=False, canonical_url=canonical, abs_url=absolute,
                                                        update_date=day)) for canonical, absolute in urls]
        context = get_context(nav, entries, config, base_url=utils.get_relative_url(".", "sitemap.xml"))
        output = env.get_template("sitemap.xml").render(context)
    path = os.path.join(config.site_dir, "sitemap.xml")
    if not output.strip():
        return
    utils.write_file(output.encode("utf-8"), path)
    gz_path = f"{path}.gz"
    # the newest page's date, which is every page's: the build date (MkDocs' get_build_timestamp over the pages)
    stamp = utils.get_build_timestamp(pages=[SimpleNamespace(update_date=day)] if urls else None)
    with open(gz_path, "wb") as f, gzip.GzipFile(fileobj=f, filename=gz_path, mode="wb", mtime=stamp) as gz:
        gz.write(output.encode("utf-8"))


class SitemapPages:
    """What the sitemap reads of each page: whether it is published and its URLs, in MkDocs' order.

    A page's entry depends only on its path and the config (its exclusion, its URL), so an object kept for
    one config makes a File only for the pages it has not seen.  The preview's
    :class:`~build_tools.site.render.Renderer` keeps one in memory; a one-shot render keeps its entries in a
    record beside the render's (:meth:`record`, :meth:`from_record`), under the key of everything they
    depend on: making a File for each of 25,000 pages was ~2 s of a 10k archive's one-added render.  The
    entries are kept in MkDocs' order (a dict's order, which the record keeps), so a page added puts itself in
    place and nothing sorts the 25,000 others again."""

    def __init__(self, known: dict[str, Entry] | None = None, ordered: bool = False):
        """``ordered``: ``known`` is in MkDocs' order already (a record this class wrote)."""
        known = known or {}
        self._known = dict(known) if ordered else dict(sorted(known.items(), key=lambda item: build_order(item[0])))
        self.changed = False  # entries were added or forgotten since this object was made or recorded

    @classmethod
    def from_pages(cls, pages) -> SitemapPages:
        """The entries of a full render's Pages (their Files and URLs already made)."""
        made = cls({page.file.src_uri: (page.file.inclusion.is_included(), page.canonical_url, page.abs_url)
                    for page in pages})
        made.changed = True
        return made

    @classmethod
    def from_record(cls, data) -> SitemapPages | None:
        """The entries of :meth:`record`'s output; None when ``data`` is not such a record (damaged)."""
        if not isinstance(data, dict):
            return None
        try:  # the types of each entry's parts, gathered in one pass (25,000 entries at 10k articles)
            shapes = {(type(rel), type(entry), *map(type, entry)) for rel, entry in data.items()}
        except TypeError:  # an entry that is no sequence
            return None
        return cls(data, ordered=True) if shapes <= _SHAPES else None

    def record(self) -> dict[str, Entry]:
        """The entries, in order, for :func:`~build_tools.site.snapshot.save_record`: {rel: (included, canonical
        URL, absolute URL)} (a copy: this object goes on changing)."""
        return dict(self._known)

    def urls(self, config, docs: set[str]) -> list[tuple[str | None, str | None]]:
        """(canonical URL, absolute URL) of every published page, in MkDocs' order
        (``files.documentation_pages()`` of a full build)."""
        pages = set(filter(utils.is_markdown_file, docs))
        unseen = pages.difference(self._known)
        files = [File(rel, config.docs_dir, config.site_dir, config.use_directory_urls) for rel in unseen]
        set_exclusions(files, config)
        made = {rel: (file.inclusion.is_included(), *_page_urls(file, config.site_url))
                for rel, file in zip(unseen, files, strict=True)}
        if made or len(self._known) != len(pages):
            self._known = self._merged(pages, made)  # a removed page is forgotten
            self.changed = True
        return [(canonical, absolute) for included, canonical, absolute in self._known.values() if included]

    def _merged(self, pages: set[str], made: dict[str, Entry]) -> dict[str, Entry]:
        """The known entries still among ``pages`` and the ``made`` ones, in MkDocs' order."""
        known = self._known
        order = [rel for rel in known if rel in pages]
        if len(made) > _INSERT_AT_MOST:
            order = sorted([*order, *made], key=build_order)
        else:
            for rel in made:
                bisect.insort(order, rel, key=build_order)
        return {rel: known[rel] if rel in known else made[rel] for rel in order}


def build_order(rel: str) -> tuple:
    """MkDocs' walk order (index first in each folder, folders after the files of their parent)."""
    parts = rel.split("/")
    return (parts[:-1], os.path.splitext(parts[-1])[0] not in ("index", "README"), parts[-1])


def _page_urls(file: File, site_url: str | None) -> tuple[str | None, str | None]:
    """What the sitemap template reads of a Page (``Page._set_canonical_url``), without making one."""
    page = Page.__new__(Page)
    page.file = file
    page._set_canonical_url(site_url)
    return page.canonical_url, page.abs_url


__all__ = ["MKDOCS_TEMPLATE", "SitemapPages", "build_order", "renders_like_mkdocs", "sitemap_text", "write_sitemap"]
