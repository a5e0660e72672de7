"""Is this an article?  Its own step, with the reason in the report when it is not.

Cleaning already rejects block pages that say what they are (captcha, deleted, login wall, 404) and dumps
with almost no body left.  This step reads the *shape* of a saved page, which a list or index page cannot
hide: a channel page, a forum's thread list, a portal's home page or a login screen has no container of
prose, or one with a few sentences drowned in links.  The thresholds are set from the labelled corpus and
kept conservative: a short article on a link-heavy portal page must still pass (see tests/test_gate.py).
"""

from __future__ import annotations

from build_tools.model import Article, Failure, PageShape

MIN_MAIN_PROSE = 60  # below this no container reads as prose at all
SHORT_PROSE = 300  # "a few sentences"
LINKY_PAGE = 0.7  # share of the page's text inside links on list and index pages


def assess(article: Article) -> Article | Failure:
    reason = page_reason(article.page) if article.page is not None else None
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
