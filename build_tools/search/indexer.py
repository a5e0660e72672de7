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

Speed (docs/dev/search.md, "Build time"): pages go to shards by a hash of their
path, so a page always lands in the same shard; a shard's Pagefind output and
its parsed word list are cached under ``.cache/search/`` keyed by the hash of
its pages' HTML (and of this code), so a re-index runs Pagefind only for shards
holding a changed page, then merges everything again (merge.py; the merge
copies the cached location lists byte for byte). Shards that must be built run
in parallel worker processes (two on this machine).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import importlib.metadata
import json
import multiprocessing
import os
import pickle
import re
import resource
import shutil
import tempfile
import time
import zlib
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from build_tools.search.bundle import check_bundle, rewrite_fragments
from build_tools.search.extract import Page, extract_page
from build_tools.search.merge import CHUNK_UNITS, merge_bundles
from build_tools.search.normalize import t2s_buckets, t2s_char_map_json, warm
from build_tools.search.segments import shard_segments
from build_tools.search.service import INDEX_LANGUAGE, index_shard, record_html

BUNDLE_DIR = "pagefind"
ASSET_DIR = "assets/search"
# Original text kept per page for excerpts/highlights (characters).
MAX_TEXT_CHARS = 16_000
# Pages per Pagefind process. Pagefind needs ~1.5 MB per bigram-indexed article
# while writing, so shards keep a process well under 1 GB; bundle.py merges them.
SHARD_PAGES = 250

SKIP_DIRS = {"dev", "pagefind", "assets", "search"}
# Listing pages: they repeat every title, so they would match everything.  Provenance views and published
# raw dumps hold what the cleaner removed (spam, menus): never searchable.
LISTING_RE = re.compile(
    r"^(?:(?:articles(?:/page-\d+|/sources|/tags|/timeline)?|entities)/)?index\.html$"
    r"|^articles/(?:index|page-\d+|sources|tags|timeline)\.html$|^404\.html$"
    r"|^articles/(?:months|provenance|raw)/"
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




def _shard_items_key(items: list[tuple[str, str, str]]) -> str:
    h = hashlib.sha256(_code_version().encode())
    for rel, _path, pkey in items:
        h.update(f"{rel}\0{pkey}\n".encode())
    return h.hexdigest()[:32]


@functools.lru_cache(maxsize=1)
def _code_version() -> str:
    """Everything a cached page or shard depends on besides its pages: this code, Pagefind, OpenCC."""
    h = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for name in ("indexer.py", "extract.py", "normalize.py", "service.py", "bundle.py", "segments.py", "merge.py"):
        h.update((here / name).read_bytes())
    for dist in ("pagefind", "pagefind_bin_extended", "opencc", "cbor2"):
        try:
            h.update(f"{dist}={importlib.metadata.version(dist)}".encode())
        except importlib.metadata.PackageNotFoundError:
            h.update(dist.encode())
    return h.hexdigest()


def _page_key(rel: str, path: str, docs_dir: Path | None) -> str:
    h = hashlib.sha256(_code_version().encode())
    h.update(rel.encode() + b"\0")
    with open(path, "rb") as fh:
        h.update(fh.read())
    parts = rel.split("/")
    if docs_dir is not None and len(parts) == 3 and parts[0] == "entities":
        # an entity page's aliases come from its Markdown front matter
        with contextlib.suppress(OSError):
            h.update(b"\0" + (docs_dir / "entities" / f"{parts[1]}.md").read_bytes())
    return h.hexdigest()[:32]


def _shard_of(rel: str, n_shards: int) -> int:
    """Stable shard of a page: adding or changing other pages never moves it."""
    return int.from_bytes(hashlib.sha1(rel.encode()).digest()[:4], "big") % n_shards


def shard_count(n_pages: int, shard_pages: int) -> int:
    """Smallest power of two that keeps shards at ``shard_pages`` pages or fewer (on average).

    A power of two so that the assignment only changes when the archive doubles.
    """
    n = 1
    while n * shard_pages < n_pages:
        n *= 2
    return n


def _processed(rel: str, path: str, pkey: str, docs_dir: Path | None, cache: Path | None) -> tuple:
    """(Page or None, record html or None) of one file, from the page cache if present."""
    cfile = cache / pkey[:2] / f"{pkey}.pkl" if cache is not None else None
    if cfile is not None:
        try:
            return pickle.loads(zlib.decompress(cfile.read_bytes())), False
        except (OSError, zlib.error, pickle.UnpicklingError, EOFError):
            pass
    with open(path, encoding="utf-8") as fh:
        page = extract_page(fh.read(), rel, docs_dir)
    if page is None or not (page.title or page.text):
        value: tuple = (None, None)
    else:
        rec = record_html(page)
        page.text = page.text[:MAX_TEXT_CHARS]  # all that is kept of it: the fragment's content
        value = (page, rec)
    if cfile is not None:
        cfile.parent.mkdir(parents=True, exist_ok=True)
        tmp = cfile.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(zlib.compress(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), 1))
        os.replace(tmp, cfile)
    return value, True


