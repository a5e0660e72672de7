"""The preview tells the editor's desk after the site shows an update, not inside it (issue 15: the desk's
~0.3 s at 10k articles is no step of the update, and no page of the site waits for it)."""

from __future__ import annotations

import shutil
from pathlib import Path

from build_tools.serve.desk import Desk, load_state
from build_tools.serve.rebuild import Builder
from build_tools.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "raw").iterdir())


def test_the_desk_gets_the_build_after_the_update_and_exactly_once(tmp_path: Path):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(SEEDS[0], raw / SEEDS[0].name)
    settings = Settings(raw_dir=raw, docs_dir=tmp_path / "docs", cache_dir=tmp_path / "cache",
                        entities_path=tmp_path / "entities.yml", overrides_path=tmp_path / "overrides.yml",
                        added_record=tmp_path / "added.json", jobs=1, quiet=True)
    desk = Desk(tmp_path / "desk", raw, settings.max_dump_bytes)
    builder = Builder(settings, desk)
    assert builder.run("first build") is not None
    assert load_state(desk.folder) is None  # the update (render, search) is not kept waiting for the desk
    assert builder.tell_desk() > 0
    assert load_state(desk.folder)["counts"]["ok"] == 1
    shutil.copy(SEEDS[1], raw / SEEDS[1].name)
    assert builder.run("a new dump") is not None
    assert load_state(desk.folder)["counts"]["ok"] == 1  # still the last build's, until told
    builder.tell_desk()
    assert load_state(desk.folder)["counts"]["ok"] == 2
    assert builder.tell_desk() == 0.0  # nothing new: nothing written
