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

import contextlib
import errno
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from build_tools.model.errors import OutputError
from build_tools.runtime.emit import GENERATED, OutputWriter, recover
from build_tools.runtime.generations import HOME, SPARE, current_generation, spare_generation
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
    """What a finished or recovered build must not leave: the older writer's folders, generations nothing
    points to (the shown one, or the spare its record names), pending links, links that lead nowhere."""
    found = sorted(p.name for p in docs.iterdir() if p.name.startswith((".staging-", ".old-", ".trash-")))
    home = docs / HOME
    current, spare = current_generation(docs), spare_generation(docs)
    if home.is_dir():
        found += sorted(f"{HOME}/{p.name}" for p in home.iterdir()
                        if p.name not in (".gitignore", "current") and p != current
                        and not (spare is not None and (p == spare or p.name == SPARE)))
    found += sorted(name for name in GENERATED if (docs / name).is_symlink() and not (docs / name).exists())
    return found


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
    """The build CLI in its own process group (its worker processes too), to be killed as a whole; its
    stderr goes to cwd/stderr.txt."""
    command = [sys.executable, "-m", "build_tools", "build", "--raw", str(raw), "--docs", str(docs),
               "--quiet", "--no-cache", "--entities", str(cwd / "none.yml"), "--overrides", str(cwd / "none.yml")]
    # SIGABRT dumps every thread; a killed --no-cache build leaves its throwaway cache in TMPDIR: the test's
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONFAULTHANDLER": "1", "TMPDIR": str(cwd)}
    with (cwd / "stderr.txt").open("wb") as err:
        return subprocess.Popen(command, cwd=cwd, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                                stderr=err)


def _interrupt(process: subprocess.Popen, cwd: Path) -> tuple[float, str]:
    """Ctrl-C to the build's process group: (seconds until it exited, what it printed)."""
    os.killpg(process.pid, signal.SIGINT)
    sent = time.monotonic()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGABRT)  # where it hangs, on stderr
        time.sleep(1)
        pytest.fail("still running 10 s after Ctrl-C:\n" + (cwd / "stderr.txt").read_text(errors="replace")[-8000:])
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return time.monotonic() - sent, (cwd / "stderr.txt").read_text(encoding="utf-8", errors="replace")


def _staged_pages(docs: Path) -> int:
    """Pages written so far into the generation a running build is making: the files of the other generations
    that are not the shown pages (the spare a build starts from holds every shown page, hard-linked or, in a
    copied docs/, copied: the same bytes)."""
    current = current_generation(docs)
    shown = {p.name: p.read_bytes() for p in (current / "articles").glob("*.md")} if current is not None else {}
    return sum(1 for g in (docs / HOME).glob("g-*") if g != current and (g / "articles").is_dir()
               for p in (g / "articles").glob("*.md") if shown.get(p.name) != _bytes(p))


