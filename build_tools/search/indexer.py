"""Build the Pagefind search bundle for a built MkDocs site.

``index_site(site_dir)`` walks ``site/**/index.html`` one page at a time,
extracts the title and the main text (``article.md-content__inner``), and adds
one Pagefind record per page:

* the *indexed* text is the bigram token stream of :mod:`.normalize`
  (t2s-normalised, lower-cased), in a synthetic HTML page so the title tokens
  sit in an ``<h1>`` and get Pagefind's heading weight;
* the *original* title and text travel as Pagefind metadata (``title``,
  ``text``) and are what the browser shows and highlights.

The index is forced to one language (``en``): the browser code sends
pre-tokenised queries and loads the index with ``lang=en`` so that Pagefind's
own Intl.Segmenter step (which would split the bigrams again) never runs.

Speed (docs/dev/search.md, "Incremental index"; docs/dev/scaling.md): articles go to shards in (date,
path) order at content-defined cuts, the other pages (entities) to shards of their own by a hash of the
path (pagekeys.shard_groups), so a new article of the latest date lands in the last shard.  pagekeys.py
knows each page by its HTML (found by its stat when MkDocs left it alone) and by what extraction made of
it; a shard is keyed by the latter, so a page whose related list moved rebuilds nothing.  A shard's
Pagefind output and parsed word list (pages renumbered in (date, path) order) are cached under
``.cache/search/``; a re-index runs Pagefind only for shards whose pages say something new, then
tiers.py merges the shards into a few bundles, each written again only when its shards changed.  Shards
that must be built run in parallel worker processes (two on this machine).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import multiprocessing
import os
import re
import resource
import shutil
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from build_tools.memory import gc_paused
from build_tools.search import pagekeys, streams, tiers, unchanged
from build_tools.search.assets import write_t2s_assets
from build_tools.search.extract import Page, extract_page
from build_tools.search.merge import CHUNK_UNITS
from build_tools.search.normalize import warm
from build_tools.search.pagecache import content_key
from build_tools.search.pageorder import day_of
from build_tools.search.service import INDEX_LANGUAGE
from build_tools.search.shards import SHARD_CODE, build_shards, load_manifest
from build_tools.search.slots import slot_width

BUNDLE_DIR = "pagefind"
ASSET_DIR = "assets/search"
# Pages per Pagefind process at most (half that on average: pagekeys.shard_groups). Small, so that a new
# article rebuilds a small shard (one Pagefind run of a few dozen pages); Pagefind needs ~1.5 MB per
# bigram-indexed article while writing, so memory is never the limit; tiers.py merges the shards.
SHARD_PAGES = 64

SKIP_DIRS = {"dev", "pagefind", "assets", "search"}
# Listing pages: they repeat every title, so they would match everything.  Provenance views and published
# raw dumps hold what the cleaner removed (spam, menus): never searchable.
LISTING_RE = re.compile(
    r"^(?:(?:articles(?:/page-\d+|/sources|/tags|/timeline)?|entities)/)?index\.html$"
    r"|^articles/(?:index|page-\d+|sources|tags|timeline)\.html$|^404\.html$"
    r"|^articles/(?:months|provenance|raw|sources)/|^entities/[^/]+/[^/]+/"
)


@dataclass
class SearchStats:
    pages: int = 0
    articles: int = 0
    entities: int = 0
    other: int = 0
    skipped: int = 0
    seconds: float = 0.0
    bundle_bytes: int = 0
    bundle_files: int = 0
    output: str = ""
    shards: int = 0
    shards_built: int = 0  # shards Pagefind ran for (the others came from the cache)
    pages_extracted: int = 0  # pages parsed and tokenised (the others came from the cache)
    seconds_shards: float = 0.0
    seconds_merge: float = 0.0
    bundles: int = 0  # Pagefind bundles the browser reads together (tiers.py)
    bundles_merged: int = 0  # of which merged by this run (the others were already the merge of their shards)
    shard_seconds: dict[str, float] = field(default_factory=dict)  # summed over built shards (workers overlap)
    pagefind_peak_mb: float = 0.0
    python_peak_mb: float = 0.0
    kinds: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def iter_pages(site_dir: Path, docs_dir: Path | None = None) -> Iterator[Page | None]:
    """Yield one extracted page at a time (listing pages are not indexed and not yielded)."""
    for rel, path in _candidates(site_dir)[0]:
        with open(path, encoding="utf-8") as fh:
            yield extract_page(fh.read(), rel, docs_dir)


# The code the bundles are made by besides the shards' (shards.SHARD_CODE): it only keys the bundles, so a change
# to how shards are planned, merged or kept merges them again without running Pagefind on every page again.
MERGE_CODE = ("indexer.py", "merge.py", "assets.py", "tiers.py", "layout.py", "splice.py", "slots.py", "unchanged.py",
              "facets.py", "writer.py")


@functools.lru_cache(maxsize=2)
def _code_version(merge: bool = True) -> str:
    """Everything a cached page or shard depends on besides its pages: this code, Pagefind, OpenCC (and with
    ``merge``, the code that merges shards into bundles)."""
    h = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for name in SHARD_CODE + (MERGE_CODE if merge else ()):
        h.update((here / name).read_bytes())
    for dist in ("pagefind", "pagefind_bin_extended", "opencc", "cbor2"):
        try:
            h.update(f"{dist}={importlib.metadata.version(dist)}".encode())
        except importlib.metadata.PackageNotFoundError:
            h.update(dist.encode())
    return h.hexdigest()


def _candidates(site_dir: Path, cache: Path | None = None) -> tuple[list[tuple[str, str]], int]:
    """(rel, path) of every page that may be indexed, sorted; and the number of listing pages skipped.
    ``cache``: where the folders' listings are kept (each listed again only when its stat changed)."""
    out, listing = _walked(site_dir, cache)
    return out, len(listing)


