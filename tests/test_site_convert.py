"""One Markdown instance per process (:mod:`build_tools.site.convert`) renders every page as MkDocs' fresh
instance per page does: content, toc, title, anchors and links to anchors, over sequences of documents that
use every extension of mkdocs.yml (state one document could leave for the next: footnotes, toc ids, stashed
HTML, fenced code, admonitions, details, md_in_html, references), in any order; an extension not audited,
or footnotes numbered per document, gets MkDocs' own path."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mkdocs.config import load_config
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from build_tools.site import convert

ROOT = Path(__file__).resolve().parents[1]

DOCS = [
    "# 标题\n\n正文[^1] 和 [链接](b.md#二节)。\n\n[^1]: 脚注一。\n",
    "# 二\n\n## 二节\n\n```python\nprint('x')\n```\n\n!!! note \"注意\"\n    提醒[^a]。\n\n[^a]: 脚注。\n",
    "<div markdown=\"1\" id=\"raw\">\n**粗体**\n</div>\n\n[ref]: https://example.com/\n\n见 [ref]。\n",
    "??? info \"细节\"\n    内容\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n## 标题 {: #custom .cls }\n",
    "## 重复\n\n## 重复\n\n~~~\ncode\n~~~\n\n[未定义][ref] 和 [坏链接](missing.md)\n",
    "没有标题，只有段落。<a name=\"x\"></a>\n\n    indented code\n",
    "# 末尾未闭合\n\n!!! warning\n    未完\n\n```\nunclosed fence\n",
]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    docs = tmp_path_factory.mktemp("docs")
    for i, text in enumerate(DOCS):
        (docs / f"p{i}.md").write_text(text, encoding="utf-8")
    (docs / "b.md").write_text("# B\n\n## 二节\n", encoding="utf-8")
    config = load_config(config_file=str(ROOT / "mkdocs.yml"), docs_dir=str(docs),
                         site_dir=str(tmp_path_factory.mktemp("site")))
    files = Files([File(f"p{i}.md", str(docs), config.site_dir, True) for i in range(len(DOCS))]
                  + [File("b.md", str(docs), config.site_dir, True)])
    return config, files


def _outcome(config, files, index: int, reuse: bool) -> tuple:
    page = Page(None, files.get_file_from_path(f"p{index}.md"), config)
    page.read_source(config)
    if reuse:
        convert.render_page(page, config, files)
    else:
        page.render(config, files)
    links = {to.src_uri: found for to, found in (page.links_to_anchors or {}).items()}
    return page.content, str(page.toc), page._title_from_render, sorted(page.present_anchor_ids), links


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, len(DOCS) - 1), min_size=1, max_size=12))
def test_one_instance_renders_as_a_fresh_one_per_page(site, order: list[int]) -> None:
    config, files = site
    convert._converter = None
    for index in order:
        assert _outcome(config, files, index, reuse=True) == _outcome(config, files, index, reuse=False)
    assert convert._converter[1] is not None  # the instance was reused, not MkDocs' path


def test_the_instance_is_kept_for_its_config(site) -> None:
    config, files = site
    convert._converter = None
    _outcome(config, files, 0, reuse=True)
    kept = convert._converter[1]
    _outcome(config, files, 1, reuse=True)
    assert convert._converter[1] is kept


@pytest.mark.parametrize(("named", "expected"), [
    (["toc", "tables", "footnotes", "pymdownx.superfences"], True),
    (["toc", "markdown.extensions.tables", "pymdownx.details"], True),
    (["toc", "pymdownx.snippets"], False),  # not audited
    (["toc", "some_plugin.ext"], False),
    (["toc", "abbr:AbbrExtension"], True),
])
def test_only_audited_extensions_reuse(named: list[str], expected: bool) -> None:
    import markdown

    md = markdown.Markdown(extensions=[n for n in named if n.startswith(("toc", "markdown.", "pymdownx.d"))])
    assert convert.reusable(md, named) is expected


def test_footnotes_numbered_per_document_get_a_fresh_instance() -> None:
    import markdown

    md = markdown.Markdown(extensions=["footnotes"], extension_configs={"footnotes": {"UNIQUE_IDS": True}})
    assert not convert.reusable(md, ["footnotes"])
    md = markdown.Markdown(extensions=["footnotes"])
    assert convert.reusable(md, ["footnotes"])
