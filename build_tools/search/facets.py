"""The filters file over every bundle (bundle.facets_json), from each bundle's page facts kept in the cache by
bundle name (moved from tiers.py, session 29)."""

from __future__ import annotations

import json
from pathlib import Path

from build_tools.search.bundle import facets_json, page_facts


def bundle_dirs(out: Path) -> list[Path]:
    """The bundles of a written search output, in page order."""
    entry = json.loads((out / "pagefind-entry.json").read_text(encoding="utf-8"))
    (info,) = entry["languages"].values()
    return [out / b["dir"] for b in info["bundles"]]


def keep_facts(cache: Path, name: str, facts: dict) -> None:
    """A merged bundle's page facts where write_facets looks for them (so it never reads the bundle's
    ~10,000 fragments back: ~1 s of each re-merge of the old articles at 10k)."""
    store = cache / "facets"
    store.mkdir(parents=True, exist_ok=True)
    (store / f"{name}.json").write_text(json.dumps(facts, ensure_ascii=False), encoding="utf-8")


def write_facets(out: Path, target: Path, cache: Path) -> bool:
    """The filters file over every bundle (bundle.facets_json), from each bundle's facts (kept in the
    cache by bundle name: a bundle's fragments are read once).  True if the file changed."""
    store = cache / "facets"
    store.mkdir(parents=True, exist_ok=True)
    parts = []
    for d in bundle_dirs(out):
        kept = store / f"{d.name}.json"
        try:
            parts.append(json.loads(kept.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            facts = page_facts(d)
            kept.write_text(json.dumps(facts, ensure_ascii=False), encoding="utf-8")
            parts.append(facts)
    for f in store.iterdir():
        if f.stem not in {d.name for d in bundle_dirs(out)}:
            f.unlink(missing_ok=True)
    data = facets_json(parts)
    if target.is_file() and target.read_text(encoding="utf-8") == data:
        return False
    target.write_text(data, encoding="utf-8")
    return True