def _walked(site_dir: Path, cache: Path | None) -> tuple[list[tuple[str, str]], list[str]]:
    """(rel, path) of every page that may be indexed, in walk order; and the listing pages skipped."""
    out, listing = [], []
    for dirpath, rel_dir, filenames in unchanged.walk(site_dir, SKIP_DIRS, cache):
        for name in filenames:
            if not name.endswith(".html"):
                continue
            rel = f"{rel_dir}/{name}" if rel_dir else name
            if LISTING_RE.match(rel):
                listing.append(rel)
                continue
            out.append((rel, os.path.join(dirpath, name)))
    return out, listing


def _walk_order(rel: str) -> str:
    """unchanged.walk's order of files: top down, a folder's files (by name) before its sub-folders (by name).
    As one string (each folder "\x02<name>\x00", then "\x01<file name>"; no name holds a NUL), which sorts as
    the list [(1, folder), ..., (0, file name)] does: a sort of 25,000 strings, not of lists of tuples (0.26 s
    of each told index at 10k articles, of which the sort ~0.2 s)."""
    folder, _slash, name = rel.rpartition("/")
    return "\x02" + folder.replace("/", "\x00\x02") + "\x00\x01" + name if folder else "\x01" + name


def _told(site_dir: Path, before: pagekeys.Known, listing: list[str] | None,
          changed: list[str]) -> tuple[list[tuple[str, str]], list[str]] | None:
    """What _walked finds, from the last index's pages and the site files written since (``changed``), without
    a walk or a stat of any other page; None when the last run's record is not there to start from."""
    if not before or listing is None:
        return None
    pages, listed = set(before), set(listing)
    for rel in changed:
        if not rel.endswith(".html") or rel.split("/")[0] in SKIP_DIRS:
            continue
        kind = listed if LISTING_RE.match(rel) else pages
        (kind.add if os.path.isfile(site_dir / rel) else kind.discard)(rel)
    top = str(site_dir)
    files = [(rel, f"{top}/{rel}") for rel in sorted(pages, key=_walk_order)]
    return files, sorted(listed, key=_walk_order)


def read_ahead(site_dir: Path) -> None:
    """Read now what an index of ``site_dir`` with its default cache reads first (the kept word streams:
    :func:`~build_tools.search.streams.preload`), for a site step started before docs/ is ready."""
    streams.preload(Path(site_dir).resolve().parent / ".cache" / "search" / tiers.STREAMS)


