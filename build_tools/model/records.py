"""What a build reports: one status per dump, warnings as records, the published summaries.

The JSON report (``--report``) and the lines the CLI prints are made here and only here, so
their text stays the same whoever collects the records.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum

from build_tools.model import Summary

# (stage, done, total): how far a long stage has come, for a progress bar.
Progress = Callable[[str, int, int], None]


class Status(str, Enum):
    """What became of one dump.  A ``str``, so ``status == "ok"`` and the JSON report read as before."""

    OK = "ok"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"


PREVIEW_CHARS = 60


def preview(value: object, limit: int = PREVIEW_CHARS) -> str:
    """A value as a report line quotes it: text as its repr, cut to ``limit`` characters with the full length
    when cut (a 5,000-digit number, a 150-character source name); a list or mapping by its size."""
    if isinstance(value, (list, tuple, dict, set)):
        kind, count = ("mapping" if isinstance(value, dict) else "list"), len(value)
        return f"a {kind} of {count:,} item{'' if count == 1 else 's'}"
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 4 * limit:
        return f"a number of about {value.bit_length() * 3 // 10:,} digits"  # str() refuses over 4,300 digits
    text = value if isinstance(value, str) else str(value)
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}… ({len(text):,} characters)"


@dataclass(frozen=True)
class BuildWarning:
    """Something an editor may want to fix; the build went on.

    ``path`` is the file it is about, as the editor knows it (a dump as ``raw/x.txt``, a line of
    overrides.yml as ``overrides.yml:12``), or "" when it is about no file; ``code`` names the kind
    (for filtering, never shown); ``message`` says what happened.
    """

    path: str
    code: str
    message: str

    @property
    def line(self) -> str:
        """The warning as the report and the CLI show it."""
        return f"{self.path}: {self.message}" if self.path else self.message


@dataclass(frozen=True)
class InputResult:
    raw: str  # the dump's path as shown to the editor (PathDisplay)
    status: Status
    slug: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class CorrectionReview:
    """One entry of overrides.yml after a build: what it corrects, the dumps it applies to, and its
    problems (the warnings of corrections that hit nothing).  Active when it applies and has no problem."""

    name: str  # the entry's key: a dump's file name or its path inside raw/
    where: str  # overrides.yml:LINE of the entry
    fields: tuple[str, ...]  # the fields it corrects
    dumps: tuple[str, ...] = ()  # the dumps it names, as shown to the editor
    problems: tuple[BuildWarning, ...] = ()
    applied: bool = True  # False: no dump by this name, or it was not published

    @property
    def state(self) -> str:
        """"active", "partly stale" (applied, but some correction hits nothing) or "stale" (not applied)."""
        if not self.applied:
            return "stale"
        return "partly stale" if self.problems else "active"


@dataclass
class BuildReport:
    inputs: list[InputResult] = field(default_factory=list)
    warnings: list[BuildWarning] = field(default_factory=list)
    summaries: list[Summary] = field(default_factory=list)
    corrections: list[CorrectionReview] = field(default_factory=list)  # overrides.yml, entry by entry
    timings: list[tuple[str, float]] = field(default_factory=list)  # wall seconds per stage; not in the JSON report
    # The files this build wrote or removed in docs/, docs-relative: the live preview's render stats them alone
    # instead of walking docs/.
    changed_paths: tuple[str, ...] = ()

    @property
    def changed_files(self) -> int:
        return len(self.changed_paths)

    @contextmanager
    def timed(self, stage: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings.append((stage, time.perf_counter() - start))

    @property
    def rejected(self) -> list[InputResult]:
        return [i for i in self.inputs if i.status is Status.REJECTED]

    def warning_lines(self) -> list[str]:
        """Every warning as shown, sorted (the order the CLI prints them and the JSON report lists them)."""
        return sorted(w.line for w in self.warnings)

    def to_json(self) -> str:
        inputs = [
            {"raw": i.raw, "status": i.status.value, "slug": i.slug, "reason": i.reason}
            for i in sorted(self.inputs, key=lambda i: i.raw)
        ]
        return json.dumps({"inputs": inputs, "warnings": self.warning_lines()}, ensure_ascii=False, indent=2) + "\n"
