"""The extraction evaluation itself (benchmarks/extraction.py, tests/corpus/build_gold.py) on a tiny hand-made
corpus: gold from a label, the scorer's figures, and leave-one-site-out through ``build --rules``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from benchmarks import extraction as ev

ROOT = Path(__file__).resolve().parents[1]
build_gold = ev.load_build_gold(ROOT / "tests" / "corpus")

URL = "https://www.example-news.cn/a/2024/0301.html"
PAGE = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>河畔小城的春日集市_示例新闻网</title>
<link rel="canonical" href="{URL}">
<meta property="og:url" content="{URL}">
</head>
<body>
<div class="nav"><a href="/">首页</a> <a href="/city">城市</a> <a href="/life">生活</a></div>
<div class="article">
<h1>河畔小城的春日集市</h1>
<p class="meta">2024-03-01 09:30 来源：示例日报</p>
<p>三月初的一个清晨，河畔小城的老街上已经挤满了赶集的人，摊主们从四乡八镇带来了刚刚采摘的春笋和野菜。</p>
<p>卖豆腐的王师傅说，他在这条街上摆摊已经二十多年了，每年春天都是一年里生意最好的时候。</p>
<p>本站特有的杂项行甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉</p>
<p>集市一直持续到中午，不少外地游客专程赶来，只为尝一口地道的青团和酒酿圆子。</p>
<p>当地文旅部门表示，今年还将在河岸边增设夜市，让更多人感受小城的烟火气。</p>
</div>
<div class="footer">版权所有 示例新闻网 未经授权禁止转载本站内容</div>
</body>
</html>
"""
FILE = "001_test_html_examplenews_market.html"
LABEL = {
    "file": FILE, "expect": "article", "encoding": "utf-8", "site": "example-news.cn", "tool": "handmade",
    "format": "html", "title": "河畔小城的春日集市", "date": "2024-03-01", "date_also": [], "authors": [],
    "source": "示例日报", "url": URL, "lang": "zh-Hans",
    "body": [[14, 15], [17, 18]], "neutral": [[12, 12]], "skip": [],
    "repo": "example/repo", "path": "pages/market.html", "commit": "0" * 40, "notes": "hand-made for the tests",
}
PORTAL = {"name": "示例新闻网", "hosts": ["example-news.cn"], "markers": [], "platform": "示例新闻网",
          "junk_lines": ["^本站特有的杂项行"], "title_suffixes": ["_示例新闻网"]}


def write_corpus(folder: Path, label: dict = LABEL) -> Path:
    (folder / "labels").mkdir(parents=True)
    (folder / FILE).write_text(PAGE, encoding="utf-8")
    (folder / "labels" / f"{label['file']}.json").write_text(json.dumps(label, ensure_ascii=False), encoding="utf-8")
    return folder


