"""Bytes → text: BOMs, UTF-8, GB18030, Big5 and UTF-16, or a reason why not."""

from __future__ import annotations

import codecs
import unicodedata

from charset_normalizer import from_bytes

# charset-normalizer guesses among many code pages; a Chinese archive only ever
# sees these, and a wrong single-byte guess silently produces mojibake.
CANDIDATES = ("utf_8", "gb18030", "big5", "utf_16", "big5hkscs", "cp950", "gbk")
BOMS = (
    (codecs.BOM_UTF8, "utf_8_sig"),
    (codecs.BOM_UTF16_LE, "utf_16"),
    (codecs.BOM_UTF16_BE, "utf_16"),
)


class DecodeError(ValueError):
    pass


def decode(data: bytes) -> tuple[str, str]:
    """Return (text, encoding). Raises DecodeError with a reader-facing reason."""
    if not data.strip():
        raise DecodeError("empty file")
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return _finish(data.decode(encoding, errors="replace"), encoding)
    if b"\x00" in data[:4096] and not _looks_utf16(data):
        raise DecodeError("binary file (NUL bytes), not text")
    try:
        return _finish(data.decode("utf_8"), "utf_8")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data[:200_000], cp_isolation=list(CANDIDATES)).best()
    if best is None:
        raise DecodeError("not text in any supported encoding (UTF-8, GB18030, Big5, UTF-16)")
    encoding = best.encoding
    text = data.decode(encoding, errors="replace")
    bad = text.count("\ufffd")
    if bad > max(20, len(text) // 50):
        raise DecodeError(f"undecodable bytes: {bad} invalid sequences as {encoding}")
    return _finish(text, encoding)


def _looks_utf16(data: bytes) -> bool:
    sample = data[:4096]
    return sample[1::2].count(0) > len(sample) // 4 or sample[0::2].count(0) > len(sample) // 4


def _finish(text: str, encoding: str) -> tuple[str, str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    controls = sum(1 for ch in text[:20_000] if unicodedata.category(ch) == "Cc" and ch not in "\n\t")
    if controls > max(10, len(text[:20_000]) // 100):
        raise DecodeError("binary file (control characters), not text")
    # Stray control characters would break YAML and Markdown later on.
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")
    return text, encoding
