"""sitemap.xml's text without Jinja, byte for byte what MkDocs' template renders (when the theme uses it).

The sitemap lists every page (~25,000 at 10k articles) and is written again whenever a page is added or
removed: rendering MkDocs' template over that many entries cost ~0.13 s of a one-added render, for a text that
is a fixed head, one fixed chunk per page and a fixed tail.  :func:`renders_like_mkdocs` says whether the
theme's ``sitemap.xml`` is MkDocs' own template in an environment that renders it as written here (no
override in the theme folder, Jinja's default whitespace options); when it is not, the caller renders the
template (``tests/test_site_sitemap_xml.py`` compares both over hostile URLs).
"""

from __future__ import annotations

from collections.abc import Iterable

from markupsafe import escape

# mkdocs/templates/sitemap.xml (MkDocs 1.6), as the theme's loader returns it.
MKDOCS_TEMPLATE = ("""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
{%- for file in pages -%}
    {% if not file.page.is_link and (file.page.abs_url or file.page.canonical_url) %}
    <url>
         <loc>{% if file.page.canonical_url %}{{ file.page.canonical_url|e }}{% else %}"""
    """{{ file.page.abs_url|e }}{% endif %}</loc>
         {% if file.page.update_date %}<lastmod>{{file.page.update_date}}</lastmod>{% endif %}
    </url>
    {%- endif -%}
{% endfor %}
</urlset>
""")

# What Jinja makes of it: the whitespace controls (``-``) eat the newlines around the loop's tags, and the
# final newline goes (``keep_trailing_newline`` is off).
_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
_TAIL = "\n</urlset>"

# The environment options the texts above assume (Jinja's defaults, which MkDocs' theme keeps).
_OPTIONS = {"autoescape": False, "trim_blocks": False, "lstrip_blocks": False, "keep_trailing_newline": False,
            "newline_sequence": "\n", "block_start_string": "{%", "block_end_string": "%}",
            "variable_start_string": "{{", "variable_end_string": "}}"}


def renders_like_mkdocs(env) -> bool:
    """True when ``env`` renders ``sitemap.xml`` from MkDocs' template with the options :func:`sitemap_text`
    assumes (a theme folder's own sitemap.xml, or another environment, is rendered by Jinja)."""
    if any(getattr(env, name, None) != value for name, value in _OPTIONS.items()) or env.filters.get("e") is not escape:
        return False
    try:
        source = env.loader.get_source(env, "sitemap.xml")[0]
    except Exception:  # noqa: BLE001 - no such template, or a loader that cannot say: Jinja decides
        return False
    return source == MKDOCS_TEMPLATE


def sitemap_text(urls: Iterable[tuple[str | None, str | None]], day: str) -> str:
    """The template's output for pages of (canonical URL, absolute URL), in order, all updated on ``day``
    (every page's ``update_date`` is the build date; none is a link)."""
    lastmod = f"<lastmod>{day}</lastmod>" if day else ""
    parts = [_HEAD]
    for canonical, absolute in urls:
        if absolute or canonical:
            parts.append(f"\n    <url>\n         <loc>{escape(canonical or absolute)}</loc>\n         {lastmod}"
                         "\n    </url>")
    parts.append(_TAIL)
    return "".join(parts)


__all__ = ["MKDOCS_TEMPLATE", "renders_like_mkdocs", "sitemap_text"]
