"""Small records for unit tests, with sensible defaults.

A unit test of one stage should hand it the record that stage takes, not go through another
stage's readers to get one: ``render_article(article(paragraph("正文")))`` tests render alone, and a
change to the Markdown reader cannot break it.  Every factory takes keyword overrides for any field
of the record it makes, so a test spells out only what it is about.

Text arguments become inline content: a ``str`` is one ``Text``, an inline node is kept as it is,
so ``paragraph("见", link("原文", "https://example.com/"), "。")`` reads like the sentence it makes.
"""

from __future__ import annotations

import hashlib
from pathlib import Path, PurePosixPath

from build_tools.model import (
    Article,
    Block,
    Code,
    CodeBlock,
    Emph,
    EntityRef,
    Failure,
    Figure,
    Heading,
    Hint,
    Inline,
    Link,
    ListBlock,
    Mention,
    Meta,
    Paragraph,
    Quote,
    Removed,
    Slug,
    Strong,
    Summary,
    Table,
    Text,
    Turn,
    block_text,
)

RAW_PATH = "raw/test.txt"
TITLE = "测试文章"
BODY = "这是一段正文，用来测试。"

# --- inline content ---------------------------------------------------------------


def inlines(*parts: str | Inline) -> tuple[Inline, ...]:
    """Inline content from strings (each one ``Text``) and inline nodes, in order; empty strings dropped."""
    return tuple(Text(p) if isinstance(p, str) else p for p in parts if p != "")


def link(text: str | Inline = "原文链接", href: str = "https://example.com/a") -> Link:
    return Link(href, inlines(text))


def strong(*parts: str | Inline) -> Strong:
    return Strong(inlines(*parts))


def emph(*parts: str | Inline) -> Emph:
    return Emph(inlines(*parts))


def code(text: str = "x = 1") -> Code:
    return Code(text)


def entity_ref(text: str = "英伟达", entity_id: str = "nvidia") -> EntityRef:
    return EntityRef(entity_id, inlines(text))


# --- blocks --------------------------------------------------------------------


def paragraph(*parts: str | Inline) -> Paragraph:
    """A paragraph; with no arguments, one sentence of body text."""
    return Paragraph(inlines(*parts) if parts else inlines(BODY))


def heading(text: str | Inline = "小标题", level: int = 2) -> Heading:
    return Heading(level, inlines(text))


def bullet_list(*items: str | Block, ordered: bool = False) -> ListBlock:
    """A list with one block per item: a string item is a paragraph."""
    items = items or ("第一项", "第二项")
    return ListBlock(ordered, tuple((paragraph(i) if isinstance(i, str) else i,) for i in items))


def quote(*blocks: str | Block) -> Quote:
    blocks = blocks or ("引用的一段话。",)
    return Quote(tuple(paragraph(b) if isinstance(b, str) else b for b in blocks))


def table(header: tuple[str, ...] = ("公司", "市值"), *rows: tuple[str, ...]) -> Table:
    rows = rows or (("英伟达", "3万亿"),)
    return Table(tuple(inlines(c) for c in header), tuple(tuple(inlines(c) for c in row) for row in rows))


def figure(src: str = "https://example.com/a.png", caption: str = "图注", alt: str = "") -> Figure:
    return Figure(src, alt, inlines(caption))


def code_block(text: str = "print('你好')", lang: str = "python") -> CodeBlock:
    return CodeBlock(text, lang)


def turn(speaker: str = "记者", *parts: str | Inline, is_question: bool = True) -> Turn:
    """One turn of a Q&A: by default the interviewer's question."""
    return Turn(speaker, inlines(*parts) if parts else inlines("你怎么看？"), is_question)


# --- records ---------------------------------------------------------------------


def meta(**fields) -> Meta:
    """Metadata with a title; any other Meta field as a keyword."""
    fields.setdefault("title", TITLE)
    return Meta(**fields)


