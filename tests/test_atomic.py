"""Editors never lose work: raw/ is never written, docs/ is replaced atomically, builds are deterministic.

* a build never writes under raw/ (byte-, mode- and mtime-identical afterwards), and refuses
  output directories that overlap raw/;
* a build killed halfway (SIGKILL or SIGINT to the whole process group, while it writes
  pages) leaves the previous generated output byte-identical; so does a kill at every
  single step of the swap itself (emit.OutputWriter.commit) and of the roll-back;
* two builds of the same input give byte-identical docs/ output, with and without the
  cache, serial and parallel, under different hash seeds.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from build_tools.model.errors import OutputError
from build_tools.runtime.emit import GENERATED, OutputWriter, recover
from tests.conftest import ROOT
from tests.fixtures.hostile.corpus import article_text, run_build, tree_bytes, write_cases

pytestmark = pytest.mark.slow  # builds in subprocesses, killed mid-write

DUMPS = 300


def raw_snapshot(raw: Path) -> dict[str, tuple]:
    """Everything about raw/ a build could change: names (hidden ones too), bytes, modes, mtimes."""
    out = {}
    for path in sorted(raw.rglob("*")):
        info = path.lstat()
        data = path.read_bytes() if path.is_file() and not path.is_symlink() else None
        out[path.relative_to(raw).as_posix()] = (info.st_mode, info.st_mtime_ns, info.st_size, data)
    return out


def generated(docs: Path) -> dict[str, bytes]:
    """The generated part of docs/ (what a build replaces), file by file."""
    out = {}
    for name in GENERATED:
        target = docs / name
        if target.is_dir():
            out.update({f"{name}/{k}": v for k, v in tree_bytes(target).items()})
        elif target.is_file():
            out[name] = target.read_bytes()
    return out


def leftovers(docs: Path) -> list[str]:
    return sorted(p.name for p in docs.iterdir() if p.name.startswith((".staging-", ".old-", ".trash-")))


# --- raw/ is never written --------------------------------------------------------------


def test_a_build_never_writes_under_raw(tmp_path):
    raw = tmp_path / "raw"
    write_cases(raw)
    (raw / ".hidden").mkdir()
    (raw / ".hidden" / "notes.txt").write_text("editor's notes", encoding="utf-8")
    before = raw_snapshot(raw)
    result = run_build(raw, tmp_path / "docs", "--report", str(tmp_path / "report.json"))
    assert result.returncode == 0, result.stderr
    assert raw_snapshot(raw) == before


@pytest.mark.parametrize(
    ("raw", "docs", "message"),
    [
        pytest.param("raw", "raw", "is inside raw/", id="docs is raw"),
        pytest.param("raw", "raw/site-docs", "is inside raw/", id="docs inside raw"),
        pytest.param("docs/articles/raw", "docs", "is inside the generated output", id="raw inside generated docs"),
    ],
)
def test_output_overlapping_raw_is_refused(tmp_path, raw, docs, message):
    raw_dir, docs_dir = tmp_path / raw, tmp_path / docs
    raw_dir.mkdir(parents=True)
    (raw_dir / "a.txt").write_text(article_text("overlap"), encoding="utf-8")
    before = raw_snapshot(raw_dir)
    result = run_build(raw_dir, docs_dir, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("error: refusing to build:") and message in result.stderr
    assert raw_snapshot(raw_dir) == before


def test_writer_refuses_paths_outside_the_generated_names(tmp_path):
    writer = OutputWriter(tmp_path / "docs", tmp_path / "raw")
    try:
        for bad in ("about.md", "../x.md", "/etc/x", "articles/../../x.md", "assets/x.css"):
            with pytest.raises(ValueError):
                writer.write(bad, "x")
        writer.write("articles/a.md", "first")
        writer.write("articles/a.md", "second")  # a slug clash: the first page stays, the clash is recorded
        assert writer.conflicts == ["articles/a.md"]
    finally:
        writer.abort()
    assert leftovers(tmp_path / "docs") == []


# --- killed builds ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """A few hundred dumps, their built docs/, and the same dumps changed so every page would change."""
    root = tmp_path_factory.mktemp("kill")
    raw, changed, docs = root / "raw", root / "raw-changed", root / "docs"
    raw.mkdir()
    changed.mkdir()
    for i in range(DUMPS):
        text = article_text(i)
        (raw / f"d{i:03}.txt").write_text(text, encoding="utf-8")
        (changed / f"d{i:03}.txt").write_text(text.replace("。", "！", 1), encoding="utf-8")
    docs.mkdir()
    (docs / "about.md").write_text("hand-written", encoding="utf-8")
    first = run_build(raw, docs, "--no-cache", cwd=root)
    assert first.returncode == 0, first.stderr
    return SimpleNamespace(root=root, raw=raw, changed=changed, docs=docs)


def _start(raw: Path, docs: Path, cwd: Path) -> subprocess.Popen:
    """The build CLI in its own process group (its worker processes too), to be killed as a whole."""
    command = [sys.executable, "-m", "build_tools", "build", "--raw", str(raw), "--docs", str(docs),
               "--quiet", "--no-cache", "--entities", str(cwd / "none.yml"), "--overrides", str(cwd / "none.yml")]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(command, cwd=cwd, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def _staged_pages(docs: Path) -> int:
    return sum(len(list((s / "articles").glob("*.md"))) for s in docs.glob(".staging-*") if (s / "articles").is_dir())


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "SIGINT"])
def test_a_build_killed_while_writing_leaves_the_previous_output(corpus, tmp_path, sig):
    docs = tmp_path / "docs"
    shutil.copytree(corpus.docs, docs)
    before = generated(docs)
    assert len([k for k in before if k.startswith("articles/") and k.count("/") == 1]) > DUMPS // 2

    # Every dump changed, so a finished build would change every page: kill the build halfway.
    process = _start(corpus.changed, docs, tmp_path)
    deadline = time.monotonic() + 60
    try:
        while _staged_pages(docs) < 20:
            assert process.poll() is None, "the build finished before it could be killed"
            assert time.monotonic() < deadline, "the build never started writing pages"
            time.sleep(0.005)
        os.killpg(process.pid, sig)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode != 0
    assert generated(docs) == before
    assert (docs / "about.md").read_text(encoding="utf-8") == "hand-written"
    if sig == signal.SIGINT:
        assert leftovers(docs) == []  # interrupted cleanly: the staging tree is gone already
        return

    # The next build cleans up after the killed one and publishes the new text.
    again = run_build(corpus.changed, docs, "--no-cache", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert leftovers(docs) == []
    after = generated(docs)
    assert after != before and "！" in after["articles/d000.md"].decode("utf-8")
    assert (docs / "about.md").read_text(encoding="utf-8") == "hand-written"


SWAP = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from build_tools.runtime import emit

    docs, stage, step = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    real, calls = os.replace, [0]

    def replace(src, dst):
        if calls[0] == step:
            os._exit(9)  # as abrupt as SIGKILL: no except, no finally
        calls[0] += 1
        real(src, dst)

    if stage == "recover":
        emit.os.replace = replace
        emit.recover(docs)
        sys.exit(0)
    writer = emit.OutputWriter(docs)
    writer.write("articles/b.md", "new b")
    writer.write("articles/raw/b.txt", "new raw b")
    writer.write("entities/x.md", "new entity")
    writer.write("index.md", "new home")
    emit.os.replace = replace
    writer.commit()
    """
)


