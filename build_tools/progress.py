"""Progress bar and end-of-build summary table (rich), silent with --quiet."""

from __future__ import annotations

from collections import Counter

from rich.console import Console as RichConsole
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from build_tools.model.records import Status


class Console:
    def __init__(self, quiet: bool = False):
        self.quiet = quiet
        self.err = RichConsole(stderr=True)
        self._progress: Progress | None = None
        self._tasks: dict[str, int] = {}

    def progress(self, stage: str, done: int, total: int) -> None:
        if self.quiet or total < 50 or not self.err.is_terminal:
            return
        if self._progress is None:
            self._progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                      TimeElapsedColumn(), console=self.err, transient=True)
            self._progress.start()
        if stage not in self._tasks:
            self._tasks[stage] = self._progress.add_task(stage, total=total)
        self._progress.update(self._tasks[stage], completed=done)

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def summary(self, report) -> None:
        if self.quiet:
            return
        counts = Counter(i.status for i in report.inputs)
        table = Table(title="构建结果 build summary")
        for status in Status:
            table.add_column(status.value, justify="right")
        table.add_column("warnings", justify="right")
        table.add_row(*(str(counts[status]) for status in Status), str(len(report.warnings)))
        RichConsole(stderr=True).print(table)
