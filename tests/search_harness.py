"""Browser harness shared by ``tests/test_search_browser.py`` and ``benchmarks/search_bench.py``.

Serves a built site on 127.0.0.1 from a thread, drives Debian's chromium with
Playwright (``executable_path=/usr/bin/chromium``, no browser download), types
queries into the header search box as a reader would, and records every
request, console error and the bytes a query needed.

Works for both engines compared in docs/dev/search.md: ``pagefind`` (this
project's search box) and ``lunr`` (mkdocs-material's built-in search).
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import http.server
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
# Resources that belong to the search engine (counted as "search bytes").
SEARCH_RESOURCE = {
    "pagefind": re.compile(r"/(pagefind/|assets/search/)"),
    "lunr": re.compile(r"/(search/search_index\.json|assets/javascripts/workers/search|assets/javascripts/lunr/)"),
}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".json": "application/json",
        ".wasm": "application/wasm",
        ".pagefind": "application/octet-stream",
    }

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        # a browser that drops a connection it no longer needs is not an error
        import sys

        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


@contextlib.contextmanager
def serve(site_dir: Path) -> Iterator[str]:
    """Serve ``site_dir`` on 127.0.0.1 (free port) in a thread; yield the base URL."""
    handler = functools.partial(_Quiet, directory=str(site_dir))
    httpd = _Server(("127.0.0.1", 0), handler)
    th = threading.Thread(target=httpd.serve_forever, daemon=True)
    th.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()
        th.join(5)


@contextlib.contextmanager
def browser() -> Iterator[object]:
    """A Playwright chromium browser context from Debian's chromium, fresh profile."""
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="search-chromium-")
    try:
        with sync_playwright() as p:
            ctx = p.chromium.launch_persistent_context(
                profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, service_workers="block"
            )
            try:
                yield ctx
            finally:
                ctx.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def wire_bytes(site_dir: Path, url: str) -> tuple[int, int]:
    """(raw, gzip) size of the file behind ``url``; already-gzipped files count as is."""
    path = unquote(urlsplit(url).path).lstrip("/")
    f = site_dir / path
    if f.is_dir() or path == "" or path.endswith("/"):
        f = f / "index.html"
    if not f.is_file():
        return 0, 0
    data = f.read_bytes()
    if data[:2] == b"\x1f\x8b":
        return len(data), len(data)
    return len(data), len(gzip.compress(data, 6))


@dataclass
class PageWatch:
    """Requests and console errors of one page."""

    site_dir: Path
    base: str
    requests: list[tuple[float, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)

    def attach(self, page) -> None:
        page.on("request", self._on_request)
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        page.on("requestfailed", self._on_failed)
        page.on("response", lambda r: self.errors.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)

    def _on_failed(self, req) -> None:
        # A fetch the page itself cancels (navigating away while Material prefetches sitemap.xml)
        # reports ERR_ABORTED: that is not a failed request.
        if req.failure and "ERR_ABORTED" in req.failure:
            return
        self.errors.append(f"requestfailed: {req.url} {req.failure}")

    def _on_request(self, req) -> None:
        url = req.url
        self.requests.append((time.perf_counter(), url))
        host = urlsplit(url).hostname
        if url.startswith(("data:", "blob:", "about:")):
            return
        if host not in ("127.0.0.1", "localhost"):
            self.foreign.append(url)

    def search_bytes(self, engine: str, since: float = 0.0, until: float = float("inf")) -> dict:
        pat = SEARCH_RESOURCE[engine]
        seen: set[str] = set()
        raw = gz = 0
        files = []
        for t, url in self.requests:
            if not (since <= t <= until) or url in seen or not pat.search(url):
                continue
            seen.add(url)
            r, g = wire_bytes(self.site_dir, url)
            raw += r
            gz += g
            files.append((urlsplit(url).path, g))
        return {"raw": raw, "gzip": gz, "requests": len(files), "files": files}


# Records, in the page, when the first search result link appears (performance.now()).
FIRST_RESULT_PROBE = """
window.__firstResultAt = null;
new MutationObserver((_, obs) => {
  if (document.querySelector("[data-archive-search] a.md-search-result__link, .md-search-result__item > a")) {
    window.__firstResultAt = performance.now();
    obs.disconnect();
  }
}).observe(document, { subtree: true, childList: true });
"""


def open_page(ctx, base: str, site_dir: Path, path: str = "") -> tuple[object, PageWatch]:
    page = ctx.new_page()
    page.add_init_script(FIRST_RESULT_PROBE)
    watch = PageWatch(site_dir, base)
    watch.attach(page)
    # Anything not on this machine is refused (and recorded as foreign).
    page.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/]|localhost[:/]).*"), lambda route: route.abort())
    page.goto(base + path, wait_until="load")
    return page, watch


