"""Block trees with hostile text in every slot never render to live HTML.

Hypothesis builds random block trees (lists, quotes, tables, code, captions, Q&A turns, headings, nested to
any depth the writer accepts) and fills every text, URL, language and speaker slot with attack strings.  Each
tree goes through the Markdown writer and then Python-Markdown with exactly the extensions of mkdocs.yml, and
the HTML must hold no element or attribute outside the article allowlist (the same allowlist the site check
enforces on the built site), no dangerous URL scheme, and must be left unchanged by nh3 with that allowlist.

``make test`` runs a fixed seed with a modest number of examples; the nightly CI job sets
``FUZZ_EXAMPLES`` (and drops the fixed seed) to search much further.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from build_tools.model import (
    Break,
    Code,
    CodeBlock,
    Emph,
    EntityRef,
    Figure,
    Heading,
    InlineImage,
    Link,
    ListBlock,
    Paragraph,
    Quote,
    Rule,
    Strong,
    Table,
    Text,
    Turn,
)
from build_tools.sitecheck.allowlist import violations
from build_tools.stages.render.markdown import blocks_md
from tests.fixtures.hostile.corpus import markdown_html
from tests.test_properties import ATTACKS, URL

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
NIGHTLY = "FUZZ_EXAMPLES" in os.environ
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=not NIGHTLY,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

SCRIPT = "<script>alert(document.domain)</script>"
HOSTILE_TEXT = st.lists(
    st.one_of(st.sampled_from(ATTACKS + [SCRIPT, "x\n\n" + SCRIPT, "\n    " + SCRIPT, "```", "~~~\n", "\n```\n"]),
              st.sampled_from(["茶农", "旧书店", "。", "\n", "\n\n", "    ", "\t", "-", "1.", ">", "|", "*", "`"]),
              st.text(max_size=8)),
    max_size=8,
).map("".join)


def inlines(depth: int = 0) -> st.SearchStrategy:
    leaf = st.one_of(
        HOSTILE_TEXT.map(Text), HOSTILE_TEXT.map(Code), st.just(Break()),
        st.builds(InlineImage, URL, HOSTILE_TEXT),
    )
    if depth >= 2:
        return st.lists(leaf, max_size=4).map(tuple)
    child = inlines(depth + 1)
    node = st.one_of(
        leaf,
        child.map(Strong), child.map(Emph),
        st.builds(Link, URL, child),
        st.builds(EntityRef, st.sampled_from(["nvidia", "x", "../../x", "a b"]), child),
    )
    return st.lists(node, max_size=5).map(tuple)


LEAF_BLOCKS = st.one_of(
    inlines().map(Paragraph),
    st.builds(Heading, st.integers(-1, 9), inlines()),
    st.builds(Turn, HOSTILE_TEXT, inlines(), st.booleans()),
    st.builds(Figure, URL, HOSTILE_TEXT, inlines()),
    st.builds(CodeBlock, HOSTILE_TEXT, st.one_of(st.just(""), st.sampled_from(["python", "html", "js"]), HOSTILE_TEXT)),
    st.builds(Table, st.lists(inlines(1), max_size=3).map(tuple),
              st.lists(st.lists(inlines(1), max_size=3).map(tuple), max_size=3).map(tuple)),
    st.just(Rule()),
)

BLOCKS = st.recursive(
    LEAF_BLOCKS,
    lambda children: st.one_of(
        st.lists(children, min_size=1, max_size=3).map(tuple).map(Quote),
        st.builds(ListBlock, st.booleans(),
                  st.lists(st.lists(children, min_size=1, max_size=3).map(tuple), min_size=1, max_size=4).map(tuple)),
    ),
    max_leaves=12,
)


@pytest.mark.slow  # hypothesis, ~13 s
@seed(20261203)
@FUZZ
@given(st.lists(BLOCKS, min_size=1, max_size=4).map(tuple))
def test_no_block_tree_renders_to_html_outside_the_allowlist(blocks):
    html = markdown_html(blocks_md(blocks))
    assert violations(html) == [], html


def test_code_as_the_first_block_of_a_list_item_stays_code():
    """The red team's reproducer: a fence opened on the list marker's line was no fence at all."""
    for ordered in (False, True):
        tree = (ListBlock(ordered, ((CodeBlock("x\n\n" + SCRIPT),), (Paragraph((Text("b"),)),))),)
        html = markdown_html(blocks_md(tree))
        assert violations(html) == [], html
        assert "&lt;script&gt;alert(document.domain)&lt;/script&gt;" in html
        assert "<code>" in html


def test_code_first_in_a_quote_inside_a_list_item_stays_code():
    tree = (ListBlock(False, ((Quote((CodeBlock(SCRIPT),)),),)),)
    html = markdown_html(blocks_md(tree))
    assert violations(html) == [], html


def test_code_after_an_empty_first_block_of_a_list_item_stays_code():
    """Found by the fuzz: an empty paragraph renders to nothing, so the fence was first after all."""
    tree = (ListBlock(False, ((Paragraph(()), CodeBlock("")), (Paragraph((Code(SCRIPT),)),))),)
    html = markdown_html(blocks_md(tree))
    assert violations(html) == [], html
