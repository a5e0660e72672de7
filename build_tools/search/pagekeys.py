"""Which pages of the site changed since the last index, and which shard each page belongs to.

A page is known by two keys:

* its *page key*: a hash of its HTML (and, for an entity page, of its Markdown, where its aliases
  are) — what extraction depends on.  Found without reading the file when its size, mtime and
  inode are the ones recorded last time (``pages.json`` in the search cache), as MkDocs leaves
  unchanged pages alone under an incremental render (build_tools/site/render.py);
* its *content key*: a hash of what extraction made of it (the record Pagefind indexes and the
  text shown).  A page whose HTML changed only outside what search reads (its related-article
  list, the header facts) keeps its content key.

A shard is keyed by the content keys of its pages, so adding one article rebuilds the shard it
lands in and the shards of the pages whose *indexed text* changed with it, not every shard holding
a page whose related list moved.  Entity and other pages are sharded apart from articles.

Articles are ordered by (date, path) and cut into shards at content-defined boundaries (after a
page whose path hash is 0 modulo half the shard size, or at the shard size): a pure function of
the pages, never of build history, so an incremental index equals one built from nothing; a new
article of the latest date lands in the last shard, an inserted or edited one moves only the
shard it lands in (and, rarely, the next ones up to the next hash boundary).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path

from build_tools.search.pageorder import order_key

STAT_FILE = "pages.json"

# rel -> {"stat": [...], "page": page key, "content": content key or None, "date": the page's date}
Known = dict[str, dict]


def load(cache: Path, code: str) -> tuple[Known, list[str] | None]:
    """The last run's record of the pages and the listing pages it skipped, if it was made by the same code
    (``code``: what a page's keys and extraction depend on); else ({}, None).  Why the code: a page whose stat is
    as recorded keeps its recorded page key, and through it its cached extraction, so a record kept across a
    change to the extraction code would index every unchanged page as the old code extracted it (session 26:
    0 of 10,102 pages extracted again)."""
    try:
        data = json.loads((cache / STAT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}, None
    if not isinstance(data, dict) or data.get("code") != code or not isinstance(data.get("pages"), dict):
        return {}, None
    listing = data.get("listing")
    return data["pages"], listing if isinstance(listing, list) else None


def save(cache: Path, known: Known, code: str, listing: list[str]) -> None:
    temporary = cache / f".{STAT_FILE}.{os.getpid()}.tmp"
    temporary.write_text(json.dumps({"code": code, "pages": known, "listing": listing}, sort_keys=True,
                                    separators=(",", ":")), encoding="utf-8")
    os.replace(temporary, cache / STAT_FILE)


def _alias_source(rel: str, docs_dir: Path | None) -> Path | None:
    """An entity page's aliases come from its Markdown front matter: that file is an input too."""
    parts = rel.split("/")
    if docs_dir is not None and len(parts) == 3 and parts[0] == "entities":
        return docs_dir / "entities" / f"{parts[1]}.md"
    return None


def _stats(path: str, source: Path | None) -> list[int]:
    out = []
    for name in (path, source):
        if name is None:
            continue
        try:
            info = os.stat(name)
            out += [info.st_size, info.st_mtime_ns, info.st_ino]
        except OSError:
            out += [-1, -1, -1]
    return out


def page_stat(rel: str, path: str, docs_dir: Path | None) -> list[int]:
    """What a page's key is found by: the stat of its HTML file and, for an entity page, of its Markdown."""
    return _stats(path, _alias_source(rel, docs_dir))


def page_key(rel: str, path: str, docs_dir: Path | None, code: str, known: Known) -> tuple[str, list[int]]:
    """(page key, the stat it was found under): from ``known`` when the files' stat is as recorded."""
    source = _alias_source(rel, docs_dir)
    stat = _stats(path, source)
    entry = known.get(rel)
    if entry and entry.get("stat") == stat and isinstance(entry.get("page"), str):
        return entry["page"], stat
    h = hashlib.sha256(code.encode())
    h.update(rel.encode() + b"\0")
    with open(path, "rb") as fh:
        h.update(fh.read())
    if source is not None:
        with contextlib.suppress(OSError):
            h.update(b"\0" + source.read_bytes())
    return h.hexdigest()[:32], stat


def shard_of(rel: str, n_shards: int) -> int:
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


def _boundary(rel: str, every: int) -> bool:
    return every <= 1 or int.from_bytes(hashlib.sha1(rel.encode()).digest()[:4], "big") % every == 0


def shard_groups(pages: list[tuple[str, str, str]], shard_pages: int,
                 dates: dict[str, str] | None = None) -> list[list[tuple[str, str, str]]]:
    """(rel, path, page key) of every page, by shard: articles first, in their slots' order
    (pageorder.order_key), cut at content-defined boundaries (at most ``shard_pages`` a shard, half that on
    average), then every other page (entities, hand-written pages) in shards by a hash of the path; one empty
    shard if no page.
    ``dates``: page key -> date."""
    dates = dates or {}
    articles = sorted((p for p in pages if p[0].startswith("articles/")),
                      key=lambda p: order_key(p[0].removesuffix("index.html"), dates.get(p[2]) or ""))
    others = [p for p in pages if not p[0].startswith("articles/")]
    groups: list[list[tuple[str, str, str]]] = []
    current: list[tuple[str, str, str]] = []
    every = max(1, shard_pages // 2)
    for page in articles:
        current.append(page)
        if len(current) >= shard_pages or _boundary(page[0], every):
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    n_shards = shard_count(len(others), shard_pages)
    buckets: list[list[tuple[str, str, str]]] = [[] for _ in range(n_shards)]
    for page in others:
        buckets[shard_of(page[0], n_shards)].append(page)
    groups += [b for b in buckets if b]
    return groups or [[]]


def shard_key(code: str, items: list[tuple[str, str, str]], contents: dict[str, str]) -> str:
    """A shard is what its pages say: their paths and content keys (and the code that indexes them)."""
    h = hashlib.sha256(code.encode())
    for rel, _path, pkey in items:
        h.update(f"{rel}\0{contents[pkey]}\n".encode())
    return h.hexdigest()[:32]