def _swap(docs: Path, stage: str, step: int) -> int:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", SWAP, str(docs), stage, str(step)], env=env,
                          check=False).returncode


def _old_output(docs: Path) -> None:
    (docs / "articles" / "raw").mkdir(parents=True)
    (docs / "articles" / "a.md").write_text("old a")
    (docs / "articles" / "raw" / "a.txt").write_text("old raw a")
    (docs / "index.md").write_text("old home")
    (docs / "feed.xml").write_text("old feed")
    (docs / "about.md").write_text("hand-written")


NEW = {"articles/b.md": b"new b", "articles/raw/b.txt": b"new raw b", "entities/x.md": b"new entity",
       "index.md": b"new home"}


def test_a_swap_killed_at_any_step_rolls_back_or_completes(tmp_path):
    """Old: articles, index.md, feed.xml.  New: articles, entities, index.md (no feed): 6 renames + 1 to commit."""
    for step in range(9):
        docs = tmp_path / f"docs-{step}"
        docs.mkdir()
        _old_output(docs)
        before = generated(docs)
        code = _swap(docs, "commit", step)
        recover(docs)
        assert leftovers(docs) == []
        assert (docs / "about.md").read_text() == "hand-written"
        if code == 9:  # killed before the commit point
            assert generated(docs) == before, step
        else:
            assert code == 0 and generated(docs) == NEW, step


