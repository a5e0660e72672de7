"""What the whole-archive passes keep of one prepared dump, and the duplicate pass over those records.

The prepared Article itself waits in the build cache; the build holds only these small records,
so memory stays flat however large the archive.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from build_tools.archive.dedupe import fingerprint, near_duplicates
from build_tools.archive.furniture import short_line_keys
from build_tools.model import Article, Slug, block_text
from build_tools.model.paths import RawPath
from build_tools.model.records import InputResult, Status


@dataclass(frozen=True)
class Prepared:
    """What the whole-archive passes need to know about one prepared dump."""

    raw_path: RawPath
    sha256: str
    slug: Slug
    key: str  # the prepared Article's key in the build cache
    fingerprint: frozenset[str]
    label: str | None  # source or platform: how "also published by" names it (None: by its path)
    short_lines: frozenset[str] = frozenset()
    warnings: tuple[str, ...] = ()  # repairs the decoder made, for the build report


def prepared_record(article: Article, key: str) -> Prepared:
    """The record the whole-archive passes keep for one prepared article."""
    meta = article.meta
    return Prepared(
        raw_path=RawPath(article.raw_path),
        sha256=article.sha256,
        slug=article.slug,
        key=key,
        fingerprint=fingerprint("\n".join(block_text(b) for b in article.blocks)),
        label=meta.source or meta.platform or None,
        short_lines=short_line_keys(article.blocks),
        warnings=tuple(h.value for h in article.hint_values("warning")),
    )


@dataclass(frozen=True)
class Published:
    """A dump that goes on to be linked and published, with the other portals that carried it too."""

    prepared: Prepared
    also: tuple[str, ...] = ()  # "also published by": the labels of its near-duplicates

    @property
    def raw_path(self) -> RawPath:
        return self.prepared.raw_path


def dedupe(items: Sequence[Prepared], shown: Callable[[str], str],
           near: Callable[[list[Prepared]], dict[int, int]] | None = None) -> tuple[list[Published], list[InputResult]]:
    """Byte-identical dumps, then the same article saved from two portals (≥90% of sentences shared):
    the first of each stays and names the others; they are reported as duplicates of it.  ``near``: the
    near-duplicate pass over the byte-distinct records (default :func:`near_duplicates` of their fingerprints;
    the pipeline keeps its result like a whole-archive pass)."""
    duplicates: list[InputResult] = []
    first_of: dict[str, Prepared] = {}
    survivors: list[Prepared] = []
    for item in items:
        first = first_of.setdefault(item.sha256, item)
        if first is item:
            survivors.append(item)
        else:
            duplicates.append(InputResult(shown(item.raw_path), Status.DUPLICATE, first.slug,
                                          f"byte-identical to {shown(first.raw_path)}"))
    duplicate_of = near(survivors) if near else near_duplicates([s.fingerprint for s in survivors])
    also: dict[int, set[str]] = {}
    for dup, keeper in sorted(duplicate_of.items()):
        also.setdefault(keeper, set()).add(survivors[dup].label or shown(survivors[dup].raw_path))
        duplicates.append(InputResult(shown(survivors[dup].raw_path), Status.DUPLICATE, survivors[keeper].slug,
                                      f"same article as {shown(survivors[keeper].raw_path)} "
                                      f"(≥90% of sentences shared)"))
    kept = [Published(s, tuple(sorted(also.get(i, ())))) for i, s in enumerate(survivors) if i not in duplicate_of]
    return kept, duplicates


def without_fingerprints(prepared: Sequence[Prepared], published: Sequence[Published]) -> tuple[list[Prepared],
                                                                                              list[Published]]:
    """The records as the build keeps them once :func:`dedupe` has run: without their sentence fingerprints,
    which nothing after it reads (~4 KB of a ~5 KB record in memory: 200 MB at 50,000 dumps, kept to the
    build's end)."""
    lean = {id(p): replace(p, fingerprint=frozenset()) for p in prepared}

    def light(record: Prepared) -> Prepared:
        return lean.get(id(record)) or replace(record, fingerprint=frozenset())

    return [lean[id(p)] for p in prepared], [replace(item, prepared=light(item.prepared)) for item in published]
