"""``entities suggest``: candidate entities not yet in the registry, for an editor to review.

Sources, all on cleaned article bodies (Link, Code, image and code-block text excluded):

* ``paren``: name patterns ``中文名(English Name)`` / ``中文名（English Name）`` and the
  reverse ``English Name（中文名）``;
* ``latin``: capitalised Latin words and phrases (``Scale AI``, ``HoloLens``);
* ``jieba``: jieba POS tags ``nr`` (person), ``nt`` (organisation), ``nz`` (other proper noun).

Known aliases are masked first (and loaded into jieba as user words), so a
candidate is never a registered form or a piece of one.  Nothing here is ever
linked automatically: candidates only become entities once an editor adds
them to entities.yml.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from build_tools.archive.slugs import slugify
from build_tools.config.corrections import load_overrides
from build_tools.entities.linker import BARE_URL
from build_tools.entities.matcher import AliasIndex
from build_tools.entities.normalize import key
from build_tools.model import Article, Failure, block_text
from build_tools.model.paths import relative_path
from build_tools.model.walk import iter_texts
from build_tools.settings import Settings
from build_tools.stages.clean import clean
from build_tools.stages.correct import apply_overrides
from build_tools.stages.ingest import ingest
from build_tools.stages.metadata import extract_metadata

_CJK = "\u3400-\u9fff"
_NAME = rf"[{_CJK}][{_CJK}·・]{{1,11}}"
_LATIN_NAME = r"[A-Z][A-Za-z0-9.&'-]*(?: [A-Z0-9][A-Za-z0-9.&'-]*){0,4}"
_PAREN = re.compile(rf"({_NAME})\s?[（(]\s?({_LATIN_NAME})\s?[)）]")
_PAREN_REV = re.compile(rf"(?<![A-Za-z])({_LATIN_NAME})\s?[（(]\s?({_NAME})\s?[)）]")
_LATIN = re.compile(r"(?<![A-Za-z0-9_@#/.-])([A-Z][A-Za-z0-9]*(?:[ -][A-Z0-9][A-Za-z0-9]*){0,3})(?![A-Za-z0-9_])")
_STOP_LATIN = {
    "AI", "AGI", "API", "APP", "App", "CEO", "CTO", "CFO", "COO", "CPU", "GPU", "NPU", "TPU", "PC", "IT",
    "LLM", "LLMs", "PR", "Q", "A", "I", "OK", "The", "This", "In", "It", "We", "You", "And", "Of", "To",
    "SoC", "HBM", "FPS", "ID", "URL", "IP", "HR", "KPI", "OKR", "AR", "VR", "MR", "XR", "ML", "NLP",
    "USB", "SDK", "OS", "UI", "UX", "PDF", "HTML", "SVG", "JSON", "PPT", "GB", "TB", "MB", "AIGC",
    "END", "VS", "Image", "Title", "Source", "Markdown", "Content", "Url", "Prompt", "CES", "TFLOPS",
    "Note", "Tips", "Part", "Nasdaq", "Open", "Day", "Pro", "Max", "Ultra", "Plus", "Mini",
}  # fmt: skip
_STOP_CJK_TAIL = ("表示", "认为", "指出", "称", "说", "者", "性", "化", "们")
COMMON_WORD_FREQ = 250  # jieba dictionary frequency above which a tagged word is a common word
_GENERIC_ORG = ("政府", "公司", "企业", "大学", "媒体", "市场", "行业")
# Role words and particles that precede a name in "英伟达高级研究科学家禹之鼎(Zhiding Yu)".
# Matched on key() text, so Traditional forms are covered.
_ROLES = re.compile(
    r"^.*(?:首席执行官|执行官|联合创始人|创始人|创办人|科学家|研究员|分析师|总监|副教授|教授|主管|董事长|董事|"
    r"总裁|总经理|经理|负责人|记者|主席|院长|部长|网友|博士|硕士|导师|学者|专家|律师|官员|合伙人|主任|院士|"
    r"工程师|设计师|制作人|投资人|发言人|顾问|总统|议员|作者|编辑|营销|ceo|cto|cfo|的|和|与|及|是|在|了|称|兼|为|由|被|向|对|将)"
)
_SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)


@dataclass
class Candidate:
    surface: str
    count: int = 0
    articles: int = 0
    sources: tuple[str, ...] = ()
    kind: str = ""  # person / organization / other, when a source says so
    english: str = ""  # the Latin name given in parentheses, if any
    examples: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "surface": self.surface,
            "count": self.count,
            "articles": self.articles,
            "sources": list(self.sources),
            "kind": self.kind,
            "english": self.english,
            "examples": self.examples,
        }


def _texts(article: Article) -> list[str]:
    """Linkable text of each block, with non-linkable text blanked out (offsets kept)."""
    out = []
    for b in article.blocks:
        text = block_text(b)
        if not text:
            continue
        chars = [" "] * len(text)
        for run in iter_texts(b):
            if not run.linked:
                chars[run.offset : run.offset + len(run.node.text)] = run.node.text
        flat = "".join(chars)
        flat = BARE_URL.sub(lambda m: " " * len(m.group()), flat)
        out.append(flat)
    return out


def _mask_known(text: str, index: AliasIndex) -> str:
    chars = list(text)
    for m in index.find(text):
        chars[m.start : m.end] = "\u3000" * (m.end - m.start)
    return "".join(chars)


def _context(text: str, start: int, end: int, width: int = 24) -> str:
    a, b = max(0, start - width), min(len(text), end + width)
    return ("…" if a else "") + " ".join(text[a:b].split()) + ("…" if b < len(text) else "")


def _trim_cjk_name(name: str) -> str:
    """'英伟达高级研究科学家禹之鼎' → '禹之鼎': drop a leading role or verb phrase."""
    m = _ROLES.match(key(name))
    trimmed = name[m.end() :] if m else name
    return trimmed if len(trimmed) >= 2 else name


def _tokenizer(index: AliasIndex):
    import jieba
    import jieba.posseg

    tok = jieba.Tokenizer()
    tok.initialize()
    for line in index.jieba_userdict().splitlines():
        word, freq, tag = line.rsplit(" ", 2)
        tok.add_word(word, int(freq), tag)
    return jieba.posseg.POSTokenizer(tok)


class _Tally:
    """Candidate surfaces seen so far: counts, articles, sources, kinds and examples."""

    def __init__(self, index: AliasIndex) -> None:
        self.counts: Counter[str] = Counter()
        self.docs: dict[str, set[str]] = defaultdict(set)
        self.sources: dict[str, set[str]] = defaultdict(set)
        self.kinds: dict[str, str] = {}
        self.english: dict[str, str] = {}
        self.examples: dict[str, list[str]] = defaultdict(list)
        self.canon: dict[str, str] = {}  # key() -> first surface seen
        self.known_keys: set[str] = set()
        for ent in index.registry.entities:
            self.known_keys.update(key(s) for s in (ent.name, *ent.aliases, *(a.alias for a in ent.ambiguous)))

    def add(self, surface: str, src: str, text: str, start: int, end: int, doc: str, kind: str = "") -> None:
        surface = surface.strip()
        k = key(surface)
        if len(surface) < 2 or k in self.known_keys or "\u3000" in surface:
            return
        surface = self.canon.setdefault(k, surface)
        self.counts[surface] += 1
        self.docs[surface].add(doc)
        self.sources[surface].add(src)
        if kind and surface not in self.kinds:
            self.kinds[surface] = kind
        examples = self.examples[surface]
        if len(examples) < 3 and doc not in {e.split("\t")[0] for e in examples}:
            examples.append(f"{doc}\t{_context(text, start, end)}")

    def add_english(self, zh: str, en: str) -> None:
        self.english.setdefault(self.canon.get(key(zh), zh), en)

    def fold_english(self) -> None:
        """Fold "Alex Bouzari" into "亚历克斯·布扎里"."""
        counts, docs, sources, examples = self.counts, self.docs, self.sources, self.examples
        for zh, en in self.english.items():
            if en in counts and en != zh:
                counts[zh] += counts.pop(en)
                docs[zh] |= docs.pop(en)
                sources[zh] |= sources.pop(en)
                seen_docs = {e.split("\t")[0] for e in examples[zh]}
                extra = [e for e in examples.pop(en, []) if e.split("\t")[0] not in seen_docs]
                examples[zh] = (examples[zh] + extra)[:3]

    def candidates(self, min_count: int) -> list[Candidate]:
        out = [
            Candidate(
                surface=s,
                count=c,
                articles=len(self.docs[s]),
                sources=tuple(sorted(self.sources[s])),
                kind=self.kinds.get(s, ""),
                english=self.english.get(s, ""),
                examples=[e.split("\t", 1)[1] for e in self.examples[s]],
            )
            for s, c in self.counts.items()
            if c >= min_count
        ]
        out.sort(key=lambda c: (-c.articles, -("paren" in c.sources), -c.count, c.surface))
        return out


def _pattern_names(tally: _Tally, text: str, raw: str, doc: str, index: AliasIndex) -> None:
    """``paren`` and ``latin`` candidates of one block (``text``: known aliases masked)."""
    covered: list[tuple[int, int]] = []  # paren matches, so their Latin half is not counted twice
    for m in _PAREN.finditer(text):
        covered.append((m.start(), m.end()))
        zh, en = _trim_cjk_name(m.group(1)), m.group(2)
        if en in _STOP_LATIN or index.entity_for(en):
            continue
        tally.add(zh, "paren", raw, m.end(1) - len(zh), m.end(2), doc)
        tally.add_english(zh, en)
    for m in _PAREN_REV.finditer(text):
        covered.append((m.start(), m.end()))
        en, zh = m.group(1), m.group(2)
        if en in _STOP_LATIN or index.entity_for(zh):
            continue
        tally.add(zh, "paren", raw, m.start(1), m.end(2), doc)
        tally.add_english(zh, en)
    for m in _LATIN.finditer(text):
        word = m.group(1)
        if word in _STOP_LATIN or len(word) < 2 or word.isdigit():
            continue
        if any(a <= m.start(1) < b for a, b in covered):
            continue
        tally.add(word, "latin", raw, m.start(1), m.end(1), doc)


def _jieba_names(tally: _Tally, pos_tok, text: str, raw: str, doc: str) -> None:
    """``jieba`` candidates of one block: words tagged nr / nt / nz that are not common words."""
    freq = pos_tok.tokenizer.FREQ
    # jieba's dictionary and HMM are Simplified: tag the same-length Simplified key
    # text (Traditional runs are also very slow), take surfaces from the original.
    simp = key(text)
    pos = 0
    prev = ""
    for w in pos_tok.cut(simp):
        start = simp.find(w.word, pos)
        if start < 0:
            continue
        pos = start + len(w.word)
        k, flag = w.word, w.flag
        if flag in ("nr", "nz") and len(prev) == 1 and prev in _SURNAMES and len(k) <= 2:
            k, start = prev + k, start - 1  # 刘 + 鹏飞
        prev = w.word
        if flag not in ("nr", "nt", "nz") or len(k) < 2 or k.isascii():
            continue
        if freq.get(k, 0) >= COMMON_WORD_FREQ:  # jieba's dictionary tags 论文, 聊天 as nz/nr
            continue
        if k.endswith(_STOP_CJK_TAIL) or (flag == "nt" and k.endswith(_GENERIC_ORG) and len(k) <= 4):
            continue
        kind = {"nr": "person", "nt": "organization"}.get(flag, "other")
        tally.add(text[start:pos], "jieba", raw, start, pos, doc, kind)


def suggest(
    articles: Iterable[Article], index: AliasIndex, min_count: int = 2, use_jieba: bool = True
) -> list[Candidate]:
    """Candidates seen at least ``min_count`` times, most widespread first."""
    tally = _Tally(index)
    pos_tok = None
    if use_jieba:
        import logging

        import jieba

        jieba.setLogLevel(logging.WARNING)
        pos_tok = _tokenizer(index)
    for art in articles:
        doc = art.slug or Path(art.raw_path).name
        for raw in _texts(art):
            text = _mask_known(raw, index)
            _pattern_names(tally, text, raw, doc, index)
            if pos_tok is not None:
                _jieba_names(tally, pos_tok, text, raw, doc)
    tally.fold_english()
    return tally.candidates(min_count)


def _dumps(raw_dir: Path) -> list[Path]:
    """Every file under ``raw_dir``, sorted, hidden files and folders skipped (as the build finds them)."""
    found = []
    for folder, dirs, files in os.walk(raw_dir):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found.extend(Path(folder, name) for name in files if not name.startswith("."))
    return sorted((p for p in found if p.is_file()), key=lambda p: relative_path(p, raw_dir))


def cleaned_articles(raw_dir: Path) -> Iterator[Article]:
    """ingest → clean → metadata → corrections for every dump in ``raw_dir``: the build's own stages,
    one dump at a time (no cache, no workers, nothing written); rejected dumps are skipped."""
    settings = Settings(raw_dir=raw_dir)
    overrides = load_overrides(settings.overrides_path, [])
    for path in _dumps(raw_dir):
        rel = relative_path(path, raw_dir)
        article = ingest(path, rel, settings.max_dump_bytes)
        if isinstance(article, Failure):
            continue
        cleaned = clean(replace(article, slug=slugify(rel)))
        if isinstance(cleaned, Failure):
            continue
        yield apply_overrides(extract_metadata(cleaned), overrides)


def format_candidates(cands: list[Candidate], limit: int | None = None) -> str:
    lines = [f"{len(cands)} candidates not in the registry (review before adding to entities.yml):", ""]
    for c in cands[:limit]:
        extra = f" ({c.english})" if c.english else ""
        kind = f" [{c.kind}]" if c.kind else ""
        lines.append(f"{c.surface}{extra}{kind}  — {c.count}× in {c.articles} article(s); via {', '.join(c.sources)}")
        lines.extend(f"    {ex}" for ex in c.examples)
    return "\n".join(lines) + "\n"


def suggest_main(argv: list[str] | argparse.Namespace, articles: Iterable[Article] | None = None) -> int:
    """``python -m build_tools entities suggest [--raw DIR] [--entities FILE] [--min-count N]``.

    ``argv`` is the argument list after ``entities suggest`` (or an already parsed
    Namespace with ``raw``, ``entities`` and ``min_count``).  Cleaned ``articles``
    may be passed in; otherwise the dumps in --raw go through ingest → clean.
    """
    from build_tools.entities.registry import RegistryError, load_registry

    if isinstance(argv, argparse.Namespace):
        args = argv
    else:
        ap = argparse.ArgumentParser(prog="python -m build_tools entities suggest")
        ap.add_argument("--raw", type=Path, default=Path("raw"), help="folder of raw dumps")
        ap.add_argument("--entities", "--registry", dest="entities", type=Path, default=Path("entities.yml"))
        ap.add_argument("--min-count", type=int, default=2)
        ap.add_argument("--limit", type=int, default=200, help="show at most this many")
        ap.add_argument("--json", action="store_true", help="machine-readable output")
        ap.add_argument("--no-jieba", action="store_true", help="skip jieba POS tagging (faster)")
        args = ap.parse_args([a for a in argv if a != "suggest"])
    registry_path = Path(getattr(args, "entities", None) or getattr(args, "registry", "entities.yml"))
    try:
        index = AliasIndex.build(load_registry(registry_path))
    except RegistryError as exc:
        print(exc, file=sys.stderr)
        return 2
    if articles is None:
        raw = Path(getattr(args, "raw", "raw"))
        if not raw.is_dir():
            print(f"{raw}: not a folder", file=sys.stderr)
            return 2
        articles = cleaned_articles(raw)
    limit = getattr(args, "limit", 200)
    cands = suggest(articles, index, getattr(args, "min_count", 2), use_jieba=not getattr(args, "no_jieba", False))
    if getattr(args, "json", False):
        json.dump([c.as_dict() for c in cands[:limit]], sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(format_candidates(cands, limit))
    return 0


__all__ = ["Candidate", "cleaned_articles", "format_candidates", "suggest", "suggest_main"]