INPUT = {"pagefind": "[data-archive-search] input[name=query]", "lunr": "input[data-md-component=search-query]"}
RESULT_LINKS = {
    "pagefind": "[data-archive-search] a.md-search-result__link",
    "lunr": ".md-search-result__item > a.md-search-result__link",
}


def ui_query(
    page, engine: str, query: str, timeout: float = 20_000, everything: bool = False
) -> tuple[list[str], list[str], float]:
    """Type ``query`` into the open search box; return (hrefs, titles, ms to the settled list).

    ``everything``: also open every further page of results ("more" button /
    Material's scroll-to-load), as a reader looking for all results would.
    """
    sel = INPUT[engine]
    if engine == "lunr":  # Material ignores keys typed while its index is still loading
        page.wait_for_function(
            "() => !/初始化/.test(document.querySelector('.md-search-result__meta').textContent)", timeout=timeout
        )
    page.fill(sel, "")
    if engine == "pagefind":
        page.evaluate("() => { document.querySelector('[data-archive-search]').dataset.doneQuery = '\\u0000'; }")
    page.focus(sel)
    t0 = time.perf_counter()
    type_query(page, query)
    if engine == "pagefind":
        page.wait_for_function(
            "q => document.querySelector('[data-archive-search]').dataset.doneQuery === q", arg=query, timeout=timeout
        )
    else:
        # Material renders on each keystroke; wait until the list stops changing.
        page.wait_for_function(
            "() => /\\d|没有/.test(document.querySelector('.md-search-result__meta').textContent)", timeout=timeout
        )
        last, stable = None, 0
        while stable < 3:
            page.wait_for_timeout(100)
            cur = page.eval_on_selector_all(RESULT_LINKS[engine], "els => els.map(e => e.href).join()")
            stable = stable + 1 if cur == last else 0
            last = cur
    ms = (time.perf_counter() - t0) * 1000
    if everything:
        _load_all(page, engine)
    hrefs = page.eval_on_selector_all(RESULT_LINKS[engine], "els => els.map(e => e.href)")
    titles = page.eval_on_selector_all(
        RESULT_LINKS[engine], "els => els.map(e => (e.querySelector('h1') || e).textContent.trim())"
    )
    return hrefs, titles, ms


def type_query(page, query: str) -> None:
    """Type as a reader would. Playwright inserts CJK characters as text, without the key
    events an input method ends with; Material's search listens for keyup, so a Shift
    press stands in for the IME's commit key (harmless for this site's box)."""
    page.keyboard.type(query)
    page.keyboard.press("Shift")


def _load_all(page, engine: str, limit: int = 50) -> None:
    for _ in range(limit):
        if engine == "pagefind":
            button = page.query_selector("[data-archive-search] .archive-search__more button")
            if button is None:
                return
            n = len(page.query_selector_all(RESULT_LINKS[engine]))
            button.click()
            page.wait_for_function(
                "n => document.querySelectorAll('[data-archive-search] a.md-search-result__link').length > n"
                " && !document.querySelector("
                "'[data-archive-search] .md-search-result__item:not(.archive-search__more):empty')",
                arg=n,
            )
        else:
            # Material renders ten more results each time the list is scrolled to its end
            n = len(page.query_selector_all(RESULT_LINKS[engine]))
            grew = False
            for _try in range(4):
                page.eval_on_selector(".md-search__scrollwrap", "el => el.scrollTo(0, el.scrollHeight)")
                page.wait_for_timeout(200)
                if len(page.query_selector_all(RESULT_LINKS[engine])) > n:
                    grew = True
                    break
            if not grew:
                return


def open_search(page, engine: str) -> None:
    page.keyboard.press("/")
    page.wait_for_selector(INPUT[engine], state="visible")


def first_result(page, engine: str, query: str, site_dir: Path, timeout: float = 60_000) -> dict:
    """Cold start: press "/", type ``query``; figures up to the first result on screen.

    Times come from the page's own clock: the first keystroke and the moment a
    result link is inserted (MutationObserver). Bytes are those of the search
    resources (see SEARCH_RESOURCE) whose requests STARTED before that moment,
    from the page's Resource Timing entries, sized as a static host sends them.
    """
    open_search(page, engine)
    t0 = page.evaluate("performance.now()")
    type_query(page, query)
    page.wait_for_function("() => window.__firstResultAt !== null", timeout=timeout)
    first_at = page.evaluate("window.__firstResultAt")
    entries = page.evaluate("() => performance.getEntriesByType('resource').map(e => [e.name, e.startTime])")
    pat = SEARCH_RESOURCE[engine]
    seen: set[str] = set()
    raw = gz = 0
    files = []
    for url, start in entries:
        if start > first_at or url in seen or not pat.search(url):
            continue
        seen.add(url)
        r, g = wire_bytes(site_dir, url)
        raw += r
        gz += g
        files.append(urlsplit(url).path)
    return {"ms": round(first_at - t0), "gzip": gz, "raw": raw, "requests": len(files), "files": files}


