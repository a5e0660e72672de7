"""An article's cleaned body as HTML, for a feed reader: the page's own Markdown, rendered and sanitised.

The Markdown is the page's (``blocks_md``: every byte of dump text escaped), rendered by Python-Markdown
with the two extensions it relies on, then cleaned by nh3 as a second wall: a feed reader gets no
element, attribute or URL scheme an article page could not hold.
"""

from __future__ import annotations

from build_tools.model import Article
from build_tools.stages.render.markdown import blocks_md

URL_SCHEMES = frozenset({"http", "https", "mailto"})
_TAGS = frozenset({
    "p", "br", "strong", "em", "code", "pre", "a", "img", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol",
    "li", "table", "thead", "tbody", "tr", "th", "td", "hr",
})
_ATTRIBUTES = {"a": {"href"}, "img": {"src", "alt"}, "th": {"align"}, "td": {"align"}}


def article_html(article: Article) -> str:
    """The article's body (not its title, not the archive's furniture) as sanitised HTML."""
    import markdown  # Python-Markdown, as MkDocs renders the pages
    import nh3

    html = markdown.markdown(blocks_md(article.blocks), extensions=["attr_list", "tables"], output_format="html")
    return nh3.clean(html, tags=set(_TAGS), attributes={k: set(v) for k, v in _ATTRIBUTES.items()},
                     link_rel="noopener noreferrer nofollow", url_schemes=set(URL_SCHEMES), strip_comments=True)
