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
holding a changed page, then merges everything again (bundle.py; the merge
copies the cached location lists byte for byte). Shards that must be built run
in parallel worker processes (two on this machine).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import html
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

import lxml.html
import yaml
from lxml import etree
from pagefind.service import PagefindService

from build_tools.search.bundle import (
    CHUNK_UNITS,
    check_bundle,
    merge_bundles,
    rewrite_fragments,
    shard_segments,
    wait_for_bundle,
)
from build_tools.search.normalize import t2s_buckets, t2s_char_map_json, token_stream, warm

INDEX_LANGUAGE = "en"
BUNDLE_DIR = "pagefind"
ASSET_DIR = "assets/search"
# Original text kept per page for excerpts/highlights (characters).
MAX_TEXT_CHARS = 16_000
# Records in flight to the Pagefind service at once (bounds memory and pipes).
IN_FLIGHT = 16
# Occurrences of one token per page that are indexed (see normalize.token_stream).
MAX_REPEAT = 3
# Pages per Pagefind process. Pagefind needs ~1.5 MB per bigram-indexed article
# while writing, so shards keep a process well under 1 GB; bundle.py merges them.
SHARD_PAGES = 250

SKIP_DIRS = {"dev", "pagefind", "assets", "search"}
# Listing pages: they repeat every title, so they would match everything.
LISTING_RE = re.compile(
    r"^(?:(?:articles(?:/page-\d+|/sources|/tags|/timeline)?|entities)/)?index\.html$"
    r"|^articles/(?:index|page-\d+|sources|tags|timeline)\.html$|^404\.html$"
)
# An entity page's description names other things ("英伟达的GPU" on the A800 page):
# it counts less than an article's text, and the entity's own name and aliases (in
# the <h1>) count most.
BODY_WEIGHT = {"article": 1.0, "page": 1.0, "entity": 0.3}
# Sections the build appends to every article (render.py): not the article's own text.
FURNITURE_HEADINGS = {"相关文章"}
FURNITURE_DETAILS = {"存档信息"}
BLOCK_TAGS = [
    "p", "div", "section", "article", "header", "footer", "aside", "blockquote", "pre",
    "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd", "table", "tr",
    "td", "th", "figure", "figcaption", "br", "hr", "details", "summary",
]  # fmt: skip
DROP_SELECTORS = [
    "script", "style", "noscript", "template", "a.headerlink", ".md-content__button",
    ".md-source-file", "nav", "[data-search-exclude]", "svg", ".archive-meta", ".archive-provenance",
]  # fmt: skip


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


@dataclass
class Page:
    url: str
    kind: str  # article | entity | page
    title: str
    text: str
    aliases: list[str]


class _FastService(PagefindService):
    """PagefindService whose reader does not sleep 0.1 s per response.

    The stock poller reads one response and then sleeps 100 ms, which caps
    indexing at ten pages a second; it also keeps every response forever.
    """

    async def _wait_for_responses(self) -> None:  # pragma: no cover - exercised via index_site
        import base64
        import json

        assert self._backend.stdout is not None
        while True:
            output = await self._backend.stdout.readuntil(b",")
            resp = json.loads(base64.b64decode(output[:-1]))
            if resp is None:
                continue
            message_id = resp.get("message_id")
            payload = resp["payload"]
            if message_id is None and (orig := payload.get("original_message")):
                message_id = json.loads(orig).get("message_id")
            future = self._responses.pop(message_id, None) if message_id is not None else None
            if future is None or future.done():
                continue
            if payload["type"] == "Error":
                future.set_exception(Exception(payload["message"], payload.get("original_message")))
            else:
                future.set_result(payload)

    async def close(self) -> None:
        """Let the service finish its writes (EOF on stdin) before it is stopped.

        The stock ``close`` terminates the process right after the last
        response, which can leave files of ``write_files`` truncated.
        """
        self._poll_task.cancel()
        if self._backend.stdin is not None:
            self._backend.stdin.close()
        try:
            await asyncio.wait_for(self._backend.wait(), timeout=30)
        except asyncio.TimeoutError:
            self._backend.terminate()
            await self._backend.wait()


