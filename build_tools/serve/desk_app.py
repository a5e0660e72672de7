"""The editor's desk as a WSGI app: ``/_editor/`` and below, answered from the state the preview saved after
its last build step.  Only the preview's web server (``static.py``) mounts it; ``make site`` knows nothing
of it, so site/ holds no ``_editor``.

    /_editor/                 the desk (``?kind=rejected`` etc. shows one section)
    /_editor/side/<id>/       a dump's text, escaped, beside its page
    /_editor/raw/<id>.txt     a dump as text/plain; charset=utf-8 (decoded as the build decodes it)

A dump is named by the opaque id of the state; only files the state lists (inside raw/) are ever read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import parse_qs

from build_tools.serve.desk import STATE_FILE, inside_raw, load_state
from build_tools.serve.desk_page import render_desk, render_side
from build_tools.stages.decode import DecodeError, decode_bytes

PREFIX = "/_editor"
# No script may run in a desk page, whatever a dump smuggles into it; the side-by-side page frames the
# preview's own page (same origin) and nothing else.
HEADERS = [("X-Content-Type-Options", "nosniff"), ("X-Robots-Tag", "noindex, nofollow"),
           ("Referrer-Policy", "no-referrer"), ("Cache-Control", "no-store"),
           ("Content-Security-Policy", "default-src 'self'; script-src 'none'; object-src 'none'; "
                                       "style-src 'self' 'unsafe-inline'; frame-src 'self'; base-uri 'none'")]
_SIDE = re.compile(r"/side/([0-9a-f]{16})/?")
_RAW = re.compile(r"/raw/([0-9a-f]{16})\.txt")

App = Callable[[dict, Callable], Iterable[bytes]]


def read_dump(state: dict, entry: dict) -> tuple[str, str]:
    """(text, note): the dump decoded as the build decodes it; a note when it could not be, or was cut."""
    path, max_bytes = entry.get("file"), int(state.get("max_bytes") or 0)
    if not path or not inside_raw(state, path):
        return "", "这个存档的文件不在原始存档目录里（找不到了，或是指向别处的链接）。"
    try:
        with open(path, "rb") as handle:
            data = handle.read(max_bytes + 1 if max_bytes else -1)
    except OSError as error:
        return "", f"读不了这个存档：{error.strerror or error}"
    note = ""
    if max_bytes and len(data) > max_bytes:
        data, note = data[:max_bytes], f"存档超过 {max_bytes:,} 字节，只显示前面部分。"
    try:
        return decode_bytes(data).text, note
    except DecodeError as error:
        return data.decode("utf-8", "replace"), f"无法识别编码（{error}），按 UTF-8 显示。"


def _not_found(environ: dict, start_response: Callable) -> Iterable[bytes]:  # noqa: ARG001 - WSGI's signature
    return _answer(start_response, "404 Not Found", "text/plain; charset=utf-8", "not found")


class EditorDesk:
    """WSGI app: the desk's paths answered from ``folder``'s state, any other path passed to ``app``."""

    def __init__(self, folder: Path, app: App = _not_found):
        self.folder, self.app = folder, app
        self._cached: tuple[tuple[int, int, int], dict] | None = None  # (inode, mtime, size) of the state, its data

    def state(self) -> dict | None:
        """The last saved state, read again only when the preview saved a new one (10,000 articles: megabytes)."""
        try:
            info = (self.folder / STATE_FILE).stat()
        except OSError:
            return None
        stamp = (info.st_ino, info.st_mtime_ns, info.st_size)  # each save is a new file (replaced whole)
        if self._cached is None or self._cached[0] != stamp:
            state = load_state(self.folder)
            if state is None:
                return None
            self._cached = (stamp, state)
        return self._cached[1]

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace")
        if path != PREFIX and not path.startswith(PREFIX + "/"):
            return self.app(environ, start_response)
        if environ.get("REQUEST_METHOD", "GET") not in ("GET", "HEAD"):
            return _answer(start_response, "405 Method Not Allowed", "text/plain; charset=utf-8", "GET only")
        if path == PREFIX:
            start_response("302 Found", [("Location", PREFIX + "/"), *HEADERS])
            return []
        state = self.state()
        if state is None:
            return _answer(start_response, "503 Service Unavailable", "text/plain; charset=utf-8",
                           "the first build is still running")
        rest = path[len(PREFIX):]
        if rest == "/":
            kind = (parse_qs(environ.get("QUERY_STRING", "")).get("kind") or [None])[0]
            return _answer(start_response, "200 OK", "text/html; charset=utf-8", render_desk(state, kind))
        found = _SIDE.fullmatch(rest) or _RAW.fullmatch(rest)
        entry = (state.get("dumps") or {}).get(found.group(1)) if found else None
        if not entry:
            return _answer(start_response, "404 Not Found", "text/plain; charset=utf-8", "no such dump")
        text, note = read_dump(state, entry)
        if found.re is _RAW:
            if not text and note:
                return _answer(start_response, "404 Not Found", "text/plain; charset=utf-8", note)
            return _answer(start_response, "200 OK", "text/plain; charset=utf-8", text)
        return _answer(start_response, "200 OK", "text/html; charset=utf-8",
                       render_side(entry, found.group(1), text, note))


def _answer(start_response: Callable, status: str, content_type: str, text: str) -> list[bytes]:
    body = text.encode("utf-8", "backslashreplace")
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body))), *HEADERS])
    return [body]
