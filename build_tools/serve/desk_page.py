"""The editor's desk as HTML, from the state :mod:`build_tools.serve.desk` saved: Jinja2 templates with
autoescaping on, so every value (a dump's name, a title, a reason quoting a dump's text) is escaped text.
The pages hold no script; the preview serves them with a policy that would refuse one anyway."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2

from build_tools.serve.desk import KINDS

TEMPLATES = Path(__file__).with_name("templates")
KIND_LABELS = {"rejected": "被拒绝", "duplicates": "重复", "warnings": "警告", "attention": "缺日期/来源/标题",
               "corrections": "更正", "articles": "全部文章"}
MISSING_LABELS = {"no date": "没有日期", "no source": "没有来源", "title inferred": "标题是从正文推断的"}
STATES = {"active": {"label": "生效", "css": "state-active"},
          "partly stale": {"label": "部分过时", "css": "state-partly"},
          "stale": {"label": "过时（未生效）", "css": "state-stale"}}
LIST_ALL_UP_TO = 200  # articles listed on the whole desk; a larger archive lists them under ?kind=articles only
SIDE_CHARS = 400_000  # characters of a raw dump shown beside its page (the plain-text link has all of it)


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                              undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


def render_desk(state: dict | None, kind: str | None = None) -> str:
    """The desk: every section, or only ``kind``'s (one of ``KINDS``; anything else shows all)."""
    state = state or {}
    kind = kind if kind in KINDS else None
    rows = {k: list(state.get(k) or ()) for k in KINDS if k != "attention"}
    rows["attention"] = [a for a in rows["articles"] if a.get("missing")]
    kinds = [{"name": k, "label": KIND_LABELS[k], "count": len(rows[k])} for k in KINDS]
    counts = {"ok": 0, "rejected": 0, "duplicates": 0, "warnings": 0, **(state.get("counts") or {})}
    show = {k: kind in (None, k) for k in KINDS}
    show["articles"] = kind == "articles" or (kind is None and len(rows["articles"]) <= LIST_ALL_UP_TO)
    return _env().get_template("desk.html").render(
        **rows, kinds=kinds, kind=kind, show=show, counts=counts,
        error=list(state.get("error") or ()), dumps=dict(state.get("dumps") or {}),
        labels=MISSING_LABELS, states=STATES)


def render_side(entry: dict, ident: str, text: str, note: str = "") -> str:
    """A dump beside its page: the page (same origin) in a frame, the dump's text escaped next to it."""
    cut = len(text) > SIDE_CHARS
    if cut:
        note = (note + " " if note else "") + f"只显示前 {SIDE_CHARS:,} 个字符；完整内容见纯文本。"
        text = text[:SIDE_CHARS]
    return _env().get_template("desk_side.html").render(
        shown=entry.get("shown", ""), page=entry.get("page"), raw=f"/_editor/raw/{ident}.txt" if entry.get("file")
        else None, text=text, note=note)
