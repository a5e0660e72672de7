"""The published output is a function of raw/'s content and names alone (issue 12, item 12).

The same raw/ built from the project folder, from another folder, and from inside a folder that
does not contain raw/ gives byte-identical docs/; no page ever names a local path of the machine
(the editor's home, a temporary folder), not even through "also published by".
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from build_tools.pipeline import build
from build_tools.settings import Settings
from tests.conftest import ROOT
from tests.fixtures.hostile.corpus import article_text


def published_tree(docs: Path) -> dict[str, bytes]:
    """Every file a reader of docs/ sees (links followed, hidden folders skipped) → its bytes."""
    out = {}
    for folder, dirs, files in os.walk(docs, followlinks=True):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        base = Path(folder).relative_to(docs)
        for name in files:
            if not name.startswith("."):
                out[(base / name).as_posix()] = (Path(folder) / name).read_bytes()
    return out


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """The seeds plus a near-duplicate pair with no source (named by its path under "also published by")."""
    raw = tmp_path / "project" / "raw"
    shutil.copytree(ROOT / "raw", raw)
    text = article_text("identity")
    (raw / "sub").mkdir()
    (raw / "sub" / "first.txt").write_text(text, encoding="utf-8")
    (raw / "sub" / "second.txt").write_text(text.replace("\n\n", "\n\n转载请注明出处\n\n", 1), encoding="utf-8")
    return tmp_path


def _build(project: Path, cwd: Path, raw_dir: Path, out: str) -> dict[str, bytes]:
    os.chdir(cwd)
    docs = project / out / "docs"
    settings = Settings(raw_dir=raw_dir, docs_dir=docs, cache_dir=project / out / "cache", jobs=1,
                        entities_path=ROOT / "entities.yml", overrides_path=project / "none.yml")
    report = build(settings)
    assert any(i.status == "duplicate" for i in report.inputs)
    return published_tree(docs)


def test_the_output_does_not_depend_on_the_working_directory(project, monkeypatch):
    monkeypatch.chdir(project)
    raw = project / "project" / "raw"
    elsewhere = project / "elsewhere" / "deeper"
    elsewhere.mkdir(parents=True)
    home = _build(project, project / "project", Path("raw"), "a")
    away = _build(project, elsewhere, raw, "b")  # raw/ outside the working directory, given absolute
    relative = _build(project, elsewhere, Path(os.path.relpath(raw, elsewhere)), "c")  # ../../project/raw
    assert any(k.startswith("articles/") for k in home) and "feed.xml" in home
    assert sorted(away) == sorted(home) and sorted(relative) == sorted(home)
    assert [k for k in home if away[k] != home[k] or relative[k] != home[k]] == []
    local = str(project).encode()
    assert [k for k, v in away.items() if local in v or b"../" in v.split(b"\n---\n", 1)[0]] == []
    page = next(v for k, v in home.items() if k.startswith("articles/sub-") and b"also_published_by" in v)
    assert b"raw/sub/" in page  # the duplicate is named by its path inside raw/, the same from anywhere
