"""The order articles are listed in: newest first, on index pages, the feed and entity pages."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from build_tools.model import Summary

# An ISO date, year-month or year: what the timeline can put under a month and the feed can stamp.
ISO_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def iso_date(summary: Summary) -> str | None:
    """The article's date if it is an ISO date (or year / year-month), else ``None``."""
    if summary.date and ISO_DATE.match(summary.date.strip()):
        return summary.date.strip()
    return None


def given_date(summary: Summary) -> str | None:
    """The article's date as metadata gave it, whatever its form (``None`` when empty)."""
    return summary.date or None


def newest_first(summaries: Iterable[Summary], date: Callable[[Summary], str | None] = iso_date) -> list[Summary]:
    """Dated articles by ``date`` descending, then undated ones; ties by slug, then by raw path.

    Index pages and the feed sort by :func:`iso_date`: the timeline groups by month and the feed
    stamps each entry, so a date they cannot read counts as no date (under 日期未知, last).
    Entity pages sort by :func:`given_date`: they only show the date, so any date string sorts
    among the dated ones, as text.
    """
    by_slug = sorted(summaries, key=lambda s: (s.slug, s.raw_path))
    dated = [s for s in by_slug if date(s)]
    dated.sort(key=date, reverse=True)  # stable: slug order kept per date
    return dated + [s for s in by_slug if not date(s)]
