"""The entity registry (entities.yml) as the build uses it: loaded, schema-checked, indexed once."""

from __future__ import annotations

import hashlib
from pathlib import Path

from build_tools.entities.matcher import AliasIndex
from build_tools.entities.registry import load_registry


def load_index(entities_path: Path) -> AliasIndex | None:
    """The alias index over entities.yml, or None when there is no registry (articles are not cross-linked)."""
    if not entities_path.exists():
        return None
    return AliasIndex.build(load_registry(entities_path))


def registry_key(entities_path: Path) -> str:
    """Changes whenever the registry does: linked results are cached under it."""
    data = entities_path.read_bytes() if entities_path.exists() else b""
    return hashlib.sha256(data).hexdigest()[:16]


def entity_names(index: AliasIndex | None) -> dict[str, str]:
    """Entity id → display name, as pages show it."""
    if index is None:
        return {}
    return {entity.id: entity.name for entity in index.registry.entities}
