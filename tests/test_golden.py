"""Golden pages: each seed dump in raw/ builds to exactly tests/golden/<stem>.md.

After an intended change to the output, regenerate with `.venv/bin/python -m tests.regen_golden`
(`make golden`) and review `git diff tests/golden/` like any other change.
"""

from __future__ import annotations

import difflib

import pytest

from tests.regen_golden import GOLDEN, REGENERATE, ROOT, build_seed_pages

GOLDENS = sorted(GOLDEN.glob("*.md"))


@pytest.fixture(scope="module")
def seed_pages(tmp_path_factory) -> dict[str, str]:
    return build_seed_pages(tmp_path_factory.mktemp("golden-build"))


def test_every_seed_has_a_golden_page(seed_pages):
    seeds = {p.stem for p in (ROOT / "raw").iterdir() if p.is_file() and not p.name.startswith(".")}
    assert set(seed_pages) == seeds, "a seed dump was not published"
    assert {p.stem for p in GOLDENS} == seeds, f"golden files out of date: run {REGENERATE}"


@pytest.mark.parametrize("golden", GOLDENS, ids=[p.stem for p in GOLDENS])
def test_page_matches_golden(seed_pages, golden):
    want = golden.read_text(encoding="utf-8")
    got = seed_pages.get(golden.stem)
    assert got is not None, f"raw/{golden.stem}.* was not published"
    if got != want:
        diff = "".join(difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                            f"tests/golden/{golden.name}", "built page", n=2))
        pytest.fail(f"page differs from its golden file (if intended: {REGENERATE}, then review the diff)\n{diff}",
                    pytrace=False)
