"""The preview server: ``mkdocs serve`` as a child process, and the config and address it is given."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import yaml

from build_tools.model.errors import UsageError
from build_tools.serve.rebuild import say


class ServeError(UsageError):
    """The preview cannot start as asked (an address in use, a missing mkdocs.yml…)."""


def parse_addr(addr: str) -> tuple[str, int]:
    host, sep, port = addr.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ServeError(f"--addr must look like 127.0.0.1:8000, not {addr!r}")
    return host.strip("[]"), int(port)


def check_port_free(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise ServeError(
                f"cannot serve on {host}:{port}: {error.strerror or error} "
                f"(another preview running? pick another port: --addr {host}:{port + 1}, "
                f"or make serve HOST={host}:{port + 1})"
            ) from error


class _AnyTag(yaml.SafeLoader):
    """Reads mkdocs.yml far enough to find docs_dir and theme.custom_dir (ignores !ENV, !!python/…)."""


_AnyTag.add_multi_constructor("", lambda loader, suffix, node: None)


def _config_values(config: Path) -> dict:
    try:
        data = yaml.load(config.read_text(encoding="utf-8"), Loader=_AnyTag)  # noqa: S506 (safe subclass)
    except (OSError, yaml.YAMLError) as error:
        raise ServeError(f"cannot read {config}: {error}") from error
    return data if isinstance(data, dict) else {}


def mkdocs_config_for(config: Path, docs_dir: Path, workdir: Path) -> tuple[Path, list[Path]]:
    """The config file to hand to ``mkdocs serve`` and extra paths for it to watch.

    When ``docs_dir`` is the one mkdocs.yml names, that is mkdocs.yml itself.  Otherwise a
    small config in ``workdir`` inherits mkdocs.yml (``INHERIT``) and points ``docs_dir``
    (and the theme's ``custom_dir``, which is relative to the config file) at absolute paths.
    """
    config = config.resolve()
    values = _config_values(config)
    base = config.parent
    configured_docs = (base / str(values.get("docs_dir") or "docs")).resolve()
    if docs_dir.resolve() == configured_docs:
        return config, []
    derived: dict = {"INHERIT": str(config), "docs_dir": str(docs_dir.resolve())}
    theme = values.get("theme")
    if isinstance(theme, dict) and theme.get("custom_dir"):
        derived["theme"] = {"name": theme.get("name"), "custom_dir": str((base / str(theme["custom_dir"])).resolve())}
    target = workdir / "mkdocs.serve.yml"
    target.write_text(yaml.safe_dump(derived, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target, [config]


# mkdocs' live-reload server logs every long-poll of every open tab ("Browser connected: …", about once a
# second per tab): the preview drops those lines and passes the rest through.
_NOISE = ("Browser connected:", "Browser disconnected")


def is_noise(line: str) -> bool:
    """A line of mkdocs serve's log the preview does not show."""
    return any(marker in line for marker in _NOISE)


class Preview:
    """``mkdocs serve`` as a child process; its log is passed through and reloads are timed."""

    def __init__(self, config: Path, addr: str, watch_also: list[Path], cwd: Path, dirty: bool = False):
        self.changed_at: float | None = None  # when the last handled change was seen
        self.ready = threading.Event()
        env = dict(os.environ)
        env.pop("SITE_URL", None)  # a public site_url would move the preview under its path
        env.setdefault("NO_MKDOCS_2_WARNING", "1")
        command = [sys.executable, "-m", "mkdocs", "serve", "-f", str(config), "-a", addr, "--watch-theme"]
        if dirty:
            command.append("--dirty")
        for path in watch_also:
            command += ["-w", str(path)]
        self.process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True, bufsize=1,
                                        encoding="utf-8", errors="replace")
        self.reader = threading.Thread(target=self._pump, daemon=True, name="mkdocs-log")
        self.reader.start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if not is_noise(line):
                sys.stderr.write(line)
            if "Serving on" in line:
                self.ready.set()
            if "Reloading browsers" in line and self.changed_at is not None:
                say(f"preview updated {time.monotonic() - self.changed_at:.1f} s after the change")
                self.changed_at = None
            sys.stderr.flush()

    def alive(self) -> bool:
        return self.process.poll() is None

    @contextlib.contextmanager
    def paused(self):
        """Hold mkdocs still while the build step writes docs/.

        mkdocs serve polls docs/ every 0.5 s.  The build step stages its output in hidden
        folders inside docs/ and swaps it in at the end; a poll in between starts a site
        build of the old pages, and the swap then needs a second one.  Paused (SIGSTOP),
        mkdocs sees one change after the swap: one site build.  Requests wait meanwhile.
        """
        stoppable = hasattr(signal, "SIGSTOP") and self.alive()
        if stoppable:
            self.process.send_signal(signal.SIGSTOP)
        try:
            yield
        finally:
            if stoppable and self.alive():
                self.process.send_signal(signal.SIGCONT)

    def stop(self) -> int:
        if self.process.poll() is None:
            if hasattr(signal, "SIGCONT"):
                self.process.send_signal(signal.SIGCONT)
            self.process.send_signal(signal.SIGINT)  # mkdocs shuts down cleanly on Ctrl-C
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.reader.join(timeout=2)
        return self.process.returncode or 0
