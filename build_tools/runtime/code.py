"""What a stage's cached results depend on besides their inputs: its code, the libraries, the rules.

A stage's code is the source of the module that holds its work and of every project module that
module imports, directly or through others (found by reading ``import`` statements, including
those inside functions, never by running them).  Editing ``serve/`` or ``cli.py`` therefore
changes no stage's key and every cached article is reused, while editing ``stages/clean`` changes
the key of the stages that run it.  ``requirements.lock`` is part of every key: upgrading OpenCC
or BeautifulSoup can change any output.  The rules folder in use (``--rules``) is part of the key
of a stage whose code reads rules, and the JSON Schemas shipped with the package are part of
every key (they are small and decide what a page may hold).
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from build_tools.settings import PACKAGE_DIR, SCHEMAS_DIR

PROJECT = PACKAGE_DIR.name  # "build_tools"
LOCK_FILE = PACKAGE_DIR.parent / "requirements.lock"
RULES_MODULE = f"{PROJECT}.config.rules"  # the module that reads the rules folder


def stage_key(module: str, rules_dir: Path, package_dir: Path = PACKAGE_DIR, lock_file: Path = LOCK_FILE) -> str:
    """The code key of the stage whose work lives in ``module`` (a dotted name inside the package)."""
    return _stage_key(module, rules_dir.resolve(), package_dir.resolve(), lock_file)


@lru_cache(maxsize=32)
def _stage_key(module: str, rules_dir: Path, package_dir: Path, lock_file: Path) -> str:
    modules = closure(module, package_dir)
    digest = hashlib.sha256()
    for name in sorted(modules):
        digest.update(name.encode() + b"\0" + _source(name, package_dir).read_bytes() + b"\0")
    digest.update(b"requirements.lock\0" + (lock_file.read_bytes() if lock_file.is_file() else b"(none)"))
    data = sorted((package_dir / SCHEMAS_DIR.relative_to(PACKAGE_DIR)).glob("*.json"))
    if RULES_MODULE in modules:
        data += sorted(rules_dir.glob("*.yml"))
    for path in data:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def closure(module: str, package_dir: Path = PACKAGE_DIR) -> frozenset[str]:
    """``module`` and every project module it imports, transitively."""
    seen: set[str] = set()
    todo = [module]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo.extend(_imports(name, package_dir) - seen)
    return frozenset(seen)


# Import statements, found by reading the source rather than parsing it (parsing every module costs a
# quarter of a second per build).  A statement quoted in a docstring counts too: one dependency too many
# costs a recomputation now and then, never a stale page.
_FROM = re.compile(r"^[ \t]*from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)", re.M)
_IMPORT = re.compile(r"^[ \t]*import[ \t]+([^\n]*)", re.M)


@lru_cache(maxsize=512)
def _imports(module: str, package_dir: Path) -> frozenset[str]:
    """The project modules ``module``'s source names in its import statements (also those inside functions).

    ``from build_tools.stages import clean`` names ``build_tools.stages.clean`` when that is a
    module, else the package ``build_tools.stages``.  A package's ``__init__`` is counted only where
    it is imported by name: the root package (the public API) is no stage's code.
    """
    path = _source(module, package_dir)
    text = path.read_text(encoding="utf-8")
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for match in _IMPORT.finditer(text):
        found.update(_names(match.group(1)))
    for match in _FROM.finditer(text):
        found.update(_from_import(_absolute(match.group(1), package), _names(match.group(2)), package_dir))
    return frozenset(name for name in found if _is_project_module(name, package_dir))


def _names(clause: str) -> list[str]:
    """``a, b as c`` (or a parenthesised list over several lines, comments and all) → ``["a", "b"]``."""
    clause = re.sub(r"#[^\n]*", "", clause).strip("() \t\n")
    return [part.split()[0] for part in clause.split(",") if part.strip()]


def _absolute(base: str, package: str) -> str:
    level = len(base) - len(base.lstrip("."))
    if not level:
        return base
    parts = package.split(".")
    start = ".".join(parts[: len(parts) - level + 1])
    return f"{start}.{base[level:]}" if base[level:] else start


def _from_import(base: str, names: Iterable[str], package_dir: Path) -> set[str]:
    found = set()
    for name in names:
        submodule = f"{base}.{name}"
        found.add(submodule if _is_project_module(submodule, package_dir) else base)
    return found


def _is_project_module(name: str, package_dir: Path) -> bool:
    if name != PROJECT and not name.startswith(PROJECT + "."):
        return False
    if name == PROJECT:
        return False  # the root package: the public API, no stage's code
    try:
        _source(name, package_dir)
    except FileNotFoundError:
        return False
    return True


def _source(module: str, package_dir: Path) -> Path:
    if module.startswith(PROJECT + "."):
        relative = Path(*module.split(".")[1:])
        for candidate in (package_dir / relative.with_suffix(".py"), package_dir / relative / "__init__.py"):
            if candidate.is_file():
                return candidate
    else:  # a stage defined outside the package (a test's): its own file, then the project modules it imports
        spec = importlib.util.find_spec(module)
        if spec is not None and spec.origin and spec.origin.endswith(".py"):
            return Path(spec.origin)
    raise FileNotFoundError(f"no source for {module} under {package_dir}")
