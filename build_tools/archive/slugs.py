"""One slugify function: ASCII, URL-safe, unique and stable.

A slug depends only on the dump's own path inside raw/, so adding or
removing other dumps never changes an existing article's URL.  A plain
lower-case ASCII file name directly in raw/ keeps its name (``report.md`` →
``report``); every other path (non-ASCII, spaces, case, a leading dash, a
folder, or a name that itself looks like ``<words>-<6 hex digits>``) gets the
pinyin/ASCII words plus a short hash of the whole path, so two such dumps
never share a slug and none can take the slug of a kept name.

One collision is left that no per-path function can avoid: the same plain
name with different extensions (``report.md``, ``report.txt``).
:func:`assign_slugs` settles it over the whole archive, the same way whatever
else is in raw/ and whichever file came first: the plain slug goes to the
``.txt`` dump, else ``.md``, ``.markdown``, ``.html``, ``.htm``, any other
extension, no extension (then by path); the others get the hashed form.

Some slugs are never given: the generated pages that live next to the articles (``articles/index.md``,
``page-2.md``…, ``sources.md``, ``tags.md``, the ``raw/`` folder of text copies).  ``raw/index.html`` is a
common name to save a page under; such a dump gets the hashed form, and the build says so.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import PurePosixPath

from build_tools.model import Slug

MAX_WORDS_CHARS = 60
DIGEST_CHARS = 6
_KEPT = re.compile(r"[a-z0-9][a-z0-9_-]*")
KEEPER_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")
_HASHED_END = re.compile(rf"-[0-9a-f]{{{DIGEST_CHARS}}}$")
# The names of the generated pages in docs/articles/ (archive/index_pages.py) and of its folder of text copies.
# Generated pages next to the articles, and the folders beside them (raw copies, provenance views, month
# pages, source feeds): a dump never takes one of these names.
RESERVED = frozenset({"index", "sources", "tags", "raw", "provenance", "months", "feeds"})
_FOLDERS = {"raw": "raw copies", "provenance": "provenance views", "months": "month pages", "feeds": "source feeds"}
_RESERVED_PAGE = re.compile(r"page-[0-9]+")


def is_reserved(slug: str) -> bool:
    """``slug`` is the name of a page the build generates next to the articles (never an article's)."""
    return slug in RESERVED or _RESERVED_PAGE.fullmatch(slug) is not None


# A pure function of the path: a long-lived process (the preview) assigns every dump's slug again after each
# change (the set of paths changed), and slugifying 10k paths was ~0.2 s of an update at 10k articles.
@lru_cache(maxsize=1 << 17)
def slugify(relative_path: str) -> Slug:
    path = PurePosixPath(relative_path)
    stem = str(path.with_suffix("")) if path.suffix else str(path)
    base = _words(stem)
    kept = "/" not in stem and _KEPT.fullmatch(stem) and base == stem and not _HASHED_END.search(stem)
    if kept:
        return Slug(base)
    return hashed_slug(relative_path)


def hashed_slug(relative_path: str, digits: int = DIGEST_CHARS) -> Slug:
    """The words of the path plus a hash of the whole path: distinct for distinct paths."""
    path = PurePosixPath(relative_path)
    stem = str(path.with_suffix("")) if path.suffix else str(path)
    base = _words(stem)
    digest = hashlib.sha1(relative_path.encode("utf-8", "surrogateescape")).hexdigest()[:digits]
    return Slug(f"{base}-{digest}" if base else f"dump-{digest}")


def assign_slugs(relative_paths: Iterable[str],
                 known: Mapping[str, str] | None = None) -> dict[str, tuple[Slug, str | None]]:
    """Every path's slug over the whole archive, with a one-line note where a path did not get ``slugify(path)``.

    Call it with every dump discovered in raw/ (published or not), so a slug does
    not move when another dump starts or stops being rejected.  ``known``: ``slugify``'s results from an earlier
    run (:func:`plain_slugs`), taken instead of slugifying those paths again: the same values, as ``slugify`` is
    a pure function of the path (by the same code: the caller keys them by it).  A new dump then slugifies its
    own name only (a Chinese name goes through pypinyin: ~10k such names were most of a build's discovery).
    """
    paths = sorted(set(relative_paths))
    known = known or {}
    wanted = {p: Slug(known[p]) if p in known else slugify(p) for p in paths}
    by_slug: dict[str, list[str]] = defaultdict(list)
    for path in paths:
        by_slug[wanted[path]].append(path)
    result: dict[str, tuple[Slug, str | None]] = {}
    taken: set[str] = set(wanted.values())
    for slug, group in sorted(by_slug.items()):
        ranked = sorted(group, key=_keeper_rank)
        if is_reserved(slug):
            keeper, others = None, ranked
        else:
            keeper, others = ranked[0], ranked[1:]
            result[keeper] = (slug, None)
        for path in others:
            digits = DIGEST_CHARS
            new = hashed_slug(path, digits)
            while (new in taken or is_reserved(new)) and digits < 40:
                digits += 2
                new = hashed_slug(path, digits)
            taken.add(new)
            owner = keeper or (f"a generated page (articles/{slug}.md)" if slug not in _FOLDERS
                               else f"the folder of {_FOLDERS[slug]} (articles/{slug}/)")
            result[path] = (new, f"slug '{slug}' belongs to {owner}; published as '{new}' instead")
    return result


def plain_slugs(assigned: Mapping[str, tuple[Slug, str | None]]) -> dict[str, str]:
    """The paths of an :func:`assign_slugs` result that got ``slugify(path)`` (no note), with it: what the next
    run may take as ``known``."""
    return {path: slug for path, (slug, note) in assigned.items() if note is None}


def _keeper_rank(path: str) -> tuple[int, str]:
    suffix = PurePosixPath(path).suffix.lower()
    if suffix in KEEPER_SUFFIXES:
        return KEEPER_SUFFIXES.index(suffix), path
    return (len(KEEPER_SUFFIXES) + (1 if not suffix else 0)), path


def _words(stem: str) -> str:
    stem = unicodedata.normalize("NFKC", stem)
    if stem.isascii():
        words = stem
    else:
        from pypinyin import lazy_pinyin  # a large dictionary: loaded only for non-ASCII names

        words = " ".join(lazy_pinyin(stem))
    return re.sub(r"[^a-z0-9_]+", "-", words.lower()).strip("-_")[:MAX_WORDS_CHARS].strip("-_")
