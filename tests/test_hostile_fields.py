"""One bad value costs that value, never the article or the build (issue 12 items 2 and 3).

A clipper's front matter is YAML that anyone wrote: a value YAML cannot turn into data (an impossible date,
a 5,000-digit number, a list nested thousands deep, an unknown tag) is dropped with a warning naming the
field and the value, and the rest of the front matter still counts.  A value the page's front matter cannot
carry (an upper-case scheme, a year before 1000, a 150-character source name) is normalised or dropped the
same way.  Each case is a whole dump prepared and rendered, as the build does.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from build_tools.config.corrections import Overrides
from build_tools.model import Failure
from build_tools.pipeline.prepare_work import prepare
from build_tools.settings import Settings
from build_tools.stages.render.page import render_article
from tests.fixtures.hostile.corpus import prose, run_build

# name → (front matter lines, fields the page must show, warning words (None: no warning)); every dump
# also says ``title: 标题一`` and must keep it.
CASES = {
    "impossible-date": ("date: 2025-02-30\nauthor: 王博", {"authors": ["王博"]}, "field date: '2025-02-30'"),
    "huge-number": ("date: 1" + "0" * 5000 + "\nauthor: 王博", {"authors": ["王博"]},
                    "field date: '1000000000"),
    "huge-hex-number": ("date: 0x" + "f" * 5000 + "\nauthor: 王博", {"authors": ["王博"]}, "field date:"),
    "deep-list": ("tags: " + "[" * 20_000 + "]" * 20_000 + "\nauthor: 王博", {"authors": ["王博"]},
                  "field tags:"),
    "deep-block-list": ("author: 王博\ntags:\n" + "".join("  " * i + "- \n" for i in range(1, 80)),
                        {"authors": ["王博"]}, "field tags:"),
    "nested-values": ("author: [[甲, 乙], {名: 丙}, 王博]\ndate: {y: 2025}", {"authors": ["王博"]},
                      "field author: a list of 2 items"),
    "unknown-tag": ("date: !weird 2025-01-01\nauthor: 王博", {"authors": ["王博"]}, "field date:"),
    "bad-binary": ("date: !!binary '***'\nauthor: 王博", {"authors": ["王博"]}, "field date:"),
    "alias-bomb": ("a: &a [x, x, x, x, x, x, x, x, x]\n"
                   + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n"
                             for i in range(8)) + "tags: [*i]\nauthor: 王博", {"authors": ["王博"]}, "field tags:"),
    "upper-case-scheme": ("url: HTTPS://Example.com/a?b=1\nauthor: 王博",
                          {"url": "https://Example.com/a?b=1"}, None),
    "year-before-1000": ("published: 0999-01-02\nauthor: 王博", {"date": "0999-01-02"}, None),
    "long-source": ("site_name: " + "长" * 150 + "\nauthor: 王博", {"authors": ["王博"]},
                    "field source: '长长长"),
    "many-keys-on-one-bomb": ("a: &a [x, x, x, x, x, x, x, x, x]\n"
                              + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n"
                                        for i in range(8)) + "".join(f"k{n}: *i\n" for n in range(3000))
                              + "author: 王博", {"authors": ["王博"]}, None),
}


def _dump(tmp_path: Path, name: str) -> Path:
    lines, _, _ = CASES[name]
    path = tmp_path / f"{name}.md"
    body = "\n\n".join(prose(name, 4))  # each its own article (not a duplicate of another)
    path.write_text(f"---\ntitle: 标题一\n{lines}\n---\n\n{body}\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_bad_value_costs_that_value_only(tmp_path, name):
    _, shown, warned = CASES[name]
    path = _dump(tmp_path, name)
    article = prepare(path, Settings(raw_dir=tmp_path), Overrides())
    assert not isinstance(article, Failure), article
    page = render_article(article)
    assert isinstance(page, str), page
    head = page.split("---\n")[1]
    assert "title: 标题一" in head
    for field, value in shown.items():
        assert json.dumps(value, ensure_ascii=False).strip('"[]') in head, (field, head)
    warnings = [h.value for h in article.hint_values("warning")]
    if warned is None:
        assert warnings == []
    else:
        assert any(warned in w for w in warnings), warnings
        assert all(len(w) < 400 for w in warnings), warnings  # the value is quoted cut short


def test_a_year_before_1000_is_written_with_four_digits():
    from build_tools.stages.metadata import _norm_date, _norm_datetime

    assert _norm_date("0999-01-02") == "0999-01-02"
    assert _norm_date("Thu, 02 Jan 0999 10:00:00 +0000") == "0999-01-02"
    assert _norm_datetime("0099-12-31 08:00") == "0099-12-31 08:00"
    assert _norm_date("2025-02-30") is None and _norm_date("0000-01-01") is None
    assert _norm_date("1 Jan 99999999999999999999 00:00:00 +0000") is None  # OverflowError before


@pytest.mark.slow  # the build CLI in a subprocess
def test_the_build_reports_each_dropped_field_and_publishes_every_article(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in CASES:
        _dump(raw, name)
    result = run_build(raw, tmp_path / "docs", "--report", str(tmp_path / "report.json"), "--no-cache")
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert {i["status"] for i in report["inputs"]} == {"ok"}, report["inputs"]
    assert len(report["inputs"]) == len(CASES)
    for name, (_, _, warned) in CASES.items():
        if warned:
            assert any(w.startswith(f"raw/{name}.md: ") and warned in w for w in report["warnings"]), name
