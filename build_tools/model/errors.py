"""The project's own errors.

A :class:`BuildError` is a problem the user can fix (an option, an editor's file, the output
folder): the CLI and the live preview print its message and nothing else, and the CLI exits 2.
Nothing else is caught there, so a bug keeps its traceback.  A crash inside a stage is
re-raised as :class:`StageCrash`, which names the dump and the stage, chains the original
exception, and is deliberately *not* a BuildError.
"""

from __future__ import annotations


class BuildError(Exception):
    """A problem the user can fix; ``str(error)`` is the message to show (one line per problem)."""


class UsageError(BuildError):
    """The command line asks for something impossible: a raw folder that does not exist, say."""


class ConfigError(BuildError):
    """An editor's file (overrides.yml, entities.yml, the rules folder) is unreadable or invalid.

    ``path``, ``line`` and ``field`` say where, when a single problem is known; files that report
    several problems at once (:class:`~build_tools.config.corrections.OverridesError`) put one line
    per problem in the message, each naming its own file, line and field.
    """

    def __init__(self, message: str, path: str | None = None, line: int | None = None,
                 field: str | None = None):
        super().__init__(message)
        self.path, self.line, self.field = path, line, field


class OutputError(BuildError):
    """The output folder cannot be written as asked: inside raw/, a generated name that is a symbolic
    link the build did not make, another build writing to it for too long, or a full disk."""


class CacheError(BuildError):
    """The build cache cannot be used: it cannot be written (a full disk, no permission) or another
    program holds it."""


class CacheCorrupt(CacheError):  # noqa: N818 - a state, like StageCrash
    """The build cache is damaged: not a database, truncated, rows that are not what they claim, an entry
    a record points to that is gone.  The build moves it aside and starts again with an empty one."""


class DumpError(BuildError):
    """One dump cannot be read as text.  Never reaches the user as an error: ingest turns it into
    the dump's ``Failure`` (a ``rejected`` line in the report)."""


class Interrupted(KeyboardInterrupt):  # noqa: N818 - it is a KeyboardInterrupt
    """Ctrl-C stopped a build.  ``output_changed`` says whether it came after the new output was in place
    (the swap is one rename: before it the previous output is all there, after it the new one is)."""

    def __init__(self, output_changed: bool = False):
        super().__init__("interrupted")
        self.output_changed = output_changed


class StageCrash(Exception):  # noqa: N818 - "crash" says what it is better than "error" would
    """A stage raised on one dump: a bug.  Carries the dump and the stage; the original exception is
    its ``__cause__`` (from a worker process: its traceback, as text)."""

    def __init__(self, raw_path: str | None, stage: str, detail: str):
        where = f"{raw_path}: " if raw_path else ""
        super().__init__(f"{where}the {stage} stage crashed: {detail}")
        self.raw_path, self.stage, self.detail = raw_path, stage, detail

    def __reduce__(self):  # rebuilt from its fields when it comes back from a worker process
        return (type(self), (self.raw_path, self.stage, self.detail))