def default_jobs() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def index_site(
    site_dir: Path,
    docs_dir: Path | None = None,
    shard_pages: int = SHARD_PAGES,
    chunk_units: int = CHUNK_UNITS,
    cache_dir: Path | None | bool = None,
    jobs: int | None = None,
    changed: list[str] | None = None,
) -> SearchStats:
    """Write ``<site>/pagefind/`` and ``<site>/assets/search/t2s*``; return figures.

    ``cache_dir``: where shards (and processed pages) are kept between runs; default
    ``<site>/../.cache/search``; ``False`` = no cache (a temporary directory).
    ``jobs``: shards built at once (worker processes); default min(2, cores).
    ``changed``: the site's files (relative paths) written or removed since the last index of this site with this
    cache, from a caller that knows nothing else touched the site (the preview: its renderer is the site's only
    writer); then the site is not walked and no other page is stat-ed (10k articles: 0.16-0.19 s CPU against
    0.36-0.43 s).  None: walk.
    """
    site_dir = Path(site_dir).resolve()
    if docs_dir is None and (site_dir.parent / "docs").is_dir():
        docs_dir = site_dir.parent / "docs"
    t0 = time.perf_counter()
    stats = SearchStats()
    out = site_dir / BUNDLE_DIR
    temp_cache = cache_dir is False
    if cache_dir is None:
        cache_dir = site_dir.parent / ".cache" / "search"
    cache = Path(tempfile.mkdtemp(prefix="search-cache-")) if temp_cache else Path(cache_dir).resolve()
    write_t2s_assets(site_dir / ASSET_DIR, cache, _code_version())
    store = cache / "shards"
    store.mkdir(parents=True, exist_ok=True)
    jobs = default_jobs() if jobs is None else max(1, jobs)
    try:
        before, listed = pagekeys.load(cache, _code_version(merge=False))
        told = _told(site_dir, before, listed, changed) if changed is not None else None
        files, listing = told or _walked(site_dir, cache)
        stats.skipped = len(listing)
        parameters = {"code": _code_version(), "out": str(out), "docs": str(docs_dir and Path(docs_dir).resolve()),
                      "shard_pages": shard_pages, "chunk_units": chunk_units}
        last = None if temp_cache or told else unchanged.replay(cache, parameters, files, docs_dir, before, out,
                                                                 site_dir / ASSET_DIR)
        if last is not None:  # pages and output as the last index left them (search/unchanged.py)
            return _replayed(last, t0)
        trusted = set(before) - set(changed) if told else set()  # pages whose stat is not looked at
        pages, known = _keyed_pages(files, docs_dir, before, cache, jobs, stats, trusted)
        groups = pagekeys.shard_groups(pages, shard_pages, {e["page"]: e["date"] for e in known.values()})
        contents = {entry["page"]: entry["content"] for entry in known.values()}
        keys = [pagekeys.shard_key(_code_version(merge=False), g, contents) for g in groups]
        todo = [(k, g) for k, g in dict(zip(keys, groups, strict=True)).items() if load_manifest(store / k) is None]
        stats.shards_built = len(todo)
        t1 = time.perf_counter()
        build_shards(todo, docs_dir, store, cache / "pages", jobs)
        stats.seconds_shards = round(time.perf_counter() - t1, 2)
        t1 = time.perf_counter()
        _shard_figures(keys, {k for k, _g in todo}, store, stats)
        kinds = [bool(g) and g[0][0].startswith("articles/") for g in groups]
        width = _slot_width(groups, kinds, known)
        # the merge and what follows it (the filters file, the page records: JSON of ~10^4 pages) make ~10^5
        # objects that outlive them (the new stream's) and no cycles: a collection would walk them, in vain
        with gc_paused():
            stats.bundles, stats.bundles_merged, stats.bundle_files, stats.bundle_bytes = tiers.write_bundles(
                keys, kinds, store, out, cache, INDEX_LANGUAGE, _code_version(), chunk_units, jobs, width)
            tiers.write_facets(out, site_dir / ASSET_DIR / "facets.json", cache)
            stats.seconds_merge = round(time.perf_counter() - t1, 2)
            page_keys = {pk for g in groups for _r, _p, pk in g}
            was = {e.get("page") for e in before.values() if isinstance(e, dict)} if told else None
            _prune(cache, set(keys), page_keys, was)
            pagekeys.save(cache, known, _code_version(merge=False), listing)
    finally:
        if temp_cache:
            shutil.rmtree(cache, ignore_errors=True)
    _finish(out, stats)
    stats.seconds = round(time.perf_counter() - t0, 2)
    stats.python_peak_mb = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    if not temp_cache:
        unchanged.record(cache, parameters, stats.as_dict(), out, site_dir / ASSET_DIR)
    return stats


def _replayed(last: dict, t0: float) -> SearchStats:
    """The last index's figures of what the site holds, and what this run did: nothing."""
    stats = SearchStats(**{k: v for k, v in last.items() if k in SearchStats.__dataclass_fields__})
    stats.shards_built = stats.pages_extracted = stats.bundles_merged = 0
    stats.seconds_shards = stats.seconds_merge = stats.pagefind_peak_mb = 0.0
    stats.shard_seconds = {}
    stats.seconds = round(time.perf_counter() - t0, 2)
    stats.python_peak_mb = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return stats


def _slot_width(groups: list[list[tuple[str, str, str]]], kinds: list[bool], known: pagekeys.Known) -> int:
    """One slot width for every bundle, from every dated article (slots.slot_width: why)."""
    return slot_width([day_of(known[rel]["date"] or "") for g, art in zip(groups, kinds, strict=True) if art
                       for rel, _path, _pkey in g])


