"""``python -m build_tools.site``: render docs/ into site/ (incrementally), check the pages it wrote
against the article allowlist, then update the search index.  Exit 1 on a page outside the allowlist
or a MkDocs error (strict: any warning).

When mkdocs.yml, the theme, docs/, site/ and the code are as the last run left them, the step prints so and
exits before MkDocs, the allowlist check or the indexer are imported (:func:`_noop_check`,
:mod:`build_tools.nochange`).  ``--json`` prints one more line: the step's figures (seconds of the render,
the check and the search index, in this process), for ``make bench``."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import NamedTuple

from build_tools import nochange
from build_tools.memory import peak_mib

_ENV_TAG = re.compile(r"!ENV\s+\[?\s*([A-Za-z_][A-Za-z0-9_]*)")
_DOCS_DIR = re.compile(r"^docs_dir:\s*['\"]?([^'\"#\n]+?)['\"]?\s*(?:#.*)?$", re.M)
_SITE_DIR = re.compile(r"^site_dir:\s*['\"]?([^'\"#\n]+?)['\"]?\s*(?:#.*)?$", re.M)
_CUSTOM_DIR = re.compile(r"\bcustom_dir:\s*['\"]?([^'\",}#\s]+)")


def main(argv: list[str] | None = None, build: dict | None = None) -> int:
    """``build``: the figures of the build step that ran just before in this process, for ``--json``."""
    parser = argparse.ArgumentParser(prog="python -m build_tools.site", description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, default=Path("mkdocs.yml"), help="MkDocs config (default mkdocs.yml)")
    parser.add_argument("--site-dir", type=Path, default=None, help="output folder (default: the config's)")
    parser.add_argument("--docs", type=Path, default=Path("docs"), help="docs folder, for the search index")
    parser.add_argument("--state", type=Path, default=Path(".cache/site"), help="record of the last render")
    parser.add_argument("--full", action="store_true", help="render every page (what mkdocs build does)")
    parser.add_argument("--no-search", action="store_true", help="skip the search index")
    parser.add_argument("--json", action="store_true", help="also print the step's figures as one JSON line")
    parser.add_argument("--after-build", action="store_true", help=argparse.SUPPRESS)  # build_tools.make_site
    args = parser.parse_args(argv)
    renderer = None
    if args.after_build:
        from build_tools.site.after_build import wait_for_build

        renderer, build = wait_for_build(args.config, args.site_dir, args.state, args.docs,
                                         search=not args.no_search)
        if build is None:  # the build failed or was stopped: this step does not run
            return 0
    started = time.perf_counter()
    check = _noop_check(args)
    said = check.check.replay() if check.check is not None else None
    if said is not None:
        figures = {"nothing_changed": True, "check_s": round(time.perf_counter() - started, 3), "render_s": 0.0,
                   "sitecheck_s": 0.0, "search_s": 0.0, "search_cpu_s": 0.0, "search": said.get("search"),
                   **({"build": build} if build else {})}
        print(f"site: nothing changed since the last run (mkdocs.yml, the theme, docs/ and site/ as it left "
              f"them; checked in {figures['check_s']:.2f}s): 0 page(s) written")
        if said.get("search"):
            print(f"search: {said['search'].get('pages')} pages, 0 of {said['search'].get('shards')} shards built, "
                  "bundle unchanged")
        if args.json:
            print(json.dumps({**figures, "peak_rss_mib": peak_mib()}, ensure_ascii=False))
        return 0
    return _run(args, check, renderer, build)


def _run(args: argparse.Namespace, check: _SiteCheck, renderer=None, build: dict | None = None) -> int:
    """``renderer``: one made (its config loaded) while the build ran; ``build``: the build's figures then."""
    from mkdocs.exceptions import MkDocsException

    from build_tools.site.render import Renderer

    figures: dict = {"nothing_changed": False, **({"build": build} if build else {})}
    seen = False
    if not args.no_search:  # before the render: did the last index see the site as the render's records say?
        from build_tools.search import renderseen

        seen = renderseen.take(check.site, args.state)  # (its mark dropped until this run's index finishes)
    started = time.perf_counter()
    try:
        rendered = (renderer or Renderer(args.config, args.site_dir, args.state, strict=True)).render(args.full)
    except (MkDocsException, SystemExit) as error:
        print(f"error: mkdocs: {error}", file=sys.stderr)
        return 1
    site = rendered.site
    took = figures["render_s"] = time.perf_counter() - started
    figures["docs_by"] = rendered.docs_by
    print(f"{rendered.summary()}: {len(rendered.pages)} page(s) written in {took:.1f}s")
    checking = time.perf_counter()
    if rendered.full or rendered.pages:  # a render that wrote no page leaves nothing to check
        from build_tools.sitecheck import DEFAULT_CACHE, check_site, report_problems

        checked, problems = check_site(site, DEFAULT_CACHE, only=None if rendered.full else rendered.pages)
        if problems:
            return report_problems(site, problems)
    else:
        checked = 0
    figures["sitecheck_s"] = time.perf_counter() - checking
    print(f"sitecheck: {checked} page(s) checked, all within the article allowlist")
    search = None
    if not args.no_search:
        from build_tools.search.indexer import index_site  # its imports cost a no-op `--no-search` run a fifth

        begun, cpu_before = time.perf_counter(), _cpu()
        told = renderseen.told_pages(seen and site.resolve() == check.site, rendered.full, rendered.removed,
                                     rendered.changed, rendered.pages)
        stats = index_site(site, args.docs, changed=told)
        renderseen.mark(site, args.state)
        figures["search_s"], figures["search_cpu_s"] = time.perf_counter() - begun, _cpu() - cpu_before
        search = figures["search"] = stats.as_dict()
        print(f"search: {stats.pages} pages, {stats.shards_built} of {stats.shards} shards built, "
              f"{'merged' if stats.seconds_merge else 'bundle unchanged'} in {stats.seconds:.1f}s")
    _settle(check, site, rendered.custom_dir, search)
    if args.json:
        print(json.dumps({**figures, "peak_rss_mib": peak_mib()}, ensure_ascii=False))
    return 0


