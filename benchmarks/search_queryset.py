"""Maintain tests/search_queries.yml against a built archive.

    python benchmarks/search_queryset.py --site site --docs docs          # report differences
    python benchmarks/search_queryset.py --site site --docs docs --write  # rewrite `articles:`

For every query, the expected articles are those whose built page (text as the
indexer extracts it, Traditional->Simplified normalised) holds the query in its
title or at least twice in its text: a single passing mention is not required.
Entity expectations (``entities:``) are curated by hand and kept as they are.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from build_tools.search.indexer import iter_pages  # noqa: E402
from build_tools.search.normalize import normalize  # noqa: E402
from tests.search_harness import front_matter  # noqa: E402

QUERIES = ROOT / "tests" / "search_queries.yml"
HEADER = """\
# Search query set: every query must find the listed articles (by raw file name,
# mapped to pages through front matter `raw:`) and entity pages (by entity id).
# Used by tests/test_search_browser.py (typed into the search box) and by
# benchmarks/search_bench.py (recall of each engine). Other results are allowed.
# Expected articles: the query occurs in the title or at least twice in the text
# of the built page (after Traditional->Simplified normalisation), so a single
# passing mention is not required (unless no article mentions it more often).
# Regenerate with benchmarks/search_queryset.py.
"""


def expected(site: Path, docs: Path, query: str) -> list[str]:
    slug_to_raw = {}
    for md in (docs / "articles").glob("*.md"):
        fm = front_matter(md)
        if fm.get("raw"):
            slug_to_raw[md.stem] = Path(str(fm["raw"])).name
    parts = normalize(query).split()
    strong, weak = [], []
    for page in iter_pages(site, docs):
        if page is None or page.kind != "article" or not parts:
            continue
        text, title = normalize(page.text), normalize(page.title)
        name = slug_to_raw.get(page.url.strip("/").split("/")[-1], page.url)
        if all(p in title or text.count(p) >= 2 for p in parts):
            strong.append(name)
        if all(p in title or p in text for p in parts):
            weak.append(name)
    # a rare term (one mention anywhere) is exactly what search is for
    return sorted(strong or weak)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--site", type=Path, default=ROOT / "site")
    ap.add_argument("--docs", type=Path, default=ROOT / "docs")
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    doc = yaml.safe_load(QUERIES.read_text(encoding="utf-8"))
    changed = 0
    for q in doc["queries"]:
        exp = expected(args.site, args.docs, q["query"])
        if exp != sorted(q.get("articles", [])):
            changed += 1
            print(f"{q['query']}: {sorted(q.get('articles', []))} -> {exp}")
        if exp:
            q["articles"] = exp
        else:
            q.pop("articles", None)
        if not q.get("articles") and not q.get("entities"):
            print(f"warning: {q['query']} expects nothing", file=sys.stderr)
    if args.write:
        lines = [HEADER.rstrip("\n"), "queries:"]
        for q in doc["queries"]:
            lines.append(f"  - query: {yaml.safe_dump(q['query'], allow_unicode=True).splitlines()[0]}")
            lines.append(f"    kind: {q.get('kind', '')}")
            if q.get("articles"):
                lines.append(f"    articles: [{', '.join(q['articles'])}]")
            if q.get("entities"):
                lines.append(f"    entities: [{', '.join(q['entities'])}]")
        QUERIES.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{changed} of {len(doc['queries'])} queries changed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
