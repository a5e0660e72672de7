"""``python -m build_tools.sitecheck --site site``: every built page's article holds only allowlisted HTML.

Run by ``make site`` after ``mkdocs build`` and before the search index, so a site with a violation is never
indexed or deployed.  The check reads the article region of every HTML page (title, the fields the templates
render from front matter, the body) and asks :mod:`build_tools.sitecheck.allowlist` what nh3 would remove.  Any
violation fails with one line per page naming the page and the offending elements, exit 1.

Pages already verified are remembered by the SHA-256 of their bytes together with the allowlist's own code,
so a rebuild re-checks only pages MkDocs changed.  The digests are kept as raw bytes, one after another behind a
header naming the allowlist's version (as hex in JSON, loading and saving 25,000 of them cost ~30 ms of each
render at 10k articles): a damaged file can only lose digests (those pages are checked again), since no page
hashes to a digest that was never one of a verified page.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from pathlib import Path

from build_tools.filestat import entries, real_folder
from build_tools.forking import can_fork, cpus, fork_map
from build_tools.sitecheck import allowlist as html_allowlist

DEFAULT_CACHE = Path(".cache/sitecheck/verified.digests")
_SIZE = hashlib.sha256().digest_size


def _version() -> str:
    return hashlib.sha256(Path(html_allowlist.__file__).read_bytes()).hexdigest()[:16]


def _header(version: str) -> bytes:
    return f"cn-archive sitecheck {version}\n".encode()


def _load(cache: Path, version: str) -> set[bytes]:
    try:
        data = cache.read_bytes()
    except OSError:
        return set()
    header = _header(version)
    if not data.startswith(header):
        return set()
    end = len(data) - (len(data) - len(header)) % _SIZE  # a torn last digest is dropped
    return {data[at:at + _SIZE] for at in range(len(header), end, _SIZE)}


def _save(cache: Path, version: str, digests: set[bytes]) -> None:
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(".tmp")
    tmp.write_bytes(_header(version) + b"".join(sorted(digests)))
    os.replace(tmp, cache)


def check_site(site: Path, cache: Path | None = DEFAULT_CACHE,
               only: list[str] | None = None) -> tuple[int, dict[str, list[str]]]:
    """(pages checked, {page: violations}) for every ``*.html`` under ``site`` with an article region.

    ``only``: the site-relative pages a render just wrote (the others are as the last check saw them);
    the digests of pages checked before are kept."""
    version = _version()
    verified = _load(cache, version) if cache else set()
    still_valid: set[bytes] = set() if only is None else set(verified)
    problems: dict[str, list[str]] = {}
    checked = 0
    if only is None:
        pages = [site / rel for rel in html_files(site)]
    else:
        pages = [site / rel for rel in only if (site / rel).is_file()]
    for page, (digest, found) in zip(pages, _verdicts([str(p) for p in pages], verified), strict=True):
        if found is None:  # verified before, or no article region
            if digest in verified:
                still_valid.add(digest)
            continue
        checked += 1
        if found:
            problems[page.relative_to(site).as_posix()] = found
        else:
            still_valid.add(digest)
    if cache:
        _save(cache, version, still_valid)
    return checked, problems


def html_files(site: Path) -> list[str]:
    """The site-relative paths of every entry named ``*.html`` under ``site``, sorted: what
    ``sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))`` gives (symlinked folders not entered,
    dot-folders entered), with one ``scandir`` per folder: 0.25 against 1.1 s of CPU at 10k articles (24,680 pages)."""
    return sorted(rel for rel, _ in entries(str(site), real_folder) if rel.endswith(".html"))


# A page costs the check ~2 ms of CPU (two parses and nh3): a cold site of 10,000 articles (~25,000 pages) spent
# ~30 s in it on one CPU.  Pages are independent, so many are checked on every CPU (forked workers, as the
# render's); a few are not worth a fork.
_WORTH_A_FORK = 400
_VERIFIED: set[bytes] = set()  # set before the workers fork, read by them


def _verdicts(paths: list[str], verified: set[bytes]) -> list[tuple[bytes, list[str] | None]]:
    """(SHA-256 of the page, its violations, or None when verified before or without an article region), in
    the order of ``paths``."""
    global _VERIFIED
    processes = min(cpus(), 8)
    if len(paths) < _WORTH_A_FORK or processes < 2 or not can_fork():
        return [_verdict(path, verified) for path in paths]
    _VERIFIED = verified
    try:
        return fork_map(_verdict_of, paths, processes, chunksize=64)
    finally:
        _VERIFIED = set()


def _verdict_of(path: str) -> tuple[bytes, list[str] | None]:
    return _verdict(path, _VERIFIED)


def _verdict(path: str, verified: set[bytes]) -> tuple[bytes, list[str] | None]:
    data = Path(path).read_bytes()
    digest = hashlib.sha256(data).digest()
    if digest in verified:
        return digest, None
    region = html_allowlist.article_region(data.decode("utf-8", errors="replace"))
    return digest, None if region is None else html_allowlist.violations(region)


def report_problems(site: Path, problems: dict[str, list[str]]) -> int:
    """One line per page outside the allowlist, then why the site must not be published; exit code 1."""
    for page, found in sorted(problems.items()):
        print(f"error: {site / page}: HTML outside the article allowlist: {'; '.join(found)}", file=sys.stderr)
    print(f"sitecheck: {len(problems)} page(s) hold HTML a dump must never produce; the site is not safe to "
          "publish (this is a bug in the Markdown writer: please report it with the dump)", file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m build_tools.sitecheck", description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, default=Path("site"), help="the built site (default: site/)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="verified-page digests")
    parser.add_argument("--no-cache", action="store_true", help="check every page")
    args = parser.parse_args(argv)
    if not args.site.is_dir():
        print(f"error: {args.site}: no such site directory (run mkdocs build first)", file=sys.stderr)
        return 2
    checked, problems = check_site(args.site, None if args.no_cache else args.cache)
    if problems:
        return report_problems(args.site, problems)
    print(f"sitecheck: {checked} page(s) checked, all within the article allowlist")
    return 0

