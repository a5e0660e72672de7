"""A no-op `make site` finishes before the steps' libraries are imported (build_tools/nochange.py), and any
change an editor can make still runs the step.

Each step runs in a subprocess that reports whether the step's heavy modules were imported: the build's
pipeline for the build step, MkDocs for the site step.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from build_tools import nochange
from build_tools.filestat import RACY_SECONDS
from tests.conftest import ROOT
from tests.fixtures.hostile.corpus import article_text, tree_bytes

ENV = {**os.environ, "PYTHONPATH": str(ROOT), "NO_MKDOCS_2_WARNING": "1", "SOURCE_DATE_EPOCH": "1700000000"}
RUN = ("import sys\nfrom {module} import main\ncode = main(sys.argv[1:])\n"
       "print('IMPORTED' if {heavy!r} in sys.modules else 'NOT IMPORTED', file=sys.stderr)\nsys.exit(code)\n")


def _project(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir()
    for i in range(3):
        (raw / f"plain-{i}.txt").write_text(article_text(f"nochange{i}"), encoding="utf-8")
    shutil.copy(ROOT / "entities.yml", tmp_path / "entities.yml")
    _age(tmp_path)
    return tmp_path


def _age(folder: Path) -> None:  # noqa: ARG001 - says which files must be older than the window
    """Files saved a while ago, as an editor's usually are: a stat younger than RACY_SECONDS is not trusted
    (its change time cannot be set back, so the test waits the window out)."""
    time.sleep(RACY_SECONDS + 0.2)


def build(work: Path, *extra: str, env: dict | None = None) -> tuple[bool, subprocess.CompletedProcess]:
    """(the build was imported, the finished process) for ``python -m build_tools build`` in ``work``."""
    done = subprocess.run([sys.executable, "-c", RUN.format(module="build_tools.cli", heavy="build_tools.pipeline"),
                           "build", "--raw", "raw", "--docs", "docs", "--entities", "entities.yml", *extra],
                          cwd=work, env={**ENV, **(env or {})}, capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), done.stderr
    return done.stderr.rstrip().endswith("\nIMPORTED") or done.stderr.strip() == "IMPORTED", done


def test_nothing_changed_replays_the_last_build_without_importing_it(tmp_path: Path):
    work = _project(tmp_path)
    imported, first = build(work)
    assert imported
    docs = tree_bytes(work / "docs")
    imported, again = build(work)
    assert not imported, again.stderr
    assert again.stderr.replace("NOT IMPORTED", "IMPORTED") == first.stderr  # the same summary, the same code
    assert (again.returncode, again.stdout) == (first.returncode, first.stdout)
    assert tree_bytes(work / "docs") == docs
    imported, strict = build(work, "--strict")  # other options: another stamp, the build runs
    assert imported and strict.returncode == 0


def _edit_dump(work: Path) -> None:
    path = work / "raw" / "plain-1.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\n\n编者补记：这一段是新加的。\n", encoding="utf-8")


def _add_dump(work: Path) -> None:
    (work / "raw" / "plain-9.txt").write_text(article_text("nochange9"), encoding="utf-8")


def _remove_dump(work: Path) -> None:
    (work / "raw" / "plain-2.txt").unlink()


def _edit_registry(work: Path) -> None:
    path = work / "entities.yml"
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")


def _touch_a_page(work: Path) -> None:
    page = next((work / "docs" / "articles").glob("*.md"))
    page.write_text(page.read_text(encoding="utf-8") + "\n手改的一行\n", encoding="utf-8")


def _remove_docs(work: Path) -> None:
    shutil.rmtree(work / "docs")


@pytest.mark.slow  # three to four builds each
@pytest.mark.parametrize("change", [_edit_dump, _add_dump, _remove_dump, _edit_registry, _touch_a_page, _remove_docs])
def test_every_change_runs_the_build_and_ends_where_a_build_from_nothing_does(tmp_path: Path, change):
    work = _project(tmp_path)
    build(work)
    assert not build(work)[0]  # the no-op path is taken while nothing changes...
    change(work)
    imported, done = build(work)
    assert imported, done.stderr  # ...and never after a change
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    shutil.copytree(work / "raw", fresh / "raw")
    shutil.copy(work / "entities.yml", fresh / "entities.yml")
    build(fresh)
    assert tree_bytes(work / "docs") == tree_bytes(fresh / "docs")


@pytest.mark.slow
def test_a_commit_in_raws_git_history_runs_the_build(tmp_path: Path):
    """The added dates come from git: a commit changes them even though no dump's stat does."""
    work = _project(tmp_path)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.test", "-c", "commit.gpgsign=false"]
    for command in (["init", "-q"], ["add", "raw"], ["commit", "-qm", "dumps"]):
        subprocess.run([*git, *command], cwd=work, check=True, env={**ENV, "GIT_AUTHOR_DATE": "2024-01-02T03:04:05Z"})
    build(work)
    assert not build(work)[0]
    (work / "notes.txt").write_text("x", encoding="utf-8")
    subprocess.run([*git, "add", "notes.txt"], cwd=work, check=True)
    subprocess.run([*git, "commit", "-qm", "notes"], cwd=work, check=True)
    assert build(work)[0]
    assert not build(work)[0]


