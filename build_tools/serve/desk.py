"""The editor's desk (``/_editor/`` in the live preview): what the last build says an editor should look at.

After every build step the preview turns the :class:`BuildReport` into a small JSON state (``desk_state``)
and saves it outside docs/ (in the preview's own temporary folder), so nothing of it is ever built into
site/.  The preview's web server renders the desk from that state on each request (``desk_app.py``), so a
page reloaded after a live rebuild shows the new build.  Rows name dumps by an opaque id (a hash of the
path shown), never by their name: a hostile file name reaches a page only as escaped text.

    rejected      dumps that were not published, with the reason
    duplicates    dumps published as another: which one, and why
    warnings      every build warning, with its kind
    attention     published articles without a date or a source, or whose title was inferred
    corrections   every overrides.yml entry: active, partly stale or stale, and what went stale
    articles      every published article, with its raw dump beside its page
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from urllib.parse import quote

from build_tools.model.paths import PathDisplay
from build_tools.model.records import BuildReport, Status
from build_tools.runtime.emit import replace_file

STATE_FILE = "desk.json"
KINDS = ("rejected", "duplicates", "warnings", "attention", "corrections", "articles")


def dump_id(shown: str) -> str:
    """An opaque, URL-safe name for a dump (its path never enters a URL)."""
    return hashlib.sha256(shown.encode("utf-8", "backslashreplace")).hexdigest()[:16]


def page_url(slug: str | None) -> str | None:
    """The preview URL of an article page (``use_directory_urls``); slugs are ASCII-safe, quoted anyway."""
    return f"/articles/{quote(slug, safe='')}/" if slug else None


def _file_of(shown: str, display: PathDisplay, base: str) -> str | None:
    """The dump's file, when the name shown leads back to one inside raw/ (else no raw link).  One stat per
    dump: where a symlink leads is checked when the file is opened (:func:`inside_raw`)."""
    relative = display.inside(shown)
    if relative is None or relative.startswith("/") or ".." in relative.split("/"):
        return None
    path = os.path.join(base, relative)
    return path if os.path.isfile(path) else None


def inside_raw(state: dict, path: str) -> bool:
    """``path`` (a dump's file from the state) really lies inside raw/, symlinks followed."""
    base = state.get("raw_dir") or ""
    return bool(base) and os.path.realpath(path).startswith(base.rstrip(os.sep) + os.sep)


def desk_state(report: BuildReport, raw_dir: Path, display: PathDisplay | None = None,
               max_bytes: int = 0) -> dict:
    """The desk's content from one build report, as plain JSON-ready data."""
    display = display or PathDisplay.for_raw_dir(raw_dir)
    base = os.path.realpath(raw_dir)
    titles = {s.slug: s.title for s in report.summaries}
    dumps: dict[str, dict] = {}
    for item in sorted(report.inputs, key=lambda i: i.raw):
        dumps[dump_id(item.raw)] = {"shown": item.raw, "file": _file_of(item.raw, display, base),
                                    "page": page_url(item.slug) if item.status is not Status.REJECTED else None,
                                    "title": titles.get(item.slug or "", "")}
    by_shown = {item.raw: dump_id(item.raw) for item in report.inputs}
    return {
        "counts": {"ok": sum(i.status is Status.OK for i in report.inputs), "rejected": len(report.rejected),
                   "duplicates": sum(i.status is Status.DUPLICATE for i in report.inputs),
                   "warnings": len(report.warnings)},
        "error": [],
        "max_bytes": max_bytes,
        "raw_dir": base,
        "dumps": dumps,
        "rejected": [{"dump": by_shown[i.raw], "reason": i.reason or ""}
                     for i in sorted(report.rejected, key=lambda i: i.raw)],
        "duplicates": [{"dump": by_shown[i.raw], "of": page_url(i.slug), "of_title": titles.get(i.slug or "", ""),
                        "reason": i.reason or ""}
                       for i in sorted(report.inputs, key=lambda i: i.raw) if i.status is Status.DUPLICATE],
        "warnings": [{"kind": w.code, "path": w.path, "message": w.message}
                     for w in sorted(report.warnings, key=lambda w: (w.code, w.path, w.message))],
        "articles": _articles(report, display, by_shown),
        "corrections": [{"name": c.name, "where": c.where, "fields": list(c.fields), "dumps": list(c.dumps),
                         "state": c.state, "problems": [p.line for p in c.problems]} for c in report.corrections],
    }


def _articles(report: BuildReport, display: PathDisplay, by_shown: dict[str, str]) -> list[dict]:
    rows = []
    for s in sorted(report.summaries, key=lambda s: s.raw_path):
        missing = [label for label, gone in (("no date", not s.date), ("no source", not s.source),
                                             ("title inferred", s.title_inferred)) if gone]
        rows.append({"dump": by_shown.get(display(s.raw_path), ""), "page": page_url(s.slug), "title": s.title,
                     "date": s.date or "", "source": s.source or "", "missing": missing})
    return rows


class Desk:
    """The desk's state file, replaced after every build step (a failed one keeps the last good report and
    adds its error, which the desk shows on top)."""

    def __init__(self, folder: Path, raw_dir: Path, max_bytes: int):
        self.folder, self.raw_dir, self.max_bytes = folder, raw_dir, max_bytes
        self.state: dict = desk_state(BuildReport(), raw_dir, max_bytes=max_bytes)
        self.display = PathDisplay.for_raw_dir(raw_dir)  # read once, as the build reads it

    def built(self, report: BuildReport) -> None:
        self.state = desk_state(report, self.raw_dir, self.display, self.max_bytes)
        self._save()

    def failed(self, error_lines: list[str]) -> None:
        self.state = {**self.state, "error": list(error_lines)}
        self._save()

    def _save(self) -> None:
        """A desk that cannot be saved (a full disk) is one line; the preview goes on with the old desk."""
        target = self.folder / STATE_FILE
        try:
            replace_file(target, json.dumps(self.state, ensure_ascii=False, sort_keys=True))
        except OSError as error:
            print(f"serve: the editor's desk is not updated: cannot write {target}: {error.strerror or error}",
                  file=sys.stderr, flush=True)


def load_state(folder: Path) -> dict | None:
    """The state the preview saved last, or None before the first build."""
    try:
        data = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
