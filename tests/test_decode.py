"""Bytes → text (build_tools/decode.py): every encoding a Chinese archive meets, or a reason why not."""

from __future__ import annotations

import codecs
import hashlib

import pytest

from build_tools.model import Article, Failure
from build_tools.stages.decode import DecodeError, decode
from build_tools.stages.ingest import ingest

HANS = (
    "英伟达首席执行官黄仁勋回应了市场对推理模型的恐慌。他强调，尽管人们担心需求可能会下降，"
    "但人工智能仍将继续依赖英伟达的芯片。在接受合作伙伴采访时，黄仁勋表示，市场对此的反应是基于误解。"
)
HANT = (
    "英偉達市值蒸發創紀錄，黃仁勳表示市場對這個模型的反應存在誤解。他強調，儘管人們擔心需求可能會下降，"
    "但人工智慧仍將繼續依賴輝達的晶片。這讓每個人都注意到，模型的效率遠超我們的想像。"
)
MIXED = "DeepSeek-R1 发布后，Nvidia 股价下跌 17%（约 6000 亿美元）——“市场理解完全反了”。"

DECODES = [
    # (id, bytes, expected text, acceptable encodings)
    ("utf-8", HANS.encode("utf-8"), HANS, {"utf_8"}),
    ("utf-8 mixed scripts", MIXED.encode("utf-8"), MIXED, {"utf_8"}),
    ("utf-8 with BOM", codecs.BOM_UTF8 + HANS.encode("utf-8"), HANS, {"utf_8_sig"}),
    ("gb18030", HANS.encode("gb18030"), HANS, {"gb18030", "gbk"}),
    ("gb18030 short title", "黄仁勋首次回应DeepSeek冲击波".encode("gb18030"), "黄仁勋首次回应DeepSeek冲击波",
     {"gb18030", "gbk"}),
    ("big5 traditional", HANT.encode("big5"), HANT, {"big5", "cp950", "big5hkscs"}),
    ("utf-16-le with BOM", codecs.BOM_UTF16_LE + HANS.encode("utf-16-le"), HANS, {"utf_16"}),
    ("utf-16-be with BOM", codecs.BOM_UTF16_BE + HANS.encode("utf-16-be"), HANS, {"utf_16"}),
    ("utf-16 with BOM, mixed", MIXED.encode("utf-16"), MIXED, {"utf_16"}),
]


@pytest.mark.parametrize(("data", "text", "encodings"), [pytest.param(*row[1:], id=row[0]) for row in DECODES])
def test_decodes(data, text, encodings):
    got, encoding = decode(data)
    assert got == text
    assert encoding in encodings


@pytest.mark.parametrize(
    ("data", "text"),
    [
        pytest.param("第一行\r\n第二行\r第三行".encode(), "第一行\n第二行\n第三行", id="CRLF and CR become LF"),
        pytest.param(codecs.BOM_UTF8 * 2 + "正文".encode(), "正文", id="doubled BOM stripped"),
        pytest.param("标题\x07\x1b正文\t缩进".encode(), "标题正文\t缩进", id="stray control characters dropped"),
    ],
)
def test_normalises_text(data, text):
    assert decode(data)[0] == text


REJECTS = [
    # bytes, words the reason must contain
    pytest.param(b"", "empty", id="empty"),
    pytest.param(b" \n\t\r\n  \n", "empty", id="whitespace only"),
    pytest.param(codecs.BOM_UTF8 + b"\n \n", "empty", id="utf-8 BOM then blanks"),
    pytest.param("\n \n".encode("utf-16"), "empty", id="utf-16 BOM then blanks"),
    pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8, "binary", id="png"),
    pytest.param(b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)) * 8, "binary", id="zip"),
    pytest.param(bytes(range(1, 32)) * 64, "binary", id="control bytes"),
]


@pytest.mark.parametrize(("data", "reason"), REJECTS)
def test_rejects_with_reason(data, reason):
    with pytest.raises(DecodeError, match=reason):
        decode(data)


def test_decode_error_is_the_projects_own_error():
    """A decode problem is the dump's, never a crash: a BuildError, which ingest turns into a Failure."""
    from build_tools.model.errors import BuildError, DumpError

    assert issubclass(DecodeError, DumpError) and issubclass(DecodeError, BuildError)