def _clean_ws(s: str) -> str:
    s = re.sub(r"[ \t\r\f\v\u00a0\u3000]+", " ", s)
    s = re.sub(r" ?\n[ \n]*", "\n", s)
    return s.strip()


_HEADING_RE = re.compile(r"^h[1-6]$")


def _has_class(cls: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {cls} ')"


# DROP_SELECTORS as XPath over the descendants of the main element (lxml: no soupsieve).
_DROP_XPATH = etree.XPath(
    "|".join(
        [f"descendant::{t}" for t in ("script", "style", "noscript", "template", "nav", "svg")]
        + [
            f"descendant::a[{_has_class('headerlink')}]",
            f"descendant::*[{_has_class('md-content__button')}]",
            f"descendant::*[{_has_class('md-source-file')}]",
            "descendant::*[@data-search-exclude]",
            f"descendant::*[{_has_class('archive-meta')}]",
            f"descendant::*[{_has_class('archive-provenance')}]",
        ]
    )
)
_MAIN_XPATH = etree.XPath(f"(//article[{_has_class('md-content__inner')}])[1]")
_ARTICLE_XPATH = etree.XPath("(//article)[1]")
_ARCHIVE_ARTICLE = etree.XPath(f"descendant::*[{_has_class('archive-article')}][1]")
_ARCHIVE_ARTICLE_ANY = etree.XPath(f"descendant-or-self::*[{_has_class('archive-article')}][1]")
_BLOCK = frozenset(BLOCK_TAGS)
_PARSER = lxml.html.HTMLParser(encoding="utf-8")


def _drop(el) -> None:
    """Remove an element and its content, keeping the text that follows it (bs4's decompose)."""
    parent = el.getparent()
    if parent is not None:
        el.drop_tree()


def _attached(el, root) -> bool:
    while el is not None:
        if el is root:
            return True
        el = el.getparent()
    return False


def _collect(el, out: list[str], blocks: bool) -> None:
    """Append the text of ``el``'s content in document order (comments/PIs skipped, their tails kept).

    With ``blocks``, a newline goes before and after every block element (what the
    bs4 version did by inserting "\n" strings).
    """
    if el.text:
        out.append(el.text)
    for child in el:
        if isinstance(child.tag, str):
            block = blocks and child.tag in _BLOCK
            if block:
                out.append("\n")
            _collect(child, out, blocks)
            if block:
                out.append("\n")
        if child.tail:
            out.append(child.tail)


def _text(el) -> str:
    """Concatenated text of ``el`` (bs4 ``get_text("")``)."""
    out: list[str] = []
    _collect(el, out, False)
    return "".join(out)


def _stripped_text(el) -> str:
    """bs4 ``get_text("", strip=True)``."""
    out: list[str] = []
    _collect(el, out, False)
    return "".join(s.strip() for s in out)


def _block_text(main) -> str:
    out: list[str] = []
    _collect(main, out, True)
    return "".join(out)


def extract_page(html_text: str | bytes, rel: str, docs_dir: Path | None) -> Page | None:
    """Title and main text of one built page, or None if it has no main content.

    lxml directly (BeautifulSoup + soupsieve took ~10 ms a page, most of the
    extraction time); tests/test_search_index.py pins the same results.
    """
    data = html_text.encode("utf-8") if isinstance(html_text, str) else html_text
    if not data.strip():
        return None
    try:
        root = lxml.html.document_fromstring(data, parser=_PARSER)
    except (etree.ParserError, ValueError):
        return None
    found = _MAIN_XPATH(root) or _ARTICLE_XPATH(root)
    if not found:
        return None
    main = found[0]
    for el in _DROP_XPATH(main):
        if _attached(el, main):
            _drop(el)
    h1 = next(main.iterdescendants("h1"), None)
    title = _clean_ws(_text(h1)) if h1 is not None else ""
    if not title:
        head_title = next(root.iter("title"), None)
        if head_title is not None:
            title = _clean_ws(_text(head_title)).rsplit(" - ", 1)[0]
    if h1 is not None:
        _drop(h1)
    parts = rel.split("/")
    is_entity = len(parts) == 3 and parts[0] == "entities" and not _ARCHIVE_ARTICLE(main)
    if is_entity:
        # An entity page is found by its name, aliases and description; the lists of
        # articles and co-occurring entities under its <h2>s would match every query
        # that one of those article titles matches.
        first_h2 = next(main.iterdescendants("h2"), None)
        if first_h2 is not None:
            for el in first_h2.xpath("following::*"):
                _drop(el)
            _drop(first_h2)
    _drop_furniture(main)
    text = _clean_ws(_block_text(main))
    if _ARCHIVE_ARTICLE(main) or _ARCHIVE_ARTICLE_ANY(root):
        kind = "article"
    elif is_entity:
        kind = "entity"
    else:
        kind = "page"
    aliases: list[str] = []
    if kind == "entity" and docs_dir is not None:
        aliases, fm_title = _entity_front_matter(docs_dir / "entities" / f"{parts[1]}.md")
        title = title or fm_title
    url = rel[: -len("index.html")] if rel.endswith("index.html") else rel
    return Page(url=url, kind=kind, title=title, text=text, aliases=aliases)


def _drop_furniture(main) -> None:
    """Remove the build's cross-links: they would make every article match its neighbours' titles."""
    for h in [el for el in main.iterdescendants() if isinstance(el.tag, str) and el.tag in _H2_6]:
        if not _attached(h, main) or _stripped_text(h).rstrip("¶").strip() not in FURNITURE_HEADINGS:
            continue
        level = int(h.tag[1])
        for sib in list(h.itersiblings()):
            if not isinstance(sib.tag, str):
                continue
            if _HEADING_RE.match(sib.tag) and int(sib.tag[1]) <= level:
                break
            _drop(sib)
        _drop(h)
    for d in list(main.iterdescendants("details")):
        summary = next(d.iterdescendants("summary"), None)
        if _attached(d, main) and summary is not None and _stripped_text(summary) in FURNITURE_DETAILS:
            _drop(d)


_H2_6 = frozenset(("h2", "h3", "h4", "h5", "h6"))


def _entity_front_matter(md: Path) -> tuple[list[str], str]:
    try:
        raw = md.read_text(encoding="utf-8")
    except OSError:
        return [], ""
    if not raw.startswith("---"):
        return [], ""
    end = raw.find("\n---", 3)
    try:
        fm = yaml.safe_load(raw[3:end]) or {}
    except yaml.YAMLError:
        return [], ""
    aliases = fm.get("aliases") or []
    if isinstance(aliases, str):
        aliases = [aliases]
    return [str(a) for a in aliases if a], str(fm.get("title") or "")


def iter_pages(site_dir: Path, docs_dir: Path | None = None) -> Iterator[Page | None]:
    """Yield one extracted page at a time (listing pages are not indexed and not yielded)."""
    for rel, path in _candidates(site_dir)[0]:
        with open(path, encoding="utf-8") as fh:
            yield extract_page(fh.read(), rel, docs_dir)


def record_html(page: Page) -> str:
    """Synthetic page handed to Pagefind: tokens to index + original text as metadata."""
    head = token_stream(page.title, ())
    alias_tokens = " ".join(token_stream(a) for a in page.aliases)
    e = html.escape
    return (
        '<html lang="en"><head><title>x</title></head><body><main data-pagefind-body>'
        f'<h1 data-pagefind-weight="10">{head} {alias_tokens}</h1>'
        f'<p data-pagefind-weight="{BODY_WEIGHT[page.kind]}">{token_stream(page.text, max_repeat=MAX_REPEAT)}</p>'
        "<div data-pagefind-ignore>"
        f'<span data-pagefind-meta="title">{e(page.title)}</span>'
        f'<span data-pagefind-meta="kind">{page.kind}</span>'
        + (f'<span data-pagefind-meta="aliases">{e(" · ".join(page.aliases))}</span>' if page.aliases else "")
        + "</div></main></body></html>"
    )


def _vm_hwm_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


async def _index_shard(pages: list[Page], records: list[str], out: Path) -> float:
    """Index ``pages`` with a fresh Pagefind process into ``out``; return its peak RSS (MB)."""
    service = await _FastService().launch()
    peak = 0.0
    try:
        index = await service.create_index({"force_language": INDEX_LANGUAGE, "output_path": str(out)})
        pending: set[asyncio.Task] = set()
        for page, record in zip(pages, records, strict=True):
            task = asyncio.ensure_future(index.add_html_file(content=record, url=page.url))
            pending.add(task)
            if len(pending) >= IN_FLIGHT:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for t in done:
                    t.result()
        for t in pending:
            await t
        await index.write_files(str(out))
        await asyncio.to_thread(wait_for_bundle, out)
        peak = _vm_hwm_mb(service._backend.pid)
    finally:
        await service.close()
    return peak


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
    for name in ("indexer.py", "normalize.py", "bundle.py"):
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
    peak = asyncio.run(_index_shard(pages, records, bundle))
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
    asset_dir = site_dir / ASSET_DIR
    asset_dir.mkdir(parents=True, exist_ok=True)
    (asset_dir / "t2s.json").write_text(t2s_char_map_json(), encoding="utf-8")
    bucket_dir = asset_dir / "t2s"
    if bucket_dir.exists():
        shutil.rmtree(bucket_dir)
    bucket_dir.mkdir()
    for block, doc in t2s_buckets().items():
        (bucket_dir / f"{block}.json").write_text(doc, encoding="utf-8")
    out = site_dir / BUNDLE_DIR
    if out.exists():
        shutil.rmtree(out)

    temp_cache = cache_dir is False
    if cache_dir is None:
        cache_dir = site_dir.parent / ".cache" / "search"
    cache = Path(tempfile.mkdtemp(prefix="search-cache-")) if temp_cache else Path(cache_dir).resolve()
    store = cache / "shards"
    store.mkdir(parents=True, exist_ok=True)
    page_cache = None if temp_cache else cache / "pages"
    try:
        files, stats.skipped = _candidates(site_dir)
        n_shards = shard_count(len(files), shard_pages)
        groups: list[list[tuple[str, str, str]]] = [[] for _ in range(n_shards)]
        for rel, path in files:
            groups[_shard_of(rel, n_shards)].append((rel, path, _page_key(rel, path, docs_dir)))
        groups = [g for g in groups if g] or [[]]
        keys = [_shard_items_key(g) for g in groups]
        todo = [(k, g) for k, g in dict(zip(keys, groups, strict=True)).items() if _load_manifest(store / k) is None]
        stats.shards_built = len(todo)
        t1 = time.perf_counter()
        jobs = default_jobs() if jobs is None else max(1, jobs)
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
        stats.seconds_shards = round(time.perf_counter() - t1, 2)

        t1 = time.perf_counter()
        segments = []
        for k in keys:
            m = _load_manifest(store / k)
            if m is None:
                raise RuntimeError(f"search: shard {k} was not built")
            stats.pages += m["pages"]
            stats.skipped += m["skipped"]
            stats.pages_extracted += m["extracted"] if any(k == t for t, _ in todo) else 0
            for kind, n in m["kinds"].items():
                stats.kinds[kind] = stats.kinds.get(kind, 0) + n
            if any(k == t for t, _ in todo):
                stats.pagefind_peak_mb = max(stats.pagefind_peak_mb, m["pagefind_peak_mb"])
                for part in ("extract", "pagefind", "parse"):
                    stats.shard_seconds[part] = round(stats.shard_seconds.get(part, 0) + m[f"seconds_{part}"], 2)
            segments.append(pickle.loads((store / k / "segments.pkl").read_bytes()))
        stats.shards = len(keys)
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
    # Pagefind also writes its stock UIs; the site uses its own (assets/search/search.js).
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
    stats.seconds = round(time.perf_counter() - t0, 2)
    stats.python_peak_mb = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    stats.output = str(out)
    return stats


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
