"""Rebuild tests/golden/ from the seed dumps in raw/.

    .venv/bin/python -m tests.regen_golden      (or: make golden)

Each golden file is the whole page the build writes at docs/articles/<slug>.md for
raw/<stem>.txt, saved as tests/golden/<stem>.md.  Run this after an intended output
change, then read `git diff tests/golden/` before committing: the diff is the review.
The build uses the repo's entities.yml and overrides.yml, passed explicitly.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
from pathlib import Path

from build_tools.pipeline import build
from build_tools.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"
REGENERATE = ".venv/bin/python -m tests.regen_golden"


def build_seed_pages(workdir: Path) -> dict[str, str]:
    """Build raw/ into workdir; return {raw file stem: article page Markdown}. Raises if a seed is not published."""
    settings = Settings(
        raw_dir=Path("raw"),  # relative, so front matter says raw/<file> wherever the repo lives
        docs_dir=workdir / "docs",
        cache_dir=workdir / "cache",
        entities_path=Path("entities.yml"),
        overrides_path=Path("overrides.yml"),
        jobs=1,
    )
    with contextlib.chdir(ROOT):
        report = build(settings)
    pages: dict[str, str] = {}
    for item in sorted(report.inputs, key=lambda i: i.raw):
        if item.status != "ok":
            raise RuntimeError(f"{item.raw}: {item.status}: {item.reason}")
        pages[Path(item.raw).stem] = (settings.docs_dir / "articles" / f"{item.slug}.md").read_text(encoding="utf-8")
    return pages


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="golden-") as tmp:
        pages = build_seed_pages(Path(tmp))
    GOLDEN.mkdir(exist_ok=True)
    for stale in sorted(set(GOLDEN.glob("*.md")) - {GOLDEN / f"{stem}.md" for stem in pages}):
        stale.unlink()
        print(f"removed {stale.relative_to(ROOT)}")
    for stem, text in pages.items():
        target = GOLDEN / f"{stem}.md"
        old = target.read_text(encoding="utf-8") if target.exists() else None
        if old != text:
            target.write_text(text, encoding="utf-8", newline="\n")
            print(f"{'updated' if old is not None else 'created'} {target.relative_to(ROOT)}")
    print(f"{len(pages)} golden pages in {GOLDEN.relative_to(ROOT)}/; review with: git diff tests/golden/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
