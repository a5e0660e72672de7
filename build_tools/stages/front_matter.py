"""The front matter contract: the fields a page carries, in a fixed order, checked against the JSON Schema.

Metadata uses it to drop a value no page could carry (with a warning) before any page is rendered; render
uses it to write the page.  It lives apart from render so that editing the Markdown writer does not
invalidate every dump's prepare cache.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from typing import TYPE_CHECKING

from build_tools.model import Article, block_text
from build_tools.settings import SCHEMAS_DIR

if TYPE_CHECKING:
    import jsonschema

SCHEMA_PATH = SCHEMAS_DIR / "front_matter.schema.json"
CHARS_PER_MINUTE = 400  # a common estimate for reading Chinese

@lru_cache(maxsize=1)
def _compiled():
    import fastjsonschema  # imported where pages are rendered, not by every build that only reads summaries

    return fastjsonschema.compile(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def warm() -> None:
    """Compile the front matter schema once, before the render workers fork."""
    _compiled()


def _fast_check(data: dict) -> bool:
    """The compiled schema answers valid/invalid quickly; jsonschema then explains a failure."""
    from fastjsonschema import JsonSchemaException

    try:
        _compiled()(data)
        return True
    except JsonSchemaException:
        return False


@lru_cache(maxsize=1)
def _validator() -> jsonschema.Draft202012Validator:
    import jsonschema

    return jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def front_matter(article: Article, raw_shown: str | None = None, raw_published: bool = False) -> dict:
    """The front matter contract, in a fixed key order; ``raw`` names the dump as the editor knows it
    (``raw_shown``, e.g. ``raw/x.txt``), else by its path inside raw/.  ``added`` is the day the dump entered
    raw/; ``month`` and ``month_label`` the timeline month it is listed under (the breadcrumb's last step);
    ``raw_published``: the dump as saved is published too (articles/raw/<slug>.html)."""
    meta = article.meta
    data: dict = {"title": meta.title}
    if meta.title_inferred:
        data["title_inferred"] = True
    data["lang"] = meta.lang
    optional = {
        "date": meta.date,
        "captured": meta.captured,
        "source": meta.source,
        "platform": meta.platform,
        "authors": list(meta.authors),
        "editors": list(meta.editors),
        "url": meta.url,
        "original_source": meta.original_source,
        "summary": meta.summary,
        "tags": list(meta.tags),
        "also_published_by": list(article.also_published_by),
    }
    data.update({k: v for k, v in optional.items() if v})
    if meta.added:
        data["added"] = meta.added
    month = next((n for n in article.neighbours if n.role == "month"), None)
    if month:
        data["month"], data["month_label"] = month.slug, month.title
    data["raw"] = raw_shown or article.raw_path
    if raw_published:
        data["raw_published"] = True
    data["sha256"] = article.sha256
    data["entities"] = list(article.entities)
    data["reading_minutes"] = reading_minutes(article)
    data["removed_blocks"] = len(article.removed)
    data["removed_lines"] = sum(1 + r.text.strip().count("\n") for r in article.removed)
    data["removed_rules"] = len({r.rule for r in article.removed})
    if meta.disclaimer:
        data["disclaimer"] = True
    return data


# Fields an article may go without: one the schema refuses is dropped (an item of a list: that item), and
# the article is published without it.  Only a required field that fails (title, lang…) rejects it.
OPTIONAL = ("date", "captured", "source", "platform", "authors", "editors", "url", "original_source", "summary",
            "tags", "also_published_by")
Dropped = tuple[str, object, str]  # (field or field[index], its value, why)


def checked(data: dict) -> tuple[dict, list[Dropped], str | None]:
    """``data`` without the optional fields (or list items) the front matter schema refuses, what was dropped,
    and why a required field fails (None when the rest is valid)."""
    if _fast_check(data):
        return data, [], None
    bad: dict[str, set[int] | None] = {}  # field -> refused items (None: the whole field)
    dropped: list[Dropped] = []
    for error in sorted(_validator().iter_errors(data), key=lambda e: [str(p) for p in e.path]):
        field = str(error.path[0]) if error.path else "(root)"
        if field not in OPTIONAL:
            return data, dropped, f"front matter field {field}: {_reason(error)}"
        index = error.path[1] if len(error.path) > 1 and isinstance(error.path[1], int) else None
        if index is None:
            bad[field] = None
            dropped.append((field, data[field], _reason(error)))
        elif bad.get(field, set()) is not None and index not in bad.setdefault(field, set()):
            bad[field].add(index)  # type: ignore[union-attr]
            dropped.append((f"{field}[{index}]", data[field][index], _reason(error)))
    kept = {k: v for k, v in data.items() if k not in bad or bad[k] is not None}
    for field, items in bad.items():
        if items is not None:
            kept[field] = [v for i, v in enumerate(data[field]) if i not in items]
            if not kept[field]:
                del kept[field]
    return kept, dropped, None


def _reason(error: jsonschema.ValidationError) -> str:
    """Why the schema refuses a value, without quoting the value (it may be megabytes)."""
    limit = error.validator_value
    reasons = {
        "maxLength": f"longer than {limit} characters",
        "minLength": "empty",
        "pattern": f"does not match {limit}",
        "type": f"not of type {limit}",
        "enum": f"not one of {limit}",
        "const": f"not {limit}",
        "minimum": f"less than {limit}",
        "additionalProperties": "not a front matter field",
        "required": error.message,
    }
    return reasons.get(str(error.validator), str(error.validator))


def reading_minutes(article: Article) -> int:
    chars = sum(len(block_text(b)) for b in article.blocks)
    return max(1, math.ceil(chars / CHARS_PER_MINUTE))
