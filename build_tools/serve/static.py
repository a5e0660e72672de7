"""The preview's web server: site/ as files, held still while an update is being written.

Requests wait while the build step, the render and the search index update the preview site (a
readers-writer gate), so a page is never served while the pages linking to it are newer than it
(no window where the home page lists an article that answers 404), and the search bundle served
is always the one of the pages served.  Nothing watches site/ or docs/: each change of raw/ (or of
the editors' files) is one update, never a second one set off by the update's own writes.

The editor's desk (``/_editor/``, :mod:`build_tools.serve.desk_app`) is a WSGI app this server answers
those paths with; it is never a file in the site.

Live reload: every HTML page gets a small script that asks ``/.preview/version`` every second and
reloads the page when the number changed (one number per finished update).
"""

from __future__ import annotations

import contextlib
import functools
import sys
import threading
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

DESK_PREFIX = "/_editor"

VERSION_PATH = "/.preview/version"
_RELOAD = (b"<script>(function(){var v=null;setInterval(function(){fetch('" + VERSION_PATH.encode()
           + b"',{cache:'no-store'}).then(function(r){return r.text()}).then(function(t){if(v!==null&&t!==v)"
           b"{location.reload()}v=t}).catch(function(){})},1000)})();</script>")


class Gate:
    """Many readers (requests) or one writer (an update) at a time; a waiting writer goes first."""

    def __init__(self):
        self._lock = threading.Condition()
        self._readers = 0
        self._writing = False
        self._waiting = 0
        self.version = 0

    @contextlib.contextmanager
    def reading(self):
        with self._lock:
            self._lock.wait_for(lambda: not self._writing and not self._waiting)
            self._readers += 1
        try:
            yield
        finally:
            with self._lock:
                self._readers -= 1
                self._lock.notify_all()

    @contextlib.contextmanager
    def writing(self):
        with self._lock:
            self._waiting += 1
            self._lock.wait_for(lambda: not self._writing and self._readers == 0)
            self._waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._lock:
                self._writing = False
                self.version += 1
                self._lock.notify_all()


class _Handler(SimpleHTTPRequestHandler):
    gate: Gate
    desk = None  # the editor's desk: a WSGI app, or None

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass  # one line per request would drown the build's messages

    def do_GET(self):  # noqa: N802 - http.server's name
        with self.gate.reading():
            path = self.path.split("?", 1)[0]
            if path == VERSION_PATH:
                return self._send(HTTPStatus.OK, str(self.gate.version).encode(), "text/plain")
            if self.desk is not None and (path == DESK_PREFIX or path.startswith(DESK_PREFIX + "/")):
                return self._desk()
            return self._file()

    def do_HEAD(self):  # noqa: N802
        with self.gate.reading():
            super().do_HEAD()

    def _desk(self):
        """The request handed to the desk's WSGI app (it reads only the method, the path and the query)."""
        path, _, query = self.path.partition("?")
        environ = {"REQUEST_METHOD": self.command, "QUERY_STRING": query,
                   "PATH_INFO": unquote(path, errors="replace").encode("utf-8").decode("latin-1")}
        answer: list = []
        body = b"".join(self.desk(environ, lambda status, headers: answer.extend((status, headers))))
        status, headers = answer
        self.send_response(int(status.split()[0]))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _file(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not self.path.split("?", 1)[0].endswith("/"):
                return super().do_GET()  # the redirect to the folder's URL
            path = path / "index.html"
        if not path.is_file():
            missing = Path(self.directory) / "404.html"
            body = missing.read_bytes() if missing.is_file() else b"not found"
            return self._send(HTTPStatus.NOT_FOUND, body, "text/html; charset=utf-8")
        if path.suffix != ".html":
            return super().do_GET()
        body = path.read_bytes().replace(b"</body>", _RELOAD + b"</body>", 1)
        return self._send(HTTPStatus.OK, body, "text/html; charset=utf-8")

    def _send(self, status: HTTPStatus, body: bytes, kind: str):
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        """A browser that gave up waiting for an update (closed tab, reload) is not an error worth a traceback."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class SiteServer:
    """``site_dir`` served on ``host:port`` from a background thread, behind ``gate``."""

    def __init__(self, site_dir: Path, host: str, port: int, gate: Gate, desk=None):
        handler = type("Handler", (_Handler,), {"gate": gate, "desk": staticmethod(desk) if desk else None})
        self.httpd = _Server((host, port), functools.partial(handler, directory=str(site_dir)))
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True, name="preview-http")

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
