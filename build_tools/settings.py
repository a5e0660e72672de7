"""One settings object, loaded once from the command line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).parent.resolve()
RULES_DIR = PACKAGE_DIR / "rules"  # the package's own rules (build_tools/rules)
SCHEMAS_DIR = PACKAGE_DIR / "schemas"  # JSON Schemas of front matter, corrections and the entity registry
MAX_DUMP_BYTES = 5 * 1024 * 1024  # larger files are rejected (README); real articles are well under 1 MB


@dataclass(frozen=True)
class Settings:
    raw_dir: Path = Path("raw")
    docs_dir: Path = Path("docs")
    report_path: Path | None = None
    strict: bool = False
    quiet: bool = False
    entities_path: Path = Path("entities.yml")
    overrides_path: Path = Path("overrides.yml")
    cache_dir: Path = Path(".cache/build")
    use_cache: bool = True
    jobs: int = 0  # 0: one worker per core
    max_dump_bytes: int = MAX_DUMP_BYTES
    rules_dir: Path = RULES_DIR  # generic.yml + portals.yml; part of every cache key