def _build_shard(
    key: str, items: list[tuple[str, str, str]], docs_dir: Path | None, store: Path, page_cache: Path | None
) -> dict:
    """Extract/tokenise ``items``, run Pagefind on them, keep bundle + parsed word list in ``store/key``.

    Runs in a worker process. Returns the shard's manifest.
    """
    pages: list[Page] = []
    records: list[str] = []
    kinds: dict[str, int] = {}
    skipped = extracted = 0
    t0 = time.perf_counter()
    for rel, path, pkey in items:
        (page, rec), fresh = _processed(rel, path, pkey, docs_dir, page_cache)
        extracted += fresh
        if page is None:
            skipped += 1
            continue
        kinds[page.kind] = kinds.get(page.kind, 0) + 1
        pages.append(page)
        records.append(rec)
    final = store / key
    tmp = store / f".tmp-{key}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    bundle = tmp / "bundle"
    t1 = time.perf_counter()
    peak = asyncio.run(index_shard([p.url for p in pages], records, bundle))
    t2 = time.perf_counter()
    check_bundle(bundle, decode=False)
    rewrite_fragments(bundle, {p.url: p.text for p in pages})
    meta, segs = shard_segments(bundle)
    (tmp / "segments.pkl").write_bytes(pickle.dumps((meta, segs), protocol=pickle.HIGHEST_PROTOCOL))
    manifest = {"pages": len(pages), "kinds": kinds, "skipped": skipped, "extracted": extracted,
                "pagefind_peak_mb": round(peak, 1), "seconds_extract": round(t1 - t0, 2),
                "seconds_pagefind": round(t2 - t1, 2), "seconds_parse": round(time.perf_counter() - t2, 2)}  # fmt: skip
    (tmp / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    shutil.rmtree(final, ignore_errors=True)
    os.replace(tmp, final)
    return manifest


def _load_manifest(d: Path) -> dict | None:
    try:
        m = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return m if (d / "segments.pkl").is_file() and (d / "bundle" / "pagefind-entry.json").is_file() else None


def _candidates(site_dir: Path) -> tuple[list[tuple[str, str]], int]:
    """(rel, path) of every page that may be indexed, sorted; and the number of listing pages skipped."""
    out = []
    listing = 0
    for dirpath, dirnames, filenames in os.walk(site_dir):
        rel_dir = os.path.relpath(dirpath, site_dir)
        if rel_dir == ".":
            dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS]
            rel_dir = ""
        dirnames.sort()
        for name in sorted(filenames):
            if not name.endswith(".html"):
                continue
            rel = f"{rel_dir}/{name}" if rel_dir else name
            if LISTING_RE.match(rel):
                listing += 1
                continue
            out.append((rel, os.path.join(dirpath, name)))
    return out, listing


def default_jobs() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def index_site(
    site_dir: Path,
    docs_dir: Path | None = None,
    shard_pages: int = SHARD_PAGES,
    chunk_units: int = CHUNK_UNITS,
    cache_dir: Path | None | bool = None,
    jobs: int | None = None,
) -> SearchStats:
    """Write ``<site>/pagefind/`` and ``<site>/assets/search/t2s*``; return figures.

    ``cache_dir``: where shards (and processed pages) are kept between runs; default
    ``<site>/../.cache/search``; ``False`` = no cache (a temporary directory).
    ``jobs``: shards built at once (worker processes); default min(2, cores).
    """
    site_dir = Path(site_dir).resolve()
    if docs_dir is None and (site_dir.parent / "docs").is_dir():
        docs_dir = site_dir.parent / "docs"
    t0 = time.perf_counter()
    stats = SearchStats()
    _write_t2s_assets(site_dir / ASSET_DIR)
    out = site_dir / BUNDLE_DIR
    if out.exists():
        shutil.rmtree(out)
    temp_cache = cache_dir is False
    if cache_dir is None:
        cache_dir = site_dir.parent / ".cache" / "search"
    cache = Path(tempfile.mkdtemp(prefix="search-cache-")) if temp_cache else Path(cache_dir).resolve()
    store = cache / "shards"
    store.mkdir(parents=True, exist_ok=True)
    jobs = default_jobs() if jobs is None else max(1, jobs)
    try:
        files, stats.skipped = _candidates(site_dir)
        groups = _shard_groups(files, shard_pages, docs_dir)
        keys = [_shard_items_key(g) for g in groups]
        todo = [(k, g) for k, g in dict(zip(keys, groups, strict=True)).items() if _load_manifest(store / k) is None]
        stats.shards_built = len(todo)
        t1 = time.perf_counter()
        _build_shards(todo, docs_dir, store, None if temp_cache else cache / "pages", jobs)
        stats.seconds_shards = round(time.perf_counter() - t1, 2)
        t1 = time.perf_counter()
        segments = _shard_figures(keys, {k for k, _g in todo}, store, stats)
        # Always through the merge, even for one shard: it also sets the chunk size.
        merge_bundles([store / k / "bundle" for k in keys], out, INDEX_LANGUAGE, chunk_units=chunk_units,
                      segments=segments, threads=jobs)  # fmt: skip
        del segments
        check_bundle(out, decode=False)
        stats.seconds_merge = round(time.perf_counter() - t1, 2)
        _prune(cache, set(keys), {pk for g in groups for _r, _p, pk in g})
    finally:
        if temp_cache:
            shutil.rmtree(cache, ignore_errors=True)
    _finish(out, stats)
    stats.seconds = round(time.perf_counter() - t0, 2)
    stats.python_peak_mb = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return stats


