"""``build --explain FILE``: what the build step does with one dump, block by block, and why.

The dump goes through the same steps as in a build (ingest → clean → gate → metadata, with the build's rules);
nothing is classified a second time here.  Each block the reader read is printed with its class:

* ``removed``: a cleaning rule dropped it; the rule is the one its ``Removed`` record names (and what the
  line said about the article when it was lifted as a byline, dateline or title);
* ``kept``: on the page; its features (characters, sentence marks, share of link text) are shown because
  the rules read exactly those;
* ``neutral``: a block without text (an image without a caption, a rule), which no rule weighs.

For a saved HTML page the reader reads only the main-content container; the page's shape (its text, the
share of links, the container's prose) is printed first, since the "is this an article?" step reads it.
Nothing is written anywhere.
"""

from __future__ import annotations

import os
import re
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from build_tools.config.rules import Rules, load_rules
from build_tools.model import Article, Failure, Removed, block_text
from build_tools.model.lifted import Byline, Dateline, TitleCandidate
from build_tools.model.walk import iter_texts
from build_tools.settings import MAX_DUMP_BYTES
from build_tools.stages.clean import clean
from build_tools.stages.gate import assess
from build_tools.stages.ingest import ingest
from build_tools.stages.metadata import extract_metadata

_MARKS = re.compile(r"[，。！？；：,.!?;:]")
_SPACE = re.compile(r"\s+")
TEXT_SHOWN = 70  # characters of each block's text printed (one line per block)


def explain(path: Path, rules_dir: Path | None = None, out: TextIO = sys.stdout) -> int:
    """Print the explanation of the dump at ``path``; 0 when it would be published, 1 when rejected."""
    published = False
    try:
        for line in explain_lines(path, load_rules(rules_dir)):
            print(line, file=out)
            published = published or line.startswith("verdict: published")
        out.flush()
    except BrokenPipeError:  # "| head": the reader has seen enough; what is still buffered goes nowhere
        os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())
    return 0 if published else 1


def explain_lines(path: Path, rules: Rules) -> Iterator[str]:
    read = ingest(path, path.name, MAX_DUMP_BYTES)
    if isinstance(read, Failure):
        yield f"{path}: rejected at {read.stage}: {read.reason}"
        return
    portals = ", ".join(read.portals) or "none"
    yield f"{path}: read as {read.format} ({read.encoding}); portal rules: {portals}; {len(read.blocks)} blocks"
    if read.page is not None:
        page = read.page
        links = page.links / page.text if page.text else 0.0
        yield (f"page: {page.text} characters of text, {links:.0%} of them in links; main-content container: "
               f"{page.main_prose} characters of prose in {page.main_paragraphs} paragraphs "
               "(only the container is read)")
    cleaned = clean(read, rules)
    if isinstance(cleaned, Failure):
        yield from _table(read, ())
        yield f"verdict: rejected at {cleaned.stage}: {cleaned.reason}"
        return
    yield from _table(read, cleaned.removed[len(read.removed):], cleaned)
    gated = assess(cleaned)
    if isinstance(gated, Failure):
        yield f"verdict: rejected at {gated.stage}: {gated.reason}"
        return
    meta = extract_metadata(gated, rules).meta
    found = dict(meta.provenance)
    yield f"verdict: published, {len(gated.blocks)} blocks"
    yield f"title: {meta.title or '(none)'}  [{found.get('title', 'none')}]"
    yield f"date: {meta.date or '(none)'}  [{found.get('date', 'none')}]"
    yield f"authors: {'、'.join(meta.authors) or '(none)'}; source: {meta.source or '(none)'}"


def _table(read: Article, removed: tuple[Removed, ...], cleaned: Article | None = None) -> Iterator[str]:
    by_position: dict[int, list[Removed]] = defaultdict(list)
    loose: list[Removed] = []
    for record in removed:
        (by_position[record.position] if record.position >= 0 else loose).append(record)
    lifted = _lifted_texts(cleaned) if cleaned is not None else {}
    yield "   #  class    rule or features                          text"
    for index, block in enumerate(read.blocks):
        text = _SPACE.sub(" ", block_text(block)).strip()
        records = by_position.get(index, [])
        if cleaned is None:
            yield _row(index, "-", "the dump was rejected (below)", text)
        elif records and all(r.text.strip() for r in records) and _whole(records, text):
            for record in records:
                yield _row(index, "removed", record.rule + _lifted_note(record.text, lifted), record.text)
        elif not text:
            yield _row(index, "neutral", "no text", type(block).__name__.lower())
        else:
            yield _row(index, "kept", _features(block, text), text)
            for record in records:  # part of a kept block: a suffix or prefix the rule cut off
                yield _row(index, "  cut", record.rule + _lifted_note(record.text, lifted), record.text)
    for record in loose:
        yield _row(-1, "removed", record.rule + _lifted_note(record.text, lifted), record.text)


def _whole(records: list[Removed], text: str) -> bool:
    """The records cover the block (not a piece a rule cut off a kept block)."""
    kept = _SPACE.sub("", text)
    for record in records:
        kept = kept.replace(_SPACE.sub("", record.text), "", 1)
    return len(kept) <= max(2, len(_SPACE.sub("", text)) // 10)


def _features(block, text: str) -> str:
    """What the rules weigh in a line: its length, its sentence marks, how much of it is link text."""
    chars = len(text.replace(" ", ""))
    links = sum(len(run.node.text.replace(" ", "")) for run in iter_texts(block) if run.linked)
    share = f", {links / chars:.0%} links" if chars and links else ""
    return f"{chars} chars, {len(_MARKS.findall(text))} marks{share}"


def _lifted_texts(article: Article) -> dict[str, str]:
    out: dict[str, str] = {}
    for record in article.lifted:
        if isinstance(record, Byline):
            out.setdefault(record.name, f"{record.role} {record.name}")
        elif isinstance(record, Dateline):
            out.setdefault(record.text, "dateline")
        elif isinstance(record, TitleCandidate) and not record.inferred:
            out.setdefault(record.text, "title")
    return out


def _lifted_note(text: str, lifted: dict[str, str]) -> str:
    notes = [what for said, what in lifted.items() if said and said in text]
    return f" (lifted: {'; '.join(notes[:2])})" if notes else ""


def _row(index: int, kind: str, why: str, text: str) -> str:
    shown = _SPACE.sub(" ", text).strip()
    if len(shown) > TEXT_SHOWN:
        shown = shown[: TEXT_SHOWN - 1] + "…"
    number = f"{index:4d}" if index >= 0 else "   -"
    return f"{number}  {kind:<8} {why[:40]:<40}  {shown}"
