"""``filestat.entries``: the folder walker the site check, the render's snapshot of docs/ and the search bundle's
tally share (one ``scandir`` per folder)."""

from __future__ import annotations

import os

import pytest

from build_tools.filestat import entries, real_folder


@pytest.fixture
def tree(tmp_path):
    for rel in ("a.html", "d/b.html", "d/e/c.txt", ".hidden/x.html"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(rel)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "y.html").write_text("y")
    os.symlink(tmp_path / "elsewhere", tmp_path / "link")
    return tmp_path


@pytest.mark.parametrize(("enter", "expected"), [
    (lambda rel, e: False, {"a.html", "d", ".hidden", "elsewhere", "link"}),
    (lambda rel, e: e.is_dir(follow_symlinks=False),
     {"a.html", "d", "d/b.html", "d/e", "d/e/c.txt", ".hidden", ".hidden/x.html", "elsewhere", "elsewhere/y.html",
      "link"}),
    (lambda rel, e: e.is_dir(), {"a.html", "d", "d/b.html", "d/e", "d/e/c.txt", ".hidden", ".hidden/x.html",
                                 "elsewhere", "elsewhere/y.html", "link", "link/y.html"}),
    (lambda rel, e: e.is_dir() and not e.name.startswith(".") and rel != "elsewhere",
     {"a.html", "d", "d/b.html", "d/e", "d/e/c.txt", ".hidden", "elsewhere", "link", "link/y.html"}),
], ids=["top only", "real folders", "through links", "chosen folders"])
def test_every_entry_below_the_folders_entered(tree, enter, expected):
    found = [rel for rel, _entry in entries(str(tree), enter)]
    assert len(found) == len(set(found))
    assert set(found) == expected


def test_a_folder_that_cannot_be_listed_is_passed_over(tree):
    gone = tree / "d" / "e"
    walked = []
    for rel, _entry in entries(str(tree), lambda rel, e: e.is_dir(follow_symlinks=False)):
        walked.append(rel)
        if rel == "d/e":  # removed between its listing and its own
            for child in gone.iterdir():
                child.unlink()
            gone.rmdir()
    assert "d/e" in walked and "d/e/c.txt" not in walked
    assert list(entries(str(tree / "missing"), lambda rel, e: True)) == []


def test_real_folder_enters_folders_not_links_to_them(tree):
    found = {rel for rel, _entry in entries(str(tree), real_folder)}
    assert "elsewhere/y.html" in found and "d/e/c.txt" in found
    assert "link" in found and "link/y.html" not in found
