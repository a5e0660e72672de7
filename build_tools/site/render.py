"""docs/ → site/ with MkDocs, re-rendering only the pages whose source changed since the last render.

The writer (:mod:`build_tools.runtime.emit`) replaces only the files whose bytes change and hard-links
every other one into the new generation, so an unchanged page keeps its inode, size and mtime.  The
render records that stat of every file under docs/ when it finishes; the next render compares: the
files whose stat differs are exactly the ones the builds since then wrote (plus any edited by hand),
and only those are rendered again, by :mod:`build_tools.site.incremental` (MkDocs' own page functions
over the changed pages alone, with a Files collection made from the stat snapshot: no walk, no File or
Page for the other pages, the sitemap only when the set of pages or the date changes; MkDocs' dirty
mode, told the list, for configs with plugins).

A full render (what ``mkdocs build --strict`` does; :mod:`build_tools.site.parallel` spreads its pages
over the CPUs) runs instead whenever the pages' surroundings may have changed: no record of the last
render, a different ``mkdocs.yml`` (or an ``!ENV`` value it reads), theme overrides,
MkDocs/Material/Markdown versions or this code, or any hand-written file under docs/ (those are the
nav's pages and the assets).  The nav names only hand-written pages and the few generated index pages
(mkdocs.yml), with fixed titles, so adding, changing or deleting a generated page changes no other
page's HTML besides the pages the build rewrites with it (index, entity and related pages) and the
sitemap.

Costs (issue 15; ``benchmarks/results/issue15-render.md``, ``python -m benchmarks.render_ab``): an
incremental render costs the Python start and imports (~0.4 s of CPU), a stat of every docs/ file (in
`make site`, only of those the build step changed: :func:`~build_tools.site.snapshot.docs_now`) and the record's
load and save (linear: ~0.3 s of CPU at 10k articles), then ~10 ms of CPU per changed page.  A
page costs MkDocs ~10 ms of CPU however it is driven: Markdown 57%, the theme's template 28%, reading
5%, writing 3%; the cold render is that times the pages, divided by the CPUs.

A long-lived process (the preview) keeps a :class:`Renderer`: the loaded config, the theme's compiled
templates, the list of its files, the last render's record and what the sitemap needs of each page
then survive between renders (``Renderer(config, site_dir, state_dir, strict=False,
docs_dir=docs).render()`` per update).  A one-shot ``make site`` reads the compiled templates from Jinja's
bytecode cache under the state folder (a full render fills it too), and what the sitemap needs of each page
from a record beside the render's (``<record>.sitemap.rec``, under the surroundings key; a full render
writes it from its own pages): a page added to a 10k archive then makes a MkDocs File for itself, not for
each of 25,000 pages (1.81–1.88 against 1.95–2.43 s of CPU for the whole site step without search, one
added dump at 10k).

A deleted page's output is removed.  The record is dropped before MkDocs starts and written only after
it succeeds, so an interrupted or failed render is followed by one that covers at least as much.
``tests/test_site_render.py`` and ``tests/test_site_render_cost.py`` compare the result with
``mkdocs build --strict`` byte for byte.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from build_tools.memory import gc_paused
from build_tools.runtime.generations import GENERATED
from build_tools.site.snapshot import Snapshot, docs_now, file_stat, load_record, pointer, save_record, snapshot_docs

# What a rendered page depends on besides its own source and the config: the renderer and its theme.
_DISTRIBUTIONS = ("mkdocs", "mkdocs-material", "pymdown-extensions", "Markdown", "Jinja2", "Pygments")
_ENV_TAG = re.compile(r"!ENV\s+\[?\s*([A-Za-z_][A-Za-z0-9_]*)")
_DIRTY_WARNING = "A 'dirty' build is being performed"

# This code as loaded (not as on disk later: a running preview keeps the code it started with).
_SOURCES = ("render.py", "incremental.py", "parallel.py", "snapshot.py", "sitemap.py", "convert.py")
_CODE = hashlib.sha256(b"".join(Path(__file__).with_name(name).read_bytes() for name in _SOURCES)).digest()

@dataclass
class Rendered:
    """What one render did."""

    full: bool
    reason: str
    site: Path = Path("site")
    custom_dir: Path | None = None  # the theme folder the config names (theme/)
    changed: list[str] = field(default_factory=list)  # docs/ files rendered or copied again
    removed: list[str] = field(default_factory=list)  # docs/ files gone, their output removed
    pages: list[str] = field(default_factory=list)  # site/ HTML files written (all of them on a full render)
    docs_by: str = ""  # how docs/ was looked at: "walk", "told" (the preview), "build record" (snapshot.docs_now)

    def summary(self) -> str:
        if self.full:
            return f"site: full render ({self.reason})"
        return (f"site: {len(self.changed)} changed and {len(self.removed)} removed file(s) "
                f"rendered incrementally")


class Renderer:
    """docs/ → site/ for one config; a long-lived process (the preview) keeps one and calls
    :meth:`render` per update, so the loaded config, the theme's Jinja environment (its templates
    compiled once) and the list of the theme's files are reused (each reloaded when the config's bytes
    or an ``!ENV`` value it reads change).  A one-shot process (``make site``) gets the compiled
    templates from a bytecode cache under the state folder instead."""

    def __init__(self, config_file: Path, site_dir: Path | None = None, state_dir: Path = Path(".cache/site"),
                 strict: bool = True, docs_dir: Path | None = None, fork_beside_threads: bool = False,
                 defer_record: bool = False):
        """``fork_beside_threads``: many pages are rendered by forked workers even though this process runs
        other threads (its caller knows they hold no lock a worker takes: the preview's).  ``defer_record``: the
        render's records are written by :meth:`save_records`, which the caller runs when nothing waits for it
        (the preview, once the update is shown: this object keeps the record in memory meanwhile)."""
        self.config_file, self.site_dir, self.state_dir = Path(config_file), site_dir, Path(state_dir)
        self.strict, self.docs_dir, self.fork_beside_threads = strict, docs_dir, fork_beside_threads
        self._warm: tuple[str, object, object] | None = None  # (config key, config, theme environment)
        self._theme: tuple[str, dict[str, str]] | None = None  # (config key, the theme's static files)
        self._sitemap: tuple[str, object] | None = None  # (config key, the sitemap's pages)
        # (the stat of the record file saved, None while not saved yet; the record)
        self._saved: tuple[tuple | None, dict] | None = None
        self.defer_record = defer_record
        self._unsaved: dict[Path, dict] = {}  # records kept for :meth:`save_records` (``defer_record``), by file
        # (docs/ resolved, its generation pointer) as a build step that began then found it (:meth:`build_began`)
        self._began: tuple[str, list] | None = None

    def build_began(self, docs: Path, shown: list | None) -> None:
        """A build step began when docs/ showed the generation ``shown`` (:func:`~.snapshot.pointer`), and this
        object renders once it ends (`make site`'s site step, started beside the build: site/after_build.py):
        the files that build changed may then be read off its spare record rather than found by a stat of every
        file under docs/ (0.15-0.4 s at 10k articles; :func:`~.snapshot.changed_since`)."""
        self._began = (str(docs.resolve()), shown)

    def render(self, full: bool = False, told: Sequence[str] | None = None) -> Rendered:
        """Render incrementally when the last render's record allows it; ``full`` forces a full render.

        ``told``: every docs/ file that changed since this object's last render (the build step's writer's
        list), when the caller knows nothing else wrote docs/ meanwhile (the preview: no build failed and no
        hand-written page, config or theme file was saved since).  Those files are stat-ed instead of walking
        docs/ (~0.12 s of an update at 10k articles); without a record of this object's, docs/ is walked."""
        from mkdocs.utils import get_build_date

        config = self._loaded()
        docs, site = Path(config.docs_dir), Path(config.site_dir)
        state_path = self.state_dir / f"{hashlib.sha256(str(site.resolve()).encode()).hexdigest()[:16]}.rec"
        state = self._record(state_path)
        shown = pointer(docs)  # before the snapshot: a publish after it makes the next render walk docs/
        with gc_paused():  # 25k small lists, no cycles: the collector would walk the heap ~30 times for nothing
            known = state.get("docs") if self._saved is not None and state is self._saved[1] else None
            began, self._began = self._began, None  # once: for the render right after that build
            snapshot, docs_by = docs_now(docs, (known, told), (state, began, shown))
        surroundings = _surroundings_key(self.config_file, config, snapshot, self.strict)
        plan = _plan(state, surroundings, snapshot, site, full)
        plan.site, plan.docs_by = site, docs_by
        plan.custom_dir = Path(config.theme.custom_dir) if config.theme.custom_dir else None
        day = get_build_date()  # the sitemap's one varying part (docs/dev/determinism.md)
        if not (plan.full or plan.changed or plan.removed) and state and state.get("day") == day:
            return plan  # nothing to render: every output is what MkDocs would write again
        self._unsaved.pop(state_path, None)  # a record not written yet is superseded by this render's
        with contextlib.suppress(FileNotFoundError):
            state_path.unlink()  # from here until success, the next render knows nothing
        env = self._env()  # after the no-op return: rendering nothing needs no theme
        theme = self._theme_files(config, env, state if state and state.get("surroundings") == surroundings else None)
        sitemap_path = state_path.with_suffix(".sitemap.rec")
        if plan.full:
            made = _full(self._fresh_config(), self.fork_beside_threads, self._bytecode_cache())
            self._sitemap = (self._warm[0], made) if made is not None else None
            from build_tools.sitecheck import html_files  # (and the check's imports, which the step needs next)

            plan.pages = html_files(site)
        else:
            _remove_outputs(plan.removed, config)
            plan.pages = _incremental(config, env, theme, snapshot, plan, state, day,
                                      lambda: self._sitemap_pages(sitemap_path, surroundings),
                                      self.fork_beside_threads)
        record = {"surroundings": surroundings, "docs": snapshot, "day": day, "theme": theme, "pointer": shown}
        self._unsaved[state_path] = record
        self._saved = (None, record)
        if self._sitemap is not None and self._sitemap[1].changed:
            self._unsaved[sitemap_path] = {"surroundings": surroundings, "pages": self._sitemap[1].record()}
            self._sitemap[1].changed = False
        if not self.defer_record:
            self.save_records()
        return plan

    def save_records(self) -> None:
        """Write the last render's records (the render's, its sitemap entries'), if not written yet."""
        with gc_paused():
            for path, record in self._unsaved.items():
                save_record(path, record)
                if self._saved is not None and record is self._saved[1]:
                    self._saved = (file_stat(path), record)
        self._unsaved = {}

    def _record(self, path: Path) -> dict | None:
        """The last render's record: the one this object made, while the file is still the one it saved, or not
        saved yet (reading and parsing it is half a second at 10k articles), else read from the file."""
        if self._saved is not None and (path in self._unsaved or self._saved[0] == file_stat(path)):
            return self._saved[1]
        self._saved = None
        with gc_paused():
            return load_record(path)

    def _sitemap_pages(self, path: Path, surroundings: str):
        """What the sitemap needs of each page, kept while the config is the same: by this object, else
        read from the record the last render saved under these surroundings (pages, config, theme and
        versions: everything a page's entry depends on besides its path), else made afresh."""
        from build_tools.site.sitemap import SitemapPages

        key = self._warm[0] if self._warm else ""
        if self._sitemap is None or self._sitemap[0] != key:
            saved = load_record(path)
            kept = SitemapPages.from_record(saved.get("pages")) if saved and saved.get("surroundings") == surroundings \
                else None
            self._sitemap = (key, kept or SitemapPages())
        return self._sitemap[1]

    def warm(self) -> None:
        """Load the config and the theme's environment now, for a render to come (a site step started beside the
        build step: :mod:`build_tools.site.after_build`).  A config MkDocs rejects is left to that render, which
        reports it; nothing is logged here."""
        import logging

        logger = logging.getLogger("mkdocs")
        was = logger.disabled
        logger.disabled = True
        try:
            self._loaded()
            self._env()
        except Exception:  # noqa: BLE001 - the render loads it again and says what is wrong
            self._warm = None
        finally:
            logger.disabled = was

    def _fresh_config(self):
        from mkdocs.config import load_config

        overrides = {"site_dir": str(self.site_dir)} if self.site_dir is not None else {}
        if self.docs_dir is not None:
            overrides["docs_dir"] = str(self.docs_dir)
        return load_config(config_file=str(self.config_file), strict=self.strict, **overrides)

    def _loaded(self):
        """The config, loaded again only when its inputs change (and with it the theme environment)."""
        key = _config_key(self.config_file, self.site_dir, self.docs_dir)
        if self._warm is None or self._warm[0] != key:
            self._warm = (key, self._fresh_config(), None)
        return self._warm[1]

    def _env(self):
        """The theme's Jinja environment, its compiled templates kept (in memory, and on disk for the
        next process: Jinja's bytecode cache is keyed by the template's source, so never stale)."""
        key, config, env = self._warm
        if env is None:
            env = config.theme.get_env()
            env.bytecode_cache = self._bytecode_cache()
            self._warm = (key, config, env)
        return env

    def _bytecode_cache(self):
        """Jinja's cache of the theme's compiled templates, under the state folder (a full render fills it too)."""
        from jinja2 import FileSystemBytecodeCache

        jinja = self.state_dir / "jinja"
        jinja.mkdir(parents=True, exist_ok=True)
        return FileSystemBytecodeCache(str(jinja))

    def _theme_files(self, config, env, current: dict | None) -> dict[str, str]:
        """The theme's static files (listing them walks every icon of the theme: a third of a second):
        kept by this object, or taken from the last render's record when its surroundings (theme,
        versions, config) are today's."""
        from build_tools.site.incremental import theme_files

        key = self._warm[0] if self._warm else ""
        if self._theme is None or self._theme[0] != key:
            known = (current or {}).get("theme")
            self._theme = (key, known if isinstance(known, dict) else theme_files(config, env))
        return self._theme[1]


def render(config_file: Path, site_dir: Path | None = None, state_dir: Path = Path(".cache/site"),
           strict: bool = True, full: bool = False, docs_dir: Path | None = None) -> Rendered:
    """Render the site of ``config_file`` (from ``docs_dir``, default: the config's) into ``site_dir``
    (default: the config's), incrementally when the last render's record allows it; ``full`` forces a
    full render.  One call, one :class:`Renderer`; a long-lived process keeps its own."""
    return Renderer(config_file, site_dir, state_dir, strict, docs_dir).render(full)


def _full(config, beside_threads: bool = False, bytecode_cache=None):
    from build_tools.site.parallel import render_full

    return render_full(config, beside_threads=beside_threads, bytecode_cache=bytecode_cache)


def _incremental(config, env, theme: dict[str, str], snapshot: Snapshot, plan: Rendered, state: dict | None,
                 day: str, sitemap=None, beside_threads: bool = False) -> list[str]:
    """The changed pages alone (:mod:`build_tools.site.incremental`), or MkDocs' dirty mode told the
    list when the config runs plugins the fast path would skip."""
    from build_tools.site import incremental

    if incremental.supported(config):
        before = (state or {}).get("docs") or {}
        added = any(rel not in before for rel in plan.changed if rel.endswith(".md"))
        change = incremental.Change(plan.changed, plan.removed,
                                    pages_set_changed=added or any(rel.endswith(".md") for rel in plan.removed),
                                    new_day=(state or {}).get("day") != day)
        return incremental.render_changes(config, env, set(snapshot), theme, change, sitemap, beside_threads)
    from mkdocs.commands.build import build

    with _told_what_changed(set(plan.changed)):
        build(config, dirty=True)
    return _html_outputs(plan.changed, config)


def _config_key(config_file: Path, site_dir: Path | None, docs_dir: Path | None) -> str:
    text = Path(config_file).read_bytes()
    h = hashlib.sha256(text + f"\0{site_dir}\0{docs_dir}".encode())
    for name in sorted(set(_ENV_TAG.findall(text.decode("utf-8", "replace")))):
        h.update(f"\0env {name}={os.environ.get(name)}".encode())
    return h.hexdigest()


def _plan(state: dict | None, surroundings: str, snapshot: Snapshot, site: Path, full: bool) -> Rendered:
    if full:
        return Rendered(True, "asked for")
    if state is None:
        return Rendered(True, "no record of a previous render")
    if state.get("surroundings") != surroundings:
        return Rendered(True, "mkdocs.yml, the theme, a hand-written page or the renderer changed")
    if not (site / "index.html").is_file():
        return Rendered(True, f"{site} holds no site")
    before = state.get("docs") or {}
    changed = sorted(rel for rel, entry in snapshot.items() if before.get(rel) != entry)
    removed = sorted(rel for rel in before if rel not in snapshot)
    return Rendered(False, "incremental", changed=changed, removed=removed)


def _surroundings_key(config_file: Path, config, snapshot: Snapshot, strict: bool) -> str:
    """Everything that can change every page at once."""
    h = hashlib.sha256()
    text = config_file.read_bytes()
    h.update(text)
    for name in sorted(set(_ENV_TAG.findall(text.decode("utf-8", "replace")))):
        h.update(f"\0env {name}={os.environ.get(name)}".encode())
    h.update(f"\0strict={strict}\0site={config.site_dir}\0docs={config.docs_dir}".encode())
    for dist in _DISTRIBUTIONS:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            h.update(f"\0{dist}={importlib.metadata.version(dist)}".encode())
    h.update(_CODE)
    custom = config.theme.custom_dir
    if custom:
        for path in sorted(Path(custom).rglob("*")):
            if path.is_file():
                h.update(f"\0{path.relative_to(custom).as_posix()}\0".encode() + path.read_bytes())
    # the hand-written files alone, picked before sorting (sorting all 25,000 was ~0.05 s at 10k)
    for rel, entry in sorted((rel, entry) for rel, entry in snapshot.items() if rel.partition("/")[0] not in GENERATED):
        h.update(f"\0{rel}={entry}".encode())
    return h.hexdigest()


@contextlib.contextmanager
def _told_what_changed(changed: set[str]):
    """MkDocs' dirty mode, asked about our list (and about outputs that are missing) instead of mtimes;
    its warning that a dirty build may leave stale navigation is filtered (the nav is fixed, and the
    surroundings key sends every change that could touch it to a full render), so ``strict`` holds."""
    from unittest import mock

    from mkdocs.structure.files import File

    def is_modified(file: File) -> bool:
        return file.src_uri in changed or not os.path.isfile(file.abs_dest_path)

    logger = logging.getLogger("mkdocs.commands.build")
    quiet = _DropMessage(_DIRTY_WARNING)
    logger.addFilter(quiet)
    try:
        with mock.patch.object(File, "is_modified", is_modified):
            yield
    finally:
        logger.removeFilter(quiet)


class _DropMessage(logging.Filter):
    def __init__(self, start: str):
        super().__init__()
        self.start = start

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self.start)


def _destination(rel: str, config) -> Path:
    from mkdocs.structure.files import File

    return Path(File(rel, config.docs_dir, config.site_dir, config.use_directory_urls).abs_dest_path)


def _remove_outputs(removed: list[str], config) -> None:
    """A deleted source's output goes, and the folder MkDocs made for it when that is left empty."""
    site = Path(config.site_dir).resolve()
    for rel in removed:
        target = _destination(rel, config)
        if site not in target.resolve().parents:
            continue
        with contextlib.suppress(FileNotFoundError):
            target.unlink()
        folder = target.parent
        while folder != site and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent


def _html_outputs(changed: list[str], config) -> list[str]:
    site = Path(config.site_dir)
    return sorted(_destination(rel, config).relative_to(site).as_posix() for rel in changed if rel.endswith(".md"))


__all__ = ["Rendered", "Renderer", "render", "snapshot_docs"]
