"""Honest metadata: an explicit fallback chain per field, one normaliser per field.

Candidates come from the reader's envelope (Jina header, front matter, meta
tags, JSON-LD), from bylines the cleaner lifted out of the head of the body,
and from the portal rules.  The first candidate that normalises wins and the
winner's source is recorded as provenance.  Dates are never guessed: a
timestamp from the page's tail (account cards, related lists) is furniture,
and a date without a year is not a date.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from build_tools.config.rules import Rules, any_search, load_rules
from build_tools.model import Article, Figure, Heading, Hint, Meta, Paragraph, Turn, block_text
from build_tools.stages.langdetect import SAMPLE_CHARS, detect_lang

SUMMARY_MAX = 200
_SPLIT_NAMES = re.compile(r"[、，,；;|｜/&]+|\s+和\s+|\s+")
_ISO = re.compile(r"(?P<y>\d{4})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})")
_PUBLISHED_IN_LINE = re.compile(r"(\d{4}-\d{2}-\d{2}\s+\d{2}:\d{2}(?::\d{2})?)\s*发布于")
_COMPILED_FROM = re.compile(r"编译自\s*[「“\"']?(?P<src>[A-Za-z][\w .&-]{1,40}|[\u4e00-\u9fff]{2,12})")
_REPOST = re.compile(r"本文(?:来自|轉載自|转载自)微信公众号\s*[“\"「]?(?P<src>[^”\"」（(]{2,20})")
_PERSON = re.compile(r"^[\u4e00-\u9fff·]{2,5}$|^[A-Z][a-z]+(?: [A-Z][a-z]+){0,2}$")
_AUTHOR_IN_LINE = re.compile(r"作者[:：]\s*([^，,。；;）)]+)")
_WHITESPACE = re.compile(r"\s+")
_EDITOR_LINE = re.compile(r"^(责任编辑|責任編輯)\s*[:：]")
_ACCOUNT_CARD = re.compile(r"文章数\s*\d*\s*关注度|\d+\s*文章数|文章數")


def extract_metadata(article: Article, rules: Rules | None = None) -> Article:
    rules = rules or load_rules()
    hints = list(article.hints) + _hints_from_removed(article, rules)
    url = _first(hints, "url", _norm_url)
    portals = rules.portals_for(url[0] if url else None, article.text[:3000])
    title = _first(hints, "title", lambda v: _norm_title(v, portals, rules))
    date = _first(hints, "published", _norm_date)
    captured = _first(hints, "captured", _norm_datetime)
    authors, editors, source, original = _people(hints, portals, rules)
    provenance = []
    for name, found in (("title", title), ("date", date), ("url", url), ("captured", captured)):
        if found:
            provenance.append((name, found[1]))
    if source:
        provenance.append(("source", source[1]))
    body_title, inferred = (title[0], False) if title else (_infer_title(article), True)
    if not title:
        provenance.append(("title", "inferred from body"))
    platform = portals[0].platform if portals else None
    meta = Meta(
        title=body_title,
        title_inferred=inferred,
        lang=detect_lang(_lang_sample(article)),
        date=date[0] if date else None,
        captured=captured[0] if captured else None,
        source=source[0] if source else None,
        platform=platform,
        authors=tuple(authors),
        editors=tuple(editors),
        url=url[0] if url else None,
        original_source=original,
        summary=_summary(article) or _first_value(hints, "description"),
        tags=tuple(sorted({h.value for h in hints if h.field in ("tags", "keywords") and 0 < len(h.value) <= 30})),
        disclaimer=any("声明" in r.text[:12] or "聲明" in r.text[:12] or "Notice:" in r.text for r in article.removed),
        provenance=tuple(provenance),
    )
    return replace(article, meta=meta, hints=tuple(hints))


def _lang_sample(article: Article) -> str:
    """The text of the first 60 blocks, as far as detect_lang reads it (its first SAMPLE_CHARS characters)."""
    parts: list[str] = []
    size = 0
    for block in article.blocks[:60]:
        text = block_text(block)
        parts.append(text)
        size += len(text)
        if size >= SAMPLE_CHARS:
            break
    return "".join(parts)


def _first(hints: list[Hint], field: str, normalise) -> tuple[str, str] | None:
    for hint in hints:
        if hint.field == field:
            value = normalise(hint.value)
            if value:
                return value, hint.source
    return None


def _first_value(hints: list[Hint], field: str) -> str | None:
    found = _first(hints, field, lambda v: v.strip()[:SUMMARY_MAX] or None)
    return found[0] if found else None


# --- hints the cleaner lifted out of the body --------------------------------


def _hints_from_removed(article: Article, rules: Rules) -> list[Hint]:
    hints: list[Hint] = []
    for removed in article.removed:
        text = removed.text.strip().strip("*_ ")
        if removed.rule == "head:date":
            hints.append(Hint("published", text, "head-timestamp"))
        elif removed.rule == "head:dateline":
            hints.append(Hint("published", text, "head-dateline"))
            hints.extend(_dateline_people(text))
        elif removed.rule == "head:byline":
            text = re.sub(r"[*_\\]+", "", text).strip()
            found = rules.byline.match(text)
            original = re.match(r"^(原创|原創|Original)\s+(?P<rest>.+)$", text)
            if original:
                tokens = [t for t in re.split(r"\s+", re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", original["rest"])) if t]
                if len(tokens) >= 2:
                    hints.append(Hint("byline:作者", tokens[0], "byline"))
                if tokens:
                    hints.append(Hint("source", tokens[-1].rstrip(";:)）"), "byline"))
            elif found:
                hints.append(Hint("byline:" + found.group("label"), found.group("value"), "byline"))
            elif " 发自 " in text:
                hints.append(Hint("byline:作者", text.split(" 发自 ")[0], "byline"))
        elif removed.rule.startswith("tail:") or removed.rule == "junk-line":
            if _EDITOR_LINE.match(text):
                hints.append(Hint("byline:责任编辑", re.split(r"[:：]", text, maxsplit=1)[1], "tail-editor"))
            repost = _REPOST.search(text)
            if repost:
                hints.append(Hint("original_source", repost.group("src").strip(), "repost-footer"))
                author = _AUTHOR_IN_LINE.search(text)
                if author:
                    hints.append(Hint("byline:作者", author.group(1), "repost-footer"))
    for line in (h.value for h in article.hints if h.field == "account_line"):
        published = _PUBLISHED_IN_LINE.search(line)
        if published:
            hints.append(Hint("published", published.group(1), "account-line"))
            name = line[: published.start()].strip()
            if name:
                hints.append(Hint("source", name, "account-line"))
        else:
            tokens = list(dict.fromkeys(t for t in line.split() if not re.search(r"[!！]", t)))
            if tokens:
                hints.append(Hint("source", tokens[-1], "account-line"))
            if len(tokens) == 2 and _PERSON.match(tokens[0]):
                hints.append(Hint("byline:作者", tokens[0], "account-line"))
    hints.extend(_account_card(article))
    for portal in rules.portals_for(None, article.text[:3000]) + rules.portals:
        for pattern in portal.source_patterns:
            for removed in article.removed:
                found = pattern.search(removed.text)
                if found:
                    hints.append(Hint("source", found.group("source"), f"portal:{portal.name}"))
    return hints


def _dateline_people(text: str) -> list[Hint]:
    """The source and author a dateline names, e.g. "2025-02-22 10:49 来源：澎湃新闻 作者：王博"."""
    hints = []
    labels = (("来源|來源|出处|出處", "source"), ("作者|记者|記者", "byline:作者"), ("编辑|編輯", "byline:编辑"))
    for label, field in labels:
        found = re.search(rf"(?:{label})\s*[:：]\s*([^\s|｜·]+)", text)
        if found:
            hints.append(Hint(field, found.group(1), "head-dateline"))
    if not hints:
        rest = _ISO.sub("", text)
        rest = re.sub(r"\d{1,2}:\d{2}(:\d{2})?|日|发布于|發佈於|发布|[·|｜]", " ", rest).split()
        names = [t for t in rest if 2 <= len(t) <= 16 and not t.isdigit()]
        if len(names) == 1:
            hints.append(Hint("source", names[0], "head-dateline"))
    return hints


def _account_card(article: Article) -> list[Hint]:
    """The name above a "N文章数 N关注度" card is the publishing account."""
    texts = [r.text.strip() for r in article.removed]
    for i, text in enumerate(texts):
        if _ACCOUNT_CARD.search(text):
            before = [t.replace("incentive-icons", "").strip() for t in texts[max(0, i - 4): i]]
            repeated = [t for t in before if before.count(t) > 1 and 2 <= len(t) <= 20]
            if repeated:
                return [Hint("source", repeated[-1], "account-card")]
            for name in reversed(texts[max(0, i - 3): i]):
                if 2 <= len(name) <= 20 and "。" not in name and not re.search(r"\d{4}-\d{2}", name):
                    return [Hint("source", name.replace("incentive-icons", "").strip(), "account-card")]
    return []


# --- people and outlets -------------------------------------------------------


People = tuple[list[str], list[str], tuple[str, str] | None, str | None]


def _people(hints: list[Hint], portals, rules: Rules) -> People:
    authors: list[str] = []
    editors: list[str] = []
    source: tuple[str, str] | None = None
    original: str | None = None
    outlet_names = {alias.lower(): p.source or p.name for p in portals for alias in (p.aliases + (p.name,))}
    for portal in rules.portals:
        for alias in portal.aliases:
            outlet_names.setdefault(alias.lower(), portal.source or portal.name)
    for hint in hints:
        label = hint.field.removeprefix("byline:") if hint.field.startswith("byline") else None
        value = hint.value.strip()
        carries_author = label in ("来源", "來源", "编译", "編譯") or hint.field == "original_source"
        embedded = _AUTHOR_IN_LINE.search(value) if carries_author else None
        if embedded:
            authors.extend(_names(embedded.group(1), rules))
        if label in ("出品", "出品方") and not source:
            source = (value, hint.source)
        elif label in ("作者", "文", "撰文", "记者", "記者", "口述", "整理") or hint.field == "byline":
            if value.lower() in outlet_names:
                source = source or (outlet_names[value.lower()], hint.source)
                continue
            authors.extend(_names(value, rules))
        elif label in ("编辑", "編輯", "责编", "責編", "责任编辑", "責任編輯"):
            editors.extend(_names(value, rules))
        elif label in ("来源", "來源", "编译", "編譯"):
            compiled = _COMPILED_FROM.search(value)
            if compiled:
                original = original or _title_case(compiled.group("src"))
            elif not re.search(r"[，。,]", value):
                source = source or (value.strip("“”\"「」 "), hint.source)
        elif hint.field == "source" and value:
            source = source or (value, hint.source)
        elif hint.field == "original_source":
            original = original or value
    if source is None:
        source = next(((p.source, "portal") for p in portals if p.source), None)
    return list(dict.fromkeys(authors)), list(dict.fromkeys(editors)), source, original


def _names(value: str, rules: Rules) -> list[str]:
    value = re.sub(r"_[A-Z]{0,4}\d+$", "", value.strip())  # 李曦_NN2587: an editor's staff code
    value = re.split(r"\s+(发自|發自|报道|報道)", value)[0]
    names = [n.strip("“”\"「」*_ ") for n in _SPLIT_NAMES.split(value)]
    return [n for n in names if n and n not in rules.placeholder_names and len(n) <= 20]


def _title_case(name: str) -> str:
    return name[:1].upper() + name[1:] if name.isascii() else name


# --- normalisers ---------------------------------------------------------------


def _norm_title(value: str, portals, rules: Rules) -> str | None:
    title = _WHITESPACE.sub(" ", value).strip()
    for portal in list(portals) + list(rules.portals):
        for suffix in portal.title_suffixes:
            if title.endswith(suffix) and len(title) > len(suffix) + 2:
                title = title[: -len(suffix)].strip()
    if any_search(rules.junk_lines)(title) or len(title) < 2:
        return None  # e.g. a login popup's text captured as the page title
    return title[:200]


def _norm_url(value: str) -> str | None:
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and parts.hostname:
        return value
    return None


def _norm_date(value: str) -> str | None:
    """A full publication date as YYYY-MM-DD, or None. Never completes a partial date."""
    value = value.strip()
    found = _ISO.search(value)
    if found:
        try:
            return datetime(int(found["y"]), int(found["m"]), int(found["d"])).strftime("%Y-%m-%d")
        except ValueError:
            return None
    try:
        return parsedate_to_datetime(value).strftime("%Y-%m-%d")
    except (TypeError, ValueError, IndexError):
        return None


def _norm_datetime(value: str) -> str | None:
    date = _norm_date(value)
    if not date:
        return None
    clock = re.search(r"\b(\d{1,2}:\d{2}(?::\d{2})?)\b", value)
    return f"{date} {clock.group(1)}" if clock else date


# --- derived from the body ------------------------------------------------------


def _summary(article: Article) -> str | None:
    for block in article.blocks:
        if isinstance(block, (Paragraph, Turn)):
            text = _WHITESPACE.sub(" ", block_text(block)).strip()
            if len(text) >= 20:
                if len(text) <= SUMMARY_MAX:
                    return text
                cut = text[:SUMMARY_MAX]
                end = max(cut.rfind("。"), cut.rfind("！"), cut.rfind("？"))
                return cut[: end + 1] if end >= 40 else cut.rstrip() + "…"
    return None


_SENTENCE_END = re.compile(r"[。！？!?；;]")


def _infer_title(article: Article) -> str:
    for block in article.blocks:
        if isinstance(block, Heading):
            text = block_text(block).strip()
            if 4 <= len(text) <= 60:
                return text
        if isinstance(block, (Paragraph, Turn)) and not isinstance(block, Figure):
            text = _WHITESPACE.sub(" ", block_text(block)).strip()
            if len(text) >= 8:
                # The first sentence with words in it (a paragraph may open with ";;" or "。").
                sentence = next((part.strip() for part in _SENTENCE_END.split(text) if part.strip()), "")
                if sentence:
                    return sentence[:40] + ("…" if len(sentence) > 40 else "")
    return article.raw_path.rsplit("/", 1)[-1]
