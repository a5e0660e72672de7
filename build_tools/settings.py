"""One settings object, loaded once (from the command line, or by a caller of ``build()``)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE_DIR = Path(__file__).parent.resolve()
RULES_DIR = PACKAGE_DIR / "rules"  # the package's own rules (build_tools/rules)
SCHEMAS_DIR = PACKAGE_DIR / "schemas"  # JSON Schemas of front matter, corrections and the entity registry
MAX_DUMP_BYTES = 5 * 1024 * 1024  # larger files are rejected (README); real articles are well under 1 MB
# `build --fetch-images`: a picture larger than this is not kept; one host is asked at most once per interval.
MAX_IMAGE_BYTES = 10 * 1024 * 1024
IMAGE_HOST_INTERVAL = 1.0  # seconds
# The site's name: the home page's heading and the feed's title.  mkdocs.yml's site_name says the
# same for the theme (tests/test_build_api.py checks that they agree).
SITE_TITLE = "中文文章存档"
# The deploy workflow sets SITE_URL (mkdocs.yml reads the same variable); local builds get a placeholder.
DEFAULT_SITE_URL = "http://127.0.0.1:8000/"


def site_url_from_environment() -> str:
    return os.environ.get("SITE_URL") or DEFAULT_SITE_URL


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
    rules_dir: Path = RULES_DIR  # generic.yml + portals.yml; part of the cache key of the stages that read them
    site_title: str = SITE_TITLE
    site_url: str = field(default_factory=site_url_from_environment)  # the feed's links start with it
    fetch_images: bool = False  # download remote pictures into docs/assets/images (else: only use those there)
    max_image_bytes: int = MAX_IMAGE_BYTES
    image_host_interval: float = IMAGE_HOST_INTERVAL
    images_from_private_hosts: bool = False  # fetch from this machine / a private network: tests only
    # A build for deployment (--deploy): the public address is required, not the local placeholder.
    deploy: bool = False
    # Publish each dump as it was saved (articles/raw/<slug>.html, noindex) beside the provenance view.
    publish_raw: bool = False
    # When each dump entered raw/: git history first (runtime/added.py), else this stored record.
    added_record: Path = Path(".cache/added.json")
    added_from_git: bool = True
    # The live preview (one process, many builds): keep the records the last build used in memory instead of
    # reading them from the build cache again (runtime/stages.py).  A one-off build gains nothing from it.
    keep_warm: bool = False
    # `make site` (build_tools/make_site.py): the records only the next build reads (Runner.put_latest: the related
    # tables, the slugs, the report a build with nothing to do replays) are written after the site step is told to
    # go, while it renders, by pipeline.write_deferred.  Not written (the process stopped first): the next build
    # works them out again.
    defer_latest: bool = False
