"""The image store and the image fetcher: remote pictures kept once, by content, beside the site.

The store is ``docs/assets/images/``: each picture is ``<sha256 of its bytes>.<type>``, and
``sources.json`` maps every address it was fetched for (as the dump wrote it, and the original behind a
proxy's address) to its file.  It is the build's second writer, and the only one outside the generated
names ``runtime/emit.py`` publishes: the store is append-only (a file's name is its content, so a file
is never rewritten or removed) and each write is a temporary file renamed into place, so a killed fetch
leaves no half picture.  It never writes anywhere else (not under raw/: ``check_separate``), and it
runs inside the build's lock on docs/.

The fetcher asks for one address at a time, sends no Referer (hotlink-protected hosts such as
mmbiz.qpic.cn refuse foreign ones, and no host needs to learn where its picture is archived), follows
redirects only to http(s), waits ``interval`` seconds between two requests to one host, refuses hosts
on this machine's or a private network unless told otherwise (a dump's address is hostile input), stops
reading at the size limit and keeps only bytes that are an image (the bytes are sniffed; a
``Content-Type`` that is not an image is refused too).  A failure is a value naming the reason.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import os
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from build_tools.runtime.emit import check_separate

STORE_DIR = Path("assets") / "images"  # inside docs/
SOURCES = "sources.json"
USER_AGENT = "cn-archive image fetcher (+https://github.com/)"
ACCEPT = "image/avif,image/webp,image/png,image/jpeg,image/gif;q=0.9"
# Content types a server may label an image with; anything else (text/html, an error page) is refused.
_IMAGE_TYPES = ("image/", "application/octet-stream", "binary/octet-stream")
_TIMEOUT = 20.0
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Fetched:
    data: bytes
    ext: str


@dataclass(frozen=True)
class NotFetched:
    reason: str


def sniff(data: bytes) -> str | None:
    """The image type the bytes are (their magic numbers), or None: a name or a header is not proof."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[4:12] in (b"ftypavif", b"ftypavis"):
        return "avif"
    return None


class ImageStore:
    """``docs/assets/images``: pictures by content, and the addresses they were fetched for."""

    def __init__(self, docs_dir: Path, raw_dir: Path | None = None):
        check_separate(docs_dir, raw_dir)
        self.folder = docs_dir / STORE_DIR
        self.sources: dict[str, str] = self._load()
        self._changed = False

    def _load(self) -> dict[str, str]:
        try:
            data = json.loads((self.folder / SOURCES).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict):
            return {}
        return {url: name for url, name in data.items() if isinstance(url, str) and isinstance(name, str)}

    def file_for(self, url: str) -> str | None:
        """The store's file for ``url``, when it was fetched before and the file is there."""
        name = self.sources.get(url)
        return name if name and (self.folder / name).is_file() else None

    def put(self, data: bytes, ext: str, *urls: str) -> str:
        """Keep ``data`` (once: its name is its SHA-256) and record it under ``urls``; its file name."""
        name = f"{hashlib.sha256(data).hexdigest()}.{ext}"
        target = self.folder / name
        if not (target.is_file() and target.stat().st_size == len(data)):
            self.folder.mkdir(parents=True, exist_ok=True)
            _replace(target, data)
        for url in urls:
            if self.sources.get(url) != name:
                self.sources[url] = name
                self._changed = True
        return name

    def save(self) -> None:
        """``sources.json``, sorted, when this build added to it."""
        if self._changed:
            text = json.dumps(self.sources, ensure_ascii=False, sort_keys=True, indent=1) + "\n"
            _replace(self.folder / SOURCES, text.encode("utf-8"))
            self._changed = False


def _replace(target: Path, data: bytes) -> None:
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "wb") as handle:
            handle.write(data)
        os.replace(temporary, target)
    finally:
        if temporary.exists():
            temporary.unlink()


@dataclass
class Fetcher:
    """Downloads pictures one at a time, politely (see the module's docstring)."""

    max_bytes: int
    interval: float  # seconds between two requests to one host
    allow_private: bool = False  # hosts on this machine or a private network (tests only)
    _last: dict[str, float] = field(default_factory=dict)

    def fetch(self, url: str) -> Fetched | NotFetched:
        refused = self._refused_host(url)
        if refused:
            return NotFetched(refused)
        self._pace(urlsplit(url).hostname or "")
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": ACCEPT})
        opener = urllib.request.build_opener(_Redirects(self))
        try:
            with opener.open(request, timeout=_TIMEOUT) as response:
                return self._read(response)
        except urllib.error.HTTPError as error:
            return NotFetched(f"HTTP {error.code}")
        except (urllib.error.URLError, OSError, ValueError) as error:
            return NotFetched(f"cannot fetch: {getattr(error, 'reason', None) or error}")

    def _read(self, response) -> Fetched | NotFetched:
        kind = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if kind and not kind.startswith(_IMAGE_TYPES):
            return NotFetched(f"not an image (served as {kind[:60]})")
        length = response.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > self.max_bytes:
            return NotFetched(f"larger than {self.max_bytes} bytes ({length})")
        chunks, size = [], 0
        while size <= self.max_bytes:
            chunk = response.read(_CHUNK)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > self.max_bytes:
            return NotFetched(f"larger than {self.max_bytes} bytes")
        data = b"".join(chunks)
        ext = sniff(data)
        if ext is None:
            return NotFetched("not an image (its bytes are no JPEG, PNG, GIF, WebP or AVIF)")
        return Fetched(data, ext)

    def _pace(self, host: str) -> None:
        last = self._last.get(host)
        if last is not None:
            wait = self.interval - (time.monotonic() - last)
            if wait > 0:
                time.sleep(wait)
        self._last[host] = time.monotonic()

    def _refused_host(self, url: str) -> str | None:
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            return "not an http(s) address"
        if self.allow_private:
            return None
        try:
            infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
        except (OSError, UnicodeError) as error:
            return f"cannot resolve {parts.hostname}: {error}"
        for info in infos:
            address = ipaddress.ip_address(info[4][0].split("%")[0])
            if not address.is_global:
                return f"refusing a host on a private or local network ({parts.hostname})"
        return None


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Redirects followed only to http(s) hosts the fetcher would ask itself, and still without a Referer."""

    def __init__(self, fetcher: Fetcher):
        self.fetcher = fetcher

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        refused = self.fetcher._refused_host(newurl)
        if refused:
            raise urllib.error.URLError(f"redirected to {newurl[:120]}: {refused}")
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None:
            new.remove_header("Referer")
            self.fetcher._pace(urlsplit(newurl).hostname or "")
        return new
