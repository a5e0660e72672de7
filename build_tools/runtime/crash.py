"""The crash wrapper: an exception from a stage comes out naming the dump and the stage.

A stage returns a ``Failure`` for a data problem; an exception is a bug.  It is re-raised as
:class:`~build_tools.model.errors.StageCrash` (the dump's path, the stage's name, the original
exception chained as its cause), in a worker process as in the main one.  The project's own
:class:`~build_tools.model.errors.BuildError` passes through unchanged: it is the user's to fix.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from build_tools.model import Article, Failure
from build_tools.model.errors import BuildError, StageCrash

R = TypeVar("R")
Step = tuple[str, Callable[[Article], "Article | Failure"]]


def guarded(stage: str, raw_path: str | None, func: Callable[..., R], *args: Any) -> R:
    """``func(*args)``; an exception from it becomes a :class:`StageCrash` for ``raw_path`` in ``stage``."""
    try:
        return func(*args)
    except (BuildError, StageCrash):
        raise
    except Exception as error:
        raise StageCrash(raw_path, stage, f"{type(error).__name__}: {error}") from error


def run_steps(article: Article | Failure, steps: Sequence[Step]) -> Article | Failure:
    """Each named step on the article in turn, until one returns a Failure; a crash names its step."""
    for name, step in steps:
        if isinstance(article, Failure):
            break
        article = guarded(name, article.raw_path, step, article)
    return article
