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
from pathlib import Path

from build_tools.model import (
    Article,
    Block,
    Break,
    Code,
    CodeBlock,
    Emph,
    EntityRef,
    Failure,
    Figure,
    Heading,
    Hint,
    Inline,
    InlineImage,
    Link,
    ListBlock,
    Paragraph,
    Quote,
    Rule,
    Strong,
    Table,
    Text,
    Turn,
)
from build_tools.model.paths import printable_path, relative_path  # noqa: F401 (re-exported)
from build_tools.settings import MAX_DUMP_BYTES
from build_tools.stages.decode import DecodeError, decode_bytes
from build_tools.stages.readers import read

WARNING = "warning"  # Hint.field of a repair the article carries
# Structure deeper than this (quotes in quotes, lists in lists; bold in italics in links) is
# flattened to its text: every later stage walks blocks recursively.
MAX_BLOCK_DEPTH = 24
MAX_INLINE_DEPTH = 12


def ingest(path: Path, display_path: str, max_bytes: int = MAX_DUMP_BYTES) -> Article | Failure:
    display_path = printable_path(display_path)
    data = read_dump(path, display_path, max_bytes)
    if isinstance(data, Failure):
        return data
    digest = hashlib.sha256(data).hexdigest()
    try:
        decoded = decode_bytes(data)
    except DecodeError as error:
        return Failure(display_path, "ingest", str(error))
    if is_data_table(decoded.text):
        return Failure(display_path, "ingest", "not an article: tab-separated data table")
    try:
        document = read(decoded.text)
        blocks = tuple(b for block in document.blocks
                       for b in ((block,) if _within_bounds(block, 0) else _bounded(block, 0)))
    except RecursionError:
        return Failure(display_path, "ingest", "too deeply nested to read (thousands of nested HTML elements)")
    warnings = tuple(Hint(WARNING, message, "decode") for message in decoded.warnings)
    return Article(
        raw_path=display_path,
        sha256=digest,
        text=decoded.text,
        encoding=decoded.encoding,
        format=document.format,
        hints=document.hints + warnings,
        blocks=blocks,
    )


# --- nesting bounds -------------------------------------------------------------


def _bounded(block: Block, depth: int) -> list[Block]:
    """``block`` with quote/list nesting and inline nesting cut to the limits (deeper parts become text)."""
    if isinstance(block, (Quote, ListBlock)) and depth >= MAX_BLOCK_DEPTH:
        return [Paragraph((Text(line),)) for line in _block_lines(block) if line.strip()]
    if isinstance(block, Quote):
        return [Quote(tuple(b for child in block.blocks for b in _bounded(child, depth + 1)))]
    if isinstance(block, ListBlock):
        items = tuple(tuple(b for child in item for b in _bounded(child, depth + 1)) for item in block.items)
        return [ListBlock(block.ordered, items)]
    if isinstance(block, Paragraph):
        return [Paragraph(_inlines(block.inlines))]
    if isinstance(block, Heading):
        return [Heading(block.level, _inlines(block.inlines))]
    if isinstance(block, Turn):
        return [Turn(block.speaker, _inlines(block.inlines), block.is_question)]
    if isinstance(block, Figure):
        return [Figure(block.src, block.alt, _inlines(block.caption))]
    if isinstance(block, Table):
        return [Table(tuple(_inlines(c) for c in block.header),
                      tuple(tuple(_inlines(c) for c in row) for row in block.rows))]
    return [block]


def _within_bounds(block: Block, depth: int) -> bool:
    """Whether ``_bounded(block, depth)`` is ``[block]`` as it is (nothing too deep; tuples throughout).

    Checking is much cheaper than rebuilding every block, and almost every block passes.
    """
    kind = type(block)
    if kind is Paragraph or kind is Heading or kind is Turn:
        return _inlines_within_bounds(block.inlines, 0)
    if kind is Figure:
        return _inlines_within_bounds(block.caption, 0)
    if kind is Quote:
        return (depth < MAX_BLOCK_DEPTH and type(block.blocks) is tuple
                and all(_within_bounds(child, depth + 1) for child in block.blocks))
    if kind is ListBlock:
        return (depth < MAX_BLOCK_DEPTH and type(block.items) is tuple
                and all(type(item) is tuple and all(_within_bounds(child, depth + 1) for child in item)
                        for item in block.items))
    if kind is Table:
        return (type(block.header) is tuple and all(_inlines_within_bounds(c, 0) for c in block.header)
                and type(block.rows) is tuple
                and all(type(row) is tuple and all(_inlines_within_bounds(c, 0) for c in row) for row in block.rows))
    return kind is CodeBlock or kind is Rule


def _inlines_within_bounds(inlines: tuple[Inline, ...], depth: int) -> bool:
    """Whether ``_inlines(inlines, depth)`` equals ``inlines``."""
    if type(inlines) is not tuple:
        return False
    for node in inlines:
        kind = type(node)
        if kind is Text:
            continue
        if kind is Strong or kind is Emph or kind is Link or kind is EntityRef:
            if depth >= MAX_INLINE_DEPTH or not _inlines_within_bounds(node.children, depth + 1):
                return False
        elif kind is not Code and kind is not Break and kind is not InlineImage:
            return False
    return True


def _inlines(inlines: tuple[Inline, ...], depth: int = 0) -> tuple[Inline, ...]:
    out: list[Inline] = []
    for node in inlines:
        if isinstance(node, (Strong, Emph, Link, EntityRef)):
            if depth >= MAX_INLINE_DEPTH:
                out.append(Text(_inline_text(node)))
            else:
                out.append(type(node)(**{**node.__dict__, "children": _inlines(node.children, depth + 1)}))
        else:
            out.append(node)
    return tuple(out)


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
        elif isinstance(current, (Strong, Emph, Link, EntityRef)):
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


def is_data_table(text: str) -> bool:
    """A spreadsheet export (TSV): most lines carry several tabs."""
    lines = [line for line in text.split("\n", 200)[:200] if line.strip()]
    tabbed = sum(1 for line in lines if line.count("\t") >= 3)
    return len(lines) >= 3 and tabbed >= 0.8 * len(lines)


def read_dump(path: Path, display_path: str, max_bytes: int = MAX_DUMP_BYTES) -> bytes | Failure:
    """The dump's bytes, or why they were not read."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        if not hasattr(os, "O_NOFOLLOW") and path.is_symlink():
            raise OSError(errno.ELOOP, "symbolic link")
        fd = os.open(path, flags)
    except OSError as error:
        if error.errno == errno.ELOOP:
            return Failure(display_path, "ingest", "symbolic link, not a regular file (links are never followed)")
        return Failure(display_path, "ingest", f"cannot read file: {error.strerror or error}")
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            return Failure(display_path, "ingest", "not a regular file")
        if info.st_size > max_bytes:
            return Failure(display_path, "ingest", _too_large(info.st_size, max_bytes))
        try:
            data = handle.read(max_bytes + 1)
        except OSError as error:
            return Failure(display_path, "ingest", f"cannot read file: {error.strerror or error}")
    if len(data) > max_bytes:
        return Failure(display_path, "ingest", _too_large(len(data), max_bytes, growing=True))
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
