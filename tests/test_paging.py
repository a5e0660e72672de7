"""The paging of archived lists (archive/paging.py): pages keyed by month, cut within the month from its oldest
article, so an insertion shifts only pages of its own month (issue 15)."""

from __future__ import annotations

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
    pager_line,
)
from tests.factories import summary

JAN, FEB, MAR = Bucket("2025-01", "2025年1月"), Bucket("2025-02", "2025年2月"), Bucket("2025-03", "2025年3月")


@pytest.mark.parametrize(
    ("start", "count", "size", "expected"),
    [
        (0, 1, 50, [(None, range(0, 1))]),
        (0, 50, 50, [(None, range(0, 50))]),
        (0, 51, 50, [(None, range(0, 1)), (1, range(1, 51))]),
        (0, 100, 50, [(None, range(0, 50)), (1, range(50, 100))]),
        (0, 101, 50, [(None, range(0, 1)), (2, range(1, 51)), (1, range(51, 101))]),
        (10, 7, 3, [(None, range(10, 11)), (2, range(11, 14)), (1, range(14, 17))]),
        (5, 3, 1, [(None, range(5, 6)), (2, range(6, 7)), (1, range(7, 8))]),
    ],
)
def test_in_month_pages(start, count, size, expected):
    """The month's newest 1 to size articles first, then its pages numbered from its oldest."""
    assert in_month_pages(start, count, size) == expected


@pytest.mark.parametrize("count", [1, 49, 50, 51, 99, 100, 101, 250])
def test_an_insertion_shifts_only_the_pages_from_its_place_up(count):
    """Numbered from the month's oldest article: adding one at position p (newest first) leaves every page that
    holds only older articles where it was."""
    before = in_month_pages(0, count, 50)
    for p in range(count + 1):
        after = in_month_pages(0, count + 1, 50)
        # A page wholly older than the insertion keeps its number and its articles (shifted by the one before).
        kept = {(n, range(r.start + 1, r.stop + 1)) for n, r in before if n is not None and r.start >= p}
        assert kept <= set(after), (count, p)


@pytest.mark.parametrize(
    ("buckets", "start", "stems"),
    [
        ([], 0, []),
        ([MAR, MAR, FEB], 0, ["2025-03", "2025-02"]),
        ([MAR, MAR, FEB], 2, ["2025-02"]),  # the main page holds the first two
        ([MAR, FEB, FEB, FEB, JAN], 0, ["2025-03", "2025-02", "2025-02/page-1", "2025-01"]),
        ([MAR, FEB, FEB, FEB, JAN], 2, ["2025-02", "2025-01"]),  # a month partly on the main page
    ],
)
def test_archive_pages(buckets, start, stems):
    pages = archive_pages(buckets, start, page_size=2)
    assert [p.stem for p in pages] == stems
    assert [i for p in pages for i in p.members] == list(range(start, len(buckets)))  # each once, in order


def test_a_month_that_comes_back_is_an_error():
    with pytest.raises(ValueError, match="2025-03"):
        archive_pages([MAR, FEB, MAR])


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
    pages = archive_pages([MAR, FEB, FEB, FEB, JAN], 0, page_size=2)  # 03, 02, 02/page-1, 01
    assert place.from_main(pages[2]) == "nvidia/2025-02/page-1.md"
    assert place.between(pages[0], None) == "../nvidia.md"
    assert place.between(pages[2], None) == "../../nvidia.md"
    assert place.between(pages[2], pages[3]) == "../2025-01.md"
    assert place.between(pages[1], pages[2]) == "2025-02/page-1.md"
    assert pager_line(pages, 0, place) == "[← 较新的文章](../nvidia.md) · 2025年3月 · [较旧的文章 →](2025-02.md)\n" \
                                          "{: .archive-pager }"
    newer = "[← 较新的文章](../2025-02.md) · 2025年2月 · 第 1 页 · [较旧的文章 →]"
    assert pager_line(pages, 2, place).startswith(newer)
    assert "较旧的文章" not in pager_line(pages, 3, place)
    assert first_older(pages, 3) == pages[2] and first_older(pages, 9) is None


def test_months_line_names_every_month_once_without_counts():
    place = ListPlace(folder="months", main="index.md")
    dec = Bucket("2024-12", "2024年12月")
    pages = [ArchivePage(MAR, None, range(0, 1)), ArchivePage(MAR, 1, range(1, 3)), ArchivePage(dec, None, range(3, 4)),
             ArchivePage(Bucket("2024", "2024年"), None, range(4, 5)),
             ArchivePage(Bucket("undated", "日期未知"), None, range(5, 6))]
    assert months_line(pages, place) == ("按月存档：2025年：[3月](months/2025-03.md)；"
                                         "2024年：[12月](months/2024-12.md) · [全年](months/2024.md)；"
                                         "[日期未知](months/undated.md)")
