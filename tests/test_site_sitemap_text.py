"""sitemap.xml's text without Jinja (site/sitemap.py) is what MkDocs' template renders, for any URLs; a
theme whose sitemap.xml is not MkDocs' own, or an environment with other options, is left to Jinja."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mkdocs.theme import Theme

from build_tools.site.sitemap import renders_like_mkdocs, sitemap_text

URL = st.one_of(st.none(), st.just(""), st.text(alphabet="/:.ab文&<>\"' %\n", max_size=12))
DAY = st.sampled_from(["2023-11-14", ""])


@pytest.fixture(scope="module")
def env():
    return Theme(name="material").get_env()


def _jinja(env, urls, day: str) -> str:
    pages = [SimpleNamespace(page=SimpleNamespace(is_link=False, canonical_url=canonical, abs_url=absolute,
                                                  update_date=day)) for canonical, absolute in urls]
    return env.get_template("sitemap.xml").render({"pages": pages})


def test_mkdocs_own_template_in_material_s_environment_is_recognised(env):
    assert renders_like_mkdocs(env)


@settings(max_examples=200, deadline=None)
@given(urls=st.lists(st.tuples(URL, URL), max_size=6), day=DAY)
def test_the_text_equals_the_template_s_output(env, urls, day):
    assert sitemap_text(urls, day) == _jinja(env, urls, day)


@pytest.mark.parametrize("change", ["theme sitemap", "trim_blocks", "autoescape", "keep_trailing_newline", "finalize"])
def test_another_template_or_other_options_are_left_to_jinja(tmp_path: Path, change: str):
    theme = tmp_path / "theme"
    theme.mkdir()
    if change == "theme sitemap":
        (theme / "sitemap.xml").write_text("<urlset>{% for file in pages %}x{% endfor %}</urlset>\n")
    env = Theme(name="material", custom_dir=str(theme)).get_env()
    if change == "finalize":
        env.finalize = str.upper
    elif change != "theme sitemap":
        setattr(env, change, True)
    assert not renders_like_mkdocs(env)
