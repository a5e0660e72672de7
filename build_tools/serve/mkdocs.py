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
from build_tools.runtime.emit import replace_file
from build_tools.serve.desk import STATE_ENV
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


HOOK = Path(__file__).with_name("desk_hook.py")  # the editor's desk: in the preview's config, never in mkdocs.yml


def mkdocs_config_for(config: Path, docs_dir: Path, workdir: Path) -> tuple[Path, list[Path]]:
    """The config file to hand to ``mkdocs serve`` and extra paths for it to watch.

    A small config in ``workdir`` inherits mkdocs.yml (``INHERIT``), adds the editor's desk hook
    (``/_editor/``, :mod:`build_tools.serve.desk_hook`) to mkdocs.yml's own hooks, and points ``docs_dir``
    (and the theme's ``custom_dir`` and the hooks, which are relative to the config file) at absolute paths.
    mkdocs.yml itself is watched as an extra path.
    """
    config = config.resolve()
    values = _config_values(config)
    base = config.parent
    derived: dict = {"INHERIT": str(config), "docs_dir": str(docs_dir.resolve())}
    theme = values.get("theme")
    if isinstance(theme, dict) and theme.get("custom_dir"):
        derived["theme"] = {"name": theme.get("name"), "custom_dir": str((base / str(theme["custom_dir"])).resolve())}
    hooks = values.get("hooks") if isinstance(values.get("hooks"), list) else []
    derived["hooks"] = [str((base / str(h)).resolve()) for h in hooks] + [str(HOOK)]
    target = workdir / "mkdocs.serve.yml"
    replace_file(target, yaml.safe_dump(derived, allow_unicode=True, sort_keys=False))
    return target, [config]


class Preview:
    """``mkdocs serve`` as a child process; its log is passed through and reloads are timed."""

    def __init__(self, config: Path, addr: str, watch_also: list[Path], cwd: Path, dirty: bool = False,
                 desk: Path | None = None):
        """``desk``: the folder the editor's desk state is saved in (the hook in ``config`` reads it)."""
        self.changed_at: float | None = None  # when the last handled change was seen
        self.ready = threading.Event()
        env = dict(os.environ)
        if desk is not None:
            env[STATE_ENV] = str(desk.resolve())
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
