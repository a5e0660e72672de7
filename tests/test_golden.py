"""Golden tree: the seed dumps in raw/ build to exactly tests/golden/docs/ and tests/golden/report.json.

Every file the build writes under docs/ is compared whole (articles, raw copies, entity pages and their
index, index pages, sources, tags, the feed): a missing file, an extra file and a changed byte all fail.
After an intended change to the output, regenerate with `make golden` (= `.venv/bin/python -m
tests.regen_golden`) and review `git diff tests/golden/` like any other change.
"""

from __future__ import annotations

import difflib

import pytest

from tests.regen_golden import GOLDEN_DOCS, GOLDEN_REPORT, REGENERATE, ROOT, build_seed_tree, tree_files

CONTEXT_LINES = 2
MAX_DIFF_LINES = 80  # a reorder of a long page would print it all; the head is enough to see what moved


@pytest.fixture(scope="module")
def seed_build(tmp_path_factory) -> tuple[dict[str, bytes], str]:
    docs, report = build_seed_tree(tmp_path_factory.mktemp("golden-build"))
    return tree_files(docs), report


def readable_diff(name: str, want: bytes, got: bytes) -> str:
    """A unified diff of two versions of one generated file, cut to MAX_DIFF_LINES."""
    try:
        old, new = want.decode("utf-8"), got.decode("utf-8")
    except UnicodeDecodeError:
        return f"{name}: binary contents differ ({len(want)} bytes expected, {len(got)} built)"
    lines = list(difflib.unified_diff(old.splitlines(True), new.splitlines(True),
                                      f"tests/golden/docs/{name}", f"built docs/{name}", n=CONTEXT_LINES))
    if len(lines) > MAX_DIFF_LINES:
        lines = lines[:MAX_DIFF_LINES] + [f"… {len(lines) - MAX_DIFF_LINES} more diff lines\n"]
    return "".join(lines)


def tree_differences(want: dict[str, bytes], got: dict[str, bytes]) -> str:
    """What differs between two trees, readably: missing and extra files, then the first changed file's diff."""
    parts = []
    if missing := sorted(set(want) - set(got)):
        parts.append("not built: " + ", ".join(missing))
    if extra := sorted(set(got) - set(want)):
        parts.append("built but not in the golden tree: " + ", ".join(extra))
    if changed := sorted(name for name in set(want) & set(got) if want[name] != got[name]):
        parts.append(f"{len(changed)} file(s) differ: " + ", ".join(changed))
        parts.append(readable_diff(changed[0], want[changed[0]], got[changed[0]]))
    return "\n".join(parts)


def test_the_golden_tree_is_there():
    want = tree_files(GOLDEN_DOCS) if GOLDEN_DOCS.is_dir() else {}
    seeds = sorted(p.stem for p in (ROOT / "raw").iterdir() if p.is_file() and not p.name.startswith("."))
    assert seeds, "raw/ holds no seed dumps"
    assert [f"articles/{s}.md" for s in seeds if f"articles/{s}.md" not in want] == [], (
        f"tests/golden/docs/ has no page for some seeds: run {REGENERATE}")
    assert {"index.md", "feed.xml", "articles/index.md", "entities/index.md"} <= set(want)


def test_the_seeds_build_to_the_golden_tree(seed_build):
    got, _report = seed_build
    differences = tree_differences(tree_files(GOLDEN_DOCS), got)
    if differences:
        pytest.fail(f"the built docs/ differs from tests/golden/docs/ (if intended: {REGENERATE}, then review "
                    f"git diff tests/golden/)\n{differences}", pytrace=False)


def test_the_build_report_matches(seed_build):
    _tree, report = seed_build
    want = GOLDEN_REPORT.read_text(encoding="utf-8")
    if report != want:
        diff = "".join(difflib.unified_diff(want.splitlines(True), report.splitlines(True),
                                            "tests/golden/report.json", "built report", n=CONTEXT_LINES))
        pytest.fail(f"the build report differs (if intended: {REGENERATE})\n{diff}", pytrace=False)


@pytest.mark.parametrize(("want", "got", "expected"), [
    ({"a.md": b"x\n"}, {"a.md": b"x\n"}, []),
    ({"a.md": b"x\n", "b.md": b"y\n"}, {"a.md": b"x\n"}, ["not built: b.md"]),
    ({"a.md": b"x\n"}, {"a.md": b"x\n", "c.md": b"z\n"}, ["built but not in the golden tree: c.md"]),
    ({"a.md": b"one\ntwo\n", "b.md": b"1\n"}, {"a.md": b"one\nTWO\n", "b.md": b"2\n"},
     ["2 file(s) differ: a.md, b.md", "--- tests/golden/docs/a.md", "+++ built docs/a.md", "-two", "+TWO"]),
    ({"x.bin": b"\xff\x00"}, {"x.bin": b"\xfe"}, ["x.bin: binary contents differ (2 bytes expected, 1 built)"]),
], ids=["same", "missing", "extra", "changed: first diff shown", "binary"])
def test_tree_differences_are_readable(want, got, expected):
    report = tree_differences(want, got)
    assert all(line in report.splitlines() for line in expected), report
    assert bool(report) == bool(expected)
    assert "--- tests/golden/docs/b.md" not in report  # only the first changed file is diffed


def test_a_long_diff_is_cut():
    want = "".join(f"line {i}\n" for i in range(200)).encode()
    got = "".join(f"LINE {i}\n" for i in range(200)).encode()
    lines = readable_diff("a.md", want, got).splitlines()
    assert len(lines) == MAX_DIFF_LINES + 1 and lines[-1].startswith("…")


def test_the_environment_does_not_reach_the_golden_build(monkeypatch, tmp_path):
    """CI's deploy job sets SITE_URL: the golden build pins its own, so the feed is the same everywhere."""
    monkeypatch.setenv("SITE_URL", "https://elsewhere.example/")
    docs, _report = build_seed_tree(tmp_path)
    assert (docs / "feed.xml").read_bytes() == (GOLDEN_DOCS / "feed.xml").read_bytes()
