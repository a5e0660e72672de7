"""Read one dump: size limit, bytes, encoding, format → an Article with blocks and hints.

A dump is read only if it is a regular file (never through a symbolic link:
a link in raw/ could publish any file the build can read) and no larger than
``max_bytes`` — checked on the open file before a byte is read, and again
while reading, so a file that grows meanwhile is still bounded.

Repairs the decoder made (a truncated last character, mixed encodings, a few
undecodable bytes) travel with the article as ``Hint("warning", …)``.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from dataclasses import replace
from pathlib import Path

from build_tools.config.rules import Rules, load_rules
from build_tools.model import (
    Article,
    Block,
    Break,
    Code,
    Failure,
    Figure,
    Heading,
    Hint,
    Inline,
    ListBlock,
    Paragraph,
    Quote,
    Table,
    Text,
    Turn,
    web_url,
)
from build_tools.model.errors import DumpError
from build_tools.model.paths import RawPath, printable_path
from build_tools.model.walk import CONTAINERS, map_blocks, map_inlines
from build_tools.settings import MAX_DUMP_BYTES
from build_tools.stages.decode import DecodeError, decode_bytes
from build_tools.stages.readers import read

WARNING = "warning"  # Hint.field of a repair the article carries
# Structure deeper than this (quotes in quotes, lists in lists; bold in italics in links) is
# flattened to its text: every later stage walks blocks recursively.
MAX_BLOCK_DEPTH = 24
MAX_INLINE_DEPTH = 12
# Every line costs the stages 15-30 microseconds however short it is, every element of a page about 100, so
# 5 MB of one-character lines (2.5 million) took a minute and 1 MB of "<p>a</p>" 16 s.  The largest real page
# in the corpora has 8,700 lines and 8,500 tags, 5 MB of prose about 25,000 lines; a dump with more than
# these limits is not an article and is refused before it is read.
MAX_LINES = 60_000
MAX_TAGS = 100_000


def ingest(path: Path, raw_path: RawPath | str, max_bytes: int = MAX_DUMP_BYTES) -> Article | Failure:
    """The dump at ``path``, whose identity is ``raw_path`` (its path inside raw/), read into an Article."""
    raw_path = RawPath(printable_path(raw_path))
    data = read_dump(path, raw_path, max_bytes)
    if isinstance(data, Failure):
        return data
    digest = hashlib.sha256(data).hexdigest()
    try:
        decoded = decode_bytes(data)
    except DecodeError as error:
        return Failure(raw_path, "ingest", str(error))
    if is_data_table(decoded.text):
        return Failure(raw_path, "ingest", "not an article: tab-separated data table")
    too_many = too_many_parts(decoded.text)
    if too_many:
        return Failure(raw_path, "ingest", too_many)
    try:
        document = read(decoded.text)
        blocks = bounded(document.blocks)
    except RecursionError:
        return Failure(raw_path, "ingest", "too deeply nested to read (thousands of nested HTML elements)")
    except DumpError as error:  # a reader's refusal with its reason (Markdown that is mostly markup)
        return Failure(raw_path, "ingest", str(error))
    warnings = tuple(Hint(WARNING, message, "decode") for message in decoded.warnings)
    return Article(
        raw_path=raw_path,
        sha256=digest,
        text=decoded.text,
        encoding=decoded.encoding,
        format=document.format,
        hints=document.hints + warnings,
        portals=portals_of(decoded.text, document.hints, load_rules()),
        blocks=blocks,
        page=document.page,
    )


def portals_of(text: str, hints: tuple[Hint, ...], rules: Rules) -> tuple[str, ...]:
    """The portals a dump comes from (names, most specific first): by the host of its first web
    address, or by a portal's marker in its first 3,000 characters.  Detected once, here."""
    url = next((found for found in (web_url(h.value) for h in hints if h.field == "url") if found), None)
    return tuple(p.name for p in rules.portals_for(url, text[:3000]))


# --- nesting bounds -------------------------------------------------------------


def bounded(blocks: tuple[Block, ...]) -> tuple[Block, ...]:
    """``blocks`` with quote/list nesting and inline nesting cut to the limits (deeper parts become text).

    Top-down, so a too-deep subtree is never entered; blocks within the limits come back as they are.
    """
    def cut(block: Block, depth: int) -> list[Block] | None:
        if isinstance(block, (Quote, ListBlock)) and depth >= MAX_BLOCK_DEPTH:
            return [Paragraph((Text(line),)) for line in _block_lines(block) if line.strip()]
        return None

    return tuple(map_inlines(block, _bounded_inlines) for block in map_blocks(blocks, cut))


