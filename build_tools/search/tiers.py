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
  article changes.  Past OLD_PART_GROUPS groups (~12,000 articles) the old articles are several bundles
  (``old``, ``old-2``…) of that many groups each, counted from the oldest, so a new group never moves an
  earlier part's shards;
* ``recent``: the rest (1 to RECENT_SHARDS shards): what a new article re-merges.

The browser (theme/assets/search/pfindex.js) reads ``pagefind/pagefind-entry.json`` (the list of bundles)
and each bundle's meta, looks every token up in each bundle and numbers pages across bundles in this
order, and within a bundle in slot order (slots.py: by day, then a hash of the path), so page numbers
ascend with the date and a tie ranks newest first.  A small bundle's chunks
are smaller (chunk_units below), so the extra bundles cost a query little: its tokens' chunks in them.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import math
import os
import pickle
import shutil
from pathlib import Path

from build_tools.search import splice, streams
from build_tools.search.bundle import facts_of, read_pf
from build_tools.search.facets import bundle_dirs, keep_facts, write_facets
from build_tools.search.layout import lay_out
from build_tools.search.merge import joined_segments, link_fragments, shard_in_slots, word_stream
from build_tools.search.segments import remapped
from build_tools.search.slots import base36, page_slots
from build_tools.search.writer import SPARE, Spares, Tally, tree_size, write_changed

RECENT_SHARDS = 8
# Why the old articles are cut into parts past this many groups: a full merge holds its whole bundle's word
# lists, ~68 MB per 1,000 pages (at 10k, merged alone: 2,119 pages 179 MB, 3,625 pages 296 MB, 9,865 pages
# 689 MB peak RSS), so one old bundle of 50,000 articles reached 2.4-3.2 GB (issue 15's bound: 1.5 GB).
# Not smaller: each bundle costs every query its meta and one chunk per token (at 10k, parts of 16 groups:
# first query +12% gzip bytes; of 8: +25%), so an archive up to this size keeps its one old bundle.
# 48 groups of 8 shards: ~12,000 generated articles.
OLD_PART_GROUPS = 48
# A bundle of REFERENCE_UNITS (location + 1) units (~4,000 articles) or more is chunked at the merge's
# chunk_units; a smaller one at chunk_units × sqrt(its share), no lower than MIN_CHUNK_UNITS: a query
# pays a chunk per token and bundle plus the bundle's chunk list (in its meta, or a block of it:
# merge.RANGE_BLOCK), and the sum of the two is smallest when the chunk size grows with the square root
# of the bundle. Measured at 5k (57 queries): the entities' bundle (101 pages) at 1,000 units cost
# ~2.4 kB a token, at ~190 ~0.5 kB; the recent articles' (106 pages) at ~1,260 units 3.2 kB, at ~315 ~1 kB.
REFERENCE_UNITS = 20_000_000
MIN_CHUNK_UNITS = 100
ENTRY = "pagefind-entry.json"
RECORDS = "written"  # what each bundle's last merge wrote (cache/written/<bundle>.json)
STREAMS = "streams"  # each bundle's last word stream (splice.Kept)
__all__ = ["bundle_dirs", "write_facets"]  # (moved to facets.py; callers use them from here)


