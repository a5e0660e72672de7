"""The alias index over entities.yml, made once per registry text, not once per build.

Reading the registry is pure-Python YAML with limits plus a JSON Schema check (~0.6–1 s, half a no-op
build's floor at 2k); the index over it is a pickle of ~85 kB that loads in a millisecond (the automaton
pickles with it).  So the index is kept twice, both keyed by the file's bytes and its path (the registry
names its file in messages): in this process (the live preview builds many times with the same file) and
in the build cache under this module's code key (every ``make site`` is a new process).  The link stage's
registry key is the digest of the same bytes, so the index and the key never describe two versions of a
file saved during the build.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from build_tools.entities.matcher import AliasIndex
from build_tools.entities.registry import RegistryError, load_registry, registry_from_text

# (digest, path) → index: the last registry this process used (one entry: a new text replaces it).
_WARM: dict[tuple[str, str], AliasIndex] = {}

Memo = Callable[..., Any]  # Runner.whole: (func, inputs, *args) → func(*args), cached under inputs


def alias_index(path: Path, whole: Memo) -> tuple[AliasIndex | None, str]:
    """(the index, or None without a registry file; the registry key linked articles are cached under)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, hashlib.sha256(b"").hexdigest()[:16]
    except OSError:
        return AliasIndex.build(load_registry(path)), ""  # load_registry names the file and the reason
    digest = hashlib.sha256(data).hexdigest()
    warm = (digest, str(path))
    index = _WARM.get(warm)
    if index is None:
        index = whole(index_from_bytes, list(warm), data, str(path))
        _WARM.clear()
        _WARM[warm] = index
    return index, digest[:16]


def index_from_bytes(data: bytes, path: str) -> AliasIndex:
    """The alias index a registry file's bytes describe (raises RegistryError naming the file)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RegistryError([f"{path}: cannot read: {exc}"]) from exc
    return AliasIndex.build(registry_from_text(text, path))
