"""A full render (what ``mkdocs build --strict`` does) with the pages split over worker processes.

A page costs MkDocs about 10 ms of CPU (measured at 2,000 articles: Markdown conversion 57%, the theme's
Jinja template 28%, reading the source and its YAML 5%, writing 3%) and pages do not depend on each
other's HTML, so the render is spread over the CPUs: this process does the whole-site steps of
``mkdocs.commands.build.build`` once (clean site/, the Files and the nav over every page, the static
files, 404.html and the sitemap), then forks workers that inherit that state and each populate and
render a share of the pages with MkDocs' own functions.  What needs every page at once, the check of
links to anchors in other pages, runs here afterwards over the anchors the workers report, and the
warnings the workers logged count towards ``--strict`` as MkDocs' own would.

Configs with plugins, hooks or extra templates (whose events this would skip) and single-CPU machines
get MkDocs' ``build`` itself; so does a process running other threads, where a fork could copy a lock
another thread holds, unless its caller says they hold none a worker takes (the preview's:
:mod:`build_tools.serve.update`).
"""

from __future__ import annotations

import contextlib
import gc
import logging

from mkdocs import utils
from mkdocs.commands.build import _build_page, _build_theme_template, build
from mkdocs.exceptions import Abort
from mkdocs.structure.files import get_files, set_exclusions
from mkdocs.structure.nav import get_navigation
from mkdocs.structure.pages import Page

from build_tools.forking import can_fork, cpus, fork_map
from build_tools.site.convert import populate_page as _populate_page
from build_tools.site.incremental import supported
from build_tools.site.sitemap import SitemapPages

# (config, files, nav, env, the pages' files): set before the workers fork, read by them (never pickled)
_JOB: tuple | None = None
_WORTH_A_FORK = 256 * 1024


def render_full(config, processes: int | None = None, beside_threads: bool = False,
                bytecode_cache=None) -> SitemapPages | None:
    """Render every page of ``config`` into a cleaned site/, on ``processes`` workers (default: the CPUs);
    ``beside_threads``: see :func:`can_fork`; ``bytecode_cache``: where the theme's compiled templates are
    kept (Jinja's), so the next one-shot incremental render need not compile them.  What the sitemap read of
    every page, when this process made the pages (None when MkDocs' own build ran)."""
    processes = min(processes or cpus(), cpus()) if can_fork(beside_threads) else 1
    if processes < 2 or not supported(config):
        build(config)
        return None
    with strict_warnings(config) as counter:
        files, nav, env, pages = _whole_site(config, bytecode_cache)
        for level, count in render_in_workers(config, files, nav, env, pages, processes).items():
            counter.counts[level] += count
        for page in pages:
            page.validate_anchor_links(files=files, log_level=config.validation.links.anchors)
    return SitemapPages.from_pages(pages)


@contextlib.contextmanager
def strict_warnings(config):
    """Count MkDocs' warnings while the block renders; under ``strict``, abort as ``mkdocs build --strict``
    does when there were any (the block adds its workers' counts to the yielded counter)."""
    counter = utils.CountHandler()
    counter.setLevel(logging.WARNING)
    logger = logging.getLogger("mkdocs")
    level = logger.level
    if config.strict:
        logger.addHandler(counter)
        if logger.getEffectiveLevel() > logging.WARNING:  # a quieted logger (the preview's) would drop them
            logger.setLevel(logging.WARNING)
    try:
        yield counter
        if counts := counter.get_counts():
            raise Abort(f"Aborted with {', '.join(f'{v} {k.lower()}s' for k, v in counts)} in strict mode!")
    finally:
        logger.removeHandler(counter)
        logger.setLevel(level)


def processes_for(markdown_bytes: int, pages: int, beside_threads: bool = False) -> int:
    """Workers for an incremental render: only when the pages' Markdown is worth the fork (~1.5 ms of
    CPU per KB; a fork and its pool cost ~0.1 s)."""
    if pages < 2 or markdown_bytes < _WORTH_A_FORK or not can_fork(beside_threads):
        return 1
    return min(cpus(), pages)


def render_in_workers(config, files, nav, env, pages: list, processes: int) -> dict[int, int]:
    """Populate and render ``pages`` (their Page objects made) in forked workers; each page gets the
    anchors its worker found, for the caller's check of links across pages.  The warnings logged in
    the workers, by level."""
    global _JOB
    _JOB = (config, files, nav, env, [page.file for page in pages])
    # What the workers inherit (25,000 Files and Pages at 10k articles, the config, the theme) is frozen out of
    # the collector's sight: each full collection in a worker would otherwise walk it, writing to every one of
    # its objects' headers and so copying the parent's memory page by page into each worker.
    gc.freeze()
    try:
        shares = [[page.file.src_uri for page in pages[i::processes]] for i in range(processes)]
        reports = fork_map(_render_share, shares, processes)
    finally:
        gc.unfreeze()
        _JOB = None
    warnings: dict[int, int] = {}
    for anchors, logged in reports:
        for level, count in logged.items():
            warnings[level] = warnings.get(level, 0) + count
        for uri, (present, links) in anchors.items():
            page = files.get_file_from_path(uri).page
            page.present_anchor_ids = present
            page.links_to_anchors = {files.get_file_from_path(to): found for to, found in links.items()}
    return warnings


def _whole_site(config, bytecode_cache=None):
    """The steps of MkDocs' build that cover the whole site, in its order; the pages to render."""
    utils.clean_directory(config.site_dir)
    files = get_files(config)
    env = config.theme.get_env()
    env.bytecode_cache = bytecode_cache
    # This environment lives for one render, which no template edit can enter unseen (a theme file changes
    # the render's surroundings key: the next render is full): a template is not stat-ed at each of the ~35
    # includes of every page.
    env.auto_reload = False
    files.add_files_from_theme(env, config)
    set_exclusions(files, config)
    nav = get_navigation(files, config)
    doc_files = files.documentation_pages()
    for file in doc_files:
        if file.page is None:
            Page(None, file, config)
    files.copy_static_files()
    for template in sorted(config.theme.static_templates):
        _build_theme_template(template, env, files, config, nav)
    return files, nav, env, [file.page for file in doc_files]


def _render_share(uris: list[str]) -> tuple[dict, dict[int, int]]:
    """In a worker: populate and render these pages; their anchors and the warnings logged here."""
    config, files, nav, env, doc_files = _JOB
    counter = utils.CountHandler()
    counter.setLevel(logging.WARNING)
    logging.getLogger("mkdocs").addHandler(counter)
    mine = [files.get_file_from_path(uri).page for uri in uris]
    # A page's HTML shows the titles of the nav's pages: those of this share are populated first, as MkDocs'
    # populate-all-then-build-all would have them.  Every other page is populated, built and let go one at a
    # time, so a worker holds one page's Markdown and HTML at once, not its whole share's (at 50,000 articles
    # a share's were ~700 MB per worker).
    in_nav = {id(page) for page in nav.pages}
    for page in mine:
        if id(page) in in_nav:
            _populate_page(page, config, files)
    anchors = {}
    for page in mine:
        if id(page) not in in_nav:
            _populate_page(page, config, files)
        _build_page(page, config, doc_files, nav, env)
        anchors[page.file.src_uri] = (page.present_anchor_ids,
                                      {to.src_uri: found for to, found in (page.links_to_anchors or {}).items()})
        if id(page) not in in_nav:
            page.markdown = page.content = None
    return anchors, dict(counter.counts)
