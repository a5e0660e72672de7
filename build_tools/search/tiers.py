"""The search output as a few Pagefind bundles read together (issue 15): which shards each bundle merges,
writing only the bundles whose shards changed, and the filters file over all of them.

Why several bundles: one sorted word list means one new article re-merges (and re-compresses) every
chunk of the one bundle, ~O(archive) per edit.  Articles are sharded in (date, path) order at
content-defined boundaries (pagekeys.shard_groups), so a new article lands in the last shard; the shards
are merged into tiers, a pure function of the shard list (never of build history, so an incremental
index equals one built from nothing):

* ``entities``: every page that is not an article (entity pages, hand-written pages);
* ``old``: the articles' shards in whole groups of RECENT_SHARDS, all but the group holding the last
  shard; merged again only when a group fills up (every ~RECENT_SHARDS × 32 new articles) or when an old
  article changes;
* ``recent``: the rest (1 to RECENT_SHARDS shards): what a new article re-merges.

The browser (theme/assets/search/pfindex.js) reads ``pagefind/pagefind-entry.json`` (the list of bundles)
and each bundle's meta, looks every token up in each bundle and numbers pages across bundles in this
order, so page numbers ascend with (date, path) and a tie ranks newest first.  A small bundle's chunks
are smaller (chunk_units below), so the extra bundles cost a query little: its tokens' chunks in them.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import pickle
import shutil
from pathlib import Path

import cbor2

from build_tools.search.bundle import facets_json, facts_of, meta_file, page_facts, page_files, read_pf
from build_tools.search.merge import joined_segments, link_or_copy, merge_bundles

RECENT_SHARDS = 8
# A bundle of REFERENCE_UNITS (location + 1) units (~4,000 articles) or more is chunked at the merge's
# chunk_units; a smaller one at chunk_units × sqrt(its share), no lower than MIN_CHUNK_UNITS: a query
# pays a chunk per token and bundle plus the bundle's chunk list (in its meta, or a block of it:
# merge.RANGE_BLOCK), and the sum of the two is smallest when the chunk size grows with the square root
# of the bundle. Measured at 5k (57 queries): the entities' bundle (101 pages) at 1,000 units cost
# ~2.4 kB a token, at ~190 ~0.5 kB; the recent articles' (106 pages) at ~1,260 units 3.2 kB, at ~315 ~1 kB.
REFERENCE_UNITS = 20_000_000
MIN_CHUNK_UNITS = 100
ENTRY = "pagefind-entry.json"
RECORD = "bundles.json"


def plan(kinds: list[bool]) -> list[list[list[int]]]:
    """Each bundle's shard indexes, in page order, in groups merged through a kept join (joined_segments):
    the old bundle's groups of RECENT_SHARDS, one group of every shard for the others. ``kinds[i]`` is True
    for an article shard (the article shards come first, in (date, path) order)."""
    arts = [i for i, art in enumerate(kinds) if art]
    others = [i for i, art in enumerate(kinds) if not art]
    cut = RECENT_SHARDS * ((len(arts) - 1) // RECENT_SHARDS) if arts else 0
    old = [arts[k : k + RECENT_SHARDS] for k in range(0, cut, RECENT_SHARDS)]
    return [b for b in ([[i] for i in others], old, [[i] for i in arts[cut:]]) if b]


def chunk_units_for(segments: list[tuple[list, list]], chunk_units: int) -> int:
    units = sum(s[7] for _m, segs in segments for s in segs)
    scaled = int(chunk_units * math.sqrt(min(1.0, units / REFERENCE_UNITS)))
    return min(chunk_units, max(MIN_CHUNK_UNITS, scaled))


def bundle_key(code: str, shard_keys: list[str], chunk_units: int) -> str:
    h = hashlib.sha256(f"{code}\0{chunk_units}\0".encode())
    for k in shard_keys:
        h.update(k.encode() + b"\n")
    return "b" + h.hexdigest()[:12]


def write_bundles(keys: list[str], kinds: list[bool], store: Path, out: Path, cache: Path, language: str,
                  code: str, chunk_units: int, jobs: int) -> tuple[int, int]:
    """Write ``out`` as the bundles of ``plan``: each merged unless the one already there is the merge
    of the very same shards; the entry file listing them; bundles no longer listed removed.
    Returns (bundles, bundles merged)."""
    record_file = cache / RECORD
    try:
        done = json.loads(record_file.read_text(encoding="utf-8"))
        done = done if isinstance(done, dict) and done.get("out") == str(out) else {}
    except (OSError, ValueError):
        done = {}
    have = done.get("bundles", {}) if isinstance(done.get("bundles"), dict) else {}
    out.mkdir(parents=True, exist_ok=True)
    listed, merged, state = [], 0, {}
    groups_used: set[str] = set()
    for part in plan(kinds):
        groups = [[keys[i] for i in g] for g in part]
        name = bundle_key(code, [k for g in groups for k in g], chunk_units)
        target = out / name
        if have.get(name) is None or have.get(name) != _entry_digest(target):
            facts = _merge_one([_group(g, store, cache) if len(g) > 1 else store / g[0] for g in groups], target,
                               language, chunk_units, jobs)
            _keep_facts(cache, name, facts)
            merged += 1
        groups_used.update(_group_name(g) for g in groups if len(g) > 1)
        state[name] = _entry_digest(target)
        listed.append(name)
    for d in out.iterdir():
        if d.name not in listed and d.name != ENTRY:
            shutil.rmtree(d) if d.is_dir() else d.unlink()
    _write_entry(out, listed, language)
    if (cache / "groups").is_dir():
        for d in (cache / "groups").iterdir():
            if d.name not in groups_used:
                shutil.rmtree(d, ignore_errors=True)
    tmp = record_file.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"out": str(out), "bundles": state}), encoding="utf-8")
    os.replace(tmp, record_file)
    return len(listed), merged


def _entry_digest(bundle: Path) -> str | None:
    try:
        return hashlib.sha256((bundle / ENTRY).read_bytes()).hexdigest()
    except OSError:
        return None


def _group_name(keys: list[str]) -> str:
    return "g" + hashlib.sha256("\n".join(keys).encode()).hexdigest()[:24]


def _group(keys: list[str], store: Path, cache: Path) -> Path:
    """A kept join of several shards (merge.joined_segments), laid out as a shard: ``bundle/`` (Pagefind's
    files and every page's fragment, hard links) and ``segments.pkl``; made unless already kept."""
    final = cache / "groups" / _group_name(keys)
    if (final / "segments.pkl").is_file():
        return final
    tmp = final.with_name(f".tmp-{final.name}-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    segments = [pickle.loads((store / k / "segments.pkl").read_bytes()) for k in keys]
    first = store / keys[0] / "bundle"
    shutil.copytree(first, tmp / "bundle", ignore=shutil.ignore_patterns("index", "fragment", "*.pf_meta"))
    (tmp / "bundle" / "fragment").mkdir()
    for k, (meta, _segs) in zip(keys, segments, strict=True):
        for frag_hash, _wc in meta[1]:
            name = f"{frag_hash}.pf_fragment"
            link_or_copy(store / k / "bundle" / "fragment" / name, tmp / "bundle" / "fragment" / name)
    data = pickle.dumps(joined_segments(segments), protocol=pickle.HIGHEST_PROTOCOL)
    (tmp / "segments.pkl").write_bytes(data)
    shutil.rmtree(final, ignore_errors=True)
    os.replace(tmp, final)
    return final


def _merge_one(sources: list[Path], target: Path, language: str, chunk_units: int, jobs: int) -> dict:
    """Merge ``sources`` (shards or kept joins: ``bundle/`` + ``segments.pkl`` each) into the bundle ``target``;
    return its page facts (bundle.page_facts), made from the sources' kept facts."""
    segments = [pickle.loads((d / "segments.pkl").read_bytes()) for d in sources]
    hashes = [h for meta, _segs in segments for h, _wc in meta[1]]
    tmp = target.with_name(f".tmp-{target.name}-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    merge_bundles([d / "bundle" for d in sources], tmp, language,
                  chunk_units=chunk_units_for(segments, chunk_units), segments=segments, threads=jobs)
    del segments
    # Not check_bundle: every file here was written whole by this process (write_pf) or is a link to a
    # checked shard's; reading the ~16,000 files of a 10k bundle back cost ~1 s of each re-merge.
    names = page_files(cbor2.loads(read_pf(meta_file(tmp))))
    for f in tmp.glob("pagefind-*ui*"):  # Pagefind's stock UIs: the site has its own (assets/search/search.js)
        f.unlink()
    (tmp / "pagefind-highlight.js").unlink(missing_ok=True)
    shutil.rmtree(target, ignore_errors=True)
    os.replace(tmp, target)
    entity_names: dict[str, str] = {}
    by_hash: dict[str, list] = {}
    for d in sources:
        facts = _source_facts(d)
        entity_names.update(facts["n"])
        by_hash.update(facts["p"])
    return {"n": entity_names, "p": {name: by_hash[h] for name, h in zip(names, hashes, strict=True)}}


def _source_facts(source: Path) -> dict:
    """{"n": entity names, "p": {fragment hash: facts}} of a shard or kept join, kept in ``facts.json`` beside
    its segments (a source folder is replaced whole when it changes, so the file never goes stale)."""
    kept = source / "facts.json"
    try:
        return json.loads(kept.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    frags = sorted((source / "bundle" / "fragment").glob("*.pf_fragment"))
    facts = facts_of({f.name.removesuffix(".pf_fragment"): json.loads(read_pf(f)) for f in frags})
    tmp = kept.with_name(f".facts.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(facts, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, kept)
    return facts


def _write_entry(out: Path, names: list[str], language: str) -> None:
    """``pagefind/pagefind-entry.json``: Pagefind's entry shape (version, page_count: what the preview and
    its tests read) plus the bundles in page order, each with its meta file's hash."""
    bundles, total, version = [], 0, ""
    for name in names:
        entry = json.loads((out / name / ENTRY).read_text(encoding="utf-8"))
        info = entry["languages"][language]
        version = entry.get("version", version)
        bundles.append({"dir": name, "hash": info["hash"], "page_count": info["page_count"]})
        total += info["page_count"]
    doc = {"version": version, "languages": {language: {"page_count": total, "bundles": bundles}}}
    data = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    if (out / ENTRY).is_file() and (out / ENTRY).read_text(encoding="utf-8") == data:
        return
    tmp = out / f".{ENTRY}.{os.getpid()}.tmp"
    tmp.write_text(data, encoding="utf-8")
    os.replace(tmp, out / ENTRY)


def _keep_facts(cache: Path, name: str, facts: dict) -> None:
    """A merged bundle's page facts where write_facets looks for them (so it never reads the bundle's
    ~10,000 fragments back: ~1 s of each re-merge of the old articles at 10k)."""
    store = cache / "facets"
    store.mkdir(parents=True, exist_ok=True)
    (store / f"{name}.json").write_text(json.dumps(facts, ensure_ascii=False), encoding="utf-8")


def bundle_dirs(out: Path) -> list[Path]:
    """The bundles of a written search output, in page order."""
    entry = json.loads((out / ENTRY).read_text(encoding="utf-8"))
    (info,) = entry["languages"].values()
    return [out / b["dir"] for b in info["bundles"]]


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