def _bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:  # replaced or removed meanwhile
        return None


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "SIGINT"])
def test_a_build_killed_while_writing_leaves_the_previous_output(corpus, tmp_path, sig):
    docs = tmp_path / "docs"
    shutil.copytree(corpus.docs, docs, symlinks=True)
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
        if sig == signal.SIGINT:
            took, err = _interrupt(process, tmp_path)
        else:
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
        assert (process.returncode, err.strip().splitlines()) == (130, ["interrupted, previous output kept"])
        assert took < 2.0
        return

    # The next build cleans up after the killed one and publishes the new text.
    again = run_build(corpus.changed, docs, "--no-cache", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert leftovers(docs) == []
    after = generated(docs)
    assert after != before and "！" in after["articles/d000.md"].decode("utf-8")
    assert (docs / "about.md").read_text(encoding="utf-8") == "hand-written"


KILLS = 20  # make test; KILLS=100 in the environment for the full run (docs/dev/hostile-inputs.md)


def _calibrate(corpus: SimpleNamespace, work: Path) -> tuple[float, dict, dict]:
    """One uninterrupted build of the changed dumps: (its duration, the old output, the new output)."""
    docs = work / "docs"
    shutil.copytree(corpus.docs, docs, symlinks=True)
    old, started = generated(docs), time.monotonic()
    process = _start(corpus.changed, docs, work)
    assert process.wait(timeout=120) == 0, (work / "stderr.txt").read_text()
    return time.monotonic() - started, old, generated(docs)


def test_kill_9_at_random_instants_leaves_the_old_or_the_new_output(corpus, tmp_path):
    """SIGKILL to the build's process group at random instants, half of them in the last moments of the
    build (the last pages, the entity and index pages, the swap, the clean-up): right after each kill
    (nothing repaired yet) docs/ shows the whole previous output or the whole new one."""
    (tmp_path / "cal").mkdir()
    span, old, new = _calibrate(corpus, tmp_path / "cal")
    assert old != new
    rng, seen = random.Random(9), {"old": 0, "new": 0}
    for trial in range(int(os.environ.get("KILLS", KILLS))):
        work = tmp_path / f"k{trial}"
        work.mkdir()
        shutil.copytree(corpus.docs, work / "docs", symlinks=True)
        process = _start(corpus.changed, work / "docs", work)
        if trial % 2 == 0:
            time.sleep(rng.uniform(0.0, span))
        else:  # once the last pages are being written: the swap is a few milliseconds away
            while _staged_pages(work / "docs") < DUMPS - 5 and process.poll() is None:
                time.sleep(0.0005)
            time.sleep(rng.uniform(0.0, 0.12))
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        shown = generated(work / "docs")
        assert shown in (old, new), trial
        seen["old" if shown == old else "new"] += 1
        assert (work / "docs" / "about.md").read_text(encoding="utf-8") == "hand-written"
        recover(work / "docs")
        assert generated(work / "docs") == shown and leftovers(work / "docs") == [], trial
        shutil.rmtree(work)
    print(f"kills: {sum(seen.values())}, old output after {seen['old']}, new output after {seen['new']}")
    assert seen["old"] and seen["new"]


INTERRUPTS = 8  # make test; INTERRUPTS=50 in the environment for a longer run


def test_ctrl_c_at_any_moment_stops_a_parallel_build_within_two_seconds(corpus, tmp_path):
    """SIGINT to the process group at random moments (reading, linking, rendering, swapping): each time the
    build is gone within 2 s, exits 130 with one line, and docs/ holds the previous output or the new one."""
    docs = tmp_path / "docs"
    shutil.copytree(corpus.docs, docs, symlinks=True)
    old = generated(docs)
    finished = time.monotonic()
    run = run_build(corpus.changed, docs, "--no-cache", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    span, new = time.monotonic() - finished, generated(docs)
    rng = random.Random(12)
    outcomes = []
    for trial in range(int(os.environ.get("INTERRUPTS", INTERRUPTS))):
        work = tmp_path / f"t{trial}"
        work.mkdir()
        shutil.copytree(corpus.docs, work / "docs", symlinks=True)
        process = _start(corpus.changed, work / "docs", work)
        time.sleep(rng.uniform(0.2, span))
        if process.poll() is not None:
            outcomes.append("finished")
            continue
        took, err = _interrupt(process, work)
        assert "Traceback" not in err and took < 2.0, (trial, took, err)
        after = generated(work / "docs")
        if process.returncode == 0:  # it finished as the signal was sent
            assert after == new, trial
            outcomes.append("finished")
            continue
        if process.returncode == -signal.SIGINT:  # before Python set its handler, or as it exited: killed
            assert after in (old, new), trial
            outcomes.append("killed by SIGINT")
            continue
        lines = [line for line in err.strip().splitlines() if not line.startswith("warning: ")]
        assert process.returncode == 130 and len(lines) == 1, (trial, err)
        assert after in (old, new), (trial, lines)
        assert (after == old) == (lines[0] == "interrupted, previous output kept"), (trial, lines, after == old)
        outcomes.append(lines[0])
    assert "interrupted, previous output kept" in outcomes, outcomes


SWAP = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from build_tools.runtime import emit, generations

    docs, stage, step = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    calls = [0]

    def counted(real):
        def call(*args, **kwargs):
            if calls[0] == step:
                os._exit(9)  # as abrupt as SIGKILL: no except, no finally
            calls[0] += 1
            return real(*args, **kwargs)
        return call

    def arm():  # every call that changes a name on disk is a step
        for name in ("replace", "rename", "symlink", "link", "unlink", "rmdir", "mkdir"):
            setattr(os, name, counted(getattr(os, name)))
        generations._exchange = counted(generations._exchange)

    if stage == "recover":
        arm()
        emit.recover(docs)
        sys.exit(0)
    writer = emit.OutputWriter(docs)
    writer.write("articles/b.md", "new b")
    writer.write("articles/raw/b.txt", "new raw b")
    writer.write("entities/x.md", "new entity")
    writer.write("index.md", "new home")
    arm()
    writer.commit()
    sys.exit(0)
    """
)


def _swap(docs: Path, stage: str, step: int) -> int:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", SWAP, str(docs), stage, str(step)], env=env,
                          check=False).returncode


def _old_output(docs: Path, layout: str) -> None:
    """The previous output: as this writer leaves it (a generation), or as the writer before it did (folders)."""
    old = {"articles/a.md": "old a", "articles/raw/a.txt": "old raw a", "index.md": "old home", "feed.xml": "old feed"}
    if layout == "generation":
        writer = OutputWriter(docs)
        for relative, text in old.items():
            writer.write(relative, text)
        writer.commit()
    else:
        for relative, text in old.items():
            (docs / relative).parent.mkdir(parents=True, exist_ok=True)
            (docs / relative).write_text(text)
    (docs / "about.md").write_text("hand-written")


NEW = {"articles/b.md": b"new b", "articles/raw/b.txt": b"new raw b", "entities/x.md": b"new entity",
       "index.md": b"new home"}


@pytest.mark.parametrize("layout", ["generation", "folders"])
def test_a_swap_killed_at_any_step_leaves_the_old_or_the_new_output(tmp_path, layout):
    """Killed before each call that changes a name on disk (link, rename, unlink…), docs/ shows the whole
    previous output or the whole new one, as it is, before anything repairs it; recover() then only tidies."""
    outcomes = []
    for step in range(400):
        docs = tmp_path / f"docs-{step}"
        docs.mkdir()
        _old_output(docs, layout)
        before = generated(docs)
        code = _swap(docs, "commit", step)
        shown = generated(docs)
        assert shown in (before, NEW), step
        assert (docs / "about.md").read_text() == "hand-written"
        outcomes.append("old" if shown == before else "new")
        recover(docs)
        assert leftovers(docs) == [] and generated(docs) == shown, step
        if code == 0:
            break
        assert code == 9, step
    else:
        pytest.fail("the swap never finished")
    assert outcomes[0] == "old" and outcomes[-1] == "new"


def test_a_recover_killed_at_any_step_can_be_finished(tmp_path):
    for step in range(200):
        docs = tmp_path / f"docs-{step}"
        docs.mkdir()
        _old_output(docs, "generation")
        before = generated(docs)
        assert _swap(docs, "commit", 2) == 9 and generated(docs) == before  # killed before the flip
        code = _swap(docs, "recover", step)  # …and the tidying-up killed too
        assert generated(docs) == before, step
        recover(docs)
        assert generated(docs) == before and leftovers(docs) == [], step
        if code == 0:
            break
    else:
        pytest.fail("recover never finished")


def test_one_build_at_a_time(tmp_path, monkeypatch):
    from build_tools.runtime import locks

    monkeypatch.setattr(locks, "LOCK_WAIT_SECONDS", 0.2)
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


def test_ctrl_c_while_the_build_modules_import_arrives_after_them_as_an_interruption():
    """A SIGINT during a C extension's initialisation (OpenCC's) came out as 'ImportError: initialization
    failed', a traceback: the CLI holds it while importing and it arrives right after, as KeyboardInterrupt."""
    code = textwrap.dedent(
        """
        import os, signal
        from build_tools.cli import ctrl_c_after_imports
        reached = "not reached"
        try:
            with ctrl_c_after_imports():
                os.kill(os.getpid(), signal.SIGINT)
                import opencc  # a C extension's initialisation, as in the build's own imports
                reached = "held"
            print("no interruption")
        except KeyboardInterrupt:
            print(reached, "then interrupted")
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.stdout.strip() == "held then interrupted", done.stdout + done.stderr


# --- the replaced generation is kept as the spare and reused --------------------------------------------

_PATHS = ("articles/a.md", "articles/b.md", "articles/raw/a.txt", "entities/x.md", "entities/y/z.md", "index.md",
          "feed.xml")


def _publish(docs: Path, state: dict[str, str], manifest: Path) -> OutputWriter:
    """One build's output, as a build writes it: every file, the unchanged ones kept by content."""
    writer = OutputWriter(docs, manifest=manifest)
    shown_before = tree_bytes(docs)
    for relative, text in sorted(state.items()):
        writer.write(relative, text)
    assert tree_bytes(docs) == shown_before  # nothing shown changes before the swap: no write through a link
    writer.commit()
    return writer


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(states=st.lists(st.dictionaries(st.sampled_from(_PATHS), st.sampled_from(["one", "two", "three"])),
                       min_size=2, max_size=6))
def test_every_build_shows_exactly_its_files_when_the_replaced_generation_is_reused(tmp_path_factory, states):
    docs = tmp_path_factory.mktemp("spare") / "docs"
    manifest = docs.parent / "manifest.json"
    for state in states:
        had_spare = spare_generation(docs) is not None
        writer = _publish(docs, state, manifest)
        assert writer.reused == had_spare  # a build starts from the spare whenever the last one left it
        shown = {k: v for k, v in tree_bytes(docs).items() if k.split("/")[0] in GENERATED}
        assert shown == {k: v.encode() for k, v in state.items()}
        assert leftovers(docs) == []


def test_a_build_after_one_change_links_only_the_files_the_last_builds_changed(tmp_path, monkeypatch):
    """At 10k articles the writer linked and later unlinked every one of 24,700 files per build; with the
    spare it links the files the previous build changed, whatever the size of the archive."""
    docs, manifest = tmp_path / "docs", tmp_path / "manifest.json"
    state = {f"articles/p{i:03d}.md": f"page {i}" for i in range(300)}
    _publish(docs, state, manifest)
    _publish(docs, {**state, "articles/p001.md": "edited", "articles/new.md": "new"}, manifest)
    links = []
    real_link = os.link
    monkeypatch.setattr(os, "link", lambda *a, **k: (links.append(a[0]), real_link(*a, **k))[1])
    writer = _publish(docs, {**state, "articles/p001.md": "edited", "articles/new.md": "new",
                             "articles/p002.md": "edited too"}, manifest)
    assert writer.reused
    assert len(links) == 2  # p001 and new.md, which the previous build changed; not 301 unchanged files
    assert (docs / "articles" / "p002.md").read_text() == "edited too"
    assert tree_bytes(docs)["articles/p001.md"] == b"edited"


def test_a_cold_build_leaves_a_spare_so_the_first_change_links_no_file(tmp_path, monkeypatch):
    """A cold build has no generation before it to keep as the spare: it makes one (hard links of what it shows),
    so the editor's first change after it writes its own files only, instead of linking all 24,700 files of a
    10k archive into a new generation before it can publish."""
    docs, manifest = tmp_path / "docs", tmp_path / "manifest.json"
    state = {f"articles/p{i:03d}.md": f"page {i}" for i in range(300)}
    cold = _publish(docs, state, manifest)
    assert not cold.reused
    spare, current = spare_generation(docs), current_generation(docs)
    assert spare is not None and spare != current
    assert {p.name: p.stat().st_ino for p in (spare / "articles").iterdir()} == \
        {p.name: p.stat().st_ino for p in (current / "articles").iterdir()}  # the same files, no bytes copied
    links = []
    real_link = os.link
    monkeypatch.setattr(os, "link", lambda *a, **k: (links.append(a[0]), real_link(*a, **k))[1])
    writer = _publish(docs, {**state, "articles/p001.md": "edited"}, manifest)
    assert writer.reused and links == []
    assert tree_bytes(docs)["articles/p001.md"] == b"edited"
    assert tree_bytes(docs)["articles/p002.md"] == b"page 2"
    assert leftovers(docs) == []


def test_a_spare_that_cannot_be_made_costs_the_next_build_time_only(tmp_path, monkeypatch):
    """No room for the cold build's spare (here: every link refused, ENOSPC): its output stands, nothing half-made
    is left, and the next build links what it needs as before."""
    docs, manifest = tmp_path / "docs", tmp_path / "manifest.json"
    state = {f"articles/p{i:03d}.md": f"page {i}" for i in range(20)}
    real_link = os.link

    def no_room(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "link", no_room)
    cold = _publish(docs, state, manifest)
    assert not cold.reused and spare_generation(docs) is None
    assert {k: v for k, v in tree_bytes(docs).items() if k.startswith("articles/")} == \
        {k: v.encode() for k, v in state.items()}
    assert leftovers(docs) == []
    monkeypatch.setattr(os, "link", real_link)
    _publish(docs, {**state, "articles/p001.md": "edited"}, manifest)
    assert tree_bytes(docs)["articles/p001.md"] == b"edited" and leftovers(docs) == []


@pytest.mark.parametrize("record", [
    '{"current": "CURRENT", "spare": "SPARE", "differs": ["../../outside.md"]}',
    '{"current": "CURRENT", "spare": "../../elsewhere", "differs": []}',
    '{"current": "g-000000000000", "spare": "SPARE", "differs": []}',
    '{"current": "CURRENT", "spare": "SPARE", "differs": "articles/a.md"}',
    "not json",
])
def test_a_spare_record_that_is_not_the_writers_own_is_ignored(tmp_path, record):
    """The record is a file under docs/: a damaged or hostile one costs the reuse, never the build or a file
    outside the generation."""
    docs, manifest = tmp_path / "docs", tmp_path / "manifest.json"
    _publish(docs, {"articles/a.md": "a"}, manifest)
    _publish(docs, {"articles/a.md": "b", "index.md": "home"}, manifest)
    spare, current = spare_generation(docs), current_generation(docs)
    assert spare is not None and current is not None
    (tmp_path / "outside.md").write_text("keep me")
    (docs / HOME / SPARE).write_text(record.replace("CURRENT", current.name).replace("SPARE", spare.name))
    writer = _publish(docs, {"articles/a.md": "c", "index.md": "home"}, manifest)
    assert not writer.reused
    assert tree_bytes(docs)["articles/a.md"] == b"c"
    assert (tmp_path / "outside.md").read_text() == "keep me"
    assert leftovers(docs) == []
