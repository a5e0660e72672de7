"""The paging of archived lists (archive/paging.py): pages keyed by month, a big month cut by its articles and
its older pages named by their oldest article, so an insertion rewrites a page or a few of its own month
(issue 15)."""

from __future__ import annotations

import random

import pytest

from build_tools.archive.paging import (
    ArchivePage,
    Bucket,
    ListPlace,
    archive_pages,
    bucket_of,
    first_older,
    in_month_pages,
    months_line,
    page_lengths,
    pager_line,
)
from tests.factories import summary

JAN, FEB, MAR = Bucket("2025-01", "2025年1月"), Bucket("2025-02", "2025年2月"), Bucket("2025-03", "2025年3月")


def _keys(n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    return [f"a-{rng.randrange(16**8):08x}" for _ in range(n)]


@pytest.mark.parametrize(
    ("n", "size", "expected"),
    [
        (0, 50, []),
        (1, 50, [1]),
        (50, 50, [50]),  # a month that fits is one page
        (3, 1, [1, 1, 1]),
        (7, 3, None),
        (51, 50, None),
        (400, 50, None),
        (3000, 50, None),
    ],
)
def test_page_lengths(n, size, expected):
    """Every article once, no page empty or over ``size``; a month that fits is one page."""
    lengths = page_lengths(_keys(n), size)
    if expected is not None:
        assert lengths == expected
    assert sum(lengths) == n and all(1 <= k <= size for k in lengths)
    assert lengths == page_lengths(_keys(n), size)  # a property of the articles: the same cut every time
    if n > 2 * size >= 10:
        assert len(lengths) <= n / (size // 5 + 1)  # pages of a useful size (more than the floor of a page)


def test_in_month_pages_are_named_by_their_oldest_article():
    keys = _keys(120)  # newest first
    pages = in_month_pages(keys, start=10)
    assert pages[0][0] is None  # the month's newest page: <yyyy-mm>.md
    assert [name for name, _ in pages[1:]] == [keys[r.stop - 1 - 10] for _, r in pages[1:]]
    assert [i for _, r in pages for i in r] == list(range(10, 130))
    lengths = page_lengths(keys[::-1])  # oldest first
    assert [len(r) for _, r in pages] == lengths[::-1]


@pytest.mark.parametrize("n", [51, 120, 300, 2800])
def test_an_insertion_rewrites_a_page_or_a_few_of_its_month(n):
    """Cut by the articles themselves, an insertion changes the page it lands in (and, now and then, the cuts of
    the next few pages); every other page keeps its name and its articles.  Counting 50 from the oldest changed
    every page newer than the insertion point: n / 100 on average (28 at 2,800); numbering the pages of a month
    renumbered all the newer ones whenever the new article was itself a cut (~1 in 25)."""
    rng = random.Random(n)
    changed = []
    for trial in range(100):
        keys = _keys(n, seed=trial)
        at = rng.randrange(n + 1)
        grown = [*keys[:at], f"new-{trial}", *keys[at:]]
        before = {(k, tuple(keys[i] for i in r)) for k, r in in_month_pages(keys)}
        after = {(k, tuple(grown[i] for i in r)) for k, r in in_month_pages(grown)}
        # A cut looks at most a page ahead: pages older than that keep their name and their articles.
        older = {(k, members) for k, members in before if set(members) <= set(keys[at + 50 :])}
        assert all(page in after for page in older if page[0] is not None), (trial, at)
        changed.append(len(after - before) + len({k for k, _ in before} - {k for k, _ in after}))
    assert sorted(changed)[50] <= 2 and sorted(changed)[95] <= 4 and max(changed) <= 8, changed


@pytest.mark.parametrize(
    ("buckets", "start", "stems"),
    [
        ([], 0, []),
        ([MAR, MAR, FEB], 0, ["2025-03", "2025-02"]),
        ([MAR, MAR, FEB], 2, ["2025-02"]),  # the main page holds the first two
        # At 2 a page every article may end one: February's three are three pages.
        ([MAR, FEB, FEB, FEB, JAN], 0, ["2025-03", "2025-02", "2025-02/k2", "2025-02/k3", "2025-01"]),
        ([MAR, FEB, FEB, FEB, JAN], 2, ["2025-02", "2025-01"]),  # a month partly on the main page
    ],
)
def test_archive_pages(buckets, start, stems):
    pages = archive_pages(buckets, [f"k{i}" for i in range(len(buckets))], start, page_size=2)
    assert [p.stem for p in pages] == stems
    assert [i for p in pages for i in p.members] == list(range(start, len(buckets)))  # each once, in order


def test_a_month_that_comes_back_is_an_error():
    with pytest.raises(ValueError, match="2025-03"):
        archive_pages([MAR, FEB, MAR], ["a", "b", "c"])


@pytest.mark.parametrize(
    ("date", "added", "bucket"),
    [
        ("2025-01-31", None, ("2025-01", "2025年1月")),
        ("2025-01", None, ("2025-01", "2025年1月")),
        ("2025", None, ("2025", "2025年")),
        (None, "2024-12-02", ("2024-12", "2024年12月")),  # listed under the day its dump was added
        ("去年", "2024-12-02", ("2024-12", "2024年12月")),
        (None, None, ("undated", "日期未知")),
    ],
)
def test_bucket_of(date, added, bucket):
    assert bucket_of(summary("a", date=date, added=added)) == Bucket(*bucket)


def test_links_between_pages():
    place = ListPlace(folder="nvidia", main="nvidia.md")
    pages = [ArchivePage(MAR, None, range(0, 1)), ArchivePage(FEB, None, range(1, 2)),
             ArchivePage(FEB, "x", range(2, 4), "2025-02-01 至 2025-02-03"),
             ArchivePage(JAN, None, range(4, 5))]
    assert place.from_main(pages[2]) == "nvidia/2025-02/x.md"
    assert place.between(pages[0], None) == "../nvidia.md"
    assert place.between(pages[2], None) == "../../nvidia.md"
    assert place.between(pages[2], pages[3]) == "../2025-01.md"
    assert place.between(pages[1], pages[2]) == "2025-02/x.md"
    assert pager_line(pages, 0, place) == "[← 较新的文章](../nvidia.md) · 2025年3月 · [较旧的文章 →](2025-02.md)\n" \
                                          "{: .archive-pager }"
    newer = "[← 较新的文章](../2025-02.md) · 2025年2月 · 2025-02-01 至 2025-02-03 · [较旧的文章 →]"
    assert pager_line(pages, 2, place).startswith(newer)
    assert "较旧的文章" not in pager_line(pages, 3, place)
    assert first_older(pages, 3) == pages[2] and first_older(pages, 9) is None


def test_months_line_names_every_month_once_without_counts():
    place = ListPlace(folder="months", main="index.md")
    dec = Bucket("2024-12", "2024年12月")
    pages = [ArchivePage(MAR, None, range(0, 1)), ArchivePage(MAR, "x", range(1, 3)),
             ArchivePage(dec, None, range(3, 4)),
             ArchivePage(Bucket("2024", "2024年"), None, range(4, 5)),
             ArchivePage(Bucket("undated", "日期未知"), None, range(5, 6))]
    assert months_line(pages, place) == ("按月存档：2025年：[3月](months/2025-03.md)；"
                                         "2024年：[12月](months/2024-12.md) · [全年](months/2024.md)；"
                                         "[日期未知](months/undated.md)")


def test_by_year():
    """Entity and source archives are cut by year (a sparse entity would otherwise get a page a month)."""
    assert bucket_of(summary("a", date="2025-01-31"), by_year=True) == Bucket("2025", "2025年")
    assert bucket_of(summary("a", date=None), by_year=True) == Bucket("undated", "日期未知")
    place = ListPlace(folder="nvidia", main="nvidia.md")
    pages = [ArchivePage(Bucket("2025", "2025年"), None, range(0, 1)), ArchivePage(Bucket("2025", "2025年"), "x",
                                                                                   range(1, 2)),
             ArchivePage(Bucket("2024", "2024年"), None, range(2, 3)),
             ArchivePage(Bucket("undated", "日期未知"), None, range(3, 4))]
    assert months_line(pages, place) == ("按年存档：[2025年](nvidia/2025.md) · [2024年](nvidia/2024.md) · "
                                         "[日期未知](nvidia/undated.md)")


def test_an_older_page_is_headed_by_the_dates_it_covers():
    span = "2025-02-01 至 2025-02-03"
    assert ArchivePage(FEB, "x", range(2, 4), span).heading == f"2025年2月 · {span}"
    assert ArchivePage(FEB, None, range(0, 2)).heading == "2025年2月"
    assert ArchivePage(Bucket("undated", "日期未知"), "x", range(2, 4)).heading == "日期未知"  # no dates: no span
    pages = archive_pages([FEB, FEB, FEB], ["c", "b", "a"], 0, 2, ["2025-02-09", "2025-02-03", "2025-02-01"])
    assert [p.heading for p in pages] == ["2025年2月", "2025年2月 · 2025-02-03", "2025年2月 · 2025-02-01"]
