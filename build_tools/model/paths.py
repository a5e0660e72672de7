"""A dump's identity is its path relative to raw/; how a path is shown is presentation only.

:data:`RawPath` is what every stage, cache key and correction lookup uses.  How the report,
the warnings and a page's ``raw:`` field show it (``raw/x.txt`` when the build runs from the
project folder) is :class:`PathDisplay`'s business, decided once per build.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import NewType

from build_tools.model import Slug

# A dump's path inside raw/: POSIX separators, printable (see printable_path).  Never depends on
# where the build runs.
RawPath = NewType("RawPath", str)


def relative_path(path: Path, raw_dir: Path) -> str:
    """``path`` inside raw/, as a POSIX string (all paths here were made as ``raw_dir / relative``).

    The file system's form: a name that is not UTF-8 keeps its lone surrogates (slugs and the
    corrections file are matched against this form)."""
    whole, base = str(path), str(raw_dir)
    if base == ".":
        return whole
    if whole.startswith(base + os.sep):
        return whole[len(base) + 1:].replace(os.sep, "/")
    return path.relative_to(raw_dir).as_posix()


@dataclass(frozen=True)
class PathDisplay:
    """How dumps are named to the editor: ``raw/x.txt`` as the editor typed ``--raw``, relative to
    where the build runs when raw/ lies there (never resolved: a symlink keeps its own name)."""

    prefix: str  # the raw folder as shown; "." when it is the working directory itself

    @classmethod
    def for_raw_dir(cls, raw_dir: Path) -> PathDisplay:
        try:
            shown = raw_dir.absolute().relative_to(Path.cwd().absolute()).as_posix()
        except ValueError:
            shown = raw_dir.as_posix()
        return cls(printable_path(shown))

    def __call__(self, raw_path: str) -> str:
        return raw_path if self.prefix == "." else f"{self.prefix}/{raw_path}"

    def inside(self, shown: str) -> str | None:
        """The path inside raw/ that ``shown`` names (the inverse of calling this), or None when it names none."""
        if self.prefix == ".":
            return shown
        head = self.prefix + "/"
        return shown[len(head):] if shown.startswith(head) and len(shown) > len(head) else None


def printable_path(path: str) -> str:
    """A file name that prints on one line and encodes as UTF-8 everywhere.

    Bytes that are not UTF-8 (decoded by Python as lone surrogates) become ``\\xNN``;
    control characters, line and paragraph separators and bidirectional overrides
    become ``\\n``, ``\\t``, ``\\xNN`` or ``\\uNNNN``.  Ordinary names — spaces,
    Chinese characters, a leading dash — are left alone.  Character by character, so
    the printable form of ``a/b`` is that of ``a``, a slash, and that of ``b``.
    """
    if path.isprintable() and path.isascii():
        return path
    out = []
    for ch in path:
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:
            out.append(f"\\x{code - 0xDC00:02x}")
        elif 0xD800 <= code <= 0xDFFF:
            out.append(f"\\u{code:04x}")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif unicodedata.category(ch) in ("Cc", "Zl", "Zp") or 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069:
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


@dataclass(frozen=True)
class Dump:
    """One file found under raw/: where it is, who it is, and the slug it publishes under."""

    path: Path  # on disk (raw_dir / relative)
    relative: str  # inside raw/, the file system's form (corrections are looked up by it)
    raw_path: RawPath  # its identity
    slug: Slug  # assigned once over the whole archive, before any stage runs