@pytest.mark.parametrize(
    ("data", "stage_reason"),
    [
        pytest.param(b"", "empty file", id="empty"),
        pytest.param(b"\x00\x01\x02\x03" * 500, "binary", id="binary"),
    ],
)
def test_ingest_turns_decode_errors_into_failures(tmp_path, data, stage_reason):
    path = tmp_path / "dump.txt"
    path.write_bytes(data)
    result = ingest(path, "raw/dump.txt")
    assert isinstance(result, Failure)
    assert (result.raw_path, result.stage) == ("raw/dump.txt", "ingest")
    assert stage_reason in result.reason
    assert result.line().startswith("raw/dump.txt: rejected at ingest: ")


def test_ingest_rejects_oversized_dumps_before_reading(tmp_path):
    path = tmp_path / "big.txt"
    path.write_bytes(HANS.encode() * 20)
    result = ingest(path, "raw/big.txt", max_bytes=1024)
    assert isinstance(result, Failure)
    assert "too large" in result.reason


def test_ingest_keeps_encoding_and_hash(tmp_path):
    path = tmp_path / "gb.txt"
    data = (HANS + "\n\n" + HANS).encode("gb18030")
    path.write_bytes(data)
    article = ingest(path, "raw/gb.txt")
    assert isinstance(article, Article)
    assert article.encoding == "gb18030"
    assert article.text.startswith(HANS)
    assert len(article.sha256) == 64 and article.sha256 == hashlib.sha256(data).hexdigest()


_NEWS = ("英伟达市值蒸发创纪录，深度求索掀起人工智能算力革命。分析师认为，这意味着芯片行业的竞争格局正在发生变化，"
         "更多公司将加大投入。记者在现场看到，发布会吸引了大量观众。")


class _NoVerdict:
    def best(self):
        return None


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        pytest.param(_NEWS.encode("gb18030"), "gb18030", id="simplified GB18030"),
        pytest.param(codecs.encode(_NEWS.replace("伟", "偉").replace("达", "達").replace("创", "創"), "big5",
                                   errors="ignore"), "big5", id="Big5"),
    ],
)
def test_a_dump_charset_normalizer_gives_up_on_is_decoded_by_its_common_characters(monkeypatch, data, encoding):
    """Decoded in the wrong encoding, Chinese turns into rare characters: the common-character share decides."""
    from build_tools.stages import legacy_encodings as module

    monkeypatch.setattr(module, "from_bytes", lambda *args, **kwargs: _NoVerdict())
    text, found = decode(data)
    assert found == encoding
    assert "市值" in text or "市值" in text


def test_bytes_that_are_no_chinese_text_still_get_the_reason(monkeypatch):
    from build_tools.stages import legacy_encodings as module

    monkeypatch.setattr(module, "from_bytes", lambda *args, **kwargs: _NoVerdict())
    noise = bytes(range(0x81, 0xFF)) * 40
    with pytest.raises(DecodeError, match="not text in any supported encoding"):
        decode(noise)


def _handler_calls(data: bytes, encoding: str) -> int:
    """How many times a decoding error handler is called: one per undecodable sequence."""
    calls = 0

    def count(error: UnicodeError) -> tuple[str, int]:
        nonlocal calls
        calls += 1
        return "", error.end  # type: ignore[attr-defined]

    codecs.register_error("test-decode-count", count)
    data.decode(encoding, errors="test-decode-count")
    return calls


@pytest.mark.parametrize(
    "data",
    [b"", "中文".encode(), b"\xef\xbf\xbd", "中\ufffd文".encode(), b"\xe4\xb8", b"a\xe4\xb8b", b"\xff\xfe\x80",
     b"\xc0\xaf", b"\xed\xa0\x80", b"\xf0\x9f\x98", b"\xef\xbf", b"\xef\xbf\xef\xbf\xbd", b"\xb9\xfa\xd6\xd0"],
)
@pytest.mark.parametrize("encoding", ["utf_8", "gb18030", "big5"])
def test_undecodable_sequences_are_counted_as_an_error_handler_sees_them(data, encoding):
    """UTF-8 is counted from errors="replace" (not the U+FFFD the text holds), other encodings by a handler."""
    from build_tools.stages.decode import _count_invalid

    assert _count_invalid(data, encoding) == _handler_calls(data, encoding)
