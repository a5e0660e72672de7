"""Watching raw/, entities.yml and overrides.yml for the live preview, and what the site is made of
besides them: mkdocs.yml, the theme folder (theme/) and the hand-written pages of docs/."""

from __future__ import annotations

import queue
import sys
import threading
import time
from pathlib import Path

from watchfiles import Change, DefaultFilter, watch

from build_tools.runtime.generations import GENERATED
from build_tools.settings import Settings


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


def start_site_watchers(config: Path, custom_dir: Path | None, docs: Path, events: queue.Queue,
                        stop: threading.Event) -> list[threading.Thread]:
    """mkdocs.yml, the theme folder, and docs/ less what the build writes (the generated names and the hidden
    generations): an update's own writes never set off another update."""
    name = config.name

    def config_only(change: Change, path: str) -> bool:
        return Path(path).name == name

    def hand_written(change: Change, path: str) -> bool:
        try:
            rel = Path(path).relative_to(docs.resolve())
        except ValueError:
            return False
        return bool(rel.parts) and rel.parts[0] not in GENERATED and not any(p.startswith(".") for p in rel.parts)

    jobs = [([config.resolve().parent], False, config_only, "config"), ([docs.resolve()], True, hand_written, "docs")]
    if custom_dir is not None and custom_dir.is_dir():
        jobs.append(([custom_dir.resolve()], True, DefaultFilter(), "theme"))
    threads = [threading.Thread(target=_watch_thread, daemon=True, name=f"watch-{label}",
                                args=(paths, recursive, keep, events, stop))
               for paths, recursive, keep, label in jobs if paths[0].is_dir()]
    for thread in threads:
        thread.start()
    return threads


def site_saved(changes: set[tuple[Change, str]], settings: Settings) -> bool:
    """Some change is not a dump under raw/ nor an editors' file (entities.yml, overrides.yml): one of the site's
    own files (docs/'s hand-written pages, mkdocs.yml, the theme), which the build step does not write."""
    raw = str(settings.raw_dir.resolve()) + "/"
    editors = {str(settings.entities_path.resolve()), str(settings.overrides_path.resolve())}
    resolved = (str(Path(path).resolve()) for _, path in changes)
    return any(not (path.startswith(raw) or path in editors) for path in resolved)


def describe(changes: set[tuple[Change, str]]) -> str:
    verbs = {Change.added: "added", Change.modified: "changed", Change.deleted: "removed"}
    items = sorted({(verbs.get(c, "changed"), _short(p)) for c, p in changes}, key=lambda x: x[1])
    text = ", ".join(f"{p} {v}" for v, p in items[:3])
    return text + (f" and {len(items) - 3} more" if len(items) > 3 else "")


def _short(path: str) -> str:
    try:
        return Path(path).resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path


def next_batch(events: queue.Queue, wait: float, quiet_period: float) -> tuple[float, set] | None:
    """The next change and everything that follows it until ``quiet_period`` passes without one (a copy
    in progress is built once, when it is done); None when nothing changed within ``wait`` seconds."""
    try:
        seen, changes = events.get(timeout=wait)
    except queue.Empty:
        return None
    pending = set(changes)
    while True:
        try:
            _, more = events.get(timeout=quiet_period)
        except queue.Empty:
            return seen, pending
        pending |= set(more)
