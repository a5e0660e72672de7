#!/usr/bin/env python3
"""Build tests/corpus/gold.json and SOURCES.tsv from the label files in tests/corpus/labels/.

    python3 tests/corpus/build_gold.py           # validate, then write gold.json + SOURCES.tsv
    python3 tests/corpus/build_gold.py --check   # validate only; exit 1 on any error

One label per dump, labels/<dump>.json; the dump itself sits flat in tests/corpus/.  Line numbers are
1-based inclusive ranges over ``bytes.decode(encoding).splitlines()``.  Gold follows
../shared/corpus/labelled/README.md (and its make_gold.py): ``body`` = the stripped non-empty lines of the
body ranges in file order; ``neutral`` = those of the neutral ranges, once each, minus body strings;
``skip`` lines (the bare title) stay unclassified; every other non-empty line is ``boilerplate``, once
each, minus body and neutral strings.  Each gold entry also keeps ``site``, ``tool`` and ``format``.

Errors (the label is left out of gold.json, exit 1): missing keys, a dump that is missing or does not
decode strictly, ranges out of bounds, overlapping, or starting/ending on an empty line, a url or date
the raw text does not state.  Warnings: a title not found in the raw text, unknown keys, unlabelled dumps.
Standard library only.
"""
from __future__ import annotations

import argparse
import datetime as dt
import html
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
COMMON = ["file", "expect", "encoding", "site", "tool", "format", "repo", "path", "commit"]
REQUIRED = {"article": COMMON + ["title", "date", "authors", "source", "url", "lang", "body"],
            "reject": COMMON + ["why"]}
OPTIONAL = {"neutral", "skip", "date_also", "notes"}
ARTICLE_ORDER = ["file", "expect", "encoding", "title", "date", "authors", "source", "url", "lang",
                 "body", "boilerplate", "neutral", "entities"]  # = ../shared/corpus/labelled/gold.json
