"""An incremental render in time proportional to the pages that changed, not to the archive.

MkDocs' dirty mode renders only the changed pages but still does the whole-site work of a build before
and after them: it walks docs/ and makes a File and a Page for every page, lists and copies-if-missing
every theme file, builds the nav over all pages, and renders 404.html and the sitemap each time (about a
second and a half at 2,000 articles, linear in the archive).  This module does the same steps as
``mkdocs.commands.build.build(config, dirty=True)`` for the changed files only, with MkDocs' own
functions for every page (``_populate_page``, ``_build_page``, anchor validation), so a page's HTML is
what MkDocs writes for it:

* the Files collection is :class:`LazyFiles`: the render's stat snapshot of docs/ plus the theme's
  files, a File made only when a page links to it or the nav names it;
* the nav is built from the files the config names (what MkDocs builds; a page outside the nav gets a
  Page of its own, as MkDocs gives it);
* 404.html depends only on the config, the theme and the nav's titles, all in the render's
  surroundings key: it is written again only when missing;
* the sitemap lists every page and the build date: it is written (MkDocs' template's text, MkDocs' gzip)
  only when a page was added or removed, the date changed, or it is missing; what it needs of each page is
  kept (:mod:`build_tools.site.sitemap`: by a long-lived renderer, or in a record beside a one-shot render's,
  read only when the sitemap is written), so a page added to a 10,000 article archive makes one File, not
  one per page (~1 s of CPU per update at 10k).

Many changed pages (a new dump rewrites the index and entity pages that list it: ~1.5 MB of Markdown
at 2,000 articles) are spread over worker processes as a full render's are (:mod:`build_tools.site.parallel`).

It serves configs without plugins, hooks or extra templates (whose events it would skip); for others
:func:`supported` says no and the caller uses MkDocs' dirty mode.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePath

from mkdocs.commands.build import _build_page, _build_theme_template
from mkdocs.structure.files import File, Files, set_exclusions
from mkdocs.structure.nav import get_navigation
from mkdocs.structure.pages import Page

from build_tools.site.convert import populate_page as _populate_page
from build_tools.site.sitemap import SitemapPages, build_order, write_sitemap

_OURS = {"404.html", "sitemap.xml"}  # the static templates this module knows how to keep current


@dataclass
class Change:
    """What changed under docs/ since the last render (relative paths)."""

    changed: list[str]
    removed: list[str]
    pages_set_changed: bool  # a Markdown page was added or removed: the sitemap lists another set
    new_day: bool  # the build date moved: the sitemap's lastmod changed


def supported(config) -> bool:
    """True when a build of ``config`` runs no plugin event and renders no template beyond 404 and the sitemap."""
    return (not config.plugins and not config.extra_templates and not config.hooks
            and set(config.theme.static_templates) <= _OURS)


class LazyFiles(Files):
    """MkDocs' Files over a stat snapshot of docs/: a File is made the first time it is asked for.

    Iterating yields only the files made so far (the nav's and the changed ones): that is what the nav
    and the render of the changed pages see; everything else only looks files up by path."""

    def __init__(self, config, docs: set[str], theme: dict[str, str]):
        super().__init__([])
        self._config = config
        self._docs = docs
        self._theme = theme  # src_uri -> the theme folder it comes from

    def get_file_from_path(self, path: str) -> File | None:
        uri = PurePath(path).as_posix()
        found = self._src_uris.get(uri)
        if found is None and (uri in self._docs or uri in self._theme):
            config = self._config
            source = config.docs_dir if uri in self._docs else self._theme[uri]
            found = File(uri, source, config.site_dir, config.use_directory_urls)
            if uri in self._docs:
                set_exclusions([found], config)
            self._src_uris[uri] = found
        return found


def theme_files(config, env) -> dict[str, str]:
    """The theme's static files as MkDocs adds them to a build: {src_uri: theme folder}."""
    files = Files([])
    files.add_files_from_theme(env, config)
    return {f.src_uri: f.src_dir for f in files}


def render_changes(config, env, docs: set[str], theme: dict[str, str], change: Change,
                   sitemap: Callable[[], SitemapPages] | None = None, beside_threads: bool = False) -> list[str]:
    """Render the changed pages and copy the changed static files into site/; keep 404.html and the
    sitemap current.  Returns the site-relative HTML files written.  Strict configs raise
    :class:`~mkdocs.exceptions.Abort` on any warning, as ``mkdocs build --strict`` does.  ``sitemap``:
    gives what the sitemap needs of each page, kept by the caller for this config (default: made afresh),
    asked only when the sitemap is written (reading a one-shot render's record of it is ~0.15 s at 10k);
    ``beside_threads``: many pages go to workers even though this process runs other threads
    (:func:`~build_tools.forking.can_fork`)."""
    from build_tools.site import parallel  # it uses supported() from here

    with parallel.strict_warnings(config) as counter:
        files = LazyFiles(config, docs, theme)
        nav = get_navigation(files, config)
        pages = []
        for rel in _in_build_order(change.changed):
            file = files.get_file_from_path(rel)
            if file is None or not file.inclusion.is_included():
                continue
            if not file.is_documentation_page():
                file.copy_file()
                continue
            pages.append(file.page or Page(None, file, config))
        _keep_theme_files(files, theme, docs)
        _static_templates(config, env, files, nav, docs, change, sitemap)
        doc_files = [page.file for page in pages]
        processes = parallel.processes_for(sum(os.path.getsize(f.abs_src_path) for f in doc_files), len(pages),
                                           beside_threads)
        if processes > 1:
            for level, count in parallel.render_in_workers(config, files, nav, env, pages, processes).items():
                counter.counts[level] += count
        else:
            for page in pages:
                _populate_page(page, config, files)
            for page in pages:
                _build_page(page, config, doc_files, nav, env)
        for page in pages:
            page.validate_anchor_links(files=files, log_level=config.validation.links.anchors)
    return sorted(page.file.dest_uri for page in pages)


def _in_build_order(paths: list[str]) -> list[str]:
    return sorted(paths, key=build_order)


def _keep_theme_files(files: LazyFiles, theme: dict[str, str], docs: set[str]) -> None:
    """A theme file whose output went missing is copied again (what dirty mode does); none is read."""
    for uri in theme:
        if uri not in docs:
            file = files.get_file_from_path(uri)
            if file is not None and not os.path.isfile(file.abs_dest_path):
                file.copy_file()


def _static_templates(config, env, files: LazyFiles, nav, docs: set[str], change: Change,
                      sitemap: Callable[[], SitemapPages] | None) -> None:
    site = Path(config.site_dir)
    if "404.html" in config.theme.static_templates and not (site / "404.html").is_file():
        _build_theme_template("404.html", env, files, config, nav)
    if "sitemap.xml" in config.theme.static_templates and (
            change.pages_set_changed or change.new_day or not (site / "sitemap.xml").is_file()):
        write_sitemap(config, env, nav, docs, sitemap)


__all__ = ["Change", "LazyFiles", "SitemapPages", "render_changes", "supported", "theme_files", "write_sitemap"]
