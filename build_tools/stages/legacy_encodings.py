"""GB18030 or Big5: which of the two legacy Chinese encodings a dump, or one line of it, is in."""

from __future__ import annotations

import contextlib
import re
from functools import lru_cache

from charset_normalizer import from_bytes

# charset-normalizer guesses among many code pages; a Chinese archive only ever
# sees these, and a wrong single-byte guess silently produces mojibake.
CANDIDATES = ("utf_8", "gb18030", "big5", "utf_16", "big5hkscs", "cp950", "gbk")
SAMPLE = 200_000


def guess_encoding(data: bytes) -> str | None:
    """The one supported encoding the dump is in, judged on a sample that ends between characters."""
    sample = data[:SAMPLE]
    if len(data) > SAMPLE:
        # "\n" is never the second byte of a GB18030 or Big5 character: cut the sample after one.
        newline = sample.rfind(b"\n")
        sample = sample[: newline + 1] if newline > SAMPLE // 2 else sample
    for cut in (0, 1, 2, 3):
        # A file cut off in the middle of its last character fails every strict decode: retry without it.
        best = from_bytes(sample[: len(sample) - cut], cp_isolation=list(CANDIDATES)).best()
        if best is not None:
            return best.encoding
        if len(data) > SAMPLE and sample.endswith(b"\n"):
            break
    return _by_common_characters(sample)


# charset_normalizer gives up on some real dumps (short ones, or ones mixing scripts and symbols) that
# decode cleanly as exactly one of these; decoded in the wrong one, Chinese comes out as rare characters.
HAN_ENCODINGS = ("gb18030", "big5")
MIN_COMMON_SHARE = 0.9


def _by_common_characters(sample: bytes) -> str | None:
    """The Chinese encoding under which the sample decodes strictly into mostly common characters."""
    scores = []
    for encoding in HAN_ENCODINGS:
        for cut in (0, 1, 2, 3):
            try:
                text = sample[: len(sample) - cut].decode(encoding)
            except UnicodeDecodeError:
                continue
            han = _HAN_CHAR.findall(text)
            if han:
                common = _common_han()
                scores.append((sum(c in common for c in han) / len(han), encoding))
            break
    if not scores:
        return None
    share, encoding = max(scores)
    return encoding if share >= MIN_COMMON_SHARE else None


_HAN_CHAR = re.compile(r"[\u3400-\u9fff]")


@lru_cache(maxsize=1)
def _common_han() -> frozenset[str]:
    """GB2312 level 1 (the 3,755 most common simplified characters) and Big5's 5,401 frequent characters."""
    chars: set[str] = set()
    ranges = ((range(0xB0, 0xD8), range(0xA1, 0xFF), "gb2312"),
              (range(0xA4, 0xC7), [*range(0x40, 0x7F), *range(0xA1, 0xFF)], "big5"))
    for leads, trails, encoding in ranges:
        for lead in leads:
            for trail in trails:
                with contextlib.suppress(UnicodeDecodeError):
                    chars.add(bytes((lead, trail)).decode(encoding))
    return frozenset(chars)




# --- one line of a UTF-8 dump that is not UTF-8 -------------------------------------------


def legacy_line(line: bytes) -> tuple[str, str] | None:
    """One line in GB18030 or Big5, or a UTF-8 start and a GB18030/Big5 rest (text pasted into a line)."""
    whole = _legacy(line)
    if whole is not None:
        return whole
    try:
        line.decode("utf_8")
    except UnicodeDecodeError as error:
        start = error.start
    # The legacy part may begin up to a few characters before UTF-8 failed: its first bytes can
    # happen to be valid UTF-8 too.
    for split in range(start, max(0, start - 8) - 1, -1):
        try:
            head = line[:split].decode("utf_8")
        except UnicodeDecodeError:
            continue
        tail = _legacy(line[split:])
        if tail is not None and any(ord(ch) > 0x7F for ch in head):
            return head + tail[0], tail[1]
    return None


def _legacy(line: bytes) -> tuple[str, str] | None:
    """``line`` in GB18030 or Big5, if it decodes cleanly to plausible Chinese text."""
    for encoding in ("gb18030", "big5"):
        try:
            text = line.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _plausible_chinese(text):
            return text, encoding
    return None


def _plausible_chinese(text: str) -> bool:
    wide = [ch for ch in text if ord(ch) > 0x7F]
    if not wide:
        return False
    good = sum(1 for ch in wide if _is_cjk(ch))
    return good >= 0.9 * len(wide)


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return (
        0x4E00 <= code <= 0x9FFF  # unified ideographs
        or 0x3000 <= code <= 0x303F  # CJK punctuation
        or 0xFF00 <= code <= 0xFFEF  # full-width forms
        or 0x2010 <= code <= 0x2027  # dashes, quotes, ellipsis
        or code in (0x00B7, 0x00D7)
    )
