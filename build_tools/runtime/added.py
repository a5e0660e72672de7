"""When each dump entered raw/: the ``added`` date every article carries (its "收录于" date).

Two sources, in this order:

* **git history**, when raw/ lies in a git work tree that is not a shallow clone: the author date (in the
  author's own time zone) of the oldest commit that added the path.  One ``git log`` call covers all of
  raw/, so a 10,000-dump archive costs one process, and the answer depends on the repository only: a
  fresh clone builds the same dates on any machine.
* **the stored record** (``Settings.added_record``, JSON): for a dump git does not date (no repository,
  a shallow clone, a file not committed yet), the date of the first build that saw it, kept so rebuilds
  keep it.  That first sighting is the only date the build ever takes from the clock
  (``SOURCE_DATE_EPOCH`` stands in for the clock when set); the record is written only when it gains
  an entry, through the one writer's :func:`~build_tools.runtime.emit.write_record`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path

from build_tools.model.records import BuildWarning
from build_tools.runtime.emit import write_record

GIT_TIMEOUT = 120  # seconds: one log over the whole of raw/, even a large history, takes a few
_RECORD_VERSION = 1


def today_utc() -> str:
    """The day of a first sighting: ``SOURCE_DATE_EPOCH`` when set (reproducible builds), else the clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    moment = dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc) if epoch.isdigit() \
        else dt.datetime.now(dt.timezone.utc)
    return moment.date().isoformat()


def added_dates(raw_dir: Path, relatives: Iterable[str], record: Path, *, use_git: bool = True,
                today: Callable[[], str] = today_utc) -> tuple[dict[str, str], list[BuildWarning]]:
    """Every dump's ``added`` date (path inside raw/ → ``YYYY-MM-DD``) and what to tell the editor."""
    wanted = sorted(set(relatives))
    warnings: list[BuildWarning] = []
    from_git: dict[str, str] = {}
    if use_git:
        from_git, why_not = git_added(raw_dir)
        if why_not:
            warnings.append(BuildWarning(str(raw_dir), "added", why_not))
    stored, damaged = _read_record(record)
    if damaged:
        warnings.append(BuildWarning(str(record), "added", f"{damaged}: dates of dumps git does not date start over"))
    dates: dict[str, str] = {}
    first_seen = None
    for path in wanted:
        if path in from_git:
            dates[path] = from_git[path]
        elif path in stored:
            dates[path] = stored[path]
        else:
            first_seen = first_seen or today()
            dates[path] = stored[path] = first_seen
    if first_seen is not None:
        write_record(record, _record_text(stored), raw_dir)
    return dates, warnings


def git_added(raw_dir: Path) -> tuple[dict[str, str], str | None]:
    """Path inside ``raw_dir`` → the author date of the oldest commit adding it; or why git cannot say."""
    inside = _git(raw_dir, "rev-parse", "--is-inside-work-tree", "--is-shallow-repository")
    if inside is None:
        return {}, None  # not a repository (or no git): the stored record dates every dump, nothing to say
    answers = inside.split()
    if answers[:1] != ["true"]:
        return {}, None
    if answers[1:2] == ["true"]:
        return {}, "raw/ is in a shallow clone: added dates come from the stored record (clone with full history)"
    log = _git(raw_dir, "-c", "core.quotepath=off", "log", "--diff-filter=A", "--no-renames", "--format=%x00@%ad",
               "--date=short", "--name-only", "--relative", "-z", "--", ".")
    if log is None:
        return {}, "git log failed: added dates come from the stored record"
    return parse_log(log), None


def parse_log(log: str) -> dict[str, str]:
    """``git log -z --format=%x00@%ad --name-only`` → path → date of its oldest adding commit.

    A commit's header is the token after an empty one (a path is never empty); the first path after a
    header starts with the newline git puts after the format.  The log runs newest first, so the last
    date seen for a path is its oldest."""
    dates: dict[str, str] = {}
    current = None
    previous_empty = False
    for token in log.split("\0"):
        if previous_empty and token.startswith("@"):
            current = token[1:].strip()
        elif token and current:
            dates[token[1:] if token.startswith("\n") else token] = current
        previous_empty = token == ""
    return dates


def _git(where: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(where), *args], capture_output=True, timeout=GIT_TIMEOUT,
                              check=False, env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"})
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8", "surrogateescape")


def _read_record(record: Path) -> tuple[dict[str, str], str | None]:
    """The stored first sightings, and what is wrong with the file if it cannot be read."""
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}, None
    except (OSError, ValueError) as error:
        return {}, f"unreadable ({type(error).__name__})"
    entries = data.get("added") if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        return {}, "not an added-date record"
    valid = {path: day for path, day in entries.items() if isinstance(day, str) and _is_day(day)}
    return valid, None


def _is_day(text: str) -> bool:
    try:
        return dt.date.fromisoformat(text).isoformat() == text
    except ValueError:
        return False


def _record_text(entries: dict[str, str]) -> str:
    # ASCII escapes: a file name that is not UTF-8 (kept as surrogates) still makes a valid UTF-8 record.
    return json.dumps({"version": _RECORD_VERSION, "added": dict(sorted(entries.items()))},
                      ensure_ascii=True, indent=1) + "\n"
