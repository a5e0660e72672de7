"""The preview's build step: run in this process, reporting only what changed since the last run."""

from __future__ import annotations

import contextlib
import sys
import time
from collections import Counter

from build_tools.model.errors import BuildError
from build_tools.model.records import BuildReport
from build_tools.serve.desk import Desk
from build_tools.settings import Settings


def say(message: str) -> None:
    print(f"serve: {message}", file=sys.stderr, flush=True)


class Builder:
    """Runs the build step and prints the rejections and warnings that are new since the last run.

    The writer swaps in only the files whose bytes changed, so the pages mkdocs sees as modified are
    exactly the changed ones (``serve --dirty`` rebuilds only those)."""

    def __init__(self, settings: Settings, desk: Desk | None = None):
        """``desk``: told every build's report, or its error (the editor's desk at /_editor/)."""
        self.settings = settings
        self.desk = desk
        self.warnings: set[str] = set()
        self.rejected: set[tuple[str, str]] = set()
        self.builds = 0
        self.untold: BuildReport | None = None  # the last build's report, not yet on the desk
        self.changed: tuple[str, ...] = ()  # the docs/ files the last build wrote or removed

    def tell_desk(self) -> float:
        """Put the last build's report on the editor's desk; seconds taken.  Called once the preview shows the
        update, not inside it: turning 10k dumps into the desk's state and saving it is ~0.3 s at 10k articles,
        a tenth of the preview's budget, that no page of the site waits for (the desk shows the new build a
        moment after the site does)."""
        if self.untold is None or self.desk is None:
            self.untold = None
            return 0.0
        started = time.perf_counter()
        self.desk.built(self.untold)
        self.untold = None
        return time.perf_counter() - started

    def run(self, why: str, around=contextlib.nullcontext) -> float | None:
        """Build (inside ``around()``); returns the seconds taken, or None when it failed (docs/ unchanged).

        A BuildError (an invalid overrides.yml, say) is the editor's to fix: its message is printed.
        Anything else is a bug: its traceback is printed.  Either way the preview keeps the last good
        build and tries again on the next save.
        """
        from build_tools.pipeline import build
        from build_tools.progress import Console

        console = Console(quiet=False)
        started = time.perf_counter()
        try:
            with around():
                report = build(self.settings, progress=console.progress)
        except BuildError as error:
            say(f"build failed ({why}); the preview keeps the last good build. Fix and save again:")
            for line in str(error).splitlines():
                print(f"  error: {line}", file=sys.stderr, flush=True)
            if self.desk is not None:
                self.desk.failed(str(error).splitlines())
            return None
        except Exception:  # a bug: shown whole, and the preview stays up for the next save
            import traceback

            traceback.print_exc()
            say("build crashed; the preview keeps the last good build")
            if self.desk is not None:
                self.desk.failed(["the build crashed (a bug): see the traceback in the terminal"])
            return None
        finally:
            console.stop()
        took = time.perf_counter() - started
        self.builds += 1
        self.untold = report  # the desk is told after the preview shows the update (tell_desk)
        self.changed = report.changed_paths
        self._report_news(report, why, took)
        if self.builds == 1:
            console.summary(report)
        return took

    def warm_readers(self) -> float:
        """Prepare one dump of each kind found in raw/ (by file suffix) and drop the result; seconds taken.  Called
        once, after the first build: a build that prepares nothing (the archive as cached) imports no reader and
        loads neither the rules nor OpenCC's tables, so the first dump the editor drops would pay for them
        (~0.3 s).  Preparing is a pure function of the dump: nothing is written, a bad dump is only a Failure."""
        from build_tools.config.corrections import load_overrides
        from build_tools.pipeline.discover import discover
        from build_tools.pipeline.prepare_work import load_readers, prepare

        started = time.perf_counter()
        try:
            load_readers()
            overrides = load_overrides(self.settings.overrides_path)
            kinds = {path.suffix.lower(): path for path in reversed(discover(self.settings.raw_dir))}
            for path in kinds.values():
                prepare(path, self.settings, overrides)
        except (BuildError, OSError):  # the next build says what is wrong; warming is only a head start
            pass
        return time.perf_counter() - started

    def _report_news(self, report: BuildReport, why: str, took: float) -> None:
        rejected = {(i.raw, i.reason or "") for i in report.rejected}
        for raw, reason in sorted(rejected - self.rejected):
            print(f"  {raw}: rejected: {reason}", file=sys.stderr)
        warnings = set(report.warning_lines())
        for line in sorted(warnings - self.warnings):
            print(f"  warning: {line}", file=sys.stderr)
        self.rejected, self.warnings = rejected, warnings
        counts = Counter(i.status for i in report.inputs)
        say(f"build step {took:.2f} s ({why}): {counts['ok']} ok, {counts['rejected']} rejected, "
            f"{counts['duplicate']} duplicates, {len(report.warnings)} warnings")