# ---- the query set ----------------------------------------------------------------


def front_matter(md: Path) -> dict:
    raw = md.read_text(encoding="utf-8")
    if not raw.startswith("---"):
        return {}
    end = raw.find("\n---", 3)
    return yaml.safe_load(raw[3:end]) or {}


def raw_to_url(docs_dir: Path) -> dict[str, str]:
    """raw file name -> site-relative URL (articles/<slug>/), from front matter ``raw``."""
    out = {}
    for md in sorted((docs_dir / "articles").glob("*.md")):
        fm = front_matter(md)
        if fm.get("raw"):
            out[Path(str(fm["raw"])).name] = f"articles/{md.stem}/"
    return out


def load_queries(path: Path) -> list[dict]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    return doc["queries"]


def expected_urls(q: dict, raw_map: dict[str, str]) -> list[str]:
    urls = [raw_map[r] for r in q.get("articles", []) if r in raw_map]
    urls += [f"entities/{e}/" for e in q.get("entities", [])]
    return urls


def missing_expected(q: dict, raw_map: dict[str, str]) -> list[str]:
    return [r for r in q.get("articles", []) if r not in raw_map]


def build_real_archive(work: Path, root: Path, raw_dir: Path | None = None) -> Path:
    """The project's seed archive (root/raw, or ``raw_dir``) built by the pipeline into work/docs, with a
    work/mkdocs.yml that points at it: what the browser test and the recall benchmark serve."""
    from build_tools.pipeline import build
    from build_tools.settings import Settings

    work.mkdir(parents=True, exist_ok=True)
    docs = work / "docs"
    if docs.exists():
        shutil.rmtree(docs)
    generated = {"articles", "entities", "index.md", "feed.xml"}
    shutil.copytree(
        root / "docs",
        docs,
        ignore=lambda folder, names: generated & set(names) if Path(folder) == root / "docs" else (),
    )
    settings = Settings(
        raw_dir=raw_dir or root / "raw",
        docs_dir=docs,
        cache_dir=work / "cache",
        entities_path=root / "entities.yml",
        overrides_path=work / "no-overrides.yml",
        jobs=1,
    )
    with contextlib.chdir(root):
        build(settings)
    config = (root / "mkdocs.yml").read_text(encoding="utf-8")
    config = re.sub(r"^docs_dir:.*$", f"docs_dir: {docs}", config, flags=re.M)
    config = re.sub(r"^site_dir:.*$", f"site_dir: {work / 'site'}", config, flags=re.M)
    config = re.sub(r"^(\s*)custom_dir:.*$", rf"\1custom_dir: {root / 'theme'}", config, flags=re.M)
    (work / "mkdocs.yml").write_text(config, encoding="utf-8")
    return docs


# ---- Ctrl+F: does a page contain a query? (issue 13; independent of the index) ----------------------

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U000323af"
_WORDCH = rf"[^\W{_HAN}]"
# a space between a Han and a non-Han character does not count ("AI 芯片" is "AI芯片")
_PANGU = re.compile(rf"(?<=[{_HAN}])\s+(?=[^\s{_HAN}])|(?<=[^\s{_HAN}])\s+(?=[{_HAN}])")


@functools.lru_cache(maxsize=1)
def _folders() -> tuple:
    import opencc

    return tuple(opencc.OpenCC(c) for c in ("t2s", "tw2s", "hk2s", "tw2sp"))


def ctrl_f_folds(text: str) -> set[str]:
    """NFKC + lower case, then OpenCC's whole-string t2s / tw2s / hk2s / tw2sp or the character table."""
    import unicodedata

    from build_tools.search.normalize import normalize

    base = _PANGU.sub("", unicodedata.normalize("NFKC", text).lower())
    return {normalize(base)} | {normalize(c.convert(base)) for c in _folders()}


def ctrl_f(query_folds: set[str], page_folds: set[str]) -> bool:
    """Some fold of the query is in some fold of the page; a Latin end of the query must be a word end
    (the characters a word keeps, C++ / .NET / 5.5%, count as part of it)."""
    for q in query_folds:
        pat = re.escape(q)
        if re.match(_WORDCH, q[0]):
            pat = rf"(?<!{_WORDCH})(?<![.$](?={_WORDCH}))" + pat
        if re.search(_WORDCH + "$", q):
            pat += rf"(?!{_WORDCH}|\+|#|%|\.{_WORDCH})"
        rx = re.compile(pat)
        if any(rx.search(p) for p in page_folds):
            return True
    return False


def page_folds(pages: list) -> dict[str, set[str]]:
    """URL -> folds of an indexed page's title, aliases and text (search.extract's view of it)."""
    return {p.url: ctrl_f_folds(f"{p.title}\n{' '.join(p.aliases)}\n{p.text}") for p in pages}
