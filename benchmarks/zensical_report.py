"""What Zensical makes of our site, beside MkDocs (issue 15): ``make zensical`` and the CI job "zensical".

Builds the seed archive (raw/) into a scratch docs/, renders it with ``mkdocs build --strict`` and with
Zensical (pinned, in its own venv under .cache/zensical so it never touches the project's dependencies),
and reports — never fails on — what differs: pages only one engine wrote, and pages whose title or article
text (as the search indexer reads it) differ.  Exit 0 whatever Zensical does; 2 only on a usage error.

Zensical reads docs/ without following links to folders, and the build publishes docs/articles and
docs/entities as links into docs/.generated (build_tools/runtime/generations.py); Zensical is therefore
given a copy of docs/ with the links resolved, and the report says so.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ZENSICAL = "zensical==0.0.60"  # the newest whose dependencies all install from the registries we reach
VENV = ROOT / ".cache" / "zensical"


def _run(command: list[str], cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, env={**os.environ, "NO_MKDOCS_2_WARNING": "1", "NO_COLOR": "1",
                                                 **(env or {})}, capture_output=True, text=True, check=False)


def _zensical() -> Path | None:
    """The pinned Zensical, installed into its own venv on first use (again when the pin moves)."""
    from benchmarks.measure import pinned_venv

    binary, why = pinned_venv(VENV, ZENSICAL, "zensical")
    if binary is None:
        print(f"zensical: {why}")
    return binary


def _config(work: Path, docs: Path, site: Path) -> Path:
    """mkdocs.yml with docs_dir and site_dir in ``work``, as paths relative to it (Zensical stops on absolute
    ones) and the theme folder (theme/) beside them."""
    if not (work / "theme").exists():
        shutil.copytree(ROOT / "theme", work / "theme")
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    text = re.sub(r"^docs_dir:.*$", f"docs_dir: {docs.relative_to(work)}", text, flags=re.M)
    text = re.sub(r"^site_dir:.*$", f"site_dir: {site.relative_to(work)}", text, flags=re.M)
    path = work / f"{site.name}.yml"
    path.write_text(text, encoding="utf-8")
    return path


def _pages(site: Path) -> dict[str, tuple[str, str]]:
    """site-relative page -> (title, article text), read as the search indexer reads a page."""
    sys.path.insert(0, str(ROOT))
    from build_tools.search.extract import extract_page

    out = {}
    for page in sorted(site.rglob("*.html")):
        rel = page.relative_to(site).as_posix()
        found = extract_page(page.read_bytes(), rel, None)
        out[rel] = (found.title, found.text) if found else ("", "")
    return out


def report(work: Path) -> list[str]:
    docs = work / "docs"
    docs.mkdir()
    for name in ("about.md", "assets", "dev"):
        source = ROOT / "docs" / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, docs / name)
    built = _run([sys.executable, "-m", "build_tools", "build", "--raw", str(ROOT / "raw"), "--docs", str(docs),
                  "--quiet", "--no-cache", "--entities", str(ROOT / "entities.yml")], work, {"PYTHONPATH": str(ROOT)})
    if built.returncode != 0:
        return [f"zensical: the build step failed: {built.stderr.strip()[-400:]}"]
    mk = _run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(_config(work, docs, work / "mkdocs"))],
              work)
    lines = ["## Zensical beside MkDocs (seed site)", "",
             f"- mkdocs build --strict: exit {mk.returncode}"]
    binary = _zensical()
    if binary is None:
        return lines + ["- Zensical: not installed (see above); nothing compared"]
    resolved = work / "docs-resolved"
    shutil.copytree(docs, resolved, symlinks=False, ignore=shutil.ignore_patterns(".*"))
    zs = _run([str(binary), "build", "-f", str(_config(work, resolved, work / "zensical"))], work)
    warnings = [ln for ln in zs.stdout.splitlines() + zs.stderr.splitlines() if ln.startswith(("Warning", "Error"))]
    lines += [f"- Zensical ({ZENSICAL}) build: exit {zs.returncode}, {len(warnings)} warning/error lines "
              f"({', '.join(sorted(set(warnings))[:5]) or 'none'}); given docs/ with its links resolved "
              f"(it does not follow links to folders)"]
    if zs.returncode != 0:
        return lines + ["", "```", *(zs.stderr.strip().splitlines()[-8:]), "```"]
    return lines + _compare(_pages(work / "mkdocs"), _pages(work / "zensical"))


def anchor(docs: Path, work: Path, log=lambda m: None) -> dict:
    """The Zensical anchor of `make bench` (issue 15): Zensical building ``docs`` (a generated archive) with the
    project's mkdocs.yml and theme, timed cold as a subprocess; or exactly why it fails (its last lines)."""
    from benchmarks.measure import timed, tree_files

    binary = _zensical()
    if binary is None:
        return {"version": ZENSICAL, "error": f"could not install {ZENSICAL} into {VENV}"}
    work.mkdir(parents=True, exist_ok=True)
    resolved = work / "docs-resolved"
    shutil.copytree(docs, resolved, symlinks=False, ignore=shutil.ignore_patterns(".*"))
    config = _config(work, resolved, work / "zensical")
    t = timed([str(binary), "build", "--clean", "-f", str(config)], cwd=work, check=False)
    site = work / "zensical"
    out = {"version": ZENSICAL, "wall_s": t["wall_s"], "cpu_s": t["cpu_s"], "peak_rss_mib": t["peak_rss_mib"],
           "markdown_in": tree_files(resolved, "*.md"),
           "html_out": tree_files(site, "*.html") if site.is_dir() else 0,
           "warnings": sorted({ln for ln in t["stdout"].splitlines() + t["stderr_head"]
                               if ln.startswith(("Warning", "Error"))})[:5]}
    if t["returncode"] != 0 or not out["html_out"]:
        tail = [ln for ln in t["stderr_tail"] + t["stdout"].splitlines()[-6:] if ln.strip()]
        out["error"] = f"zensical exit {t['returncode']}: " + " | ".join(tail[-6:])[-700:]
    log(f"  zensical: {out['wall_s']:.2f} s, {out['html_out']} pages" + (f"; {out['error']}" if "error" in out else ""))
    return out


def _compare(mkdocs: dict, zensical: dict) -> list[str]:
    only_mk = sorted(set(mkdocs) - set(zensical))
    only_z = sorted(set(zensical) - set(mkdocs))
    both = sorted(set(mkdocs) & set(zensical))
    titles = [p for p in both if mkdocs[p][0] != zensical[p][0]]
    texts = [p for p in both if mkdocs[p][1] != zensical[p][1]]
    return [f"- pages: MkDocs {len(mkdocs)}, Zensical {len(zensical)}, both {len(both)}",
            f"- only MkDocs wrote: {len(only_mk)} {only_mk[:8]}", f"- only Zensical wrote: {len(only_z)} {only_z[:8]}",
            f"- same page, another title: {len(titles)} {titles[:8]}",
            f"- same page, other article text: {len(texts)} {texts[:8]}"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.zensical_report", description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="zensical-"))
    try:
        lines = report(work)
    finally:
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    text = "\n".join(lines) + "\n"
    print(text)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