class _SiteCheck(NamedTuple):
    """Where the site step's no-op check looks, as read off mkdocs.yml's text (``check``: None when it is not
    used).  A run saves a stamp only when MkDocs found the same site and theme folders, so the same bytes
    name the same folders next time."""

    check: nochange.Check | None
    site: Path
    theme: Path | None


def _noop_check(args: argparse.Namespace) -> _SiteCheck:
    """The site step's no-op check (:mod:`build_tools.nochange`): its facts (options, mkdocs.yml's bytes and
    the ``!ENV`` values it reads, the sitemap's day), its inputs (mkdocs.yml, the theme folder, the
    hand-written part of docs/) and outputs (docs/'s generated pages, which only the build's writer
    replaces, and site/)."""
    try:
        text = args.config.read_bytes()
    except OSError:
        text = b""
    config = text.decode("utf-8", "replace")
    named_by = nochange.options("site", args, skip=("json", "after_build"))
    here = args.config.resolve().parent
    site = args.site_dir.resolve() if args.site_dir else here / _setting(config, _SITE_DIR, "site")
    theme = _setting(config, _CUSTOM_DIR, "")
    theme = (here / theme).resolve() if theme else None
    facts = [*named_by, f"config {hashlib.sha256(text).hexdigest()}", f"day {_day()}", f"site {site}",
             f"theme {theme}",
             *(f"env {name}={os.environ.get(name)}" for name in sorted(set(_ENV_TAG.findall(config))))]
    # Settings read from another file (INHERIT) are not in these bytes: the check is not used, the step runs.
    # (A ``!!python`` tag calls library code, which the fingerprint covers by the libraries' folders.)
    # ``--full`` asks for the render to run whatever the stamp says.
    if not text or "INHERIT" in config or args.full:
        return _SiteCheck(None, site, theme)
    docs = sorted({args.docs.resolve(), (here / _setting(config, _DOCS_DIR, "docs")).resolve()})
    return _SiteCheck(nochange.Check("site", named_by, lambda: facts, lambda: _places(docs, theme, site)), site, theme)


def _places(docs: list[Path], theme: Path | None, site: Path) -> nochange.Places | None:
    hand, made = [], []
    for folder in docs:
        try:
            for entry in os.scandir(folder):
                # the generated names are links into docs/.generated, replaced only by the build's writer
                (made if entry.name.startswith(".") or entry.is_symlink() else hand).append(Path(entry.path))
        except OSError:
            return None
    return nochange.Places(inputs=(*([theme] if theme else []), *sorted(hand)), settled=tuple(sorted(made)),
                           output_tops=(site,))


def _settle(check: _SiteCheck, site: Path, theme: Path | None, search: dict | None) -> None:
    """After a run: its figures kept for the next one, when it ended as it began and MkDocs used the folders
    the check looks at."""
    if check.check is None or site.resolve() != check.site or (theme.resolve() if theme else None) != check.theme:
        return
    noop = None if search is None else {**search, "shards_built": 0, "pages_extracted": 0, "seconds": 0.0,
                                        "seconds_shards": 0.0, "seconds_merge": 0.0, "bundles_merged": 0}
    check.check.settle({"search": noop})


def _setting(config: str, pattern: re.Pattern, default: str) -> str:
    found = pattern.search(config)
    return found.group(1).strip() if found else default


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the indexer's workers)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def _day() -> str:
    """The sitemap's date (mkdocs.utils.get_build_date: SOURCE_DATE_EPOCH, else today in UTC)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = time.gmtime(int(epoch)) if epoch is not None and epoch.strip().lstrip("-").isdigit() else time.gmtime()
    return time.strftime("%Y-%m-%d", moment)


if __name__ == "__main__":
    from build_tools.fast_exit import end

    end(main())
