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
"""

from __future__ import annotations

import asyncio
import html
import os
import re
import resource
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml
from bs4 import BeautifulSoup
from pagefind.service import PagefindService

from .bundle import CHUNK_UNITS, check_bundle, merge_bundles, rewrite_fragments, wait_for_bundle
from .normalize import t2s_buckets, t2s_char_map_json, token_stream

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
SHARD_PAGES = 500

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


def extract_page(html_text: str, rel: str, docs_dir: Path | None) -> Page | None:
    """Title and main text of one built page, or None if it has no main content."""
    soup = BeautifulSoup(html_text, "lxml")
    main = soup.select_one("article.md-content__inner") or soup.select_one("article")
    if main is None:
        return None
    for sel in DROP_SELECTORS:
        for el in main.select(sel):
            el.decompose()
    h1 = main.find("h1")
    title = _clean_ws(h1.get_text("")) if h1 else ""
    if not title and soup.title:
        title = _clean_ws(soup.title.get_text("")).rsplit(" - ", 1)[0]
    if h1:
        h1.decompose()
    parts = rel.split("/")
    is_entity = len(parts) == 3 and parts[0] == "entities" and not main.select_one(".archive-article")
    if is_entity:
        # An entity page is found by its name, aliases and description; the lists of
        # articles and co-occurring entities under its <h2>s would match every query
        # that one of those article titles matches.
        first_h2 = main.find("h2")
        if first_h2 is not None:
            for el in list(first_h2.find_all_next()):
                if not el.decomposed:
                    el.decompose()
            first_h2.decompose()
    _drop_furniture(main)
    for el in main.find_all(BLOCK_TAGS):
        el.insert_before("\n")
        el.insert_after("\n")
    text = _clean_ws(main.get_text(""))
    if main.select_one(".archive-article") is not None or soup.select_one(".archive-article"):
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
    for h in main.find_all(re.compile(r"^h[2-6]$")):
        if h.decomposed or h.get_text("", strip=True).rstrip("¶").strip() not in FURNITURE_HEADINGS:
            continue
        level = int(h.name[1])
        for sib in list(h.find_next_siblings()):
            if re.fullmatch(r"h[1-6]", sib.name or "") and int(sib.name[1]) <= level:
                break
            sib.decompose()
        h.decompose()
    for d in main.find_all("details"):
        summary = d.find("summary")
        if not d.decomposed and summary is not None and summary.get_text("", strip=True) in FURNITURE_DETAILS:
            d.decompose()


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
    """Yield one extracted page at a time (None for skipped files)."""
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
                yield None
                continue
            with open(os.path.join(dirpath, name), encoding="utf-8") as fh:
                page = extract_page(fh.read(), rel, docs_dir)
            yield page


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


async def _index_shard(pages: list[Page], out: Path) -> float:
    """Index ``pages`` with a fresh Pagefind process into ``out``; return its peak RSS (MB)."""
    service = await _FastService().launch()
    peak = 0.0
    try:
        index = await service.create_index({"force_language": INDEX_LANGUAGE, "output_path": str(out)})
        pending: set[asyncio.Task] = set()
        for page in pages:
            task = asyncio.ensure_future(index.add_html_file(content=record_html(page), url=page.url))
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


def _run_shard(pages: list[Page], out: Path, stats: SearchStats) -> None:
    peak = asyncio.run(_index_shard(pages, out))
    stats.pagefind_peak_mb = max(stats.pagefind_peak_mb, round(peak, 1))
    check_bundle(out)
    rewrite_fragments(out, {p.url: p.text[:MAX_TEXT_CHARS] for p in pages})


def index_site(
    site_dir: Path, docs_dir: Path | None = None, shard_pages: int = SHARD_PAGES, chunk_units: int = CHUNK_UNITS
) -> SearchStats:
    """Write ``<site>/pagefind/`` and ``<site>/assets/search/t2s.json``; return figures."""
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
    work = Path(tempfile.mkdtemp(prefix="pagefind-shards-"))
    shards: list[Path] = []
    try:
        batch: list[Page] = []
        for page in iter_pages(site_dir, docs_dir):
            if page is None or not (page.title or page.text):
                stats.skipped += 1
                continue
            stats.pages += 1
            stats.kinds[page.kind] = stats.kinds.get(page.kind, 0) + 1
            batch.append(page)
            if len(batch) >= shard_pages:
                shards.append(work / f"shard{len(shards):03d}")
                _run_shard(batch, shards[-1], stats)
                batch = []
        if batch or not shards:
            shards.append(work / f"shard{len(shards):03d}")
            _run_shard(batch, shards[-1], stats)
        stats.shards = len(shards)
        # Always through the merge, even for one shard: it also sets the chunk size.
        merge_bundles(shards, out, INDEX_LANGUAGE, chunk_units=chunk_units)
        check_bundle(out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    # Pagefind also writes its stock UIs; the site uses its own (assets/search/search.js).
    for name in out.glob("pagefind-*ui*"):
        name.unlink()
    for name in ("pagefind-highlight.js",):
        (out / name).unlink(missing_ok=True)
    stats.articles = stats.kinds.get("article", 0)
    stats.entities = stats.kinds.get("entity", 0)
    stats.other = stats.kinds.get("page", 0)
    files = [p for p in out.rglob("*") if p.is_file()]
    stats.bundle_files = len(files)
    stats.bundle_bytes = sum(p.stat().st_size for p in files)
    stats.seconds = round(time.perf_counter() - t0, 2)
    stats.python_peak_mb = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    stats.output = str(out)
    return stats
