"""The one block and inline walker (build_tools.model.walk): every block kind, nested."""

from __future__ import annotations

import doctest

import pytest

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
    block_text,
    walk,
)
from build_tools.model.walk import (
    child_blocks,
    iter_inline_groups,
    iter_nodes,
    iter_texts,
    map_blocks,
    map_children,
    map_inlines,
    map_nodes,
    map_texts,
    merge_texts,
    text_length,
)

RICH = (Text("甲"), Strong((Text("乙"), Emph((Text("丙"),)))), Break(), Code("x()"),
        InlineImage("https://e.com/a.png", "图"), Link("https://e.com", (Text("链"),)),
        EntityRef("acme", (Text("艾克"),)), Text("丁"))

# (name, block, the Text nodes' texts in document order, of which linked)
BLOCKS = [
    ("paragraph", Paragraph(RICH), ["甲", "乙", "丙", "链", "艾克", "丁"], {"链", "艾克"}),
    ("heading", Heading(2, (Text("标题"),)), ["标题"], set()),
    ("turn", Turn("记者", (Text("问"), Strong((Text("答"),))), True), ["问", "答"], set()),
    ("figure", Figure("https://e.com/a.png", "alt", (Text("图注"),)), ["图注"], set()),
    ("figure without caption", Figure("https://e.com/a.png"), [], set()),
    ("code block", CodeBlock("print(1)", "py"), [], set()),
    ("rule", Rule(), [], set()),
    ("table", Table(((Text("表头"),), ()), (((Text("一"),), (Text("二"), Break(), Text("三"))),)),
     ["表头", "一", "二", "三"], set()),
    ("quote", Quote((Paragraph((Text("引"),)), CodeBlock("c"), Turn("甲", (Text("乙"),)))),
     ["引", "乙"], set()),
    ("list", ListBlock(False, ((Paragraph((Text("一"),)), Paragraph((Text("二"),))), (),
                               (Heading(3, (Text("三"),)),))), ["一", "二", "三"], set()),
    ("nested", Quote((ListBlock(True, ((Quote((Paragraph((Text("深"),)), Rule())),),
                                       (Table(((Text("格"),),), ()),))),
                      Figure("", "", (Link("https://e.com", (Text("链"),)), Text("尾"))))),
     ["深", "格", "链", "尾"], {"链"}),
]
IDS = [case[0] for case in BLOCKS]


@pytest.mark.parametrize(("name", "block", "texts", "linked"), BLOCKS, ids=IDS)
def test_texts_in_document_order_at_block_text_offsets(name, block, texts, linked):
    runs = list(iter_texts(block))
    assert [run.node.text for run in runs] == texts
    shown = block_text(block)
    for run in runs:
        assert shown[run.offset:run.offset + len(run.node.text)] == run.node.text
        assert run.linked == (run.node.text in linked)


@pytest.mark.parametrize(("name", "block", "texts", "linked"), BLOCKS, ids=IDS)
def test_inline_groups_cover_the_block_text(name, block, texts, linked):
    shown = block_text(block)
    from build_tools.model import inline_text
    for offset, group in iter_inline_groups(block):
        assert shown[offset:offset + text_length(group)] == inline_text(group)


@pytest.mark.parametrize(("name", "block", "texts", "linked"), BLOCKS, ids=IDS)
def test_identity_maps_return_the_same_objects(name, block, texts, linked):
    assert map_inlines(block, lambda group: group) is block
    assert map_texts(block, lambda node, offset: None) is block
    assert map_blocks((block,), lambda b, depth: None)[0] is block
    assert map_children(block, lambda kids: kids, lambda group: group) is block


@pytest.mark.parametrize(("name", "block", "texts", "linked"), BLOCKS, ids=IDS)
def test_map_texts_rewrites_unlinked_text_with_its_offset(name, block, texts, linked):
    new = map_texts(block, lambda node, offset: (Text(node.text.upper() + f"@{offset}"),))
    expected = [f"{run.node.text}@{run.offset}" if not run.linked else run.node.text for run in iter_texts(block)]
    assert [run.node.text for run in iter_texts(new)] == expected
    assert (new is block) == (not [t for t in texts if t not in linked])


