"""``python -m build_tools.site``: render docs/ into site/ (incrementally), check the pages it wrote
against the article allowlist, then update the search index.  Exit 1 on a page outside the allowlist
or a MkDocs error (strict: any warning)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from build_tools.site.render import render
from build_tools.sitecheck import DEFAULT_CACHE, check_site, report_problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m build_tools.site", description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, default=Path("mkdocs.yml"), help="MkDocs config (default mkdocs.yml)")
    parser.add_argument("--site-dir", type=Path, default=None, help="output folder (default: the config's)")
    parser.add_argument("--docs", type=Path, default=Path("docs"), help="docs folder, for the search index")
    parser.add_argument("--state", type=Path, default=Path(".cache/site"), help="record of the last render")
    parser.add_argument("--full", action="store_true", help="render every page (what mkdocs build does)")
    parser.add_argument("--no-search", action="store_true", help="skip the search index")
    args = parser.parse_args(argv)
    from mkdocs.exceptions import MkDocsException

    started = time.perf_counter()
    try:
        rendered = render(args.config, args.site_dir, args.state, strict=True, full=args.full)
    except (MkDocsException, SystemExit) as error:
        print(f"error: mkdocs: {error}", file=sys.stderr)
        return 1
    site = rendered.site
    took = time.perf_counter() - started
    print(f"{rendered.summary()}: {len(rendered.pages)} page(s) written in {took:.1f}s")
    checked, problems = check_site(site, DEFAULT_CACHE, only=None if rendered.full else rendered.pages)
    if problems:
        return report_problems(site, problems)
    print(f"sitecheck: {checked} page(s) checked, all within the article allowlist")
    if not args.no_search:
        from build_tools.search.indexer import index_site  # its imports cost a no-op `--no-search` run a fifth

        stats = index_site(site, args.docs)
        print(f"search: {stats.pages} pages, {stats.shards_built} of {stats.shards} shards built, "
              f"{'merged' if stats.seconds_merge else 'bundle unchanged'} in {stats.seconds:.1f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
