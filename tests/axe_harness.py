"""axe-core in Debian's chromium: the accessibility audit of the built site.

axe-core comes from npm, pinned (``make axe`` installs it into ``.cache/axe-core``; ``.ci/run`` calls
that), and is injected into each page from disk: nothing is fetched while the audit runs.  The audit
checks WCAG 2.0/2.1 A and AA rules on the six pages a reader meets most (home, an article, an entity
page, the entity index, the timeline and the search results with a query typed), in light and in
dark mode (``prefers-color-scheme``, which Material's palette follows on a first visit).

``python -m tests.axe_harness SITE DOCS`` prints the figures (violations by impact, page × mode).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from tests.search_harness import PageWatch, browser, build_real_archive, open_search, serve, ui_query

ROOT = Path(__file__).resolve().parent.parent
AXE_JS = ROOT / ".cache" / "axe-core" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SERIOUS = ("serious", "critical")
MODES = ("light", "dark")
# The query typed into the search box for the search-results page: every seed mentions it.
SEARCH_QUERY = "DeepSeek"


@dataclass(frozen=True)
class Violation:
    page: str
    mode: str
    rule: str
    impact: str
    nodes: int
    example: str

    def __str__(self) -> str:
        return f"{self.page} [{self.mode}] {self.impact} {self.rule} ×{self.nodes}: {self.example}"


def axe_version() -> str:
    """The axe-core version the Makefile pins (AXE_VERSION)."""
    found = re.search(r"^AXE_VERSION\s*:?=\s*(\S+)", (ROOT / "Makefile").read_text(encoding="utf-8"), flags=re.M)
    assert found, "Makefile must pin AXE_VERSION"
    return found.group(1)


def installed_version() -> str | None:
    package = AXE_JS.parent / "package.json"
    if not AXE_JS.is_file() or not package.is_file():
        return None
    return json.loads(package.read_text(encoding="utf-8")).get("version")


def build_site(work: Path) -> tuple[Path, Path]:
    """The seed archive built as a reader gets it (pipeline, mkdocs --strict, search index): (site, docs)."""
    from build_tools.search import index_site

    docs = build_real_archive(work, ROOT)
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(work / "mkdocs.yml")],
        capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}, timeout=600,
    )
    assert done.returncode == 0, done.stderr
    index_site(work / "site", docs)
    return work / "site", docs


def pages(docs: Path) -> dict[str, str]:
    """The audited pages: name → site-relative URL ("search" is typed into the home page's box)."""
    article = sorted(p.stem for p in (docs / "articles").glob("*.md") if p.stem[:1].isdigit())[0]
    entity = sorted(p.stem for p in (docs / "entities").glob("*.md") if p.stem != "index")[0]
    return {
        "home": "",
        "article": f"articles/{article}/",
        "entity": f"entities/{entity}/",
        "entity index": "entities/",
        "timeline": "articles/",
        "search": "",
    }


def run_axe(page) -> list[dict]:
    """axe's violations on the page as it stands (WCAG A/AA rules only)."""
    page.add_script_tag(content=AXE_JS.read_text(encoding="utf-8"))
    result = page.evaluate(
        """tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})
                    .then(r => r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length,
                        example: v.nodes[0] ? v.nodes[0].target.join(' ') + ' ' +
                                 (v.nodes[0].failureSummary || '').split('\\n').slice(0, 2).join(' ') : ''})))""",
        WCAG_TAGS,
    )
    return result


def audit(site: Path, docs: Path) -> list[Violation]:
    """Every violation on the six pages in both modes (all impacts; filter with ``SERIOUS``)."""
    found: list[Violation] = []
    for mode in MODES:
        # A fresh profile per mode: Material remembers the palette it showed (localStorage).
        with serve(site) as base, browser() as ctx:
            for name, path in pages(docs).items():
                page, watch = open_page_in(ctx, base, site, path, mode)
                scheme = page.evaluate("document.body.getAttribute('data-md-color-scheme')")
                assert scheme == ("slate" if mode == "dark" else "default"), (name, mode, scheme)
                if name == "search":
                    open_search(page, "pagefind")
                    hrefs, _titles, _ms = ui_query(page, "pagefind", SEARCH_QUERY)
                    assert hrefs, "the search box listed nothing for " + SEARCH_QUERY
                for v in run_axe(page):
                    found.append(Violation(name, mode, v["id"], v["impact"] or "", v["nodes"], v["example"]))
                assert not watch.foreign, watch.foreign
                page.close()
    return found


def open_page_in(ctx, base: str, site: Path, path: str, mode: str):
    """A page opened with the reader's colour-scheme preference set before anything renders; foreign
    requests refused and recorded as in the search harness."""
    page = ctx.new_page()
    page.emulate_media(color_scheme=mode)
    watch = PageWatch(site, base)
    watch.attach(page)
    page.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/]|localhost[:/]).*"), lambda route: route.abort())
    page.goto(base + path, wait_until="load")
    return page, watch


def figures(violations: list[Violation]) -> dict[str, dict[str, dict[str, int]]]:
    """page → mode → impact → number of violated rules."""
    out: dict[str, dict[str, dict[str, int]]] = {}
    for v in violations:
        out.setdefault(v.page, {}).setdefault(v.mode, Counter())[v.impact] += 1
    return {p: {m: dict(c) for m, c in modes.items()} for p, modes in out.items()}


if __name__ == "__main__":
    # python -m tests.axe_harness WORK_DIR [--built]: build the seeds into WORK_DIR (unless --built), audit
    work_dir = Path(sys.argv[1])
    site_dir, docs_dir = (work_dir / "site", work_dir / "docs") if "--built" in sys.argv else build_site(work_dir)
    found = audit(site_dir, docs_dir)
    for v in found:
        print(v)
    print(json.dumps(figures(found), ensure_ascii=False, indent=1))
