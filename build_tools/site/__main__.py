"""``python -m build_tools.site``: render docs/ into site/ (incrementally), check the pages it wrote
against the article allowlist, then update the search index.  Exit 1 on a page outside the allowlist
or a MkDocs error (strict: any warning).

When mkdocs.yml, the theme, docs/, site/ and the code are as the last run left them, the step prints so and
exits before MkDocs, the allowlist check or the indexer are imported (:class:`SiteNoOp`,
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

from build_tools import nochange

_ENV_TAG = re.compile(r"!ENV\s+\[?\s*([A-Za-z_][A-Za-z0-9_]*)")
_DOCS_DIR = re.compile(r"^docs_dir:\s*['\"]?([^'\"#\n]+?)['\"]?\s*(?:#.*)?$", re.M)
_SITE_DIR = re.compile(r"^site_dir:\s*['\"]?([^'\"#\n]+?)['\"]?\s*(?:#.*)?$", re.M)
_CUSTOM_DIR = re.compile(r"\bcustom_dir:\s*['\"]?([^'\",}#\s]+)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m build_tools.site", description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, default=Path("mkdocs.yml"), help="MkDocs config (default mkdocs.yml)")
    parser.add_argument("--site-dir", type=Path, default=None, help="output folder (default: the config's)")
    parser.add_argument("--docs", type=Path, default=Path("docs"), help="docs folder, for the search index")
    parser.add_argument("--state", type=Path, default=Path(".cache/site"), help="record of the last render")
    parser.add_argument("--full", action="store_true", help="render every page (what mkdocs build does)")
    parser.add_argument("--no-search", action="store_true", help="skip the search index")
    parser.add_argument("--json", action="store_true", help="also print the step's figures as one JSON line")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    check = SiteNoOp(args)
    said = check.replay()
    if said is not None:
        figures = {"nothing_changed": True, "check_s": round(time.perf_counter() - started, 3), "render_s": 0.0,
                   "sitecheck_s": 0.0, "search_s": 0.0, "search_cpu_s": 0.0, "search": said.get("search")}
        print(f"site: nothing changed since the last run (mkdocs.yml, the theme, docs/ and site/ as it left "
              f"them; checked in {figures['check_s']:.2f}s): 0 page(s) written")
        if said.get("search"):
            print(f"search: {said['search'].get('pages')} pages, 0 of {said['search'].get('shards')} shards built, "
                  "bundle unchanged")
        if args.json:
            print(json.dumps(figures, ensure_ascii=False))
        return 0
    return _run(args, check)


def _run(args: argparse.Namespace, check: SiteNoOp) -> int:
    from mkdocs.exceptions import MkDocsException

    from build_tools.site.render import render

    figures: dict = {"nothing_changed": False}
    started = time.perf_counter()
    try:
        rendered = render(args.config, args.site_dir, args.state, strict=True, full=args.full)
    except (MkDocsException, SystemExit) as error:
        print(f"error: mkdocs: {error}", file=sys.stderr)
        return 1
    site = rendered.site
    took = figures["render_s"] = time.perf_counter() - started
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
        stats = index_site(site, args.docs)
        figures["search_s"], figures["search_cpu_s"] = time.perf_counter() - begun, _cpu() - cpu_before
        search = figures["search"] = stats.as_dict()
        print(f"search: {stats.pages} pages, {stats.shards_built} of {stats.shards} shards built, "
              f"{'merged' if stats.seconds_merge else 'bundle unchanged'} in {stats.seconds:.1f}s")
    check.settle(site, rendered.custom_dir, search)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
    return 0


class SiteNoOp:
    """The site step's no-op check: its facts (options, mkdocs.yml's bytes and the ``!ENV`` values it reads,
    the sitemap's day), its inputs (mkdocs.yml, the theme folder, the hand-written part of docs/) and outputs
    (docs/'s generated pages, which only the build's writer replaces, and site/).  The docs, site and theme
    folders are read off mkdocs.yml's text; a run saves a stamp only when MkDocs found the same site and
    theme folders, so the same bytes name the same folders next time."""

    FOLDER = Path(".cache/nochange")

    def __init__(self, args: argparse.Namespace):
        try:
            text = args.config.read_bytes()
        except OSError:
            text = b""
        config = text.decode("utf-8", "replace")
        options = sorted((name, str(value.resolve()) if isinstance(value, Path) else repr(value))
                         for name, value in vars(args).items() if name != "json")
        self.facts = ["site", *(f"{name}={value}" for name, value in options)]
        self.stamp = nochange.Stamp(self.FOLDER, "site", self.facts)
        self.facts += [f"config {hashlib.sha256(text).hexdigest()}", f"day {_day()}",
                       *(f"env {name}={os.environ.get(name)}" for name in sorted(set(_ENV_TAG.findall(config))))]
        # Settings read from another file (INHERIT) are not in these bytes: the check is not used, the step runs.
        # (A ``!!python`` tag calls library code, which the fingerprint covers by the libraries' folders.)
        # ``--full`` asks for the render to run whatever the stamp says.
        self.usable = bool(text) and "INHERIT" not in config and not args.full
        here = args.config.resolve().parent
        self.site = args.site_dir.resolve() if args.site_dir else here / _setting(config, _SITE_DIR, "site")
        theme = _setting(config, _CUSTOM_DIR, "")
        self.theme = (here / theme).resolve() if theme else None
        self.docs = sorted({args.docs.resolve(), (here / _setting(config, _DOCS_DIR, "docs")).resolve()})
        self.start = self._take(outputs=False) if self.usable else None  # outputs: only when the inputs agree
        self.start_contents = nochange.contents(self.start.young) if self.start else {}

    def _places(self) -> nochange.Places | None:
        hand, made = [], []
        for docs in self.docs:
            try:
                for entry in os.scandir(docs):
                    # the generated names are links into docs/.generated, replaced only by the build's writer
                    (made if entry.name.startswith(".") or entry.is_symlink() else hand).append(Path(entry.path))
            except OSError:
                return None
        return nochange.Places(inputs=(*([self.theme] if self.theme else []), *sorted(hand)),
                               settled=tuple(sorted(made)), output_tops=(self.site,))

    def _take(self, outputs: bool = True) -> nochange.Fingerprint | None:
        places = self._places()
        return None if places is None else nochange.take([*self.facts, f"site {self.site}", f"theme {self.theme}"],
                                                         places, outputs=outputs)

    def replay(self) -> dict | None:
        """The last run's figures when nothing changed since; else None."""
        places = self._places()
        return None if places is None else self.stamp.load(self.start, places)

    def settle(self, site: Path, theme: Path | None, search: dict | None) -> None:
        """After a run: its figures kept for the next one, when it ended as it began and MkDocs used the folders
        this check looks at."""
        if not self.usable or site.resolve() != self.site or (theme.resolve() if theme else None) != self.theme:
            return
        noop = None if search is None else {**search, "shards_built": 0, "pages_extracted": 0, "seconds": 0.0,
                                            "seconds_shards": 0.0, "seconds_merge": 0.0, "bundles_merged": 0}
        self.stamp.save_if_settled(self.start, self.start_contents, self._take(), {"search": noop})


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
    raise SystemExit(main())
