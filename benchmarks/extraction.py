"""Extraction quality by site: the project in-sample and leave-one-site-out, trafilatura and readability-lxml.

    make eval                                   # = .venv/bin/python -m benchmarks.extraction
    .venv/bin/python -m benchmarks.extraction [--corpus DIR ...] [--jobs N] [--no-anchors] [--dumps]

Corpora: ``tests/corpus`` (labels/*.json, turned into gold by tests/corpus/build_gold.py) and
``../shared/corpus/labelled`` (gold.json) when present.  A dump's site is its label's ``site``; the shared
corpus has none, so it is the registrable domain of the gold ``url``, or the site token of the file name.

Scoring follows ../shared/eval/score_corpus.py: body recall = share of gold body lines whose text (letters,
digits and Han only) appears in the article; junk = gold boilerplate lines (>= 4 such characters) a reader
still sees as a block of the article; title, lang and date equal to the gold (dates may be a day off, or be
one of ``date_also``); non-articles must be rejected.

The project is built once per site, with only that site's dumps in the raw folder (``--no-cache``):
**in-sample** with build_tools/rules as it is, **LOSO** with a copy of it from which every portals.yml entry
whose ``hosts`` match the site is removed (``build --rules DIR``).  A site no entry matches has the same
rules both ways, so its LOSO figures are its in-sample ones (the build is deterministic).  The anchors see
each dump alone (Markdown and text rendered to HTML, their most favourable input).  Writes
docs/dev/extraction.md and benchmarks/results/extraction.json.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import html as htmllib
import importlib.util
import io
import json
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from build_tools.settings import RULES_DIR

ROOT = Path(__file__).resolve().parent.parent
TESTS_CORPUS = ROOT / "tests" / "corpus"
SHARED_CORPUS = ROOT.parent / "shared" / "corpus" / "labelled"
DOC = ROOT / "docs" / "dev" / "extraction.md"
RESULTS = ROOT / "benchmarks" / "results" / "extraction.json"
TOOLS = ("in-sample", "LOSO", "trafilatura", "readability-lxml")
HAS_LANG = {"in-sample", "LOSO"}  # the anchors do not tell zh-Hans from zh-Hant
HAS_DATE = {"in-sample", "LOSO", "trafilatura"}  # readability-lxml gives no date

# --- which site a dump belongs to ---------------------------------------------------------------

SECOND_LEVEL = {"com", "net", "org", "gov", "edu", "ac", "co", "idv", "mil"}  # com.cn, com.tw, org.hk …
PLATFORMS = ("mp.weixin.qq.com", "baijiahao.baidu.com")  # a platform on a portal's domain is a site of its own
HOST_ALIASES = {"weixin.qq.com": "mp.weixin.qq.com"}
SITE_TOKENS = {  # file-name site tokens of the shared corpus, for dumps whose gold has no url
    "sina": "sina.com.cn", "163": "163.com", "xinhuanet": "xinhuanet.com", "thepaper": "thepaper.cn",
    "guancha": "guancha.cn", "ifeng": "ifeng.com", "sohu": "sohu.com", "qq": "qq.com", "ltn": "ltn.com.tw",
    "ettoday": "ettoday.net", "hkcnews": "hkcnews.com", "wechat": "mp.weixin.qq.com", "huxiu": "huxiu.com",
    "bohaishibei": "bohaishibei.com", "zhihu": "zhihu.com", "csdn": "csdn.net", "39health": "39.net",
    "baidu": "baidu.com",
}


def registrable(host: str) -> str:
    """news.sina.com.cn -> sina.com.cn, www.163.com -> 163.com; platforms (mp.weixin.qq.com) stay whole."""
    host = host.lower().strip().strip(".")
    host = HOST_ALIASES.get(host, host)
    for platform in PLATFORMS:
        if host == platform or host.endswith("." + platform):
            return platform
    parts = host.split(".")
    if len(parts) >= 3 and parts[-2] in SECOND_LEVEL and len(parts[-1]) == 2:
        return ".".join(parts[-3:])
    return ".".join(parts[-2:])


def site_from_gold(gold: dict) -> str:
    url = gold.get("url") or ""
    host = urlsplit(url if "//" in url else "//" + url).hostname if url else None
    if host:
        return registrable(host)
    for token in Path(gold["file"]).stem.split("_")[1:]:
        if token in SITE_TOKENS:
            return SITE_TOKENS[token]
    return "unknown"


def label_site(site: str) -> str:
    """A label's site as written (the labeller knows a platform or a user's blog from its domain), tidied."""
    site = site.lower().strip().strip(".").removeprefix("www.")
    return HOST_ALIASES.get(site, site)


def host_matches(host: str, site: str) -> bool:
    """A portal entry's host is knowledge of the site: it belongs to the site (news.163.com for 163.com, but
    not mp.weixin.qq.com for qq.com: a platform is a site of its own), or it covers the site's URLs
    (qq.com matches every mp.weixin.qq.com URL)."""
    host, site = host.lower().strip("."), site.lower()
    return registrable(host) == site or host == site or site.endswith("." + host)


# --- the corpora -------------------------------------------------------------------------------


@dataclass
class Dump:
    corpus: str
    path: Path
    gold: dict
    site: str
    tool: str
    fmt: str
    rows: dict[str, dict] = field(default_factory=dict)  # tool -> scored row
    saved_as: str = ""  # the name the dump had where it was found (its label's or SOURCES.tsv's path)

    @property
    def file(self) -> str:
        return self.gold["file"]

    @property
    def raw_name(self) -> str:
        """Where the build finds the dump: a folder of its own (names repeat across sources: "1.html") holding
        it under the name it was saved with, as an editor's raw/ would (a saved page is named after its
        article; the corpus renamed the files for its own order).  Without a recorded name, the corpus name."""
        return f"{Path(self.file).stem}/{self.saved_as or self.file}"


def load_build_gold(corpus: Path):
    """tests/corpus/build_gold.py (a script, not a package module), loaded from the corpus folder itself."""
    script = corpus / "build_gold.py"
    if not script.exists():
        script = TESTS_CORPUS / "build_gold.py"
    spec = importlib.util.spec_from_file_location("build_gold", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_corpus(corpus: Path, name: str | None = None) -> tuple[list[Dump], list[str]]:
    """The dumps of a labelled folder (labels/*.json or gold.json) and the problems that left labels out."""
    name = name or corpus.name
    problems = []
    if (corpus / "labels").is_dir():
        gold, _, errors, _ = load_build_gold(corpus).load_all(corpus)
        problems = [f"{name}/labels/{f}: {' / '.join(e)}" for f, e in sorted(errors.items())]
    elif (corpus / "gold.json").exists():
        gold = json.loads((corpus / "gold.json").read_text(encoding="utf-8"))
    else:
        return [], [f"{corpus}: neither labels/ nor gold.json"]
    saved = _saved_names(corpus)
    dumps = []
    for g in gold:
        site = label_site(g["site"]) if g.get("site") else site_from_gold(g)
        parts = Path(g["file"]).stem.split("_")
        parts = parts[1:] if parts[1:2] != ["bad"] else parts[2:]
        tool = g.get("tool") or (parts[0] if parts else "")
        fmt = g.get("format") or {".htm": "html", ".html": "html", ".md": "md"}.get(Path(g["file"]).suffix, "txt")
        dumps.append(Dump(name, corpus / g["file"], g, site, tool, fmt, saved_as=saved.get(g["file"], "")))
        if g["expect"] == "article":
            g["title_stated"] = title_stated(g, corpus / g["file"], saved.get(g["file"], ""))
    return dumps, problems


def title_stated(gold: dict, path: Path, saved_as: str) -> bool:
    """Whether the dump states its gold title anywhere a tool could read it: its text (entities decoded) or
    the name it was saved under.  A plain-text copy of the body alone does not: the gold names the headline
    of the page it was copied from, which no extractor can recover (counted apart, not hidden)."""
    want = norm(gold["title"])
    raw = path.read_bytes()
    for encoding in dict.fromkeys([gold.get("encoding") or "utf-8", "utf-8", "gb18030", "big5"]):
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        return want in norm(htmllib.unescape(text)) or want in norm(saved_as)
    return want in norm(saved_as)


_PACKED = re.compile(r"\.(?:xz|gz|bz2)$")  # a source stored compressed: the dump is the page inside


def _saved_names(corpus: Path) -> dict[str, str]:
    """corpus file -> the base name of its source path (labels' ``path``, else SOURCES.tsv's path column)."""
    paths: dict[str, str] = {}
    if (corpus / "labels").is_dir():
        for label in sorted((corpus / "labels").glob("*.json")):
            data = json.loads(label.read_text(encoding="utf-8"))
            if isinstance(data, dict) and data.get("file") and data.get("path"):
                paths[data["file"]] = str(data["path"])
    elif (corpus / "SOURCES.tsv").exists():
        for row in csv.DictReader(io.StringIO((corpus / "SOURCES.tsv").read_text(encoding="utf-8")), delimiter="\t"):
            if row.get("file") and row.get("path"):
                paths[row["file"]] = row["path"]
    names = {file: _PACKED.sub("", path.replace("\\", "/").rsplit("/", 1)[-1]) for file, path in paths.items()}
    # A name a build would skip (".md": a clip saved without a name is a hidden file) keeps the corpus name.
    return {file: name for file, name in names.items() if name and not name.startswith(".")}


# --- scoring (the rules of ../shared/eval/score_corpus.py) ---------------------------------------

WORD = re.compile(r"[^\W_]+", re.UNICODE)
BLOCK_TAGS = ["p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "td", "th", "figcaption", "pre"]


def norm(s: str) -> str:
    return "".join(WORD.findall(s)).lower()


def strip_tags(s: str) -> str:
    # A raw line can end inside a tag that closes on the next line ("…。</p><span"): its name is not text.
    return htmllib.unescape(re.sub(r"<[A-Za-z/!][^<>]*$", "", re.sub(r"<[^>]+>", "", s)))


# The gutter's cell when a gold line carries it with the code beside it (a heading, the gutter and the code on one
# raw line of a Hexo page): the line numbers are drawn, not read.
GUTTER_CELL = re.compile(r"<td[^>]*class=[\"'][^\"']*\bgutter\b[^>]*>.*?</td>", re.S)


def is_gutter(text: str) -> bool:
    """A code block's line-number gutter ("1 2 3 … 17"), which a gold line can carry before the code: numbers
    the page draws beside the code, not text a reader reads."""
    numbers = text.split()
    return len(numbers) >= 2 and numbers == [str(n) for n in range(1, len(numbers) + 1)]


def front_matter(text: str) -> tuple[dict, str]:
    if not text.startswith("---"):
        return {}, text
    end = text.find("\n---", 3)
    if end < 0:
        return {}, text
    meta = yaml.safe_load(text[3:end]) or {}
    return (meta if isinstance(meta, dict) else {}), text[end + 4:]


def blocks(markdown_text: str) -> list[str]:
    """The text blocks a reader sees: paragraphs, headings, list items, captions, table cells."""
    import markdown
    from bs4 import BeautifulSoup

    # fenced_code: the site renders ``` fences as code (pymdownx.superfences); without it a code block is read as
    # paragraphs whose tags ("<title>…</title>" in an HTML example) vanish, and the code scores as lost.
    page = markdown.markdown(markdown_text, extensions=["tables", "attr_list", "md_in_html", "footnotes", "def_list",
                                                        "fenced_code"])
    soup = BeautifulSoup(page, "html.parser")
    found = [el.get_text(" ", strip=True) for el in soup.find_all(
        ["p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "dt", "dd", "figcaption", "blockquote", "pre"])]
    found = [t for t in found if t]
    return found or [soup.get_text(" ", strip=True)]


def body_units(lines: list[str]) -> list[str]:
    """Gold body lines as units of reading text: a long raw HTML line holding a whole article is scored
    paragraph by paragraph, so that what else sits on that line does not count."""
    from bs4 import BeautifulSoup

    units = []
    for line in lines:
        if len(line) > 400 and "<" in line:
            soup = BeautifulSoup(line, "html.parser")
            parts = [el.get_text(" ", strip=True) for el in soup.find_all(BLOCK_TAGS) if not el.find(BLOCK_TAGS)]
            parts = [t for t in parts if len(norm(t)) >= 4]
            if parts:
                units.extend(parts)
                continue
        units.append(line)
    return units


def score(gold: dict, body_md: str) -> dict:
    """Body recall, the gold body lines missed and the gold boilerplate lines kept, for one article text."""
    seen = [norm(b) for b in blocks(body_md)]
    whole = "".join(seen)
    missing, found, said = [], 0, []
    for line in body_units(gold["body"]):
        stripped = strip_tags(GUTTER_CELL.sub(" ", line))
        text = norm(re.sub(r"!\[[^\]]*\]", "", re.sub(r"\]\([^)]*\)", "]", stripped)))
        if not text or is_gutter(stripped):
            continue
        said.append(text)
        if text in whole:
            found += 1
        else:
            missing.append(line[:70])
    junk = []
    for line in gold.get("boilerplate", []):
        urls = re.findall(r"https?://[^\s)]+", line)
        if line.lstrip().startswith("![") and urls:
            if any(u in body_md for u in urls):
                junk.append(line[:70])
            continue
        text = norm(re.sub(r"\([^)]*\)", "", strip_tags(line)))
        shown = sum(1 for b in seen if b == text or (len(text) >= 8 and text in b)) if len(text) >= 4 else 0
        if len(text) >= 8:
            # Furniture repeating the article's own words (a related list naming a digest's items, a lead shown
            # twice) is junk only when the reader sees those words more often than the article says them.
            shown -= sum(1 for body in said if text in body)
        if shown > 0:
            junk.append(line[:70])
    total = found + len(missing)
    return {"recall": found / total if total else 1.0, "missing": missing, "junk": junk}


def same_day(got, want) -> bool:
    if got == want:
        return True
    try:
        return abs((dt.date.fromisoformat(str(got)) - dt.date.fromisoformat(str(want))).days) <= 1
    except (TypeError, ValueError):
        return False


def date_verdict(got: str | None, gold: dict) -> str:
    """right | invented (gold has none) | missed (gold has one) | wrong (another day)."""
    want = gold.get("date")
    if want is None:
        return "right" if got is None else "invented"
    if got is None:
        return "missed"
    return "right" if same_day(got, want) or got in gold.get("date_also", []) else "wrong"


def article_row(gold: dict, body_md: str | None, title: str | None, lang: str | None, date: str | None) -> dict:
    """A scored article; body_md None: no article came out (rejected, duplicate or crashed)."""
    if body_md is None:
        return {"recall": 0.0, "missing": ["(no article)"], "junk": [], "rejected": True,
                "title_ok": False, "lang_ok": False, "date": "no article"}
    row = score(gold, body_md)
    row.update(rejected=False, title_ok=(title or "").strip() == gold["title"].strip(),
               lang_ok=None if lang is None else lang == gold["lang"], date=date_verdict(date, gold))
    return row


# --- the project ---------------------------------------------------------------------------------


def loso_rules(site: str, dest: Path, base: Path = RULES_DIR) -> list[str]:
    """Copy the rules folder to ``dest`` without the portal entries whose hosts match ``site``;
    the names of the entries removed."""
    shutil.copytree(base, dest)
    data = yaml.safe_load((base / "portals.yml").read_text(encoding="utf-8"))
    removed = [p["name"] for p in data["portals"] if any(host_matches(h, site) for h in p.get("hosts") or ())]
    if removed:
        data["portals"] = [p for p in data["portals"] if p["name"] not in removed]
        (dest / "portals.yml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return removed


def build_site(dumps: list[Dump], rules: Path, tmp: Path) -> dict[str, dict]:
    """Build these dumps (and nothing else) with ``rules``; file name -> {status, meta, body}."""
    raw = tmp / "raw"
    raw.mkdir(parents=True)
    for d in dumps:
        (raw / d.raw_name).parent.mkdir(parents=True)  # raises if two dumps share a corpus name
        shutil.copy2(d.path, raw / d.raw_name)
    docs, report = tmp / "docs", tmp / "report.json"
    cmd = [sys.executable, "-m", "build_tools", "build", "--raw", str(raw), "--docs", str(docs), "--report",
           str(report), "--quiet", "--no-cache", "--jobs", "1", "--rules", str(rules),
           "--entities", str(ROOT / "entities.yml"), "--overrides", str(tmp / "no-overrides.yml")]
    run = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if not report.exists():
        raise SystemExit(f"the build wrote no report (exit {run.returncode}):\n{run.stderr[-2000:]}")
    # Keyed by the folder the dump sits in, which is its corpus name's stem.
    out = {Path(i["raw"]).parent.name: {"status": i["status"], "reason": i.get("reason")}
           for i in json.loads(report.read_text(encoding="utf-8"))["inputs"]}
    for md in (docs / "articles").rglob("*.md"):
        meta, body = front_matter(md.read_text(encoding="utf-8"))
        name = Path(str(meta.get("raw", ""))).parent.name
        if name in out:
            out[name].update(meta=meta, body=body)
    return out


def project_row(d: Dump, built: dict) -> dict:
    got = built.get(Path(d.file).stem, {"status": "missing"})
    status = got["status"]
    if d.gold["expect"] == "reject":
        return {"ok": status == "rejected", "status": status}
    if "body" not in got:
        row = article_row(d.gold, None, None, None, None)
    else:
        meta = got["meta"]
        date = str(meta["date"])[:10] if meta.get("date") else None
        title = str(meta.get("title", ""))
        row = article_row(d.gold, without_title_heading(got["body"], title), title, meta.get("lang"), date)
    row["status"] = status
    return row


def without_title_heading(body: str, title: str) -> str:
    """The page without the heading that shows its title: the title is scored as the title (as the anchors'
    is), not as a block of the body, where the gold's ``<title>`` line would count it as junk."""
    lines = body.lstrip("\n").split("\n", 1)
    if lines[0].startswith("# ") and norm(htmllib.unescape(lines[0][2:])) == norm(title) and norm(title):
        return lines[1] if len(lines) > 1 else ""
    return body


def run_project(dumps: list[Dump], jobs: int = 2, base_rules: Path = RULES_DIR, log=print) -> dict[str, list[str]]:
    """Score every dump in-sample and LOSO (rows in ``Dump.rows``); site -> portal entries LOSO removed."""
    sites: dict[str, list[Dump]] = {}
    for d in dumps:
        sites.setdefault(d.site, []).append(d)
    removed_by_site: dict[str, list[str]] = {}
    with tempfile.TemporaryDirectory(prefix="cn-eval-") as t:
        tmp = Path(t)
        tasks = []  # (site, kind, rules)
        for n, site in enumerate(sorted(sites)):
            loso = tmp / f"rules-{n}"
            removed_by_site[site] = loso_rules(site, loso, base_rules)
            tasks.append((site, "in-sample", base_rules, tmp / f"in-{n}"))
            if removed_by_site[site]:
                tasks.append((site, "LOSO", loso, tmp / f"loso-{n}"))

        def work(task):
            site, kind, rules, folder = task
            return task, build_site(sites[site], rules, folder)

        with ThreadPoolExecutor(max(1, jobs)) as pool:
            for done, ((site, kind, _, _), built) in enumerate(pool.map(work, tasks), 1):
                for d in sites[site]:
                    d.rows[kind] = project_row(d, built)
                    if kind == "in-sample" and not removed_by_site[site]:
                        d.rows["LOSO"] = d.rows["in-sample"]
                log(f"  built {done}/{len(tasks)}: {site} ({kind}, {len(sites[site])} dumps)", file=sys.stderr)
    return removed_by_site


# --- the anchors ---------------------------------------------------------------------------------


def as_html(d: Dump) -> str:
    import markdown

    try:
        text = d.path.read_bytes().decode(d.gold.get("encoding") or "utf-8")
    except (UnicodeDecodeError, LookupError):
        text = ""
    return text if re.search(r"<(html|body|p|div)[\s>]", text[:5000], re.I) else markdown.markdown(text)


def anchor_row(d: Dump, tool: str) -> dict:
    page = as_html(d)
    title = date = None
    try:
        if tool == "trafilatura":
            import trafilatura

            out = trafilatura.bare_extraction(page, with_metadata=True)
            out = out.as_dict() if hasattr(out, "as_dict") else (out or {})
            body, title, date = out.get("text") or "", out.get("title"), out.get("date")
        else:
            from bs4 import BeautifulSoup
            from readability import Document

            doc = Document(page)
            soup = BeautifulSoup(doc.summary(), "html.parser")
            tags = ["p", "h1", "h2", "h3", "li", "td", "pre"]
            body = "\n".join(p.get_text(" ", strip=True) for p in soup.find_all(tags))
            title = doc.short_title()
    except Exception:  # an anchor that crashes on a dump simply extracted nothing
        body = ""
    if d.gold["expect"] == "reject":
        return {"ok": not body.strip()}
    if not body.strip():
        return article_row(d.gold, None, None, None, None)
    return article_row(d.gold, body.replace("\n", "\n\n"), title, None, str(date)[:10] if date else None)


def run_anchors(dumps: list[Dump], log=print) -> dict[str, str]:
    """Score trafilatura and readability-lxml on every dump; tool -> version (or why it did not run)."""
    versions = {}
    for tool, module in (("trafilatura", "trafilatura"), ("readability-lxml", "readability")):
        if importlib.util.find_spec(module) is None:
            versions[tool] = "not installed"
            continue
        versions[tool] = metadata.version(tool)
        log(f"  {tool} {versions[tool]} on {len(dumps)} dumps", file=sys.stderr)
        for d in dumps:
            d.rows[tool] = anchor_row(d, tool)
    return versions


# --- figures ----------------------------------------------------------------------------------


def summary(rows: list[dict], gold: list[dict]) -> dict:
    """The figures of one tool over some dumps (rows and gold in the same order)."""
    arts = [(r, g) for r, g in zip(rows, gold, strict=True) if g["expect"] == "article"]
    rejects = [r for r, g in zip(rows, gold, strict=True) if g["expect"] == "reject"]
    recalls = [r["recall"] for r, _ in arts]
    dated = [r for r, g in arts if g.get("date")]
    undated = [r for r, g in arts if not g.get("date")]
    langs = [r["lang_ok"] for r, _ in arts if r.get("lang_ok") is not None]
    n = len(arts)
    junk = sum(len(r["junk"]) for r, _ in arts)
    return {
        "articles": n, "rejects": len(rejects),
        "recall_mean": sum(recalls) / n if n else None, "recall_min": min(recalls) if n else None,
        "junk": junk, "junk_per_10": 10 * junk / n if n else None,
        "clean_complete": sum(r["recall"] >= 0.99 and not r["junk"] for r, _ in arts),
        "titles_right": sum(r["title_ok"] for r, _ in arts),
        "titles_stated": sum(g.get("title_stated", True) for _, g in arts),
        "titles_right_stated": sum(r["title_ok"] for r, g in arts if g.get("title_stated", True)),
        "lang_right": sum(langs) if langs else None,
        "dates_right": sum(r["date"] == "right" for r, _ in arts),
        "dates_invented": sum(r["date"] == "invented" for r in undated), "undated": len(undated),
        "dates_missed": sum(r["date"] in ("missed", "no article") for r in dated), "dated": len(dated),
        "dates_wrong": sum(r["date"] == "wrong" for r in dated),
        "rejected_ok": sum(r["ok"] for r in rejects),
        "wrongly_rejected": sum(r.get("rejected", False) for r, _ in arts),
    }


def figures(dumps: list[Dump], tools: list[str]) -> dict[str, dict]:
    out = {t: summary([d.rows[t] for d in dumps], [d.gold for d in dumps]) for t in tools}
    for t, fig in out.items():
        if t not in HAS_LANG:
            fig["lang_right"] = None
        if t not in HAS_DATE:
            fig.update(dict.fromkeys(("dates_right", "dates_invented", "dates_missed", "dates_wrong")))
    return out


def brief(row: dict, examples: int = 5) -> dict:
    """A row for the JSON: counts of missing and junk lines, and the first few of each."""
    out = {k: v for k, v in row.items() if k not in ("missing", "junk")}
    for key in ("missing", "junk"):
        if key in row:
            out[f"{key}_lines"] = len(row[key])
            out[key] = row[key][:examples]
    return out


def pct(a: int, b: int) -> str:
    return f"{100 * a / b:.0f}% ({a}/{b})" if b else "–"


def frac(a, b) -> str:
    return f"{a}/{b}" if b else "–"


def figure_lines(fig: dict[str, dict], tools: list[str]) -> list[tuple[str, list[str]]]:
    def row(label, fn, only=None):
        return label, [fn(fig[t]) if (only is None or only(t)) else "n/a" for t in tools]

    def num(x, fmt):
        return "–" if x is None else format(x, fmt)

    return [
        row("mean body recall", lambda f: num(f["recall_mean"], ".3f")),
        row("min body recall", lambda f: num(f["recall_min"], ".3f")),
        row("junk lines per 10 articles", lambda f: num(f["junk_per_10"], ".1f")),
        row("clean and complete", lambda f: frac(f["clean_complete"], f["articles"])),
        row("titles right", lambda f: pct(f["titles_right"], f["articles"])),
        row("titles right where the dump states one", lambda f: pct(f["titles_right_stated"], f["titles_stated"])),
        row("lang right", lambda f: frac(f["lang_right"], f["articles"]), HAS_LANG.__contains__),
        row("dates right", lambda f: frac(f["dates_right"], f["articles"]), HAS_DATE.__contains__),
        row("dates invented (gold: none)", lambda f: frac(f["dates_invented"], f["undated"]), HAS_DATE.__contains__),
        row("dates missed (gold: one)", lambda f: frac(f["dates_missed"], f["dated"]), HAS_DATE.__contains__),
        row("dates another day", lambda f: frac(f["dates_wrong"], f["dated"]), HAS_DATE.__contains__),
        row("non-articles rejected", lambda f: frac(f["rejected_ok"], f["rejects"])),
        row("articles wrongly rejected", lambda f: frac(f["wrongly_rejected"], f["articles"])),
    ]


def table(header: list[str], rows: list[list[str]], markdown: bool) -> str:
    if markdown:
        out = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
        return "\n".join(out + ["| " + " | ".join(r) + " |" for r in rows])
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    fmt = lambda r: "  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()  # noqa: E731
    return "\n".join([fmt(header), fmt(["-" * w for w in widths]), *map(fmt, rows)])


def site_rows(dumps: list[Dump], tools: list[str], removed: dict[str, list[str]]) -> list[list[str]]:
    rows = []
    by_site: dict[str, list[Dump]] = {}
    for d in dumps:
        by_site.setdefault(d.site, []).append(d)
    for site in sorted(by_site):
        group = by_site[site]
        fig = figures(group, tools)
        arts = fig[tools[0]]["articles"]
        cells = [site, f"{arts}+{len(group) - arts}", ", ".join(removed.get(site, [])) or "–"]
        cells += ["–" if fig[t]["recall_mean"] is None else f"{fig[t]['recall_mean']:.2f}" for t in tools]
        cells += [str(fig[t]["junk"]) if arts else "–" for t in tools]
        if len(group) > arts:
            cells.append(" ".join(f"{fig[t]['rejected_ok']}/{fig[t]['rejects']}" for t in tools))
        else:
            cells.append("")
        rows.append(cells)
    return rows


def dump_rows(dumps: list[Dump], tools: list[str]) -> list[list[str]]:
    rows = []
    for d in sorted(dumps, key=lambda d: (d.corpus, d.file)):
        if d.gold["expect"] == "reject":
            cells = ["rejected" if d.rows[t]["ok"] else "NOT rejected" for t in tools]
            rows.append([d.file, d.site, d.tool, "reject", *cells, *[""] * len(tools), ""])
            continue
        recall = [f"{d.rows[t]['recall']:.2f}" for t in tools]
        junk = [str(len(d.rows[t]["junk"])) for t in tools]
        proj = d.rows["in-sample"]
        if proj.get("rejected"):
            wrong = f"no article ({proj.get('status')})"
        else:
            checks = (("title", proj["title_ok"]), ("lang", proj["lang_ok"]), ("date", proj["date"] == "right"))
            wrong = ", ".join(k if k != "date" else f"date ({proj['date']})" for k, ok in checks if not ok)
        rows.append([d.file, d.site, d.tool, "article", *recall, *junk, wrong])
    return rows


# --- the report ------------------------------------------------------------------------------------

DOC_HEAD = """# 抽取评测 Extraction evaluation

`make eval` (= `.venv/bin/python -m benchmarks.extraction`) scores how well the build step extracts articles
from dumps, side by side with two extractors anyone could use instead (trafilatura, readability-lxml), **by
site**: the archive is judged on dumps from sites and tools nobody here has seen, so the figure that counts
is the **leave-one-site-out (LOSO)** column. This page and `benchmarks/results/extraction.json` are written
by that command; everything below the figures is fixed text, so a rerun changes only the figures.

## What is measured

- **Corpora**: `tests/corpus/` (one label per dump in `labels/*.json`, gold built by
  `tests/corpus/build_gold.py`; labels that fail its checks are left out and listed) and
  `../shared/corpus/labelled/` (`gold.json`) when present. A dump's **site** is its label's `site` (the
  publisher's registrable domain, or the platform such as `mp.weixin.qq.com`); for the shared corpus it is
  the registrable domain of the gold `url`, else the site token of the file name.
- **Scoring** (the rules of `../shared/eval/score_corpus.py`): *body recall* = share of gold body lines
  whose text (letters, digits, Han only) appears in the article; *junk* = gold boilerplate lines (≥ 4 such
  characters) a reader still sees as a block of the article; *title* must equal the gold title (also
  counted over the articles whose dump states the gold title in its text or the name it was saved under: a
  plain-text copy of the body alone cannot give the headline of the page it came from); *lang*
  must be the gold `zh-Hans`/`zh-Hant`; a *date* is right when it is the gold date (± 1 day, time zones)
  or one of `date_also`, *invented* when the gold has none, *missed* when the gold has one and the tool
  gives none. Non-articles must be rejected (for the anchors: nothing extracted); an article that comes
  out as nothing counts as recall 0 and as wrongly rejected. Differences from `score_corpus.py`: a page
  is read with fenced code blocks as the site shows them (code, not paragraphs whose tags vanish); the
  heading that shows a built page's title is scored as the title, not as a block of its body (the gold
  classes a page's `<title>` line as boilerplate, and the anchors give their title apart from the text);
  a gold line's tag left open at its end ("…。<span", closed on the next raw line) is not text; a code
  block's line-number gutter ("1 2 3 … 17", or its table cell beside the code) on a gold line is not text a
  reader reads; a boilerplate line whose words are also a body line's (a related list naming a digest's own
  items) is not counted as junk (for every tool alike).
- **File names**: each dump is built under the name it had where it was found (its label's `path`, or the
  `path` column of `SOURCES.tsv`), in a folder of its own, as an editor's `raw/` would hold it: a saved
  page or a clip is named after its article ("标题 - 站点.md"), and the build reads that name as a title
  candidate. A dump without a recorded name (or saved without one) keeps its corpus name. The anchors are
  given the page only.
- **Project, in-sample**: each site's dumps, and nothing else, built together in one raw folder
  (`python -m build_tools build --no-cache --rules build_tools/rules`), so cross-dump signals (lines
  recurring across dumps) are those one site's dumps give.
- **Project, LOSO**: the same build with `--rules` pointing at a copy of `build_tools/rules/` from which
  every `portals.yml` entry whose `hosts` match the site (a host of the site, or a parent domain whose
  entry also fires on the site's URLs: `qq.com` for `mp.weixin.qq.com`) is removed: no per-site
  knowledge of the held-out site. A site no entry matches gets the same rules both ways, so its LOSO
  figures are its in-sample ones (the build is deterministic; it is not built twice).
  Generic rules (`generic.yml`) and code stay: they were written with these corpora in view, so even LOSO
  is optimistic for an unseen *tool* or page layout.
- **Anchors**: trafilatura (`bare_extraction(with_metadata=True)`) and readability-lxml
  (`Document.summary()`, `short_title()`), each dump alone; Markdown and text dumps are given to them
  rendered as HTML, their most favourable input. readability-lxml has no date or language output, and
  neither anchor tells zh-Hans from zh-Hant (*n/a*).

Run it:

```bash
make eval                                          # both corpora, prints the tables, writes this page
.venv/bin/python -m benchmarks.extraction --dumps  # also print the per-dump table
.venv/bin/python -m benchmarks.extraction --corpus DIR --no-anchors --no-write   # another labelled folder
```

It takes about a minute for ~90 dumps on 2 cores (one build per site, two at a time, plus a second build for each site
a portal entry matches). Label new dumps as described in `tests/corpus/build_gold.py` and check them with
`python3 tests/corpus/build_gold.py --check`.

## Unseen dumps (session 32)

Six dumps from sites and saving tools neither corpus had (`tests/corpus/240`–`249`: coolshell.cn as a WordPress
feed item written out as HTML, animen.com.tw (Traditional) and juejin.cn as RSSHub items turned into Hexo posts,
two okjike.com (即刻) posts clipped by an agent into an Obsidian vault, a PTT board index saved "complete" that
must be rejected), labelled before any code was changed and scored as found
(`python -m benchmarks.extraction --corpus <those six> --dumps --no-write`, in-sample = LOSO but for 即刻):

| the six, before → after | recall | junk lines | clean and complete | titles | dates | rejects |
| --- | --- | --- | --- | --- | --- | --- |
| project in-sample | 0.985 → 1.000 | 17 → 0 | 1/5 → 5/5 | 2/5 → 5/5 | 4/5 → 5/5 | 1/1 → 1/1 |
| project LOSO | 0.985 → 1.000 | 17 → 3 | 1/5 → 4/5 | 2/5 → 5/5 | 4/5 → 5/5 | 1/1 → 1/1 |

What failed, and the general fix: a date before the title in the file's name ("2009-11-10 标题.html",
"2026-04-20 - 标题.md") was read as part of the title; a clip's field list under its title ("- Author: …",
"- 发布时间：…", "- Clipped: …") and a post's counters ("- Likes: 123") were read as one paragraph of text (now
field by field: bylines and dates are read, the clip day is not, the rest is furniture); a clip of "# 标题", a field
list and paragraphs was read as a text copy; a sentence of the article announcing its own links ("…，文章如下：")
was dropped with them as a related list's label; "（转载本站文章请注明…）" and a feed's "The post … first appeared
on …" footer were kept.  What stays site knowledge (portals.yml): 即刻's circle card under a post ("来自圈子").
Every other dump scores as before.
"""


def render_markdown(result: dict, dumps: list[Dump], tools: list[str], names: list[str]) -> str:
    parts = [DOC_HEAD, "## Figures\n"]
    parts.append(f"Corpora: {', '.join(f'`{c}` ({n} dumps)' for c, n in result['corpora'].items())}; "
                 f"{len(result['sites'])} sites; "
                 f"{', '.join(f'{t} {v}' for t, v in result['versions'].items())}.\n")
    if result["left_out"]:
        parts.append("Labels left out (failed `build_gold.py --check`):\n\n"
                     + "\n".join(f"- {p}" for p in result["left_out"]) + "\n")
    for scope, fig in result["totals"].items():
        parts.append(f"### {scope}\n")
        parts.append(table(["", *names], [[label, *cells] for label, cells in figure_lines(fig, tools)], True)
                     + "\n")
    parts.append("### Per site\n\nRecall is the mean over the site's articles; junk the lines kept in all of them; "
                 "the last column is non-articles rejected (in-sample, LOSO, trafilatura, readability-lxml).\n")
    header = ["site", "articles+rejects", "portal entries LOSO removes", *[f"recall {n}" for n in names],
              *[f"junk {n}" for n in names], "rejects"]
    parts.append(table(header, site_rows(dumps, tools, result["removed"]), True) + "\n")
    parts.append("### Per dump\n\n`project wrong` lists what the in-sample build got wrong besides the body.\n")
    header = ["dump", "site", "tool", "expect", *[f"recall {n}" for n in names], *[f"junk {n}" for n in names],
              "project wrong"]
    parts.append(table(header, dump_rows(dumps, tools), True) + "\n")
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, action="append",
                    help="a labelled folder (labels/*.json or gold.json); repeatable (default: tests/corpus and "
                         "../shared/corpus/labelled)")
    ap.add_argument("--jobs", type=int, default=2, help="builds run at once (default 2)")
    ap.add_argument("--no-anchors", action="store_true", help="skip trafilatura and readability-lxml")
    ap.add_argument("--dumps", action="store_true", help="also print the per-dump table")
    ap.add_argument("--no-write", action="store_true", help=f"do not write {DOC.relative_to(ROOT)} and the JSON")
    ap.add_argument("--rules", type=Path, default=RULES_DIR,
                    help="the in-sample rules folder (default build_tools/rules)")
    args = ap.parse_args(argv)
    corpora = args.corpus or [c for c in (TESTS_CORPUS, SHARED_CORPUS) if c.is_dir()]
    dumps, left_out, counts = [], [], {}
    for corpus in corpora:
        where = corpus.resolve()
        name = (str(where.relative_to(ROOT)) if ROOT in where.parents
                else f"../{where.relative_to(ROOT.parent)}" if ROOT.parent in where.parents else str(corpus))
        found, problems = load_corpus(corpus, name)
        dumps += found
        left_out += problems
        counts[name] = len(found)
    if not dumps:
        print("no labelled dumps found", file=sys.stderr)
        return 1
    print(f"{len(dumps)} dumps from {len(counts)} corpora, {len({d.site for d in dumps})} sites"
          + (f"; {len(left_out)} labels left out (run tests/corpus/build_gold.py --check)" if left_out else ""),
          file=sys.stderr)
    removed = run_project(dumps, args.jobs, args.rules)
    versions = {"trafilatura": "skipped", "readability-lxml": "skipped"}
    if not args.no_anchors:
        versions = run_anchors(dumps)
    tools = ["in-sample", "LOSO"] + [t for t in ("trafilatura", "readability-lxml") if all(t in d.rows for d in dumps)]
    names = ["project in-sample", "project LOSO"] + [f"{t} {versions[t]}" for t in tools[2:]]
    totals = {"all dumps": figures(dumps, tools)}
    if len(counts) > 1:
        for c in counts:
            totals[c] = figures([d for d in dumps if d.corpus == c], tools)
    result = {
        "command": "make eval", "corpora": counts, "versions": versions, "left_out": left_out,
        "removed": {s: r for s, r in sorted(removed.items()) if r},
        "sites": {s: figures([d for d in dumps if d.site == s], tools) for s in sorted({d.site for d in dumps})},
        "totals": totals,
        "dumps": [{"corpus": d.corpus, "file": d.file, "site": d.site, "tool": d.tool, "format": d.fmt,
                   "expect": d.gold["expect"], **{t: brief(d.rows[t]) for t in tools}}
                  for d in sorted(dumps, key=lambda d: (d.corpus, d.file))],
    }
    for scope, fig in totals.items():
        print(f"\n== {scope}")
        print(table(["", *names], [[label, *cells] for label, cells in figure_lines(fig, tools)], False))
    print("\n== per site (recall: in-sample, LOSO, anchors; junk lines the same order; rejects)")
    print(table(["site", "n", "LOSO removes", *["recall"] * len(tools), *["junk"] * len(tools), "rejects"],
                site_rows(dumps, tools, result["removed"]), False))
    if args.dumps:
        print("\n== per dump")
        print(table(["dump", "site", "tool", "expect", *["recall"] * len(tools), *["junk"] * len(tools), "wrong"],
                    dump_rows(dumps, tools), False))
    if not args.no_write:
        DOC.parent.mkdir(parents=True, exist_ok=True)
        DOC.write_text(render_markdown(result, dumps, tools, names), encoding="utf-8")
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"\nwrote {DOC.relative_to(ROOT)} and {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
