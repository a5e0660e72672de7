"""Live preview for editors: ``python -m build_tools serve`` (``make serve``).

    build step once → mkdocs serve (subprocess, live reload) → watch raw/, entities.yml,
    overrides.yml → on a change, re-run the build step in this process → mkdocs sees docs/
    change, rebuilds the site and reloads the browser.

The build step is incremental through the content-hash cache (.cache/build): only new or
changed dumps are cleaned again.  A build that fails (invalid overrides.yml or entities.yml)
leaves the last good docs/ in place; the error is printed and the next save is tried again.
Each rebuild prints how long the build step took and, when mkdocs reports the reload, how
long the whole change took to reach the browser.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import queue
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from pathlib import Path

import yaml
from watchfiles import Change, DefaultFilter, watch

from build_tools.settings import Settings

DEFAULT_ADDR = "127.0.0.1:8000"
QUIET_PERIOD = 0.2  # seconds without further changes before a rebuild starts (a copy in progress)


class ServeError(Exception):
    pass


# --- addresses and the mkdocs config ---------------------------------------------------


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


# --- watching --------------------------------------------------------------------------


class _RawFilter(DefaultFilter):
    """Dumps under raw/: hidden files and folders are skipped, as the build skips them."""

    def __init__(self, raw_dir: Path):
        super().__init__()
        self.raw_dir = raw_dir.resolve()

    def __call__(self, change: Change, path: str) -> bool:
        try:
            rel = Path(path).resolve().relative_to(self.raw_dir)
        except ValueError:
            return False
        if any(part.startswith(".") for part in rel.parts):
            return False
        return super().__call__(change, path)


def _watch_thread(paths: list[Path], recursive: bool, keep, events: queue.Queue, stop: threading.Event) -> None:
    try:
        for changes in watch(*paths, watch_filter=keep, recursive=recursive, stop_event=stop,
                             debounce=1600, step=50, rust_timeout=500, yield_on_timeout=False,
                             raise_interrupt=False):
            events.put((time.monotonic(), changes))
    except Exception as error:  # pragma: no cover - reported, the preview keeps running
        print(f"serve: watcher for {', '.join(map(str, paths))} stopped: {error}", file=sys.stderr)


def start_watchers(settings: Settings, events: queue.Queue, stop: threading.Event) -> list[threading.Thread]:
    """One watcher for raw/ (recursive), one per folder holding entities.yml / overrides.yml."""
    threads = [threading.Thread(target=_watch_thread, daemon=True, name="watch-raw",
                                args=([settings.raw_dir], True, _RawFilter(settings.raw_dir), events, stop))]
    by_folder: dict[Path, set[str]] = {}
    for file in (settings.entities_path, settings.overrides_path):
        by_folder.setdefault(file.resolve().parent, set()).add(file.name)
    for folder, names in by_folder.items():
        if not folder.is_dir():
            continue

        def keep(change: Change, path: str, names: frozenset[str] = frozenset(names)) -> bool:
            return Path(path).name in names

        threads.append(threading.Thread(target=_watch_thread, daemon=True, name=f"watch-{folder.name}",
                                        args=([folder], False, keep, events, stop)))
    for thread in threads:
        thread.start()
    return threads


def _describe(changes: set[tuple[Change, str]]) -> str:
    verbs = {Change.added: "added", Change.modified: "changed", Change.deleted: "removed"}
    items = sorted({(verbs.get(c, "changed"), _short(p)) for c, p in changes}, key=lambda x: x[1])
    text = ", ".join(f"{p} {v}" for v, p in items[:3])
    return text + (f" and {len(items) - 3} more" if len(items) > 3 else "")


def _short(path: str) -> str:
    try:
        return Path(path).resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path


# --- the build step --------------------------------------------------------------------


class Builder:
    """Runs the build step in this process and reports only what changed since the last run."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.warnings: set[str] = set()
        self.rejected: set[tuple[str, str]] = set()
        self.builds = 0
        self.stamps: dict[str, tuple[int, int, bytes]] | None = None

    def run(self, why: str, around=contextlib.nullcontext) -> float | None:
        """Build (inside ``around()``); returns the seconds taken, or None when it failed (docs/ unchanged)."""
        from build_tools.config.corrections import OverridesError
        from build_tools.entities.registry import RegistryError
        from build_tools.pipeline import build
        from build_tools.progress import Console

        console = Console(quiet=False)
        started = time.perf_counter()
        try:
            with around():
                before = self.stamps if self.stamps is not None else file_stamps(self.settings.docs_dir)
                report = build(self.settings, progress=console.progress)
                self.stamps = keep_unchanged_mtimes(self.settings.docs_dir, before)
        except (OverridesError, RegistryError, ValueError) as error:
            _say(f"build failed ({why}); the preview keeps the last good build. Fix and save again:")
            for line in str(error).splitlines():
                print(f"  error: {line}", file=sys.stderr, flush=True)
            return None
        except Exception:
            traceback.print_exc()
            _say("build crashed; the preview keeps the last good build")
            return None
        finally:
            console.stop()
        took = time.perf_counter() - started
        self.builds += 1
        rejected = {(i.raw, i.reason or "") for i in report.inputs if i.status == "rejected"}
        for raw, reason in sorted(rejected - self.rejected):
            print(f"  {raw}: rejected: {reason}", file=sys.stderr)
        for warning in sorted(set(report.warnings) - self.warnings):
            print(f"  warning: {warning}", file=sys.stderr)
        self.rejected, self.warnings = rejected, set(report.warnings)
        counts = Counter(i.status for i in report.inputs)
        _say(f"build step {took:.2f} s ({why}): {counts['ok']} ok, {counts['rejected']} rejected, "
             f"{counts['duplicate']} duplicates, {len(report.warnings)} warnings")
        if self.builds == 1:
            console.summary(report)
        return took