def article(*blocks: Block, raw_path: str = RAW_PATH, meta_fields: dict | None = None, **fields) -> Article:
    """An article made of ``blocks`` (one paragraph if none), as the stages after clean see it.

    The slug is the raw file's stem, sha256 the hash of ``text`` (or of the path when there is no text),
    and ``meta`` a :func:`meta` with a title unless given; ``meta_fields`` sets some Meta fields alone.
    Any other Article field is a keyword: ``article(text="…", format="text")``.
    """
    text = fields.get("text", "")
    fields.setdefault("sha256", hashlib.sha256((text or raw_path).encode("utf-8")).hexdigest())
    fields.setdefault("slug", Slug(PurePosixPath(raw_path).stem))
    fields.setdefault("meta", meta(**(meta_fields or {})))
    return Article(raw_path=raw_path, blocks=tuple(blocks) if blocks else (paragraph(),), **fields)


def dump(text: str = BODY, raw_path: str = RAW_PATH, **fields) -> Article:
    """An article as ingest hands it to clean: the decoded text and its blocks, no metadata yet."""
    fields.setdefault("encoding", "utf-8")
    fields.setdefault("format", "text")
    fields.setdefault("meta", Meta())
    fields.setdefault("slug", Slug(""))
    blocks = fields.pop("blocks", tuple(paragraph(line) for line in text.splitlines() if line.strip()))
    return article(*blocks, raw_path=raw_path, text=text, **fields)


def read_dump(text: str, raw_path: str = "raw/case.html") -> Article:
    """A dump as ingest hands it to clean, read by the real readers: their blocks and hints, the portals ingest
    detects.  For the extraction tests, which feed clean a page written out in full."""
    from build_tools.config.rules import load_rules
    from build_tools.stages.ingest import portals_of
    from build_tools.stages.readers import read

    doc = read(text)
    return Article(raw_path=raw_path, sha256=hashlib.sha256(text.encode()).hexdigest(), text=text,
                   format=doc.format, hints=doc.hints, portals=portals_of(text, doc.hints, load_rules()),
                   blocks=doc.blocks)


def prepared(text: str, raw_path: str = "raw/case.html") -> Article:
    """The dump through the reader, the cleaner and metadata, as the build's prepare stage runs them."""
    from build_tools.stages.clean import clean
    from build_tools.stages.metadata import extract_metadata

    cleaned = clean(read_dump(text, raw_path))
    assert not isinstance(cleaned, Failure), cleaned
    return extract_metadata(cleaned)


def seen(article: Article) -> str:
    """What a reader sees of the body, one block a line."""
    from build_tools.model import block_text

    return "\n".join(block_text(b) for b in article.blocks)


def assert_kept(article: Article, lines: list[str]) -> None:
    """Every one of ``lines`` (the prose a test case holds) is in what the reader sees."""
    missing = [line for line in lines if line not in seen(article)]
    assert not missing, f"body lost: {missing}"


def hint(field: str = "title", value: str = TITLE, source: str = "header") -> Hint:
    return Hint(field, value, source)


def removed(text: str = "推荐阅读", rule: str = "tail:推荐阅读", **fields) -> Removed:
    """What the cleaner dropped and the rule that dropped it; any other Removed field as a keyword."""
    return Removed(text, rule, **fields)


def mention(entity_id: str = "nvidia", surface: str = "英伟达", block_index: int = 0, start: int = 0) -> Mention:
    return Mention(entity_id, block_index, start, start + len(surface), surface)


def failure(reason: str = "not an article", stage: str = "clean", raw_path: str = RAW_PATH) -> Failure:
    return Failure(raw_path, stage, reason)


def summary(slug: str = "test", **fields) -> Summary:
    """What index and entity pages know about one article; title, path and hash follow the slug."""
    fields.setdefault("title", f"{TITLE} {slug}")
    fields.setdefault("raw_path", f"raw/{slug}.txt")
    fields.setdefault("sha256", hashlib.sha256(slug.encode("utf-8")).hexdigest())
    fields.setdefault("lang", "zh-Hans")
    return Summary(slug=Slug(slug), **fields)


def chars(*blocks: Block) -> int:
    """The ``chars`` a summary of these blocks carries (what reading time is computed from)."""
    return sum(len(block_text(b)) for b in blocks)


# --- files ------------------------------------------------------------------------


def raw_file(folder: Path, content: str | bytes = BODY, name: str = "test.txt", encoding: str = "utf-8") -> Path:
    """A dump on disk under ``folder`` (for the stages that read files): text is encoded, bytes written as given."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode(encoding) if isinstance(content, str) else content)
    return path
