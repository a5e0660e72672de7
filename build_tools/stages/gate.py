"""Is this an article?  Its own step, with the reason in the report when it is not.

Cleaning already rejects block pages that say what they are (captcha, deleted, login wall, 404) and dumps
with almost no body left.  This step reads the *shape* of a saved page, which a list or index page cannot
hide: a channel page, a forum's thread list, a portal's home page or a login screen has no container of
prose, or one with a few sentences drowned in links.  The thresholds are set from the labelled corpus and
kept conservative: a short article on a link-heavy portal page must still pass (tests/test_gate.py,
tests/test_extraction_classes.py).

Whatever the format, the cleaned body can also say what the dump is: a search or result page is a linked
headline followed by its snippet, again and again (a digest's headlines follow each other, without
snippets); an annotation note is mostly a note tool's callouts (highlights, metadata, queries) about an
article whose text it never saved.  Block pages that say what they are (captcha, login wall, paywall or
expired-archive teaser) are rejected by cleaning, from the notice itself (rules/generic.yml).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from build_tools.model import Article, Block, Failure, Heading, PageShape, Paragraph, block_text
from build_tools.model.walk import iter_texts

MIN_MAIN_PROSE = 60  # below this no container reads as prose at all
SHORT_PROSE = 300  # "a few sentences"
LINKY_PAGE = 0.7  # share of the page's text inside links on list and index pages


# A note tool's callout ("> [!example]", "> [!md] Metadata", "> [!srhl2] … Highlights"): the markup of an
# annotation note (Obsidian and the clippers that write for it), never an article's own text.
_CALLOUT = re.compile(r"^\s*\[![\w-]+\][+-]?")
MIN_CALLOUTS = 3
MIN_RESULTS = 10  # linked headlines a result list shows at least (a search page shows 10 or 20)
RESULT_SHARE = 0.2  # of the body's blocks
HEADLINE = (6, 40)  # characters of a linked headline standing alone on its line


def assess(article: Article) -> Article | Failure:
    reason = page_reason(article.page) if article.page is not None else None
    reason = reason or body_reason(article.blocks)
    if reason:
        return Failure(article.raw_path, "gate", f"not an article: {reason}")
    return article


def page_reason(page: PageShape) -> str | None:
    links = page.links / page.text if page.text else 0.0
    share = f"{links:.0%} of the page's text is links"
    if page.main_prose < MIN_MAIN_PROSE:
        return f"no block of prose on the page (a list, index or home page; {share})"
    if page.main_prose < SHORT_PROSE and links >= LINKY_PAGE:
        return f"a list or index page: {page.main_prose} characters of prose, {share}"
    if page.main_paragraphs == 0 and (links >= LINKY_PAGE or page.main_prose < SHORT_PROSE):
        return f"no paragraph of prose ({page.main_prose} characters of text between links and forms; {share})"
    return None


def body_reason(blocks: Sequence[Block]) -> str | None:
    """What the cleaned body says it is, whatever the format: a note of callouts about an article, or a list of
    results (a linked headline, then its snippet, again and again)."""
    shown = [(block, text) for block in blocks if (text := block_text(block).strip())]
    callouts = sum(1 for _, text in shown if _CALLOUT.match(text))
    if callouts >= MIN_CALLOUTS and callouts * 2 >= len(shown):
        return (f"a note about an article ({callouts} of its {len(shown)} blocks are a note tool's callouts: "
                "highlights, metadata, queries), not the article's text")
    headlines = [i for i, (block, text) in enumerate(shown) if _is_linked_headline(block, text)]
    snippets = sum(1 for i in headlines if i + 1 < len(shown) and i + 1 not in headlines
                   and not _is_linked_headline(*shown[i + 1]) and len(shown[i + 1][1]) > HEADLINE[1])
    if len(headlines) >= MIN_RESULTS and len(headlines) >= RESULT_SHARE * len(shown) and snippets * 2 >= len(headlines):
        return (f"a list of results: {len(headlines)} linked headlines, {snippets} of them followed by a snippet, "
                f"in {len(shown)} blocks")
    return None


def _is_linked_headline(block: Block, text: str) -> bool:
    if not isinstance(block, (Paragraph, Heading)) or not HEADLINE[0] <= len(text) <= HEADLINE[1]:
        return False
    linked = sum(len(run.node.text.strip()) for run in iter_texts(block) if run.linked)
    return linked * 10 >= len(text.replace(" ", "")) * 9
