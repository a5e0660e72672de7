"""A page's Markdown → HTML as MkDocs' ``Page.render`` does it, with one ``markdown.Markdown`` per process.

MkDocs makes a new ``Markdown`` for every page: loading and registering the extensions, building the
block and inline parsers (~0.5 ms of CPU a page, a tenth of the page's Markdown conversion at 10k
articles).  Python-Markdown's documented way to convert many documents is one instance and ``reset()``
between them, which clears the instance's state and calls every registered extension's ``reset``.

MkDocs' own per-page processors (raw HTML anchors, anchors, relative links, the title) hold the page they
serve, so they are made per page as MkDocs makes them; what is registered once is a stand-in per processor
(same name, same priority, same registration order as ``Page.render``'s), which runs that page's
processor.  The registries' order is therefore the one a fresh instance has.

Only extensions whose state ``reset`` clears completely are reused (:data:`_RESETS_ALL`, by the module
that defines the extension's class); footnotes with ``UNIQUE_IDS`` number their ids per document converted,
so that setting, like any extension not listed, gets MkDocs' fresh instance per page.
``tests/test_site_convert.py`` converts sequences of documents exercising every listed extension both ways.
"""

from __future__ import annotations

import logging

import markdown
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from mkdocs.structure.pages import (
    _ExtractAnchorsTreeprocessor,
    _ExtractTitleTreeprocessor,
    _RawHTMLPreprocessor,
    _RelativePathTreeprocessor,
)
from mkdocs.structure.toc import get_toc

log = logging.getLogger("mkdocs.structure.pages")  # the logger whose level Page.render consults

# Extensions audited: their state lives in the instance's htmlStash/references (cleared by reset), in
# their own ``reset`` or in objects made per document.
_RESETS_ALL = frozenset({
    "markdown.extensions.toc", "markdown.extensions.tables", "markdown.extensions.fenced_code",
    "markdown.extensions.attr_list", "markdown.extensions.md_in_html", "markdown.extensions.admonition",
    "markdown.extensions.footnotes", "markdown.extensions.def_list", "markdown.extensions.abbr",
    "markdown.extensions.sane_lists", "markdown.extensions.smarty", "markdown.extensions.meta",
    "pymdownx.details", "pymdownx.superfences", "pymdownx.highlight",
})

# Page.render's registrations, in its order: (registry, name, priority).
_SLOTS = (("preprocessors", "mkdocs_raw_html", 21), ("treeprocessors", "mkdocs_extract_anchors", 5),
          ("treeprocessors", "relpath", 0), ("treeprocessors", "mkdocs_extract_title", 1))


class _PreSlot(Preprocessor):
    """Stands in, registered once, for the page's own preprocessor."""

    target: Preprocessor

    def run(self, lines):
        return self.target.run(lines)


class _TreeSlot(Treeprocessor):
    """Stands in, registered once, for the page's own treeprocessor."""

    target: Treeprocessor

    def run(self, root):
        return self.target.run(root)


class _Converter:
    """One Markdown instance for one config's extensions, with the stand-ins registered."""

    def __init__(self, config):
        self.md = markdown.Markdown(extensions=config["markdown_extensions"],
                                    extension_configs=config["mdx_configs"] or {})
        self.slots = []
        for registry, name, priority in _SLOTS:
            slot = _PreSlot(self.md) if registry == "preprocessors" else _TreeSlot(self.md)
            getattr(self.md, registry).register(slot, name, priority)
            self.slots.append(slot)

    def render(self, page, config, files) -> None:
        """What ``page.render(config, files)`` does, on this instance."""
        md = self.md
        raw_html = _RawHTMLPreprocessor()
        anchors = _ExtractAnchorsTreeprocessor(page.file, files, config)
        relative = _RelativePathTreeprocessor(page.file, files, config)
        title = _ExtractTitleTreeprocessor()
        for slot, processor in zip(self.slots, (raw_html, anchors, relative, title), strict=True):
            processor.md = md
            slot.target = processor
        md.reset()
        try:
            page.content = md.convert(page.markdown)
            page.toc = get_toc(getattr(md, "toc_tokens", []))
        finally:
            md.reset()  # the page's text and tree are not kept alive until the next page
            for slot in self.slots:
                del slot.target
        page._title_from_render = title.title
        page.present_anchor_ids = anchors.present_anchor_ids | raw_html.present_anchor_ids
        if log.getEffectiveLevel() > logging.DEBUG:
            page.links_to_anchors = relative.links_to_anchors


def _module(extension) -> str:
    """The module an entry of ``markdown_extensions`` names (a short name is one of Markdown's own)."""
    if not isinstance(extension, str):
        return type(extension).__module__
    name = extension.partition(":")[0]
    return name if "." in name else f"markdown.extensions.{name}"


def reusable(md: markdown.Markdown, named=()) -> bool:
    """True when every extension the config names and every one ``md`` registered (some register others) is one
    whose state ``reset`` clears (an extension with no ``reset`` registers nothing: the names cover it)."""
    if any(_module(extension) not in _RESETS_ALL for extension in named):
        return False
    for extension in md.registeredExtensions:
        if type(extension).__module__ not in _RESETS_ALL:
            return False
        if type(extension).__module__ == "markdown.extensions.footnotes" and extension.getConfig("UNIQUE_IDS"):
            return False
    return True


_converter: tuple[object, _Converter | None] | None = None  # (the config it was made for, it or None)


def render_page(page, config, files) -> None:
    """``page.render(config, files)``: on this process's instance for ``config`` when its extensions allow."""
    global _converter
    if page.markdown is None:
        raise RuntimeError("`markdown` field hasn't been set (via `read_source`)")
    if _converter is None or _converter[0] is not config:
        made = _Converter(config)
        _converter = (config, made if reusable(made.md, config["markdown_extensions"]) else None)
    if _converter[1] is None:
        page.render(config, files)
    else:
        _converter[1].render(page, config, files)


def populate_page(page, config, files) -> None:
    """``mkdocs.commands.build._populate_page`` (not dirty), the Markdown converted by :func:`render_page`."""
    from mkdocs.exceptions import BuildError

    config._current_page = page
    try:
        page = config.plugins.on_pre_page(page, config=config, files=files)
        page.read_source(config)
        page.markdown = config.plugins.on_page_markdown(page.markdown, page=page, config=config, files=files)
        render_page(page, config, files)
        page.content = config.plugins.on_page_content(page.content, page=page, config=config, files=files)
    except Exception as e:
        message = f"Error reading page '{page.file.src_uri}':"
        if not isinstance(e, BuildError):  # MkDocs prints a BuildError's message itself right after
            message += f" {e}"
        logging.getLogger("mkdocs.commands.build").error(message)
        raise
    finally:
        config._current_page = None
