"""``generations.copy_links``: a generation copied as hard links (the spare a cold build leaves, the first
generation made from a plain docs/): every file the same inode, folders made (empty ones too), symbolic links
kept as links, never followed."""

from __future__ import annotations

import os

from build_tools.runtime.generations import copy_links


def test_a_folder_copied_as_hard_links(tmp_path):
    source, target = tmp_path / "g1", tmp_path / "g2"
    for rel in ("index.md", "articles/a.md", "articles/months/2024-01.md", "assets/x/y.css"):
        (source / rel).parent.mkdir(parents=True, exist_ok=True)
        (source / rel).write_text(rel, encoding="utf-8")
    (source / "empty").mkdir()
    os.symlink("articles/a.md", source / "to-file")
    os.symlink(tmp_path / "outside", source / "to-folder")  # outside: never walked into
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.md").write_text("no", encoding="utf-8")

    copy_links(source, target)

    def listing(top):
        return sorted(os.path.relpath(os.path.join(folder, name), top)
                      for folder, dirs, files in os.walk(top) for name in dirs + files)

    assert listing(target) == listing(source)
    for rel in ("index.md", "articles/a.md", "articles/months/2024-01.md", "assets/x/y.css"):
        assert os.stat(target / rel).st_ino == os.stat(source / rel).st_ino
    assert (target / "empty").is_dir() and not (target / "empty").is_symlink()
    assert os.readlink(target / "to-file") == "articles/a.md"
    assert os.readlink(target / "to-folder") == str(tmp_path / "outside")
    assert not (target / "secret.md").exists()


def test_a_single_file_is_linked_into_a_new_folder(tmp_path):
    (tmp_path / "a.md").write_text("a", encoding="utf-8")
    copy_links(tmp_path / "a.md", tmp_path / "new" / "deep" / "a.md")
    assert os.stat(tmp_path / "new" / "deep" / "a.md").st_ino == os.stat(tmp_path / "a.md").st_ino
