"""What a stage's cached results depend on besides their inputs: its code, the libraries, the rules.

A stage's code is the source of the module that holds its work and of every project module that
module imports, directly or through others (found by reading ``import`` statements, including
those inside functions, never by running them).  Editing ``serve.py`` or ``cli.py`` therefore
changes no stage's key and every cached article is reused, while editing ``stages/clean`` changes
the key of the stages that run it.  ``requirements.lock`` is part of every key: upgrading OpenCC
or BeautifulSoup can change any output.  The rules folder in use (``--rules``) is part of the key
of a stage whose code reads rules, and the JSON Schemas shipped with the package are part of
every key (they are small and decide what a page may hold).
"""

from __future__ import annotations

import ast
import hashlib
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


@lru_cache(maxsize=512)
def _imports(module: str, package_dir: Path) -> frozenset[str]:
    """The project modules ``module``'s source names in its import statements.

    ``from build_tools.stages import clean`` names ``build_tools.stages.clean`` when that is a
    module, else the package ``build_tools.stages``.  A package's ``__init__`` is counted only where
    it is imported by name: the root package (the public API) is no stage's code.
    """
    path = _source(module, package_dir)
    tree = ast.parse(path.read_bytes(), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, package)
            found.update(_from_import(base, (alias.name for alias in node.names), package_dir))
    return frozenset(name for name in found if _is_project_module(name, package_dir))


def _absolute(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    parts = package.split(".")
    base = ".".join(parts[: len(parts) - node.level + 1])
    return f"{base}.{node.module}" if node.module else base


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
    relative = Path(*module.split(".")[1:])
    for candidate in (package_dir / relative.with_suffix(".py"), package_dir / relative / "__init__.py"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"no source for {module} under {package_dir}")
