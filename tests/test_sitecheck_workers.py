"""The site check spread over worker processes finds what the one-process check finds (build_tools/sitecheck)."""

from __future__ import annotations

import pytest

import build_tools.sitecheck as sitecheck

PAGE = ('<!doctype html><html><head><title>t</title></head><body><article class="md-content__inner md-typeset">'
        "<h1>第{n}篇</h1><p>正文{n}</p>{extra}</article></body></html>")


def _site(root, pages: int, hostile: dict[int, str]):
    for n in range(pages):
        folder = root / "articles" / f"a{n:04d}"
        folder.mkdir(parents=True)
        (folder / "index.html").write_text(PAGE.format(n=n, extra=hostile.get(n, "")), encoding="utf-8")
    (root / "404.html").write_text("<html><body>no article here</body></html>", encoding="utf-8")
    return root


@pytest.mark.parametrize("worth_a_fork", [10**9, 1])  # one process, then workers for every run
def test_the_check_names_every_page_outside_the_allowlist_however_it_is_spread(tmp_path, monkeypatch, worth_a_fork):
    monkeypatch.setattr(sitecheck, "_WORTH_A_FORK", worth_a_fork)
    hostile = {7: "<script>alert(1)</script>", 61: '<a href="javascript:x()">x</a>', 119: "<img src=x onerror=y()>"}
    site = _site(tmp_path / "site", 120, hostile)
    cache = tmp_path / "verified.digests"
    checked, problems = sitecheck.check_site(site, cache)
    assert checked == 120
    assert sorted(problems) == [f"articles/a{n:04d}/index.html" for n in sorted(hostile)]
    assert any("javascript:x()" in line for line in problems["articles/a0061/index.html"])
    # The pages found clean are remembered by their bytes; the hostile ones never are.
    checked, problems = sitecheck.check_site(site, cache)
    assert checked == 3 and len(problems) == 3


@pytest.mark.parametrize(("damage", "checked"), [("torn", 2), ("other version", 5), ("garbage", 5), ("empty", 5)])
def test_a_damaged_cache_only_costs_checks_again(tmp_path, damage: str, checked: int):
    """The verified pages' digests are raw bytes: a torn file loses its last digest (that page is checked again),
    a file of another allowlist version or garbage loses them all; a hostile page is found whatever the file."""
    site = _site(tmp_path / "site", 5, {3: "<script>alert(1)</script>"})
    cache = tmp_path / "verified.digests"
    assert sitecheck.check_site(site, cache)[0] == 5
    data = cache.read_bytes()
    cache.write_bytes({"torn": data[:-7], "other version": data.replace(b"sitecheck ", b"sitecheck 0", 1),
                       "garbage": bytes(range(256)) * 3, "empty": b""}[damage])
    found, problems = sitecheck.check_site(site, cache)
    assert (found, sorted(problems)) == (checked, ["articles/a0003/index.html"])
