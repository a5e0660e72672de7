"""Honest metadata: an explicit fallback chain per field, one normaliser per field.

Candidates come from the reader's envelope (Jina header, front matter, meta
tags, JSON-LD), from the records the cleaner lifted out of the body (bylines,
datelines, title candidates: ``article.lifted``), and from the portal rules.
The first candidate that normalises wins and the winner's source is recorded
as provenance.  Dates are never guessed: a timestamp from the page's tail
(account cards, related lists) is furniture, and a date without a year is not
a date.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from email.utils import parsedate_to_datetime

from build_tools.config.rules import Portal, Rules, load_rules
from build_tools.model import (
    Article,
    Byline,
    Dateline,
    Hint,
    Meta,
    Paragraph,
    TitleCandidate,
    Turn,
    block_text,
    web_url,
)
from build_tools.model.records import preview
from build_tools.stages.clean.credits import AUTHOR_IN_LINE
from build_tools.stages.front_matter import checked, front_matter
from build_tools.stages.langdetect import SAMPLE_CHARS, detect_lang
from build_tools.stages.title import choose_title, site_names

SUMMARY_MAX = 200
WARNING = "warning"  # Hint.field of a problem the article carries to the build report
_SPLIT_NAMES = re.compile(r"[、，,；;|｜/&]+|\s+和\s+|\s+")
_ISO = re.compile(r"(?P<y>\d{4})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})")
_COMPILED_FROM = re.compile(r"编译自\s*[「“\"']?(?P<src>[A-Za-z][\w .&-]{1,40}|[\u4e00-\u9fff]{2,12})")
_WHITESPACE = re.compile(r"\s+")
_LINE_BREAKS = re.compile(r"\s*[\r\n\t]+\s*")
# A reader's hint fields that name people and outlets, as byline roles.
_HINT_ROLES = {"byline": "author", "source": "outlet", "original_source": "original"}
Candidate = tuple[str, str]  # (value, where it was found)


def extract_metadata(article: Article, rules: Rules | None = None) -> Article:
    rules = rules or load_rules()
    portals = rules.portals_named(article.portals)
    hints, lifted = article.hints, article.lifted
    # Each field's chain: the reader's envelope first, then what clean lifted, in the order it found it.
    titles = [(c.text, c.found) for c in lifted if isinstance(c, TitleCandidate) and not c.inferred]
    datelines = [(d.text, d.found) for d in lifted if isinstance(d, Dateline)]
    bylines = [Byline(_HINT_ROLES[h.field], h.value, h.source) for h in hints if h.field in _HINT_ROLES]
    bylines += [b for b in lifted if isinstance(b, Byline)]
    url = _first(_hinted(article, "url"), _norm_url)
    chosen = choose_title(list(hints) + [Hint("title", text, found) for text, found in titles],
                          site_names(hints, [n for p in portals for n in (p.name, p.platform, *p.aliases)]),
                          _page_lines(article))
    title = _first([chosen] if chosen else [], lambda v: _norm_title(v, portals, rules))
    date = _first(_hinted(article, "published") + datelines + _url_dates(article), _norm_date)
    captured = _first(_hinted(article, "captured"), _norm_datetime)
    authors, editors, source, original = _people(bylines, portals, rules)
    provenance = [(name, found[1]) for name, found in (("title", title), ("date", date), ("url", url),
                                                        ("captured", captured), ("source", source)) if found]
    if title:
        title_text, inferred = title[0], False
    else:
        guess = next((c for c in lifted if isinstance(c, TitleCandidate) and c.inferred), None)
        title_text, inferred = (guess.text if guess else ""), True
        provenance.append(("title", guess.found if guess else "nothing to infer it from"))
    meta = Meta(
        title=title_text,
        title_inferred=inferred,
        lang=detect_lang(_lang_sample(article)),
        date=date[0] if date else None,
        captured=captured[0] if captured else None,
        source=source[0] if source else None,
        platform=portals[0].platform if portals else None,
        authors=tuple(authors),
        editors=tuple(editors),
        url=url[0] if url else None,
        original_source=original,
        summary=_summary(article) or _first_value(_hinted(article, "description")),
        tags=tuple(sorted({h.value for h in hints if h.field in ("tags", "keywords") and 0 < len(h.value) <= 30})),
        disclaimer=any("声明" in r.text[:12] or "聲明" in r.text[:12] or "Notice:" in r.text for r in article.removed),
        provenance=tuple(provenance),
    )
    return _checked(replace(article, meta=meta))


def _checked(article: Article) -> Article:
    """The article without the fields its front matter could not carry (a 150-character source name, a
    list item of 60 characters…): each is dropped with a warning naming it and its value, the rest is kept."""
    data, dropped, _ = checked(front_matter(article))
    if not dropped:
        return article
    meta = article.meta
    changes = {}
    for field in {name.split("[")[0] for name, _, _ in dropped} & set(vars(meta)):
        changes[field] = tuple(data.get(field) or ()) if isinstance(getattr(meta, field), tuple) else None
    warnings = tuple(
        Hint(WARNING, f"field {name}: {preview(value)} cannot be used ({why}); the "
                      f"{'value' if '[' in name else 'field'} is dropped", "metadata")
        for name, value, why in dropped)
    return replace(article, meta=replace(meta, **changes), hints=article.hints + warnings)


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


# News sites put the publication day in the article's address: /n/2014/12/05/1529819.  The last resort.
_URL_DATE = re.compile(r"/((?:19|20)\d{2})/(\d{2})/(\d{2})/")


def _url_dates(article: Article) -> list[Candidate]:
    found = []
    for value, _ in _hinted(article, "url"):
        match = _URL_DATE.search(value)
        if match:
            found.append(("-".join(match.groups()), "url-path"))
    return found


def _page_lines(article: Article) -> list[str]:
    """Short lines near the start of the page, whether cleaning kept or dropped them."""
    texts = [r.text for r in article.removed[:40]] + [block_text(b) for b in article.blocks[:10]]
    return [t.strip() for t in texts if 4 <= len(t.strip()) <= 100]


def _hinted(article: Article, field: str) -> list[Candidate]:
    return [(h.value, h.source) for h in article.hints if h.field == field]


def _first(candidates: Iterable[Candidate], normalise) -> Candidate | None:
    """The first candidate that normalises, normalised, and where it was found."""
    for value, found in candidates:
        normalised = normalise(value)
        if normalised:
            return normalised, found
    return None


def _first_value(candidates: Iterable[Candidate]) -> str | None:
    found = _first(candidates, lambda v: v.strip()[:SUMMARY_MAX] or None)
    return found[0] if found else None


# --- people and outlets -------------------------------------------------------


People = tuple[list[str], list[str], tuple[str, str] | None, str | None]


def _people(bylines: list[Byline], portals: tuple[Portal, ...], rules: Rules) -> People:
    """Authors, editors, the publishing outlet (and where it was found) and the outlet reposted from.

    Bylines are weighed in order: the first outlet wins, authors and editors accumulate.
    """
    authors: list[str] = []
    editors: list[str] = []
    source: tuple[str, str] | None = None
    original: str | None = None
    outlets = _outlet_names(portals, rules)
    for byline in bylines:
        name = byline.name.strip()
        # "来源：36氪 作者：王博": a source line may name the author too.
        embedded = AUTHOR_IN_LINE.search(name) if byline.role in ("via", "original") else None
        if embedded:
            authors.extend(_names(embedded.group(1), rules))
        if byline.role == "producer" and not source:
            source = (name, byline.found)
        elif byline.role == "author":
            if name.lower() in outlets:  # "作者：36氪" names the outlet, not a person
                source = source or (outlets[name.lower()], byline.found)
                continue
            authors.extend(_names(name, rules))
        elif byline.role == "editor":
            editors.extend(_names(name, rules))
        elif byline.role == "via":
            compiled = _COMPILED_FROM.search(name)
            if compiled:
                original = original or _title_case(compiled.group("src"))
            elif not re.search(r"[，。,]", name):
                source = source or (name.strip("“”\"「」 "), byline.found)
        elif byline.role == "outlet" and name:
            source = source or (name, byline.found)
        elif byline.role == "original":
            original = original or name
    if source is None:
        source = next(((p.source, "portal") for p in portals if p.source), None)
    return list(dict.fromkeys(authors)), list(dict.fromkeys(editors)), source, original


def _outlet_names(portals: tuple[Portal, ...], rules: Rules) -> dict[str, str]:
    """Lower-cased names and aliases of outlets → the outlet: the dump's portals first, then any portal's aliases."""
    names = {alias.lower(): p.source or p.name for p in portals for alias in (p.aliases + (p.name,))}
    for portal in rules.portals:
        for alias in portal.aliases:
            names.setdefault(alias.lower(), portal.source or portal.name)
    return names


def _names(value: str, rules: Rules) -> list[str]:
    value = re.sub(r"_[A-Z]{0,4}\d+$", "", value.strip())  # 李曦_NN2587: an editor's staff code
    value = re.split(r"\s+(发自|發自|报道|報道)", value)[0]
    value = _ALIAS.sub("", _WEB_ADDRESS.sub(" ", value))  # "周思博 (Joel Spolsky)": one person, named twice
    names = [n.strip("“”\"「」*_ ") for n in _SPLIT_NAMES.split(value)]
    # A lone Latin letter is a CMS account's initial ("L_104485"), never a byline's name.
    return [n for n in names if n and n not in rules.placeholder_names and len(n) <= 20
            and not (len(n) == 1 and n.isascii())]


_ALIAS = re.compile(r"\s*[（(][^（）()]{1,40}[)）]")
_WEB_ADDRESS = re.compile(r"https?://\S*|www\.\S+")  # a page's author meta giving the outlet's profile link


def _title_case(name: str) -> str:
    return name[:1].upper() + name[1:] if name.isascii() else name


# --- normalisers ---------------------------------------------------------------


def _norm_title(value: str, portals, rules: Rules) -> str | None:
    title = _LINE_BREAKS.sub(" ", value).strip()  # a title keeps its own spaces (U+3000, double spaces)
    for portal in list(portals) + list(rules.portals):
        for suffix in portal.title_suffixes:
            if title.endswith(suffix) and len(title) > len(suffix) + 2:
                title = title[: -len(suffix)].strip()
    if rules.is_junk(title) or len(title) < 2:
        return None  # e.g. a login popup's text captured as the page title
    return title[:200]


_CN_MONTHS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二")
_MONTH_NAMED = re.compile(r"(?<![一二三四五六七八九十])(?P<m>十[一二]?|[一二三四五六七八九])月\s*(?P<d>\d{1,2})"
                          r"(?:st|nd|rd|th)?,\s*(?P<y>\d{4})(?!\d)")

_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_EN_MONTH_NAMED = re.compile(
    r"\b(?P<m>(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?"
    r"|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?))\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,\s*(?P<y>\d{4})(?!\d)")


def _norm_date(value: str) -> str | None:
    """A full publication date as YYYY-MM-DD (a real day; the year always four digits: ``strftime('%Y')``
    writes 999, not 0999), or None. Never completes a partial date."""
    value = value.strip()
    found = _ISO.search(value)
    named = None if found else _MONTH_NAMED.search(value)
    english = None if found or named else _EN_MONTH_NAMED.search(value)
    try:
        if named:  # "十一月 6th, 2009": a blog engine's English date pattern with Chinese month names
            day = date(int(named["y"]), _CN_MONTHS.index(named["m"]) + 1, int(named["d"]))
        elif english:  # "Saturday, September 10th, 2005 10:56 am"
            day = date(int(english["y"]), _EN_MONTHS.index(english["m"][:3].title()) + 1, int(english["d"]))
        else:
            day = (date(int(found["y"]), int(found["m"]), int(found["d"])) if found
                   else parsedate_to_datetime(value).date())
    except (TypeError, ValueError, IndexError, OverflowError):  # (huge numbers in an RFC 2822 date overflow)
        return None
    return f"{day.year:04d}-{day.month:02d}-{day.day:02d}"


def _norm_url(value: str) -> str | None:
    """A web address with its scheme in lower case (``HTTPS://…`` is the same address), or None."""
    url = web_url(value)
    if url is None:
        return None
    scheme, rest = url.split(":", 1)
    return scheme.lower() + ":" + rest


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