def test_gold_from_a_label(tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    assert build_gold.main(["--corpus", str(corpus)]) == 0
    [gold] = json.loads((corpus / "gold.json").read_text(encoding="utf-8"))
    assert list(gold)[:13] == ["file", "expect", "encoding", "title", "date", "authors", "source", "url", "lang",
                               "body", "boilerplate", "neutral", "entities"]
    assert gold["site"] == "example-news.cn" and gold["format"] == "html"
    assert [line[3:9] for line in gold["body"]] == ["三月初的一个", "卖豆腐的王师", "集市一直持续", "当地文旅部门"]
    assert gold["neutral"] == ["<h1>河畔小城的春日集市</h1>"]
    assert "<p>本站特有的杂项行甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉</p>" in gold["boilerplate"]
    assert "</div>" in gold["boilerplate"] and gold["boilerplate"].count("</div>") == 1  # deduplicated
    tsv = (corpus / "SOURCES.tsv").read_text(encoding="utf-8").splitlines()
    assert tsv[0].split("\t")[:3] == ["file", "site", "tool"] and tsv[1].startswith(FILE + "\texample-news.cn")


@pytest.mark.parametrize(("change", "error"), [
    ({"body": [[14, 15], [15, 18]]}, "already in body range"),
    ({"body": [[14, 99]]}, "out of bounds"),
    ({"body": [[12, 15], [17, 18]]}, "already in body range"),  # the neutral [12, 12] overlaps it
    ({"body": [[13, 19]], "neutral": []}, None),  # a label that is fine passes
    ({"date": "2024-03-02"}, "not stated in the raw text"),
    ({"url": "https://elsewhere.example/x"}, "does not occur"),
    ({"encoding": "big5"}, "does not decode"),
    ({"lang": "zh-CN"}, "lang must be"),
    ({"site": None}, "site"),
])
def test_check_rejects_a_bad_label(tmp_path, capsys, change, error):
    corpus = write_corpus(tmp_path / "corpus", {**LABEL, **change})
    code = build_gold.main(["--check", "--corpus", str(corpus)])
    out = capsys.readouterr().out
    if error is None:
        assert code == 0, out
    else:
        assert code == 1 and "ERROR" in out and error in out, out
    assert not (corpus / "gold.json").exists()


def test_check_needs_the_keys_and_warns_on_titles(tmp_path, capsys):
    label = {k: v for k, v in LABEL.items() if k != "commit"}
    assert build_gold.main(["--check", "--corpus", str(write_corpus(tmp_path / "a", label))]) == 1
    assert "missing keys: commit" in capsys.readouterr().out
    label = {**LABEL, "title": "不在原文里的标题"}
    assert build_gold.main(["--check", "--corpus", str(write_corpus(tmp_path / "b", label))]) == 0
    assert "warning" in capsys.readouterr().out


def gold_entry() -> dict:
    return {"file": "x.md", "expect": "article", "title": "标题一", "date": "2024-03-01", "date_also": ["2024-03-05"],
            "lang": "zh-Hans", "body": ["第一段正文内容。", "第二段正文内容。", "第三段正文内容。", "第四段正文内容。"],
            "boilerplate": ["责任编辑：张三李四", "点击关注我们", "分享"], "neutral": []}


def test_the_scorer_figures():
    gold = gold_entry()
    page = "\n\n".join(["# 标题一", "第一段正文内容。", "第二段正文内容。", "第三段正文内容。",
                         "责任编辑：张三李四", "点击关注我们", "分享"])
    row = ev.article_row(gold, page, "标题一", "zh-Hans", "2024-03-02")
    assert row["recall"] == 0.75 and row["missing"] == ["第四段正文内容。"]
    assert len(row["junk"]) == 2  # "分享" is too short to count
    assert row["title_ok"] and row["lang_ok"] and row["date"] == "right"  # a day off is accepted
    assert ev.article_row(gold, page, "标题一", None, "2024-03-05")["date"] == "right"  # date_also
    assert ev.article_row(gold, page, "标题一 - 网", "zh-Hant", "2024-04-01")["date"] == "wrong"
    assert ev.article_row(gold, page, "标题一", None, None)["date"] == "missed"
    assert ev.article_row({**gold, "date": None}, page, "", None, "2024-03-01")["date"] == "invented"

    golds = [gold, {**gold, "date": None}, {"file": "bad.html", "expect": "reject"}, gold]
    rows = [row, ev.article_row(golds[1], page, "别的标题", "zh-Hans", "2020-01-01"), {"ok": True},
            ev.article_row(gold, None, None, None, None)]
    fig = ev.summary(rows, golds)
    assert fig["articles"] == 3 and fig["rejects"] == 1 and fig["rejected_ok"] == 1
    assert fig["recall_mean"] == pytest.approx(0.5) and fig["recall_min"] == 0.0
    assert fig["junk"] == 4 and fig["junk_per_10"] == pytest.approx(40 / 3)
    assert fig["titles_right"] == 1 and fig["lang_right"] == 2
    dates = ("dates_right", "dates_invented", "undated", "dates_missed", "dated", "dates_wrong")
    assert [fig[k] for k in dates] == [1, 1, 1, 1, 2, 0]
    assert fig["wrongly_rejected"] == 1


@pytest.mark.parametrize(("line", "counted"), [
    ("<p>第一段正文内容，后面的标签在下一行才闭合。</p><span", True),  # an open tag at the end is not text
    ("1 2 3 4 5 6 7 8 9 10 11 12", False),  # a code block's line-number gutter
    ("3 5 8 13 21", True),  # numbers that are not a gutter stay text
])
def test_the_scorer_reads_a_gold_line_as_a_reader_sees_it(line, counted):
    text = "第一段正文内容，后面的标签在下一行才闭合。" if line.startswith("<p>") else line
    row = ev.score({"body": [line]}, "别的内容。")
    assert row["missing"] == ([line[:70]] if counted else [])
    assert ev.score({"body": [line]}, text)["recall"] == 1.0


def test_furniture_repeating_the_articles_words_is_junk_only_when_shown_again():
    gold = {"body": ["1、城南旧书店十年搬家三次的故事"],
            "boilerplate": ["<li><a href='/b/1'>城南旧书店十年搬家三次的故事</a></li>"]}
    assert ev.score(gold, "1、城南旧书店十年搬家三次的故事")["junk"] == []  # the related list names the digest's item
    assert len(ev.score(gold, "1、城南旧书店十年搬家三次的故事\n\n- 城南旧书店十年搬家三次的故事")["junk"]) == 1


def test_titles_are_also_counted_where_the_dump_states_them(tmp_path):
    """A plain-text copy of the body cannot give the headline of the page it came from: such dumps are
    counted apart (a title stated in the text, in entities, or in the saved name is stated)."""
    gold = {**gold_entry(), "title": "旧书店里的夏天", "encoding": "gb18030"}
    body_only, page, named = tmp_path / "1.txt", tmp_path / "2.html", tmp_path / "3.md"
    body_only.write_bytes("今年夏天，这座城市的旧书店迎来了一批读者。\n".encode("gb18030"))
    page.write_bytes("<title>&#26087;书店里的夏天_示例网</title>".encode("gb18030"))
    named.write_bytes("今年夏天，这座城市的旧书店迎来了一批读者。\n".encode("gb18030"))
    assert not ev.title_stated(gold, body_only, "")
    assert ev.title_stated(gold, page, "")
    assert ev.title_stated(gold, named, "旧书店里的夏天 - 示例网.md")
    golds = [{**gold, "title_stated": False}, {**gold, "title_stated": True}]
    rows = [ev.article_row(g, "今年夏天。", "今年夏天", "zh-Hans", None) for g in golds[:1]]
    rows.append(ev.article_row(golds[1], "今年夏天。", "旧书店里的夏天", "zh-Hans", None))
    fig = ev.summary(rows, golds)
    assert (fig["titles_right"], fig["titles_right_stated"], fig["titles_stated"]) == (1, 1, 1)


def test_the_heading_that_shows_the_title_is_not_body():
    """A built page opens with its title as a heading: scored as the title, not as junk against the gold's
    <title> line; a body heading or a title repeated further down still counts."""
    gold = {**gold_entry(), "boilerplate": ["<title>标题一&amp;二</title>"]}
    page = "# 标题一&amp;二\n\n第一段正文内容。\n\n## 标题一&二\n"
    assert ev.without_title_heading(page, "标题一&二").startswith("\n第一段正文内容。")
    assert ev.without_title_heading(page, "别的标题") == page
    row = ev.project_row(ev.Dump("c", Path("x.md"), gold, "s", "t", "md"),
                         {"x": {"status": "ok", "meta": {"title": "标题一&二"}, "body": page}})
    assert len(row["junk"]) == 1  # the "## 标题一&二" block, not the page's own title heading
    page = "# 标题一&amp;二\n\n第一段正文内容。\n"
    row = ev.project_row(ev.Dump("c", Path("x.md"), gold, "s", "t", "md"),
                         {"x": {"status": "ok", "meta": {"title": "标题一&二"}, "body": page}})
    assert row["junk"] == [] and row["recall"] == 0.25


def test_sites():
    assert ev.registrable("news.sina.com.cn") == "sina.com.cn"
    assert ev.registrable("news.ltn.com.tw") == "ltn.com.tw"
    assert ev.registrable("www.163.com") == "163.com"
    assert ev.registrable("mp.weixin.qq.com") == "mp.weixin.qq.com"
    assert ev.site_from_gold({"file": "45_x.md", "url": "//www.zhihu.com/question/1"}) == "zhihu.com"
    assert ev.site_from_gold({"file": "36_cxdemo_html_gbk_sohu_x.html", "url": None}) == "sohu.com"
    assert ev.host_matches("qq.com", "mp.weixin.qq.com") and not ev.host_matches("mp.weixin.qq.com", "qq.com")


@pytest.mark.slow  # builds per site, in and out of sample
def test_loso_removes_the_held_out_sites_portal(tmp_path):
    """In-sample rules know the site (a junk line, a title suffix); LOSO builds with --rules without them."""
    rules = tmp_path / "rules"
    shutil.copytree(ev.RULES_DIR, rules)
    data = yaml.safe_load((rules / "portals.yml").read_text(encoding="utf-8"))
    data["portals"].append(PORTAL)
    (rules / "portals.yml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")

    held_out = tmp_path / "held-out"
    assert ev.loso_rules("example-news.cn", held_out, rules) == ["示例新闻网"]
    names = [p["name"] for p in yaml.safe_load((held_out / "portals.yml").read_text(encoding="utf-8"))["portals"]]
    assert "示例新闻网" not in names and len(names) == len(data["portals"]) - 1
    assert ev.loso_rules("163.com", tmp_path / "other", rules) == ["网易号"]

    dumps, problems = ev.load_corpus(write_corpus(tmp_path / "corpus"), "corpus")
    assert problems == [] and [d.site for d in dumps] == ["example-news.cn"]
    removed = ev.run_project(dumps, jobs=1, base_rules=rules, log=lambda *a, **k: None)
    assert removed == {"example-news.cn": ["示例新闻网"]}
    inside, loso = dumps[0].rows["in-sample"], dumps[0].rows["LOSO"]
    assert inside["status"] == loso["status"] == "ok"
    assert inside["title_ok"] and loso["title_ok"]  # a site suffix comes off by the general rule, no portal needed
    assert any("本站特有的杂项行" in j for j in loso["junk"])  # so is the junk line
    assert not any("本站特有的杂项行" in j for j in inside["junk"])
    assert inside["recall"] == loso["recall"] == 1.0 and inside["date"] == "right"