def _keyed_pages(files: list[tuple[str, str]], docs_dir: Path | None, before: pagekeys.Known, cache: Path, jobs: int,
                 stats: SearchStats, trusted: set[str]) -> tuple[list[tuple[str, str, str]], pagekeys.Known]:
    """(rel, path, page key) of every page, and what is now known of each (stat, page and content keys;
    ``before``: the last run's, taken as it is for the pages ``trusted``): pages whose content key is not known
    yet are extracted here, on ``jobs`` processes when many."""
    code = _code_version(merge=False)
    contents = {e.get("page"): e.get("content") for e in before.values() if isinstance(e, dict)}
    dates = {e.get("page"): e.get("date") for e in before.values() if isinstance(e, dict)}
    page_cache = cache / "pages"
    pages, stat_of, todo = [], {}, []
    for rel, path in files:
        entry = before.get(rel) if rel in trusted else None
        if isinstance(entry, dict) and isinstance(entry.get("page"), str) and isinstance(entry.get("stat"), list):
            pkey, stat_of[rel] = entry["page"], entry["stat"]
        else:
            pkey, stat_of[rel] = pagekeys.page_key(rel, path, docs_dir, code, before)
        pages.append((rel, path, pkey))
        # (a page whose cached extraction is gone keeps its keys: its shard, when built, extracts it again)
        if not contents.get(pkey) or dates.get(pkey) is None:
            todo.append((rel, path, pkey))
    stats.pages_extracted = len(todo)
    for pkey, ckey, date in _content_keys(todo, docs_dir, page_cache, jobs):
        contents[pkey], dates[pkey] = ckey, date
    known = {rel: {"stat": stat_of[rel], "page": pkey, "content": contents[pkey], "date": dates[pkey]}
             for rel, _path, pkey in pages}
    return pages, known


def _content_keys(todo: list[tuple[str, str, str]], docs_dir: Path | None, page_cache: Path,
                  jobs: int) -> list[tuple[str, str, str]]:
    """(page key, content key, date) of each page in ``todo`` (extracted, in worker processes when many)."""
    work = [(rel, path, pkey, docs_dir, page_cache) for rel, path, pkey in todo]
    if len(work) < 64 or jobs < 2:
        return [content_key(*w) for w in work]
    warm()
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(_content_key_of, work, chunksize=32))


def _content_key_of(work: tuple) -> tuple[str, str, str]:
    return content_key(*work)


def _shard_figures(keys: list[str], built: set[str], store: Path, stats: SearchStats) -> None:
    """Every shard's manifest's figures added to ``stats``."""
    for k in keys:
        m = load_manifest(store / k)
        if m is None:
            raise RuntimeError(f"search: shard {k} was not built")
        stats.pages += m["pages"]
        stats.skipped += m["skipped"]
        for kind, n in m["kinds"].items():
            stats.kinds[kind] = stats.kinds.get(kind, 0) + n
        if k in built:
            stats.pagefind_peak_mb = max(stats.pagefind_peak_mb, m["pagefind_peak_mb"])
            for part in ("extract", "pagefind", "parse"):
                stats.shard_seconds[part] = round(stats.shard_seconds.get(part, 0) + m[f"seconds_{part}"], 2)
    stats.shards = len(keys)


def _finish(out: Path, stats: SearchStats) -> None:
    """The figures by kind (the bundle's files and bytes are tiers.write_bundles')."""
    stats.articles = stats.kinds.get("article", 0)
    stats.entities = stats.kinds.get("entity", 0)
    stats.other = stats.kinds.get("page", 0)
    stats.output = str(out)


def _prune(cache: Path, shard_keys: set[str], page_keys: set[str], was: set | None = None) -> None:
    """Drop cached shards and pages this site no longer has (the cache holds one site).  ``was``: the page keys
    of the last index, when this one was told what changed: only those no longer used are dropped, not every
    kept page listed (~10,000 files in 256 folders at 10k articles: ~0.1 s of wall per change; a file left by an
    interrupted run waits for the next walk)."""
    for d in (cache / "shards").iterdir():
        if d.name not in shard_keys:
            shutil.rmtree(d, ignore_errors=True)
    pages = cache / "pages"
    if was is not None:
        for pkey in was - page_keys:
            if isinstance(pkey, str) and pkey.isalnum():
                (pages / pkey[:2] / f"{pkey}.pkl").unlink(missing_ok=True)
        return
    if pages.is_dir():
        for sub in pages.iterdir():
            for f in sub.iterdir():
                if f.stem not in page_keys:
                    f.unlink(missing_ok=True)
