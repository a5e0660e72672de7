"""``python -m build_tools.search index --site site/``"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from build_tools.search.indexer import index_site


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m build_tools.search")
    sub = ap.add_subparsers(dest="cmd", required=True)
    ix = sub.add_parser("index", help="write the Pagefind bundle for a built site")
    ix.add_argument("--site", type=Path, default=Path("site"))
    ix.add_argument("--docs", type=Path, default=None, help="docs dir (entity aliases); default ../docs")
    ix.add_argument("--json", action="store_true", help="print figures as JSON")
    ix.add_argument("--cache", type=Path, default=None, help="shard cache dir; default <site>/../.cache/search")
    ix.add_argument("--no-cache", action="store_true", help="index every shard from scratch, keep nothing")
    ix.add_argument("--jobs", type=int, default=None, help="shards built at once (default: min(2, cores))")
    args = ap.parse_args(argv)
    if not (args.site / "index.html").exists() and not any(args.site.glob("*/index.html")):
        print(f"search: {args.site} does not look like a built site (run mkdocs build first)", file=sys.stderr)
        return 2
    stats = index_site(args.site, args.docs, cache_dir=False if args.no_cache else args.cache, jobs=args.jobs)
    if args.json:
        print(json.dumps(stats.as_dict(), ensure_ascii=False))
    else:
        print(
            f"search: indexed {stats.pages} pages ({stats.articles} articles, {stats.entities} entities, "
            f"{stats.other} other) in {stats.seconds:.1f}s ({stats.shards_built} of {stats.shards} shards built) "
            f"-> {stats.output} "
            f"({stats.bundle_bytes / 1e6:.1f} MB, {stats.bundle_files} files)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
