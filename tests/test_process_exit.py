"""`python -m build_tools` and `python -m build_tools.site` end without the interpreter's teardown
(build_tools/fast_exit.py): what a user sees of a command must be the same as with a normal exit — every line
of its output, in a file or a pipe, its exit code, and no traceback when the reader of its output goes away
early."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT.parent / "shared" / "corpus" / "dev"


# Output into a pipe or a file is block-buffered, as a user's shell gives it (unless told otherwise).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "build_tools", *args], cwd=ROOT, capture_output=True,
                          timeout=600, env=ENV)


def _suggest() -> list[str]:
    return ["entities", "suggest", "--raw", str(DEV), "--entities", str(ROOT / "entities.yml"), "--min-count", "2"]


@pytest.mark.skipif(not DEV.is_dir(), reason="the shared dev corpus is not beside the checkout")
def test_a_long_output_into_a_file_is_complete(tmp_path):
    out = tmp_path / "suggest.txt"
    with out.open("wb") as f:
        done = subprocess.run([sys.executable, "-m", "build_tools", *_suggest()], cwd=ROOT, stdout=f,
                              stderr=subprocess.PIPE, timeout=600, env=ENV)
    assert done.returncode == 0, done.stderr.decode()
    # The same command run in this process (its output through a normal interpreter's exit) is the reference.
    reference = subprocess.run(
        [sys.executable, "-c", "import sys; from build_tools.cli import main; sys.exit(main(sys.argv[1:]))",
         *_suggest()], cwd=ROOT, capture_output=True, timeout=600, env=ENV)
    assert reference.returncode == 0
    assert len(reference.stdout) > 10_000  # long enough to sit in a buffer the exit must flush
    assert out.read_bytes() == reference.stdout


@pytest.mark.skipif(not DEV.is_dir(), reason="the shared dev corpus is not beside the checkout")
def test_a_reader_that_goes_away_early_is_no_error():
    proc = subprocess.Popen([sys.executable, "-m", "build_tools", *_suggest()], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=ENV)
    proc.stdout.read(5)
    proc.stdout.close()  # like `| head -c 5`
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=600) in (0, 1)  # a write into the closed pipe may still fail inside the command
    assert "Traceback" not in err


@pytest.mark.parametrize(("args", "code"), [
    (["build", "--raw", "no-such-folder"], 2),
    (["no-such-command"], 2),
    (["--help"], 0),
])
def test_exit_codes_and_messages_are_kept(tmp_path, args, code):
    done = _cli(*[a if a != "no-such-folder" else str(tmp_path / a) for a in args])
    assert done.returncode == code
    assert b"Traceback" not in done.stderr
    if code == 2 and args[0] == "build":
        assert str(tmp_path / "no-such-folder").encode() in done.stderr  # the one line naming what is wrong


def test_a_build_summary_reaches_a_pipe_whole(tmp_path):
    done = _cli("build", "--raw", str(ROOT / "raw"), "--docs", str(tmp_path / "docs"), "--no-cache")
    assert done.returncode == 0, done.stderr.decode()
    lines = done.stderr.decode().rstrip().splitlines()
    assert lines[-1].startswith("└") and any("ok" in line for line in lines)  # the table's last border too


def test_make_site_prints_its_figures_whole(tmp_path):
    """`make site`'s JSON line reaches a pipe (block-buffered), which the exit must flush: printed by the site
    step's own process the first time, and by the command's process the second (nothing to do: the site step's
    check runs there)."""
    from tests.test_site_render import _config, make_work

    work = make_work(tmp_path)
    config = _config(work, work / "site", "mkdocs.yml")
    past = time.time() - 60  # inputs older than the racy window (filestat.py): a run that did its work keeps a stamp
    for path in [config, *work.rglob("*")]:
        os.utime(path, (past, past))
    args = [sys.executable, "-m", "build_tools", "site", "--raw", "raw", "--docs", "docs", "--entities",
            "entities.yml", "--quiet", "--", "--config", str(config), "--docs", "docs", "--no-search", "--json"]
    env = {**ENV, "PYTHONPATH": str(ROOT), "NO_MKDOCS_2_WARNING": "1", "SOURCE_DATE_EPOCH": "1700000000"}
    said = []
    for _ in range(4):  # until a run finds nothing to do (a run's own outputs are too young for its stamp at once)
        done = subprocess.run(args, cwd=work, capture_output=True, timeout=600, env=env)
        assert done.returncode == 0, done.stderr.decode()[-2000:]
        said.append(json.loads(done.stdout.decode().strip().splitlines()[-1])["nothing_changed"])
        if said[-1]:
            break
        time.sleep(1)
    assert said[0] is False and said[-1] is True, said