def test_a_file_saved_again_within_the_racy_window_saves_no_stamp(tmp_path: Path):
    """Two saves within one timestamp tick can keep a file's stat: an input that young at the start is read
    again at the end, and one still that young at the end keeps the stamp from being saved."""
    dump = tmp_path / "raw" / "a.txt"
    dump.parent.mkdir()
    dump.write_text("第一版", encoding="utf-8")
    places = nochange.Places(inputs=(tmp_path / "raw",))
    stamp = nochange.Stamp(tmp_path / "stamps", "test", ["facts"])
    start = nochange.take(["facts"], places)
    assert start is not None and start.young == [str(dump)]
    read = nochange.contents(start.young)
    info = dump.stat()
    dump.write_text("第二版", encoding="utf-8")  # same size, and the stat put back as it was
    os.utime(dump, ns=(info.st_atime_ns, info.st_mtime_ns))
    later = time.time_ns() + int(3 * RACY_SECONDS * 1e9)  # as if the run ended later: no input young any more
    end = nochange.take(["facts"], places, now_ns=later)
    assert not stamp.save_if_settled(start, read, end, {"code": 0})  # the bytes differ: no stamp
    assert not stamp.save_if_settled(start, {}, nochange.take(["facts"], places), {"code": 0})  # young at the end
    assert stamp.save_if_settled(end, {}, end, {"code": 0})
    assert stamp.load(end, places) == {"code": 0}
    assert stamp.load(nochange.take(["facts"], places, now_ns=later, outputs=False), places) == {"code": 0}
    assert stamp.load(nochange.take(["other facts"], places, now_ns=later), places) is None


def test_a_link_to_a_folder_inside_an_input_means_no_fingerprint(tmp_path: Path):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "more").symlink_to(tmp_path / "elsewhere")
    assert nochange.take([], nochange.Places(inputs=(tmp_path / "raw",))) is None


def _site_project(tmp_path: Path) -> Path:
    work = _project(tmp_path)
    shutil.copytree(ROOT / "theme", work / "theme")
    shutil.copy(ROOT / "mkdocs.yml", work / "mkdocs.yml")
    (work / "docs").mkdir()
    for name in ("about.md", "assets"):
        source = ROOT / "docs" / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, work / "docs" / name)
    _age(work)
    build(work)
    return work


def site(work: Path, env: dict | None = None, extra: tuple[str, ...] = ()) -> tuple[bool, str]:
    done = subprocess.run([sys.executable, "-c", RUN.format(module="build_tools.site.__main__", heavy="mkdocs"),
                           "--site-dir", "site", "--docs", "docs", *extra], cwd=work, env={**ENV, **(env or {})},
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stderr.rstrip().endswith("\nIMPORTED") or done.stderr.strip() == "IMPORTED", done.stdout


@pytest.mark.slow  # MkDocs renders and search indexes of a small site
def test_the_site_step_with_nothing_changed_imports_neither_mkdocs_nor_the_indexer(tmp_path: Path):
    work = _site_project(tmp_path)
    assert site(work)[0]
    pages = tree_bytes(work / "site")
    imported, said = site(work)
    assert not imported and said.startswith("site: nothing changed"), said
    assert "0 of " in said and "shards built" in said
    assert tree_bytes(work / "site") == pages
    (work / "site" / "index.html").unlink()  # site/ damaged: the step runs (a full render) and repairs it
    assert site(work)[0]
    assert tree_bytes(work / "site") == pages
    assert not site(work)[0]
    assert site(work, extra=("--full",))[0]  # asked for: the render runs whatever the stamp says
    assert site(work, {"SOURCE_DATE_EPOCH": "1800000000"})[0]  # another day: the sitemap's date changes
    about = work / "docs" / "about.md"
    about.write_text(about.read_text(encoding="utf-8") + "\n补一句。\n", encoding="utf-8")
    assert site(work)[0]
    _edit_dump(work)
    build(work)
    assert site(work)[0]


@pytest.mark.parametrize(("strict", "edited_meanwhile", "code", "kept_at_once", "replays"), [
    (False, False, 0, False, True),
    (False, True, 0, False, False),
    (True, False, 1, True, True),  # a failed build: no `go`, no site step, its stamp kept at once as `make build`'s
], ids=["ended as it began", "a dump edited before the stamp", "failed build"])
def test_make_sites_build_keeps_its_stamp_after_go(tmp_path: Path, monkeypatch, strict, edited_meanwhile, code,
                                                    kept_at_once, replays):
    """`make site`'s build leaves its no-op stamp for after the site step's `go` (cli.py, ``later``): none is saved
    when the build returns, one is saved by the work left for later, and only when raw/ is still as it began."""
    from build_tools import cli

    work = _project(tmp_path)
    if strict:
        (work / "raw" / "empty.txt").write_text("", encoding="utf-8")  # rejected: --strict exits 1
        _age(work)
    monkeypatch.chdir(work)
    args = cli._build_args(cli._parser().parse_args(
        ["site", "--raw", "raw", "--docs", "docs", "--entities", "entities.yml", "--quiet",
         *(["--strict"] if strict else []), "--", "--site-dir", "s"]))
    later: cli.Later = []
    assert cli._run(args, cli._noop_check(args), later) == code
    assert (work / "docs" / "index.md").exists()
    assert bool(list((work / nochange.Check.FOLDER).glob("build-*.json"))) is kept_at_once
    assert bool(later) is not kept_at_once
    if edited_meanwhile:
        (work / "raw" / "plain-0.txt").write_text(article_text("edited after the build"), encoding="utf-8")
    for work_left in later:
        work_left()
    assert (cli._replay(cli._noop_check(args)) == code) is replays