REJECT_ORDER = ["file", "expect", "encoding", "why"]
EXTRA = ["site", "tool", "format"]
TSV_COLUMNS = ["file", "site", "tool", "format", "encoding", "expect", "repo", "path", "commit", "notes"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
NOT_DUMPS = {"gold.json", "SOURCES.tsv", "build_gold.py", "README.md"}


CN_MONTHS = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"]


def date_stated(date: str, text: str) -> bool:
    """The raw text states this date, in one of the usual forms: 2019-10-23, 2019/10/23, 2019年10月23日,
    2019.10.23, 20191023, 2019-10/23 (URLs), 10-23-2019, 23.10.2019, 108年10月23日 (ROC), 23 Oct 2019,
    October 23rd, 2019, 十月 23rd, 2019 …"""
    y, m, d = (int(x) for x in date.split("-"))
    sep, dd, mm = r"\s*[-/._年月]\s*", rf"0?{d}(?!\d)", rf"0?{m}"
    numeric = [rf"(?<!\d)(?:{y}|{y - 1911}){sep}{mm}{sep}{dd}", rf"(?<!\d){y}{m:02d}{d:02d}",
               rf"(?<!\d){mm}[-/.]0?{d}[-/.,]\s*{y}(?!\d)", rf"(?<!\d)0?{d}[-/.]{mm}[-/.]{y}(?!\d)"]
    day = rf"0?{d}(?:st|nd|rd|th)?"
    month = rf"(?:{MONTHS[m - 1]}[a-z]*\.?|{CN_MONTHS[m - 1]}月)"
    named = [rf"(?<![\d十]){month}\s*{day},?\s+{y}", rf"(?<!\d){day}\s+{month},?\s+{y}"]
    return any(re.search(p, text, re.I) for p in numeric + named)


def check_ranges(label: dict, lines: list[str]) -> tuple[list[str], dict[str, set[int]]]:
    """Problems with the body/neutral/skip ranges, and the line numbers each one covers."""
    errors, covered, owner = [], {}, {}
    for cat in ("body", "neutral", "skip"):
        covered[cat] = set()
        ranges = label.get(cat) or []
        if not isinstance(ranges, list):
            errors.append(f"{cat}: must be a list of [start, end] ranges")
            continue
        for r in ranges:
            if not (isinstance(r, list) and len(r) == 2 and all(isinstance(x, int) for x in r)):
                errors.append(f"{cat}: {r!r} is not a [start, end] pair of line numbers")
                continue
            s, e = r
            if not 1 <= s <= e <= len(lines):
                errors.append(f"{cat}: range {r} out of bounds (the dump has {len(lines)} lines)")
                continue
            if cat != "skip" and (not lines[s - 1].strip() or not lines[e - 1].strip()):
                errors.append(f"{cat}: range {r} starts or ends on an empty line (off by one?)")
            for n in range(s, e + 1):
                if n in owner:
                    errors.append(f"{cat}: line {n} of range {r} is already in {owner[n][0]} range {owner[n][1]}")
                    break
                owner[n] = (cat, r)
                covered[cat].add(n)
    return errors, covered


def dedup(items: list[str], exclude: set[str]) -> list[str]:
    out, seen = [], set(exclude)
    for x in items:
        if x not in seen:
            out.append(x)
            seen.add(x)
    return out


def gold_entry(label: dict, lines: list[str], covered: dict[str, set[int]]) -> dict:
    extra = {k: label[k] for k in EXTRA}
    if label["expect"] == "reject":
        return {**{k: label[k] for k in REJECT_ORDER}, **extra}
    stripped = [x.strip() for x in lines]
    body = [s for n, s in enumerate(stripped, 1) if s and n in covered["body"]]
    neutral = dedup([s for n, s in enumerate(stripped, 1) if s and n in covered["neutral"]], set(body))
    boiler = dedup([s for n, s in enumerate(stripped, 1)
                    if s and not any(n in covered[c] for c in covered)], set(body) | set(neutral))
    entry = {k: label[k] for k in ARTICLE_ORDER[:9]}
    entry.update(body=body, boilerplate=boiler, neutral=neutral, entities=[])
    if label.get("date_also"):
        entry["date_also"] = label["date_also"]
    return {**entry, **extra}


def check_label(label_path: Path, corpus: Path) -> tuple[dict | None, list[str], list[str]]:
    """(gold entry or None, errors, warnings) for one label file."""
    errors, warnings = [], []
    try:
        label = json.loads(label_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        return None, [f"unreadable label: {e}"], []
    if not isinstance(label, dict):
        return None, ["a label must be a JSON object"], []
    expect = label.get("expect")
    if expect not in REQUIRED:
        return None, [f"expect must be 'article' or 'reject', not {expect!r}"], []
    missing = [k for k in REQUIRED[expect] if k not in label]
    if missing:
        errors.append(f"missing keys: {', '.join(missing)}")
    unknown = sorted(set(label) - set(REQUIRED[expect]) - OPTIONAL)
    if unknown:
        warnings.append(f"unknown keys (ignored): {', '.join(unknown)}")
    if label.get("file") and label_path.name != f"{label['file']}.json":
        errors.append(f"label file should be named {label['file']}.json")
    if label.get("format") not in ("html", "md", "txt"):
        errors.append(f"format must be html, md or txt, not {label.get('format')!r}")
    if label.get("commit") is not None and not re.fullmatch(r"[0-9a-f]{40}", str(label.get("commit"))):
        errors.append(f"commit {label.get('commit')!r} is not 40 hex digits")
    if not label.get("site") or label.get("site") != str(label.get("site")).strip().lower():
        errors.append(f"site {label.get('site')!r} must be a non-empty lower-case domain or platform")
    if missing:
        return None, errors, warnings
    dump = corpus / label["file"]
    if not dump.is_file():
        return None, errors + [f"dump not found: {dump}"], warnings
    try:
        text = dump.read_bytes().decode(label["encoding"])
    except (UnicodeDecodeError, LookupError) as e:
        return None, errors + [f"does not decode strictly as {label['encoding']}: {e}"], warnings
    lines = text.splitlines()
    if expect == "reject":
        if not str(label["why"]).strip():
            errors.append("a reject needs a why")
        return (None if errors else gold_entry(label, lines, {})), errors, warnings

    range_errors, covered = check_ranges(label, lines)
    errors += range_errors
    if not any(lines[n - 1].strip() for n in covered["body"]):
        errors.append("no body lines")
    if label["lang"] not in ("zh-Hans", "zh-Hant"):
        errors.append(f"lang must be zh-Hans or zh-Hant, not {label['lang']!r}")
    if not isinstance(label["authors"], list) or not all(isinstance(a, str) for a in label["authors"]):
        errors.append("authors must be a list of strings")
    plain = html.unescape(text)
    for key in ("date", *(["date_also"] if label.get("date_also") else [])):
        for d in ([label[key]] if key == "date" else label[key]):
            if d is None:
                continue
            try:
                dt.date.fromisoformat(d)
            except (TypeError, ValueError):
                errors.append(f"{key} {d!r} is not a real YYYY-MM-DD date")
                continue
            if not date_stated(d, plain):
                (errors if key == "date" else warnings).append(f"{key} {d} is not stated in the raw text")
    url = label["url"]
    if url is not None and url not in text and url not in plain:
        errors.append(f"url {url!r} does not occur in the raw text")
    title = (label["title"] or "").strip()
    if not title:
        errors.append("empty title")
    elif title not in plain and re.sub(r"\s+", "", title) not in re.sub(r"\s+", "", plain):
        warnings.append(f"title {title!r} does not occur in the raw text")
    return (None if errors else gold_entry(label, lines, covered)), errors, warnings


def load_all(corpus: Path = HERE) -> tuple[list[dict], list[dict], dict[str, list[str]], dict[str, list[str]]]:
    """(gold entries sorted by file, the labels they came from, errors by label, warnings by label)."""
    gold, labels, errors, warnings = [], [], {}, {}
    label_files = sorted((corpus / "labels").glob("*.json"))
    for path in label_files:
        entry, errs, warns = check_label(path, corpus)
        if errs:
            errors[path.name] = errs
        if warns:
            warnings[path.name] = warns
        if entry is not None:
            gold.append(entry)
            labels.append(json.loads(path.read_text(encoding="utf-8")))
    labelled = {p.name[:-5] for p in label_files}
    for dump in sorted(p.name for p in corpus.iterdir() if p.is_file()):
        if dump not in NOT_DUMPS and not dump.startswith(".") and dump not in labelled:
            warnings.setdefault(dump, []).append("dump has no label file")
    order = sorted(range(len(gold)), key=lambda i: gold[i]["file"])
    return [gold[i] for i in order], [labels[i] for i in order], errors, warnings


def tsv_field(value) -> str:
    return "" if value is None else re.sub(r"\s+", " ", str(value)).strip()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="validate the labels, write nothing")
    ap.add_argument("--corpus", type=Path, default=HERE, help="folder with the dumps and labels/ (default: here)")
    args = ap.parse_args(argv)
    gold, labels, errors, warnings = load_all(args.corpus)
    for name, items in sorted(warnings.items()):
        for w in items:
            print(f"warning: {name}: {w}")
    for name, items in sorted(errors.items()):
        for e in items:
            print(f"ERROR: {name}: {e}")
    arts = sum(g["expect"] == "article" for g in gold)
    sites = len({g["site"] for g in gold})
    print(f"{len(gold)} valid labels ({arts} articles, {len(gold) - arts} rejects, {sites} sites), "
          f"{len(errors)} with errors, {len(warnings)} with warnings")
    if not args.check:
        (args.corpus / "gold.json").write_text(json.dumps(gold, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        rows = ["\t".join(TSV_COLUMNS)]
        rows += ["\t".join(tsv_field(lab.get(c) if c != "notes" else lab.get("notes") or lab.get("why"))
                           for c in TSV_COLUMNS) for lab in labels]
        (args.corpus / "SOURCES.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
        left_out = " (labels with errors left out)" if errors else ""
        print(f"wrote {args.corpus / 'gold.json'} and SOURCES.tsv{left_out}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
