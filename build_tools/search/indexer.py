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
import shutil
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml
from bs4 import BeautifulSoup
from pagefind.service import PagefindService

from .normalize import t2s_char_map_json, token_stream

INDEX_LANGUAGE = "en"
BUNDLE_DIR = "pagefind"
ASSET_DIR = "assets/search"
# Original text kept per page for excerpts/highlights (characters).
MAX_TEXT_CHARS = 12_000
# Records in flight to the Pagefind service at once (bounds memory and pipes).
IN_FLIGHT = 16

SKIP_DIRS = {"dev", "pagefind", "assets", "search"}
# Listing pages: they repeat every title, so they would match everything.
LISTING_RE = re.compile(r"^(articles/(index|page-\d+|sources|tags)|entities/index|index)\.html$|^404\.html$")
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
    for el in main.find_all(BLOCK_TAGS):
        el.insert_before("\n")
        el.insert_after("\n")
    text = _clean_ws(main.get_text(""))
    parts = rel.split("/")
    if main.select_one(".archive-article") is not None or soup.select_one(".archive-article"):
        kind = "article"
    elif len(parts) == 3 and parts[0] == "entities":
        kind = "entity"
    else:
        kind = "page"
    aliases: list[str] = []
    if kind == "entity" and docs_dir is not None:
        aliases, fm_title = _entity_front_matter(docs_dir / "entities" / f"{parts[1]}.md")
        title = title or fm_title
    url = rel[: -len("index.html")] if rel.endswith("index.html") else rel
    return Page(url=url, kind=kind, title=title, text=text, aliases=aliases)


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
    text = page.text[:MAX_TEXT_CHARS]
    e = html.escape
    return (
        '<html lang="en"><head><title>x</title></head><body><main data-pagefind-body>'
        f"<h1 data-pagefind-weight=\"10\">{head} {alias_tokens}</h1><p>{token_stream(page.text)}</p>"
        "<div data-pagefind-ignore>"
        f'<span data-pagefind-meta="title">{e(page.title)}</span>'
        f'<span data-pagefind-meta="kind">{page.kind}</span>'
        + (f'<span data-pagefind-meta="aliases">{e(" · ".join(page.aliases))}</span>' if page.aliases else "")
        + f'<span data-pagefind-meta="text">{e(text)}</span>'
        "</div></main></body></html>"
    )


async def _index(site_dir: Path, docs_dir: Path | None, out: Path, stats: SearchStats) -> None:
    service = await _FastService().launch()
    try:
        index = await service.create_index(
            {"force_language": INDEX_LANGUAGE, "output_path": str(out), "keep_index_url": False}
        )
        pending: set[asyncio.Task] = set()
        for page in iter_pages(site_dir, docs_dir):
            if page is None or not (page.title or page.text):
                stats.skipped += 1
                continue
            stats.pages += 1
            stats.kinds[page.kind] = stats.kinds.get(page.kind, 0) + 1
            task = asyncio.ensure_future(index.add_html_file(content=record_html(page), url=page.url))
            pending.add(task)
            if len(pending) >= IN_FLIGHT:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for t in done:
                    t.result()
        for t in pending:
            await t
        await index.write_files(str(out))
    finally:
        await service.close()


def index_site(site_dir: Path, docs_dir: Path | None = None) -> SearchStats:
    """Write ``<site>/pagefind/`` and ``<site>/assets/search/t2s.json``; return figures."""
    site_dir = Path(site_dir).resolve()
    if docs_dir is None and (site_dir.parent / "docs").is_dir():
        docs_dir = site_dir.parent / "docs"
    t0 = time.perf_counter()
    stats = SearchStats()
    asset_dir = site_dir / ASSET_DIR
    asset_dir.mkdir(parents=True, exist_ok=True)
    (asset_dir / "t2s.json").write_text(t2s_char_map_json(), encoding="utf-8")
    out = site_dir / BUNDLE_DIR
    if out.exists():
        shutil.rmtree(out)
    asyncio.run(_index(site_dir, docs_dir, out, stats))
    # Pagefind also writes its stock UIs; the site uses its own (assets/search/search.js).
    for name in out.glob("pagefind-*ui*"):
        name.unlink()
    for name in ("pagefind-highlight.js",):
        (out / name).unlink(missing_ok=True)
    js = out / "pagefind.js"
    if not js.is_file() or js.stat().st_size == 0 or not (out / "pagefind-entry.json").is_file():
        raise RuntimeError(f"Pagefind did not write a complete bundle to {out}")
    stats.articles = stats.kinds.get("article", 0)
    stats.entities = stats.kinds.get("entity", 0)
    stats.other = stats.kinds.get("page", 0)
    files = [p for p in out.rglob("*") if p.is_file()]
    stats.bundle_files = len(files)
    stats.bundle_bytes = sum(p.stat().st_size for p in files)
    stats.seconds = round(time.perf_counter() - t0, 2)
    stats.output = str(out)
    return stats
