"""The one place that writes text into the formats pages are made of: Markdown and YAML front matter.

Everything that came from a dump is escaped here: it can never become HTML, a link with a dangerous
scheme, an attribute list, a block construct of one of the extensions in mkdocs.yml (admonitions,
details, fences, tables, setext headings) or a template expression.  URLs pass only with http(s)/mailto
schemes and a browser-valid host.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from urllib.parse import quote, urlsplit

import yaml

# libyaml's emitter when present (same output, an order of magnitude faster).
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

SAFE_SCHEMES = {"http", "https", "mailto"}
# Every character Python-Markdown (with the mkdocs.yml extensions) could read as markup,
# wherever it stands in a line.  Backslash escapes are ones Python-Markdown knows
# (ESCAPED_CHARS, plus "|" from the tables extension); <, > and & become entities.
_INLINE = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        "\\": "\\\\",
        "`": "\\`",
        "*": "\\*",
        "_": "\\_",
        "{": "\\{",
        "}": "\\}",
        "[": "\\[",
        "]": "\\]",
        "|": "\\|",
        "#": "\\#",
        # Line separators: Python-Markdown turns \r into a new line, str.splitlines() more.
        "\r": "\n",
        "\x0b": "\n",
        "\x0c": "\n",
        "\x1c": "\n",
        "\x1d": "\n",
        "\x1e": "\n",
        "\x85": "\n",
        "\u2028": "\n",
        "\u2029": "\n",
        # Python-Markdown's placeholder markers and other C0 controls never reach a page.
        **{chr(c): None for c in range(0x20) if chr(c) not in "\t\n\r\x0b\x0c\x1c\x1d\x1e"},
        "\x7f": None,
    }
)
# Starts of a line that open a block construct.  (?<!\s) keeps the newline collapse linear:
# a long run of spaces without a newline is tried once, not once per character.
_NEWLINES = re.compile(r"(?<!\s)\s*\n\s*")
_ORDERED = re.compile(r"(\d+)([.)])")
_LINE_START = {
    "-": "\\-",  # bullet list, setext underline, rule, front-matter fence
    "+": "\\+",  # bullet list
    "!": "\\!",  # !!! admonition
    "=": "&#61;",  # setext underline
    "?": "&#63;",  # ??? details
    "~": "&#126;",  # ~~~ fence
    ":": "&#58;",  # definition list / ::: fences of other extensions
    "%": "&#37;",  # template delimiters ({% is escaped anyway; belt and braces)
}
# user:password@host:port with a host of letters (any script), digits, dots and hyphens.
_HOST = re.compile(r"(?:[^\s/?#@\[\]\\]+@)?[^\W_](?:[\w.-]*[^\W_])?\.?(?::\d{1,5})?")
LINE_BREAKS = re.compile(r"[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
CONTROLS = str.maketrans({**{chr(c): None for c in range(0x20) if chr(c) not in "\t\n"}, "\x7f": None})


def escape_inline(text: str, line_start: bool = True) -> str:
    """Escape text so Python-Markdown shows it literally (no HTML, links, emphasis, attr lists, Jinja).

    ``line_start``: the text may begin a Markdown line, so block markers at its start are escaped too.
    """
    text = text.translate(_INLINE)
    if "\n" in text:
        text = _NEWLINES.sub(" ", text)
    if line_start:
        text = text.lstrip()
        ordered = _ORDERED.match(text)
        if ordered:
            text = f"{ordered.group(1)}\\{ordered.group(2)}{text[ordered.end():]}"
        elif text[:1] in _LINE_START:
            text = _LINE_START[text[0]] + text[1:]
    return text


_SPACES = re.compile(r"\s+")
_BARE_HASH = re.compile(r"(\\.)|#")  # an escape pair is kept whole; a bare # gets a backslash
_BRACE = re.compile(r"\\?([{}])")  # a brace, backslash-escaped or not
_BRACE_REFERENCE = {"{": "&#123;", "}": "&#125;"}


@lru_cache(maxsize=1 << 16)  # a title is listed on several pages, a snippet under every entity it names
def escape_line(text: str, *, braces_as_references: bool = False, escape_every_hash: bool = False) -> str:
    """``text`` shown literally inside one Markdown line of a generated page (link text, list item, heading).

    Whitespace runs, newlines included, collapse to one space and the ends are trimmed, so a title can
    never open a new block; then :func:`escape_inline` does the escaping.  Two page-specific rules:

    * ``braces_as_references`` (entity pages): ``{`` and ``}`` become ``&#123;`` / ``&#125;`` instead of
      backslash escapes, so no ``{{`` or ``{%`` survives even for a reader that ignores Markdown escapes;
    * ``escape_every_hash`` (index pages): the ``#`` of the character references :func:`escape_inline`
      writes for a line-start ``=``, ``?``, ``~``, ``:`` or ``%`` gets a backslash too.  Python-Markdown
      renders ``&\\#61;`` and ``&#61;`` alike; the rule stays so that pages stay byte-identical.
    """
    escaped = escape_inline(_SPACES.sub(" ", text).strip())
    if braces_as_references:
        # escape_inline put one backslash before every brace: it goes with the brace.
        escaped = _BRACE.sub(lambda m: _BRACE_REFERENCE[m.group(1)], escaped)
    if escape_every_hash:
        escaped = _BARE_HASH.sub(lambda m: m.group(1) or "\\#", escaped)
    return escaped


def safe_url(url: str, entity_link: bool = False) -> str | None:
    url = url.strip()
    if entity_link:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unbalanced "[" in the host
        return None
    if parts.scheme.lower() not in SAFE_SCHEMES or not (parts.netloc or parts.scheme.lower() == "mailto"):
        return None
    if parts.netloc and not _HOST.fullmatch(parts.netloc):
        return None  # e.g. an IPv6 literal or a host with spaces: no browser-valid URL to keep
    return quote(url, safe="/:?&=#%+@,;~!$*'.-_")


def image_url(src: str) -> str | None:
    """An image is only ever loaded over http(s)."""
    url = safe_url(src)
    return url if url and is_external(url) else None


def is_external(url: str) -> bool:
    return url[:8].lower().startswith(("http://", "https://"))


def dump_yaml(data: Mapping) -> str:
    return yaml.dump(dict(data), Dumper=_DUMPER, allow_unicode=True, sort_keys=False, default_flow_style=False,
                     width=4096)
