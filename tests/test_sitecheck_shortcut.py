"""The site check's shortcut (an article region nh3 leaves as it is has no violation) gives the verdicts of the
full comparison of shapes, on fixed cases (inert, hostile, and inert but re-serialised by nh3) and on random
fragments of allowed and forbidden tags, attributes and URLs."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from build_tools.sitecheck import allowlist


def _full_comparison(fragment: str) -> list[str]:
    """The check without the shortcut (its code before session 29): both shapes compared whatever nh3 returned."""
    return allowlist.removed(allowlist._shape(fragment), allowlist._shape(allowlist.sanitised(fragment)))


CASES = [
    ("", False),
    ("   \n", False),
    ("<p>中文 <strong>粗</strong> &amp; <a href=\"https://example.com/\">链接</a></p>", False),
    ("<p>single quotes <a href='https://example.com/'>x</a></p>", False),  # nh3 re-quotes: no shortcut, inert
    ("<p>bare <br/> and <img src=\"https://a.example/i.png\" alt=\"\"></p>", False),
    ("<p>x</p><script>alert(1)</script>", True),
    ("<p onclick=\"alert(1)\">x</p>", True),
    ("<a href=\"javascript:alert(1)\">x</a>", True),
    ("<p>x</p><!-- a comment -->", True),
    ("<iframe src=\"https://evil.example/\"></iframe>", True),
    ("<div style=\"color:red\">x</div>", True),
    ("<table><tr><td align=\"left\">x</td></tr></table>", False),
    ("<p>&lt;script&gt; as text</p>", False),
]


@pytest.mark.parametrize(("fragment", "hostile"), CASES)
def test_shortcut_gives_the_full_comparisons_verdict(fragment: str, hostile: bool) -> None:
    found = allowlist.violations(fragment)
    assert found == _full_comparison(fragment)
    assert bool(found) == hostile


_TAGS = ["p", "a", "img", "script", "span", "div", "iframe", "style", "table", "td", "em", "details", "form"]
_ATTRS = ["", " class=\"x\"", " href=\"https://e.example/\"", " href=\"javascript:x\"", " onclick=\"x\"",
          " src=\"data:x\"", " style=\"a\"", " id='q'", " title=\"&quot;\"", " open"]
_TEXT = st.text(alphabet="中文ab &<>\"'\n", max_size=6)


@st.composite
def _fragments(draw) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 5))):
        tag, attr = draw(st.sampled_from(_TAGS)), draw(st.sampled_from(_ATTRS))
        parts.append(f"<{tag}{attr}>{draw(_TEXT)}</{tag}>" if draw(st.booleans()) else draw(_TEXT))
        if draw(st.integers(0, 9)) == 0:
            parts.append("<!-- c -->")
    return "".join(parts)


@settings(max_examples=300, deadline=None)
@given(_fragments())
def test_shortcut_agrees_on_random_fragments(fragment: str) -> None:
    assert allowlist.violations(fragment) == _full_comparison(fragment)