@pytest.mark.parametrize(("name", "block", "texts", "linked"), BLOCKS, ids=IDS)
def test_map_inlines_reaches_every_group(name, block, texts, linked):
    seen = []
    new = map_inlines(block, lambda group: seen.append(group) or (Text("x"),) if group else group)
    assert seen == [group for _offset, group in iter_inline_groups(block) if group]
    assert [run.node.text for run in iter_texts(new)] == ["x"] * len(seen)


def iter_blocks(blocks, depth=0):
    """Every block with its depth, document order (what the tests below compare)."""
    for block in blocks:
        yield block, depth
        yield from iter_blocks(child_blocks(block), depth + 1)


def test_child_blocks_in_document_order():
    nested = BLOCKS[-1][1]
    kinds = [(type(b).__name__, depth) for b, depth in iter_blocks((nested, Rule()))]
    assert kinds == [("Quote", 0), ("ListBlock", 1), ("Quote", 2), ("Paragraph", 3), ("Rule", 3),
                     ("Table", 2), ("Figure", 1), ("Rule", 0)]
    assert child_blocks(Paragraph(())) == ()


@pytest.mark.parametrize(("limit", "expected"), [
    (0, ["Paragraph"]),
    (1, ["Quote", "Paragraph", "Figure"]),
    (9, ["Quote", "ListBlock", "Quote", "Paragraph", "Rule", "Table", "Figure"]),
])
def test_map_blocks_stops_at_a_depth(limit, expected):
    nested = BLOCKS[-1][1]

    def bound(block, depth):
        if isinstance(block, (Quote, ListBlock)) and depth >= limit:
            return (Paragraph((Text(block_text(block)),)),)
        return None

    out = map_blocks((nested,), bound)
    assert [type(b).__name__ for b, _depth in iter_blocks(out)] == expected
    assert block_text(out[0]).replace("\n", "") == block_text(nested).replace("\n", "")


def test_map_blocks_can_drop_and_multiply_blocks():
    blocks = (Paragraph((Text("a"),)), Rule(), Paragraph((Text("b"),)))
    out = map_blocks(blocks, lambda b, d: () if isinstance(b, Rule) else (b, b))
    assert [block_text(b) for b in out] == ["a", "a", "b", "b"]


def test_map_blocks_turns_lists_into_tuples():
    blocks = (Quote([Paragraph((Text("a"),))]),)  # a reader left a list where a tuple belongs
    out = map_blocks(blocks, lambda b, d: None)
    assert type(out[0].blocks) is tuple


@pytest.mark.parametrize(("inlines", "fn", "expected"), [
    ((Strong((Text("a"), Emph((Text("b"),)))),), lambda n: n.children if isinstance(n, Emph) else None,
     (Strong((Text("a"), Text("b"))),)),
    ((Link("u", (Text("a"),)), Text("b")), lambda n: n.children if isinstance(n, Link) else None,
     (Text("a"), Text("b"))),
    ((EntityRef("e", (Strong((Text("a"),)),)),), lambda n: (Text("z"),) if isinstance(n, Strong) else None,
     (EntityRef("e", (Text("z"),)),)),
    ((Text("a"), Code("c")), lambda n: () if isinstance(n, Code) else None, (Text("a"),)),
])
def test_map_nodes_rewrites_bottom_up(inlines, fn, expected):
    assert map_nodes(inlines, fn) == expected


def test_map_nodes_keeps_identity_when_nothing_changes():
    inlines = (Strong((Text("a"),)), Text("b"))
    assert map_nodes(inlines, lambda n: None) is inlines


@pytest.mark.parametrize(("inlines", "expected"), [
    ((Text("a"), Text("b"), Break(), Text("c")), (Text("ab"), Break(), Text("c"))),
    ((Text("a"),), (Text("a"),)),
    ((), ()),
    ((Strong((Text("a"), Text("b"))), Text("c")), (Strong((Text("a"), Text("b"))), Text("c"))),  # one level
])
def test_merge_texts(inlines, expected):
    assert merge_texts(inlines) == expected


def test_iter_nodes_preorder():
    assert [type(n).__name__ for n in iter_nodes(RICH[:3])] == ["Text", "Strong", "Text", "Emph", "Text", "Break"]


def test_docstring_examples():
    assert doctest.testmod(walk).failed == 0
