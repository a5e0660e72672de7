"""A dump's identity is its path relative to raw/; how a path is shown is presentation only."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path


def relative_path(path: Path, raw_dir: Path) -> str:
    """``path`` inside raw/, as a POSIX string (all paths here were made as ``raw_dir / relative``)."""
    whole, base = str(path), str(raw_dir)
    if base == ".":
        return whole
    if whole.startswith(base + os.sep):
        return whole[len(base) + 1:].replace(os.sep, "/")
    return path.relative_to(raw_dir).as_posix()


def printable_path(path: str) -> str:
    """A file name that prints on one line and encodes as UTF-8 everywhere.

    Bytes that are not UTF-8 (decoded by Python as lone surrogates) become ``\\xNN``;
    control characters, line and paragraph separators and bidirectional overrides
    become ``\\n``, ``\\t``, ``\\xNN`` or ``\\uNNNN``.  Ordinary names — spaces,
    Chinese characters, a leading dash — are left alone.
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