def _bounded_inlines(inlines: tuple[Inline, ...], depth: int = 0) -> tuple[Inline, ...]:
    out: list[Inline] = []
    changed = type(inlines) is not tuple
    for node in inlines:
        if isinstance(node, CONTAINERS):
            if depth >= MAX_INLINE_DEPTH:
                node = Text(_inline_text(node))
                changed = True
            else:
                children = _bounded_inlines(node.children, depth + 1)
                if children is not node.children:
                    node = replace(node, children=children)
                    changed = True
        out.append(node)
    return tuple(out) if changed else inlines


def _inline_text(node: Inline) -> str:
    """Visible text of an inline node, without recursion (it may be nested thousands deep)."""
    parts: list[str] = []
    stack: list[Inline] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, (Text, Code)):
            parts.append(current.text)
        elif isinstance(current, Break):
            parts.append(" ")
        elif isinstance(current, CONTAINERS):
            stack.extend(reversed(current.children))
    return "".join(parts)


def _block_lines(block: Block) -> list[str]:
    """Visible text of a block, one entry per leaf block, without recursion."""
    lines: list[str] = []
    stack: list[Block] = [block]
    while stack:
        current = stack.pop()
        if isinstance(current, Quote):
            stack.extend(reversed(current.blocks))
        elif isinstance(current, ListBlock):
            stack.extend(reversed([b for item in current.items for b in item]))
        elif isinstance(current, (Paragraph, Heading, Turn)):
            lines.append("".join(_inline_text(n) for n in current.inlines))
        elif isinstance(current, Figure):
            lines.append("".join(_inline_text(n) for n in current.caption))
        elif isinstance(current, Table):
            cells = list(current.header) + [c for row in current.rows for c in row]
            lines.append(" ".join("".join(_inline_text(n) for n in c) for c in cells))
        elif hasattr(current, "text"):
            lines.append(current.text)
    return lines


def too_many_parts(text: str) -> str | None:
    """Why a text has too many lines or tags to be read as an article, or None."""
    for count, what, limit in ((text.count("\n") + 1, "lines", MAX_LINES), (text.count("<"), "tags", MAX_TAGS)):
        if count > limit:
            return f"not an article: {count:,} {what} (limit {limit:,}; a long article has a few thousand)"
    return None


def is_data_table(text: str) -> bool:
    """A spreadsheet export (TSV): most lines carry several tabs."""
    lines = [line for line in text.split("\n", 200)[:200] if line.strip()]
    tabbed = sum(1 for line in lines if line.count("\t") >= 3)
    return len(lines) >= 3 and tabbed >= 0.8 * len(lines)


def read_dump(path: Path, raw_path: str, max_bytes: int = MAX_DUMP_BYTES) -> bytes | Failure:
    """The dump's bytes, or why they were not read."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        if not hasattr(os, "O_NOFOLLOW") and path.is_symlink():
            raise OSError(errno.ELOOP, "symbolic link")
        fd = os.open(path, flags)
    except OSError as error:
        if error.errno == errno.ELOOP:
            return Failure(raw_path, "ingest", "symbolic link, not a regular file (links are never followed)")
        return Failure(raw_path, "ingest", f"cannot read file: {error.strerror or error}")
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            return Failure(raw_path, "ingest", "not a regular file")
        if info.st_size > max_bytes:
            return Failure(raw_path, "ingest", _too_large(info.st_size, max_bytes))
        try:
            data = handle.read(max_bytes + 1)
        except OSError as error:
            return Failure(raw_path, "ingest", f"cannot read file: {error.strerror or error}")
    if len(data) > max_bytes:
        return Failure(raw_path, "ingest", _too_large(len(data), max_bytes, growing=True))
    return data


def _too_large(size: int, limit: int, growing: bool = False) -> str:
    if growing:
        return f"too large: grew past the limit of {_bytes(limit)} while being read (settings.MAX_DUMP_BYTES)"
    return f"too large: {_bytes(size)}, over the limit of {_bytes(limit)} (settings.MAX_DUMP_BYTES)"


def _bytes(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n} bytes"