def _write_t2s_assets(asset_dir: Path) -> None:
    """The Traditional → Simplified tables the browser normalises queries with."""
    asset_dir.mkdir(parents=True, exist_ok=True)
    (asset_dir / "t2s.json").write_text(t2s_char_map_json(), encoding="utf-8")
    bucket_dir = asset_dir / "t2s"
    if bucket_dir.exists():
        shutil.rmtree(bucket_dir)
    bucket_dir.mkdir()
    for block, doc in t2s_buckets().items():
        (bucket_dir / f"{block}.json").write_text(doc, encoding="utf-8")


def _shard_groups(files: list[tuple[str, str]], shard_pages: int, docs_dir: Path | None) -> list[list[tuple]]:
    """(rel, path, page key) of every page, by shard; empty shards left out (one empty shard if no page)."""
    n_shards = shard_count(len(files), shard_pages)
    groups: list[list[tuple[str, str, str]]] = [[] for _ in range(n_shards)]
    for rel, path in files:
        groups[_shard_of(rel, n_shards)].append((rel, path, _page_key(rel, path, docs_dir)))
    return [g for g in groups if g] or [[]]


def _build_shards(todo: list[tuple[str, list]], docs_dir: Path | None, store: Path, page_cache: Path | None,
                  jobs: int) -> None:
    """Build the shards not in the cache, on ``jobs`` worker processes when there are several."""
    if len(todo) > 1 and jobs > 1:
        ctx = multiprocessing.get_context("fork")
        warm()  # tables built once, inherited by the workers
        with ProcessPoolExecutor(min(jobs, len(todo)), mp_context=ctx) as pool:
            futures = [pool.submit(_build_shard, k, g, docs_dir, store, page_cache) for k, g in todo]
            for f in futures:
                f.result()
    else:
        for k, g in todo:
            _build_shard(k, g, docs_dir, store, page_cache)


def _shard_figures(keys: list[str], built: set[str], store: Path, stats: SearchStats) -> list:
    """Every shard's cached segments, in order; its manifest's figures added to ``stats``."""
    segments = []
    for k in keys:
        m = _load_manifest(store / k)
        if m is None:
            raise RuntimeError(f"search: shard {k} was not built")
        stats.pages += m["pages"]
        stats.skipped += m["skipped"]
        stats.pages_extracted += m["extracted"] if k in built else 0
        for kind, n in m["kinds"].items():
            stats.kinds[kind] = stats.kinds.get(kind, 0) + n
        if k in built:
            stats.pagefind_peak_mb = max(stats.pagefind_peak_mb, m["pagefind_peak_mb"])
            for part in ("extract", "pagefind", "parse"):
                stats.shard_seconds[part] = round(stats.shard_seconds.get(part, 0) + m[f"seconds_{part}"], 2)
        segments.append(pickle.loads((store / k / "segments.pkl").read_bytes()))
    stats.shards = len(keys)
    return segments


def _finish(out: Path, stats: SearchStats) -> None:
    """Drop Pagefind's stock UIs (the site uses its own, assets/search/search.js); count the bundle."""
    for name in out.glob("pagefind-*ui*"):
        name.unlink()
    for name in ("pagefind-highlight.js",):
        (out / name).unlink(missing_ok=True)
    stats.articles = stats.kinds.get("article", 0)
    stats.entities = stats.kinds.get("entity", 0)
    stats.other = stats.kinds.get("page", 0)
    files_out = [p for p in out.rglob("*") if p.is_file()]
    stats.bundle_files = len(files_out)
    stats.bundle_bytes = sum(p.stat().st_size for p in files_out)
    stats.output = str(out)


def _prune(cache: Path, shard_keys: set[str], page_keys: set[str]) -> None:
    """Drop cached shards and pages this site no longer has (the cache holds one site)."""
    for d in (cache / "shards").iterdir():
        if d.name not in shard_keys:
            shutil.rmtree(d, ignore_errors=True)
    pages = cache / "pages"
    if pages.is_dir():
        for sub in pages.iterdir():
            for f in sub.iterdir():
                if f.stem not in page_keys:
                    f.unlink(missing_ok=True)
