"""`make site` (``python -m build_tools site … -- …``, build_tools/make_site.py): the build step, then the site
step, whose process starts beside the build and waits for it.  It must do exactly what the two commands one
after the other do, run no site step after a failed or interrupted build, and leave no process behind."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from build_tools.runtime.cache import Store
from tests.conftest import ROOT
from tests.test_e2e import ENV, _project

pytestmark = pytest.mark.slow  # builds and renders in subprocesses

BUILD = ["--raw", "raw", "--docs", "docs", "--entities", str(ROOT / "entities.yml"), "--overrides", "overrides.yml"]
SITE = ["--site-dir", "site", "--docs", "docs"]
RUN_ENV = {**ENV, "SOURCE_DATE_EPOCH": "1700000000"}


def _py(*args: str, cwd: Path, **options) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=cwd, env=RUN_ENV, capture_output=True, text=True, timeout=300,
                          **options)


def _new_project(tmp: Path, dumps: int = 3) -> Path:
    tmp.mkdir()
    _project(tmp)
    (tmp / "raw").mkdir()
    for seed in sorted((ROOT / "raw").iterdir())[:dumps]:
        shutil.copy(seed, tmp / "raw" / seed.name)
    return tmp


def _tree(folder: Path) -> dict[str, bytes]:
    """Every file as read through the folder's names (docs/'s generated names are links into a generation)."""
    found = {}
    for here, dirs, files in os.walk(folder, followlinks=True):
        dirs[:] = [d for d in dirs if d != ".generated"]
        for name in files:
            path = Path(here) / name
            found[path.relative_to(folder).as_posix()] = path.read_bytes()
    return found


def _stored_names(cache: Path) -> set[str]:
    store = Store(cache)
    try:
        return {name for (name,) in store.db.execute("SELECT name FROM whole WHERE name IS NOT NULL")}
    finally:
        store.close()


def test_make_site_writes_what_the_build_then_the_site_step_write(tmp_path):
    together, apart = _new_project(tmp_path / "together"), _new_project(tmp_path / "apart")
    made = _py("-m", "build_tools", "site", *BUILD, "--", *SITE, "--json", cwd=together)
    assert made.returncode == 0, made.stderr
    figures = json.loads(made.stdout.strip().splitlines()[-1])
    assert figures["build"]["wall_s"] > 0 and figures["build"]["cpu_s"] > 0 and figures["render_s"] > 0
    assert _py("-m", "build_tools", "build", *BUILD, cwd=apart).returncode == 0
    assert _py("-m", "build_tools.site", *SITE, cwd=apart).returncode == 0
    assert _tree(together / "site") == _tree(apart / "site")
    assert _tree(together / "docs") == _tree(apart / "docs")
    # the records only the next build reads, written while the site step ran
    assert "related tables" in _stored_names(together / ".cache" / "build")

    for _ in range(2):  # a project's first build keeps no stamp: its second run is no no-op yet (as `make build`)
        again = _py("-m", "build_tools", "site", *BUILD, "--", *SITE, "--json", cwd=together)
        assert again.returncode == 0, again.stderr
    assert "site: nothing changed since the last run" in again.stdout  # after the build's replay, in one process
    assert json.loads(again.stdout.strip().splitlines()[-1])["nothing_changed"] is True

    shutil.copy(sorted((ROOT / "raw").iterdir())[3], together / "raw")  # one dump added: both steps run again
    added = _py("-m", "build_tools", "site", *BUILD, "--", *SITE, cwd=together)
    assert added.returncode == 0, added.stderr
    assert "rendered incrementally" in added.stdout


def test_a_failed_build_runs_no_site_step(tmp_path):
    project = _new_project(tmp_path / "p", dumps=1)
    env = {k: v for k, v in RUN_ENV.items() if k != "SITE_URL"}
    failed = subprocess.run([sys.executable, "-m", "build_tools", "site", *BUILD, "--deploy", "--", *SITE],
                            cwd=project, env=env, capture_output=True, text=True, timeout=120)
    assert failed.returncode == 2
    assert failed.stderr.startswith("error: a build for deployment (--deploy) needs the site's public address")
    assert not (project / "site").exists() and failed.stdout == ""


@pytest.mark.parametrize("word", [None, "stop\n", "go-on\n"], ids=["end of input", "stop", "not go"])
def test_a_site_step_not_told_go_does_nothing(tmp_path, word):
    project = _new_project(tmp_path / "p", dumps=1)
    waited = _py("-m", "build_tools.site", "--after-build", *SITE, cwd=project,
                 **({"stdin": subprocess.DEVNULL} if word is None else {"input": word}))
    assert (waited.returncode, waited.stdout, waited.stderr) == (0, "", "")
    assert not (project / "site").exists()


def test_ctrl_c_during_the_build_stops_both_steps(tmp_path):
    project = _new_project(tmp_path / "p", dumps=5)
    process = subprocess.Popen([sys.executable, "-m", "build_tools", "site", *BUILD, "--", *SITE], cwd=project,
                               env=RUN_ENV, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    deadline = time.monotonic() + 30
    while children.exists() and not children.read_text().split() and time.monotonic() < deadline:
        time.sleep(0.01)  # until the site step started: the build runs
    time.sleep(0.2)  # the build is importing or reading (a cold build of five dumps takes seconds), the step waits
    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C reaches the whole process group, as in a terminal
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert not (project / "site").exists()
    with pytest.raises(ProcessLookupError):  # the waiting site step ended too: no process of the group is left
        os.killpg(process.pid, 0)