def _generated_files(docs_dir: Path):
    from build_tools.runtime.emit import GENERATED

    for name in GENERATED:
        root = docs_dir / name
        if root.is_file():
            yield root
        elif root.is_dir():
            yield from (p for p in root.rglob("*") if p.is_file())


def _digest(path: Path) -> bytes:
    return hashlib.blake2b(path.read_bytes(), digest_size=16).digest()


def file_stamps(docs_dir: Path) -> dict[str, tuple[int, int, bytes]]:
    """relative path → (size, mtime_ns, digest) of every generated file in docs/."""
    stamps = {}
    for path in _generated_files(docs_dir):
        stat = path.stat()
        stamps[path.relative_to(docs_dir).as_posix()] = (stat.st_size, stat.st_mtime_ns, _digest(path))
    return stamps


def keep_unchanged_mtimes(docs_dir: Path, before: dict[str, tuple[int, int, bytes]]) -> dict:
    """Give every generated file whose bytes did not change its old modification time back.

    The build step rewrites all of docs/; with the old times, ``mkdocs serve --dirty`` rebuilds
    only the pages that really changed.  Returns the new stamps (input for the next build).
    """
    stamps = {}
    for path in _generated_files(docs_dir):
        rel = path.relative_to(docs_dir).as_posix()
        stat = path.stat()
        digest = _digest(path)
        old = before.get(rel)
        mtime = stat.st_mtime_ns
        if old is not None and old[0] == stat.st_size and old[2] == digest and old[1] != mtime:
            os.utime(path, ns=(stat.st_atime_ns, old[1]))
            mtime = old[1]
        stamps[rel] = (stat.st_size, mtime, digest)
    return stamps


def _say(message: str) -> None:
    print(f"serve: {message}", file=sys.stderr, flush=True)


# --- mkdocs serve ----------------------------------------------------------------------


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
            sys.stderr.write(line)
            if "Serving on" in line:
                self.ready.set()
            if "Reloading browsers" in line and self.changed_at is not None:
                _say(f"preview updated {time.monotonic() - self.changed_at:.1f} s after the change")
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


# --- the command -------------------------------------------------------------------------


class _Stop(BaseException):
    """SIGTERM: like Ctrl-C, not an error a build may swallow."""


def _on_sigterm(signum, frame):  # noqa: ARG001
    raise _Stop()


def serve_main(args: argparse.Namespace) -> int:
    settings = Settings(raw_dir=args.raw, docs_dir=args.docs, entities_path=args.entities,
                        overrides_path=args.overrides)
    try:
        if not args.raw.is_dir():
            raise ServeError(f"raw directory not found: {args.raw}")
        if not args.config.is_file():
            raise ServeError(f"mkdocs config not found: {args.config} (run from the project folder or pass --config)")
        host, port = parse_addr(args.addr)
        check_port_free(host, port)
    except ServeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_sigterm)
    builder = Builder(settings)
    try:
        builder.run("first build")
    except (KeyboardInterrupt, _Stop):
        return 0
    events: queue.Queue = queue.Queue()
    stop = threading.Event()
    with tempfile.TemporaryDirectory(prefix="cn-archive-serve-") as workdir:
        config, watch_also = mkdocs_config_for(args.config, args.docs, Path(workdir))
        preview = Preview(config, args.addr, watch_also, cwd=args.config.resolve().parent, dirty=args.dirty)
        start_watchers(settings, events, stop)
        _say(f"watching {settings.raw_dir}/, {settings.entities_path} and {settings.overrides_path}; "
             f"preview at http://{args.addr}/ (Ctrl-C stops)")
        try:
            while preview.alive():
                try:
                    seen, changes = events.get(timeout=0.5)
                except queue.Empty:
                    continue
                pending = set(changes)
                # A copy in progress: wait until things are quiet, then build once.
                while True:
                    try:
                        _, more = events.get(timeout=QUIET_PERIOD)
                        pending |= set(more)
                    except queue.Empty:
                        break
                if builder.run(_describe(pending), around=preview.paused) is not None:
                    preview.changed_at = seen
            code = preview.process.returncode
            _say(f"mkdocs serve exited with code {code}")
            return code or 1
        except (KeyboardInterrupt, _Stop):
            _say("stopping")
            return 0
        finally:
            stop.set()
            preview.stop()


def add_parser(commands) -> argparse.ArgumentParser:
    """The ``serve`` subcommand's options (cli.py registers it)."""
    serve = commands.add_parser(
        "serve", help="实时预览：构建、启动 mkdocs serve，raw/、实体表或更正文件一变就增量重建")
    serve.add_argument("--raw", type=Path, default=Path("raw"), help="原始存档目录 (默认 raw/)")
    serve.add_argument("--docs", type=Path, default=Path("docs"), help="输出目录 (默认 docs/)")
    serve.add_argument("--entities", type=Path, default=Path("entities.yml"), help="实体登记表 (默认 entities.yml)")
    serve.add_argument("--overrides", type=Path, default=Path("overrides.yml"), help="人工更正 (默认 overrides.yml)")
    serve.add_argument("--addr", default=DEFAULT_ADDR, help=f"预览地址 (默认 {DEFAULT_ADDR})")
    serve.add_argument("--config", type=Path, default=Path("mkdocs.yml"), help="MkDocs 配置 (默认 mkdocs.yml)")
    serve.add_argument("--dirty", action="store_true",
                       help="mkdocs serve --dirty：只重建内容变了的页面（存档大时快得多，站内导航与搜索可能过时）")
    return serve
