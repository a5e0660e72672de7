"""Bytes → text: BOMs, UTF-8, GB18030, Big5 and UTF-16, or a reason why not.

Every dump is hostile until decoded.  The policy (docs/dev/hostile-inputs.md):

* empty or whitespace-only files, binary files (known signatures, NUL bytes,
  control characters) and bytes that are text in no supported encoding are
  rejected with a one-line reason (:class:`DecodeError`);
* three kinds of damage are repaired, and each repair is reported as a
  warning (:attr:`Decoded.warnings`): a multibyte character cut off at the
  end of the file is dropped; a UTF-8 file with some lines saved in GB18030
  or Big5 (mixed encodings) is decoded line by line; a few undecodable byte
  sequences (at most ``max(10, 1% of the characters)``) become U+FFFD;
* more damage than that is rejected, with the line where it starts.

The text that comes out has LF line ends, no BOM, no control characters
other than tab and newline, and no run of more than ``MAX_SPACE_RUN``
horizontal spaces (long runs made later regex passes quadratic).
"""

from __future__ import annotations

import codecs
import re
import threading
from dataclasses import dataclass

from build_tools.model.errors import DumpError
from build_tools.stages.legacy_encodings import SAMPLE, guess_encoding, legacy_line

BOMS = (
    (codecs.BOM_UTF8, "utf_8_sig"),
    (codecs.BOM_UTF16_LE, "utf_16"),
    (codecs.BOM_UTF16_BE, "utf_16"),
)
SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"%PDF-", "PDF document"),
    (b"PK\x03\x04", "ZIP archive, DOCX, XLSX or EPUB"),
    (b"PK\x05\x06", "ZIP archive"),
    (b"\x1f\x8b", "gzip archive"),
    (b"\xfd7zXZ\x00", "xz archive"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (b"Rar!\x1a\x07", "RAR archive"),
    (b"\x7fELF", "executable"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Microsoft Office document"),
    (b"SQLite format 3\x00", "SQLite database"),
    (b"wOFF", "web font"),
    (b"wOF2", "web font"),
    (b"OggS", "Ogg media"),
    (b"\x1aE\xdf\xa3", "Matroska/WebM video"),
)
MIN_INVALID_TOLERATED = 10
INVALID_FRACTION = 100  # at most 1 undecodable sequence per this many characters
MAX_SPACE_RUN = 64

# Valid UTF-8 sequences of three or four bytes: Chinese text in UTF-8 is made of them,
# GB18030 and Big5 text only forms one by chance (about 2% of characters).
_UTF8_WIDE = re.compile(
    rb"\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]"
    rb"|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
_SPACE_RUN = re.compile(rf"[^\S\n]{{{MAX_SPACE_RUN + 1},}}")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # Unicode category Cc, minus tab and newline
_BLANK = " \t\n\r\x0b\x0c\u00a0\u3000\u200b\u200c\u200d\u2060\ufeff"


class DecodeError(DumpError):
    pass


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    warnings: tuple[str, ...] = ()


def decode(data: bytes) -> tuple[str, str]:
    """Return (text, encoding). Raises DecodeError with a reader-facing reason."""
    result = decode_bytes(data)
    return result.text, result.encoding


def decode_bytes(data: bytes) -> Decoded:
    """Decode a dump, repairing what can be repaired losslessly; see the module docstring."""
    if not data:
        raise DecodeError("empty file (0 bytes)")
    if not data.strip():
        raise DecodeError(f"empty file: only whitespace ({len(data)} bytes)")
    kind = _signature(data)
    if kind:
        raise DecodeError(f"binary file ({kind}), not text")
    warnings: list[str] = []
    for bom, encoding in BOMS:
        if data.startswith(bom):
            if encoding == "utf_16":
                text = _strict_or_counted(data, "utf_16", warnings)
            else:
                text = _utf8(data[len(bom):], warnings)
                if text is None:
                    text = _strict_or_counted(data[len(bom):], "utf_8", warnings)
            return _finish(text, encoding, warnings)
    if b"\x00" in data[:SAMPLE]:
        utf16 = _utf16_without_bom(data)
        if utf16 is None:
            raise DecodeError("binary file (contains NUL bytes), not text")
        return _finish(_strict_or_counted(data, utf16, warnings), utf16, warnings)
    text = _utf8(data, warnings)
    if text is not None:
        return _finish(text, "utf_8", warnings)
    encoding = guess_encoding(data)
    if encoding is None:
        raise DecodeError("not text in any supported encoding (UTF-8, GB18030, Big5, UTF-16)")
    return _finish(_strict_or_counted(data, encoding, warnings), encoding, warnings)


def _signature(data: bytes) -> str | None:
    """The kind of binary file ``data`` starts like, if any.

    A signature made of printable ASCII ("%PDF-", "GIF89a", "OggS"…) could start a text
    file too, so it counts only with binary bytes (NUL, or not UTF-8) right behind it.
    """
    for signature, kind in SIGNATURES:
        if data.startswith(signature):
            if not (signature.isascii() and signature.decode("ascii").isprintable()):
                return kind
            head = data[:8192]
            if b"\x00" in head or _count_invalid(head[: _utf8_boundary(head)], "utf_8"):
                return kind
    return None


def _utf8_boundary(data: bytes) -> int:
    """Length of ``data`` without a UTF-8 character cut off at its end."""
    return len(data) - _incomplete_tail(data)


# --- UTF-8, whole or damaged ------------------------------------------------


def _utf8(data: bytes, warnings: list[str]) -> str | None:
    """The text if the dump is UTF-8 (possibly truncated, damaged or mixed), None if it is some other encoding."""
    try:
        return data.decode("utf_8")
    except UnicodeDecodeError:
        pass
    cut = _incomplete_tail(data)
    if cut:
        try:
            text = data[:-cut].decode("utf_8")
        except UnicodeDecodeError:
            pass
        else:
            warnings.append(_truncated(cut))
            return text
    wide = (len(data) - len(_UTF8_WIDE.sub(b"", data))) // 3
    invalid = _count_invalid(data, "utf_8")
    if wide * 4 < invalid:
        return None  # mostly not UTF-8: a legacy encoding, decided by the caller
    return _utf8_by_line(data, warnings)


def _utf8_by_line(data: bytes, warnings: list[str]) -> str:
    """A UTF-8 dump with some lines in another encoding or with broken bytes, decoded line by line."""
    lines = data.split(b"\n")
    out: list[str] = []
    foreign: dict[str, int] = {}
    invalid = 0
    first_bad = 0
    for number, line in enumerate(lines, 1):
        if number == len(lines) and _incomplete_tail(line):
            cut = _incomplete_tail(line)
            try:
                out.append(line[:-cut].decode("utf_8"))
                warnings.append(_truncated(cut))
                continue
            except UnicodeDecodeError:
                pass
        try:
            out.append(line.decode("utf_8"))
            continue
        except UnicodeDecodeError:
            pass
        decoded = legacy_line(line)
        if decoded is not None:
            text, encoding = decoded
            foreign[encoding] = foreign.get(encoding, 0) + 1
            out.append(text)
            continue
        text = line.decode("utf_8", errors="replace")
        invalid += _count_invalid(line, "utf_8")
        first_bad = first_bad or number
        out.append(text)
    text = "\n".join(out)
    if invalid > _tolerated(text):
        raise DecodeError(
            f"invalid UTF-8: {invalid} byte sequences cannot be decoded (first on line {first_bad}); "
            "the file is damaged or mixes encodings"
        )
    if foreign:
        kinds = " and ".join(f"{n} in {name}" for name, n in sorted(foreign.items()))
        warnings.append(f"mixed encodings: UTF-8 with {kinds} of {len(lines)} lines, decoded line by line")
    if invalid:
        warnings.append(_replaced(invalid, "UTF-8", first_bad))
    return text


def _incomplete_tail(data: bytes) -> int:
    """Length of a UTF-8 character cut off at the very end of ``data`` (0 if none)."""
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if 0x80 <= byte <= 0xBF:
            continue  # a continuation byte: keep looking for the lead byte
        need = 2 if 0xC2 <= byte <= 0xDF else 3 if 0xE0 <= byte <= 0xEF else 4 if 0xF0 <= byte <= 0xF4 else 0
        return back if need > back else 0
    return 0


def _utf16_without_bom(data: bytes) -> str | None:
    sample = data[:SAMPLE]
    half = len(sample) // 4
    if sample[1::2].count(0) > half and sample[1::2].count(0) > 4 * sample[0::2].count(0):
        return "utf_16_le"
    if sample[0::2].count(0) > half and sample[0::2].count(0) > 4 * sample[1::2].count(0):
        return "utf_16_be"
    return None


def _strict_or_counted(data: bytes, encoding: str, warnings: list[str]) -> str:
    """Decode strictly; otherwise drop a character cut off at the end, or replace a tolerable number of bad bytes."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        first = error.start
    for cut in (1, 2, 3):
        if len(data) - cut <= first:
            try:
                text = data[:-cut].decode(encoding)
            except UnicodeDecodeError:
                continue
            warnings.append(_truncated(cut))
            return text
    text = data.decode(encoding, errors="replace")
    invalid = _count_invalid(data, encoding)
    line = data.count(b"\n", 0, first) + 1 if not encoding.startswith("utf_16") else 0
    if invalid > _tolerated(text):
        where = f" (first on line {line})" if line else ""
        raise DecodeError(f"undecodable bytes: {invalid} invalid sequences as {encoding}{where}")
    warnings.append(_replaced(invalid, encoding, line))
    return text


_counter = threading.local()


def _count_error(error: UnicodeError) -> tuple[str, int]:
    _counter.value += 1
    return "", error.end  # type: ignore[attr-defined]


codecs.register_error("cn-archive-count", _count_error)


_REPLACEMENT_UTF8 = "\ufffd".encode("utf_8")


def _count_invalid(data: bytes, encoding: str) -> int:
    """How many undecodable sequences ``data`` holds in ``encoding`` (what errors="replace" would replace)."""
    if encoding == "utf_8":
        # errors="replace" puts one U+FFFD per undecodable sequence, over the same byte ranges an
        # error handler is called for; the U+FFFD characters the text itself holds are the byte
        # sequences EF BF BD (no invalid sequence can swallow their lead byte EF).
        return data.decode("utf_8", errors="replace").count("\ufffd") - data.count(_REPLACEMENT_UTF8)
    _counter.value = 0
    data.decode(encoding, errors="cn-archive-count")
    return _counter.value


def _tolerated(text: str) -> int:
    return max(MIN_INVALID_TOLERATED, len(text) // INVALID_FRACTION)


def _truncated(cut: int) -> str:
    return f"truncated file: an incomplete {cut}-byte character at the end was dropped"


def _replaced(invalid: int, encoding: str, line: int) -> str:
    where = f" (first on line {line})" if line else ""
    return f"{invalid} undecodable byte sequences in {encoding} shown as U+FFFD{where}"


# --- the text itself ----------------------------------------------------------


def _finish(text: str, encoding: str, warnings: list[str]) -> Decoded:
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    head = text[:20_000]
    if len(_CONTROL.findall(head)) > max(10, len(head) // 100):
        raise DecodeError("binary file (control characters), not text")
    # Stray control characters would break YAML and Markdown later on.
    if len(text) > len(head) or _CONTROL.search(head):  # (a text that is all head was just searched)
        text = _CONTROL.sub("", text)
    text = _SPACE_RUN.sub(lambda m: m.group()[:MAX_SPACE_RUN], text)
    if not text.strip(_BLANK):
        raise DecodeError("empty file: only whitespace" + (" and a byte-order mark" if encoding in (
            "utf_8_sig", "utf_16") else ""))
    return Decoded(text, encoding, tuple(warnings))