def plan(kinds: list[bool]) -> list[tuple[str, list[list[int]]]]:
    """Each bundle's role and shard indexes, in page order, in groups merged through a kept join
    (joined_segments): the old bundles' groups of RECENT_SHARDS (OLD_PART_GROUPS groups a bundle), one group
    of every shard for the others. ``kinds[i]`` is True for an article shard (the article shards come first,
    in (date, path) order)."""
    arts = [i for i, art in enumerate(kinds) if art]
    others = [i for i, art in enumerate(kinds) if not art]
    cut = RECENT_SHARDS * ((len(arts) - 1) // RECENT_SHARDS) if arts else 0
    old = [arts[k : k + RECENT_SHARDS] for k in range(0, cut, RECENT_SHARDS)]
    olds = [(f"old-{n + 1}" if n else "old", old[k : k + OLD_PART_GROUPS])
            for n, k in enumerate(range(0, len(old), OLD_PART_GROUPS))]
    parts = [("entities", [[i] for i in others]), *olds, ("recent", [[i] for i in arts[cut:]])]
    return [(role, groups) for role, groups in parts if groups]


def bundle_name(code: str, role: str, chunk_units: int) -> str:
    """A bundle's folder: the same for as long as the code and its role are (its files change in place)."""
    return "b" + hashlib.sha256(f"{code}\0{chunk_units}\0{role}".encode()).hexdigest()[:12]


def write_bundles(keys: list[str], kinds: list[bool], store: Path, out: Path, cache: Path, language: str,
                  code: str, chunk_units: int, jobs: int, width: int) -> tuple[int, int, int, int]:
    """Write ``out`` as the bundles of ``plan``: each merged again unless its record says it is the merge of
    the very same shards in slots of the same ``width`` (slots per day: slots.slot_width of every dated article);
    the entry file listing them; bundles no longer listed removed.  Returns (bundles, bundles merged, files and
    bytes under ``out``: each bundle's kept in its record, not walked again)."""
    out.mkdir(parents=True, exist_ok=True)
    listed, merged, files, size = [], 0, 0, 0
    groups_used: set[str] = set()
    for role, part in plan(kinds):
        name = bundle_name(code, role, chunk_units)
        shard_keys = [keys[i] for g in part for i in g]
        record = _record(cache, name, out)
        intact = record.get("entry") == _entry_digest(out / name)  # the folder is as the record says
        if record.get("shards") != shard_keys or record.get("width") != width or not intact:
            tally, tree = Tally(), record.get("tree") if intact else None
            record = _merge_one(name, [[keys[i] for i in g] for g in part], store, out, cache, language,
                                chunk_units, jobs, record, groups_used, width, tally)
            record["shards"], record["width"] = shard_keys, width
            record["entry"] = _entry_digest(out / name)
            record["tree"] = [tree[0] + tally.files, tree[1] + tally.bytes] if tree else [*tree_size(out / name)]
            _save_record(cache, name, out, record)
            merged += 1
        else:
            groups_used.update(record.get("groups", []))
            if not record.get("tree"):  # (a record from before the figures were kept: counted once)
                record["tree"] = [*tree_size(out / name)]
                _save_record(cache, name, out, record)
        files, size = files + record["tree"][0], size + record["tree"][1]
        listed.append(name)
    for d in out.iterdir():
        if d.name not in listed and d.name != ENTRY:
            shutil.rmtree(d) if d.is_dir() else d.unlink()
    # (a stream of a bundle gone: ~90 MB at 10k; its pieces in "<bundle>.<token>.pack": packs.py)
    for kept, suffix in ((RECORDS, ".json"), (STREAMS, ".pkl"), (STREAMS, ".pack")):
        for f in (cache / kept).glob(f"*{suffix}") if (cache / kept).is_dir() else []:
            if f.name.split(".")[0] not in listed:
                f.unlink(missing_ok=True)
    _write_entry(out, listed, language)
    if (cache / "groups").is_dir():
        for f in (cache / "groups").iterdir():
            if f.stem not in groups_used:
                shutil.rmtree(f, ignore_errors=True) if f.is_dir() else f.unlink(missing_ok=True)
    return len(listed), merged, files + 1, size + (out / ENTRY).stat().st_size


def _record(cache: Path, name: str, out: Path) -> dict:
    """What the last merge of bundle ``name`` wrote into ``out``: its shards, entry file digest, files."""
    try:
        record = json.loads((cache / RECORDS / f"{name}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) and record.get("out") == str(out) else {}


def _save_record(cache: Path, name: str, out: Path, record: dict) -> None:
    (cache / RECORDS).mkdir(parents=True, exist_ok=True)
    final = cache / RECORDS / f"{name}.json"
    tmp = final.with_name(f".{final.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({**record, "out": str(out)}), encoding="utf-8")
    os.replace(tmp, final)


def _entry_digest(bundle: Path) -> str | None:
    try:
        return hashlib.sha256((bundle / ENTRY).read_bytes()).hexdigest()
    except OSError:
        return None


def _group(keys: list[str], slots: list[list[int]], store: Path, cache: Path) -> tuple:
    """A kept join of several shards (merge.joined_segments) in the bundle's slots, made unless already kept
    (by the shards' keys and their pages' slots)."""
    h = hashlib.sha256("\n".join(keys).encode())
    for s in slots:
        h.update(repr(s).encode())
    final = cache / "groups" / f"g{h.hexdigest()[:24]}.pkl"
    try:
        with final.open("rb") as f:
            return final.stem, pickle.load(f)
    except (OSError, pickle.UnpicklingError, EOFError):
        pass
    segments = [shard_in_slots(store / k, s) for k, s in zip(keys, slots, strict=True)]
    joined = joined_segments(segments)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f".{final.name}.{os.getpid()}.tmp")
    with tmp.open("wb") as f:
        pickle.dump(joined, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, final)
    return final.stem, joined


def _merge_one(name: str, groups: list[list[str]], store: Path, out: Path, cache: Path, language: str,
               chunk_units: int, jobs: int, record: dict, groups_used: set[str], width: int, tally: Tally) -> dict:
    """Write the bundle ``out/name`` of the shards ``groups``: its word stream spliced from the last merge's
    (splice.py) when that is kept and the change is small, else merged from the shards (their segments in the
    bundle's slots); only the files whose bytes differ from ``record``'s written.  Returns the new record, and
    keeps the bundle's page facts (bundle.page_facts) where write_facets looks for them; the files and bytes the
    writes add to the bundle's folder counted in ``tally``."""
    keys = [k for g in groups for k in g]
    kept_file = cache / STREAMS / f"{name}.pkl"
    kept = streams.load(kept_file)
    known = kept.pages if kept is not None else {}
    pages = {k: known.get(k) or shard_info(store / k) for k in keys}
    urls = [u for k in keys for u in pages[k]["urls"]]
    slots = page_slots(list(zip(urls, [d for k in keys for d in pages[k]["dates"]], strict=True)), width)
    slot_of = dict(zip(urls, slots, strict=True))
    prefix = f"{language}_{name[1:7]}"  # page ids (facets.json) unique across the bundles
    counts = [c for k in keys for c in pages[k]["counts"]]
    laid, how, state = _resumed(kept, keys, pages, slot_of, store, chunk_units, record,
                                [counts, language, prefix, slots])
    if laid is not None:
        runs, limit, skips, fields, version, used, variants, units = state
    else:
        kept = state = None  # the last stream is not needed in a full merge: not held through it (memory)
        stream, runs, fields, version, limit, used, variants, units = _merged(groups, pages, slots, store, cache,
                                                                               chunk_units)
        skips = {}
        laid = lay_out(stream, slots, counts, [version, fields, language], prefix, limit, runs)
        del stream
    groups_used.update(used)
    target = out / name
    (target / "index").mkdir(parents=True, exist_ok=True)
    (target / "fragment").mkdir(exist_ok=True)
    frags = link_fragments(keys, pages, store, target, prefix, slots, record.get("frags", {}), tally)
    kept = splice.Kept(keys, slot_of, limit, laid.stream, laid.runs, pages, fields, version, variants,
                       splice.kept_skips(skips, runs, laid.runs), [*laid.chunks], units)
    # the kept stream pickled while the files are compressed (in other threads, without the GIL)
    index_record, written_n = write_changed(target, laid.files, record.get("files", {}), jobs, Spares(cache / SPARE),
                                            lambda: streams.save(kept_file, kept), tally)
    _static_files(store / keys[0] / "bundle", target, tally)
    meta_name = next(rel for rel in laid.files if rel.endswith(".pf_meta"))
    _bundle_entry(store / keys[0] / "bundle", target, language, meta_name, len(urls), tally)
    keep_facts(cache, name, {"n": {e: n for k in keys for e, n in pages[k]["facts"]["n"].items()},
                             "p": {f"{prefix}{base36(s)}": f for s, f in
                                   zip(slots, (f for k in keys for f in pages[k]["facts"]["p"]), strict=True)}})
    return {"files": index_record, "frags": frags, "groups": used, "written": written_n,
            "spliced": how == "spliced", "merge": how}


def _resumed(kept: splice.Kept | None, keys: list[str], pages: dict, slot_of: dict[str, int], store: Path,
             chunk_units: int, record: dict, layout: list) -> tuple:
    """(the files laid out, "spliced", (runs, limit, skips, fields, version, groups, variants)) of the change
    spliced into ``kept`` (splice.py) and laid out from its chunks where no changed word is (layout.lay_chunks); or
    (None, why not, None): the caller merges from the shards.  ``layout``: [word counts, language, name prefix,
    slots]."""
    counts, language, prefix, slots = layout
    if kept is None:
        return None, "nothing kept", None
    spliced = _spliced(kept, keys, pages, slot_of, store, chunk_units)
    if not isinstance(spliced, tuple):
        return None, spliced, None
    stream, runs, limit, skips, units, changed = spliced
    # the words whose place in the chunks may differ: changed, or moved into or out of the runs
    dirty = changed | (kept.runs.keys() ^ runs.keys())
    laid = lay_out(stream, slots, counts, [kept.version, kept.fields, language], prefix, limit, runs,
                   kept.chunks if limit == kept.limit else None, dirty)
    return laid, "spliced", (runs, limit, skips, kept.fields, kept.version, record.get("groups", []), kept.variants,
                             units)


def limit_for(units: int, chunk_units: int) -> int:
    scaled = chunk_units * math.sqrt(min(1.0, units / REFERENCE_UNITS))
    # on a grid of quarter powers of two: the limit (and so the splice) moves only when the units grow or
    # shrink by ~41%, not on most changes (2k: 2 of 8 changes fell back to a full merge for this)
    if units < REFERENCE_UNITS:
        scaled = 2 ** (math.floor(4 * math.log2(max(scaled, 1))) / 4)
    return min(chunk_units, max(MIN_CHUNK_UNITS, int(scaled)))


def _merged(groups: list[list[str]], pages: dict, slots: list[int], store: Path, cache: Path,
            chunk_units: int) -> tuple:
    """The word stream of a merge from the shards (through the kept joins of the groups)."""
    sources, at, used = [], 0, []
    for g in groups:
        per = []
        for k in g:
            n = len(pages[k]["urls"])
            per.append(slots[at : at + n])
            at += n
        if len(g) > 1:
            gname, joined = _group(g, per, store, cache)
            used.append(gname)
            sources.append(joined)
        else:
            sources.append(shard_in_slots(store / g[0], per[0]))
    stream, fields, variants = word_stream(sources)
    version = sources[0][0][0]
    del sources
    units = sum(u for _w, _e, u in stream)
    return stream, {}, fields, version, limit_for(units, chunk_units), used, variants, units


def _spliced(kept: splice.Kept, keys: list[str], pages: dict, slot_of: dict[str, int], store: Path,
             chunk_units: int) -> tuple | str:
    """(stream, runs, limit, skip points, units, words changed) of the change from ``kept`` (splice.py), or why not
    (merge from the shards)."""
    before, now = set(kept.shards), set(keys)
    old_side = [k for k in kept.shards if k not in now]
    new_side = [k for k in keys if k not in before]
    for k in now & before:  # a page pushed to another slot: its shard's entries move
        if any(kept.slots.get(u) != slot_of[u] for u in pages[k]["urls"]):
            old_side.append(k)
            new_side.append(k)
    if len(old_side) + len(new_side) > splice.MAX_SHARDS:
        return f"{len(old_side)} + {len(new_side)} shards changed"
    if any(not (store / k).is_dir() for k in old_side):
        return "an old shard is gone"
    try:
        old = _side(old_side, kept.pages, kept.slots, kept.fields, store)
        new = _side(new_side, pages, slot_of, kept.fields, store)
    except (splice.Unspliceable, OSError, KeyError) as exc:
        return f"unreadable: {type(exc).__name__}"
    if old is None or new is None:
        return "new meta fields"
    changes = splice.word_changes(old, new)
    done = splice.spliced(kept, changes, len(slot_of), lambda units: limit_for(units, chunk_units))
    return (*done, set(changes)) if done is not None else "a changed word has variant forms"


def _side(shards: list[str], pages: dict, slot_of: dict[str, int], fields: list[str], store: Path) -> dict | None:
    """Every word of ``shards`` -> {slot: entry} (splice.shard_entries), meta fields numbered as ``fields``."""
    out: dict[str, dict] = {}
    for k in shards:
        meta, segs = pickle.loads((store / k / "segments.pkl").read_bytes())
        own = meta[5] if len(meta) > 5 else []
        if any(f not in fields for f in own):
            return None
        field_map = [fields.index(f) for f in own]
        if field_map != list(range(len(field_map))):
            segs = [remapped(s, field_map) if s[8] else s for s in segs]
        for word, entries in splice.shard_entries(segs, [slot_of[u] for u in pages[k]["urls"]]).items():
            out.setdefault(word, {}).update(entries)
    return out


def shard_info(shard: Path) -> dict:
    """What the merge needs of a shard's pages, in page order: urls, dates, fragment hashes, word counts; and
    its page facts (bundle.page_facts) by page."""
    m = json.loads((shard / "manifest.json").read_text(encoding="utf-8"))
    facts = _source_facts(shard)
    return {"urls": m["urls"], "dates": m["dates"], "frags": m["frags"], "counts": m["counts"],
            "facts": {"n": facts["n"], "p": [facts["p"][h] for h in m["frags"]]}}


def _static_files(first: Path, target: Path, tally: Tally) -> None:
    """Pagefind's files besides the index (pagefind.js, its worker, wasm), from the bundle's first shard."""
    for f in first.iterdir():
        if f.is_file() and f.name != ENTRY and not f.name.endswith(".pf_meta") \
                and not fnmatch.fnmatch(f.name, "pagefind-*ui*") and f.name != "pagefind-highlight.js":
            dest = target / f.name
            if not dest.is_file() or dest.stat().st_size != f.stat().st_size or dest.read_bytes() != f.read_bytes():
                tally.count(dest, -1)
                shutil.copyfile(f, dest)
                tally.count(dest, 1)


def _bundle_entry(first: Path, target: Path, language: str, meta_name: str, pages: int, tally: Tally) -> None:
    entry = json.loads((first / ENTRY).read_text(encoding="utf-8"))
    meta_hash = meta_name.removeprefix("pagefind.").removesuffix(".pf_meta")
    entry["languages"] = {language: {"hash": meta_hash, "wasm": language, "page_count": pages}}
    data = json.dumps(entry, ensure_ascii=False, separators=(",", ":"))
    path = target / ENTRY
    if path.is_file() and path.read_text(encoding="utf-8") == data:
        return
    tmp = path.with_name(f".{ENTRY}.{os.getpid()}.tmp")
    tmp.write_text(data, encoding="utf-8")
    tally.count(path, -1)
    os.replace(tmp, path)
    tally.count(path, 1)


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