def test_a_roll_back_killed_at_any_step_can_be_finished(tmp_path):
    for step in range(8):
        docs = tmp_path / f"docs-{step}"
        docs.mkdir()
        _old_output(docs)
        before = generated(docs)
        assert _swap(docs, "commit", 4) == 9  # killed in the middle of the swap
        _swap(docs, "recover", step)  # …and the roll-back killed too
        recover(docs)
        assert generated(docs) == before, step
        assert leftovers(docs) == []


def test_one_build_at_a_time(tmp_path, monkeypatch):
    from build_tools.runtime import emit

    monkeypatch.setattr(emit, "LOCK_WAIT_SECONDS", 0.2)
    first = OutputWriter(tmp_path / "docs")
    try:
        with pytest.raises(OutputError, match="another build is writing"):
            OutputWriter(tmp_path / "docs")
        assert first.staging.exists()  # the second build did not clean up the running one's staging tree
    finally:
        first.abort()
    OutputWriter(tmp_path / "docs").abort()  # free again


# --- deterministic output ------------------------------------------------------------------


@pytest.fixture(scope="module")
def mixed_raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Hostile cases, the repository's seed dumps and enough plain dumps to go parallel."""
    raw = tmp_path_factory.mktemp("determinism") / "raw"
    write_cases(raw)
    (raw / "link-to-secret.txt").unlink()
    (raw / "huge.txt").unlink()
    for seed in sorted((ROOT / "raw").glob("*.txt")):
        (raw / seed.name).write_bytes(seed.read_bytes())
    for i in range(50):
        (raw / "bulk" / f"{i:02}.txt").parent.mkdir(exist_ok=True)
        (raw / "bulk" / f"{i:02}.txt").write_text(article_text(f"bulk{i}"), encoding="utf-8")
    return raw


def _deterministic_build(raw: Path, out: Path, *extra: str, seed: str) -> dict[str, bytes]:
    out.mkdir(parents=True, exist_ok=True)
    result = run_build(raw, out / "docs", "--entities", str(ROOT / "entities.yml"), *extra, cwd=out,
                       env={"PYTHONHASHSEED": seed})
    assert result.returncode == 0, result.stderr
    return tree_bytes(out / "docs")


def test_two_builds_of_the_same_input_are_byte_identical(mixed_raw, tmp_path):
    cold = _deterministic_build(mixed_raw, tmp_path / "a", "--no-cache", "--jobs", "2", seed="1")
    again = _deterministic_build(mixed_raw, tmp_path / "b", "--no-cache", "--jobs", "1", seed="2")
    assert sorted(cold) == sorted(again)
    assert [k for k in cold if cold[k] != again[k]] == []
    cached_first = _deterministic_build(mixed_raw, tmp_path / "c", seed="3")  # fills tmp_path/c/.cache
    cached_again = _deterministic_build(mixed_raw, tmp_path / "c", seed="4")  # reads it
    assert [k for k in cold if cached_first.get(k) != cold[k]] == []
    assert cached_again == cached_first
    assert any(k.startswith("articles/") for k in cold) and "feed.xml" in cold


def test_cache_shared_by_two_raw_trees_keeps_each_trees_paths(tmp_path, monkeypatch):
    """One .cache/build serves builds of different raw/ folders: a page names its own dump."""
    from build_tools.pipeline import build
    from build_tools.settings import Settings

    seeds = Path(__file__).resolve().parents[1] / "raw"
    first, second = tmp_path / "a" / "raw", tmp_path / "b" / "raw"
    for target in (first, second):
        target.mkdir(parents=True)
        source = sorted(seeds.iterdir())[0]
        (target / source.name).write_bytes(source.read_bytes())
    cache = tmp_path / "cache"
    monkeypatch.chdir(tmp_path / "b")
    # From b/, a's dump is shown by its absolute path; b's own dump by raw/<name>.
    build(Settings(raw_dir=first, docs_dir=tmp_path / "a" / "docs", cache_dir=cache))
    build(Settings(raw_dir=Path("raw"), docs_dir=tmp_path / "b" / "docs", cache_dir=cache))
    name = sorted(seeds.iterdir())[0].name
    page = (tmp_path / "b" / "docs" / "articles" / f"{Path(name).stem}.md").read_text(encoding="utf-8")
    assert f"raw: raw/{name}" in page
