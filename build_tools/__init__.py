"""cn-archive's build step as a library.

    from build_tools import Settings, build, BuildError
    report = build(Settings(raw_dir=Path("raw"), docs_dir=Path("docs")))

``build(settings) -> BuildReport``; every problem the user can fix is a :class:`BuildError`
(``UsageError``, ``ConfigError``, ``OutputError``, ``CacheError``); a crash inside a stage is a
``StageCrash`` naming the dump and the stage.  Names are imported on first use, so importing a
part of the package (``python -m build_tools.search``) does not load the pipeline.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from build_tools.model.errors import (
        BuildError,
        CacheError,
        ConfigError,
        OutputError,
        StageCrash,
        UsageError,
    )
    from build_tools.model.records import BuildReport, BuildWarning, InputResult, Status
    from build_tools.pipeline import build
    from build_tools.settings import Settings

_WHERE = {
    "build": "build_tools.pipeline",
    "Settings": "build_tools.settings",
    "BuildReport": "build_tools.model.records",
    "BuildWarning": "build_tools.model.records",
    "InputResult": "build_tools.model.records",
    "Status": "build_tools.model.records",
    **{name: "build_tools.model.errors"
       for name in ("BuildError", "CacheError", "ConfigError", "OutputError", "StageCrash", "UsageError")},
}

__all__ = [  # the public API; _WHERE says where each name lives
    "BuildError", "BuildReport", "BuildWarning", "CacheError", "ConfigError", "InputResult", "OutputError",
    "Settings", "StageCrash", "Status", "UsageError", "build",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'build_tools' has no attribute {name!r}")
    return getattr(import_module(_WHERE[name]), name)
