"""Rebuild tests/golden/ from the seed dumps in raw/.

    .venv/bin/python -m tests.regen_golden      (or: make golden)

tests/golden/docs/ is the whole tree the build writes under docs/ for raw/ (articles, their raw
copies, entity pages and their index, the home and timeline pages and the month pages,
sources, tags and the Atom feed); tests/golden/report.json is the build's JSON report.  tests/test_golden.py compares
them whole: a missing or an extra file fails as surely as a changed byte.  Run this after an
intended output change, then read `git diff tests/golden/` before committing: the diff is the review.

The build is pinned so the tree depends on the code and the repo's inputs only: raw/, entities.yml and
overrides.yml (if any), one process, an empty cache, a fixed SITE_URL (the feed's links come from it), and
the seeds' added dates from the committed record tests/golden/added.json, not from git (CI's clone is
shallow, and a copy of raw/ has no history).  A new seed gets the day of the first regeneration that saw it,
written back to that record.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from pathlib import Path

from build_tools.pipeline import build
from build_tools.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"
GOLDEN_DOCS = GOLDEN / "docs"
GOLDEN_REPORT = GOLDEN / "report.json"
GOLDEN_ADDED = GOLDEN / "added.json"
REGENERATE = "make golden (= .venv/bin/python -m tests.regen_golden)"
# Not the local placeholder, so the golden feed shows that links follow SITE_URL, base path included.
SITE_URL = "https://example.org/cn-archive/"


def build_seed_tree(workdir: Path) -> tuple[Path, str]:
    """Build raw/ into workdir/docs; return (that docs folder, the JSON report).  The added-date record is a
    copy in workdir (workdir/added.json): the build never writes into tests/golden/."""
    record = workdir / "added.json"
    if GOLDEN_ADDED.exists():
        shutil.copyfile(GOLDEN_ADDED, record)
    settings = Settings(
        raw_dir=Path("raw"),  # relative, so front matter and the report say raw/<file> wherever the repo lives
        docs_dir=workdir / "docs",
        cache_dir=workdir / "cache",
        entities_path=Path("entities.yml"),
        overrides_path=Path("overrides.yml"),
        jobs=1,
        site_url=SITE_URL,  # fixed, whatever the environment says (CI's deploy sets SITE_URL)
        added_record=record,
        added_from_git=False,
    )
    with contextlib.chdir(ROOT):
        report = build(settings)
    return settings.docs_dir, report.to_json()


def tree_files(root: Path) -> dict[str, bytes]:
    """{path relative to root, with forward slashes: bytes} of every file under root, as a reader of docs/
    sees it: the generated names are links into docs/.generated (runtime/generations.py), which is hidden."""
    out = {}
    for folder, dirs, files in os.walk(root, followlinks=True):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        base = Path(folder)
        out.update({(base / name).relative_to(root).as_posix(): (base / name).read_bytes()
                    for name in files if not name.startswith(".")})
    return dict(sorted(out.items()))


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="golden-") as tmp:
        docs, report = build_seed_tree(Path(tmp))
        built = tree_files(docs)
        record = Path(tmp) / "added.json"
        if record.exists() and (not GOLDEN_ADDED.exists() or GOLDEN_ADDED.read_bytes() != record.read_bytes()):
            shutil.copyfile(record, GOLDEN_ADDED)
            print(f"updated {GOLDEN_ADDED.relative_to(ROOT)}")
    old = tree_files(GOLDEN_DOCS) if GOLDEN_DOCS.is_dir() else {}
    # Files from before the golden tree lived under docs/ (tests/golden/<stem>.md) go too.
    for stale in sorted(p for p in GOLDEN.iterdir() if p.is_file() and p not in (GOLDEN_REPORT, GOLDEN_ADDED)):
        stale.unlink()
        print(f"removed {stale.relative_to(ROOT)}")
    for name in sorted(set(old) - set(built)):
        (GOLDEN_DOCS / name).unlink()
        print(f"removed {(GOLDEN_DOCS / name).relative_to(ROOT)}")
    for name, data in built.items():
        if old.get(name) != data:
            target = GOLDEN_DOCS / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            print(f"{'updated' if name in old else 'created'} {target.relative_to(ROOT)}")
    for folder in sorted((p for p in GOLDEN_DOCS.rglob("*") if p.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()
    if not GOLDEN_REPORT.exists() or GOLDEN_REPORT.read_text(encoding="utf-8") != report:
        GOLDEN_REPORT.write_text(report, encoding="utf-8", newline="\n")
        print(f"updated {GOLDEN_REPORT.relative_to(ROOT)}")
    print(f"{len(built)} files in {GOLDEN_DOCS.relative_to(ROOT)}/; review with: git diff tests/golden/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
