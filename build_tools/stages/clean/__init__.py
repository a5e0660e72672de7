"""Keep the article and nothing else.

Each rule looks at structure, not at one portal's strings: position (head
furniture, what follows the end of the article), runs of short lines and
timestamps, dense link lists, lines repeated within the dump, and the short
furniture lines listed in rules/generic.yml.  Portal knowledge comes from
rules/portals.yml, for the portals ingest found the dump came from.

Every dropped block is kept in ``article.removed`` with the rule that dropped
it and its place, so editors can see (and put back) what was removed.  What a
dropped line says about the article (bylines, datelines, a text dump's title)
is lifted into typed records in ``article.lifted`` for the metadata stage.
"""

from __future__ import annotations

import re
from dataclasses import replace

from build_tools.config.rules import Rules, load_rules
from build_tools.model import Article, Failure, TitleCandidate, block_text, line_key
from build_tools.stages.clean import credits
from build_tools.stages.clean.body import (
    attach_captions,
    drop_lines,
    drop_link_lists,
    drop_menu_runs,
    drop_timestamp_runs,
    strip_suffixes,
    unwrap_search_links,
)
from build_tools.stages.clean.breaks import join_lines, split_lines
from build_tools.stages.clean.head import head_furniture, original_title, strip_head
from build_tools.stages.clean.lines import Cleaner, line_table
from build_tools.stages.clean.region import keep_main_region
from build_tools.stages.clean.tail import cut_end, tail_credits, trim_edges
from build_tools.stages.clean.title import find_title, inferred_title
from build_tools.stages.shape import shape
from build_tools.stages.title import file_name_title

# A tag has no "<" inside it: ``<[^>]*>`` rescanned to the end of a line from every "<" of a
# hostile ``<a <a <a …`` (quadratic); this stops at the next "<", so each character is read once.
_TAG = re.compile(r"<[^<>]*>")


def clean(article: Article, rules: Rules | None = None) -> Article | Failure:
    rules = rules or load_rules()
    portals = rules.portals_named(article.portals)
    titles = article.hint_values("title")
    cleaner = Cleaner(rules, portals, (line_key(h.value) for h in titles))
    lines, split = split_lines(line_table(article.blocks))
    if article.format.endswith("text"):
        lines = keep_main_region(cleaner, lines)
    lines = strip_head(cleaner, lines)
    lines = cut_end(cleaner, lines)
    lines = drop_timestamp_runs(cleaner, lines)
    lines = drop_link_lists(cleaner, lines)
    lines = drop_lines(cleaner, lines)
    lines = drop_menu_runs(cleaner, lines)
    lines = strip_suffixes(cleaner, lines)
    if not titles:
        named = file_name_title(article.raw_path)
        lines, title = find_title(cleaner, lines, named)
        if title:
            cleaner.lifted.append(TitleCandidate(title, "text-head"))
            cleaner.titles.add(line_key(title))
            lines = drop_lines(cleaner, lines)
        elif named:  # the clip never repeats its title: the file's name is where it is stated
            cleaner.lifted.append(TitleCandidate(named, "file-name"))
        elif original := original_title(lines, rules.byline_window):
            cleaner.lifted.append(TitleCandidate(original, "original-title"))
    lines = attach_captions(lines)
    lines = head_furniture(cleaner, lines)
    lines = tail_credits(cleaner, lines)
    lines = join_lines(trim_edges(cleaner, lines), split)
    blocks = shape([unwrap_search_links(line.block) for line in lines], plain_text=article.format.endswith("text"))
    removed = article.removed + cleaner.removed(lines)
    # Read from everything dropped, in the order metadata weighs them after the lines' own records.
    texts = [r.text for r in removed]
    lifted = [
        *cleaner.lifted,
        *(record for hint in article.hint_values("account_line") for record in credits.from_account_line(hint.value)),
        *credits.from_account_card(texts),
        *credits.from_portal_patterns(texts, portals, rules),
        inferred_title(blocks, article.raw_path),
    ]
    cleaned = replace(article, blocks=blocks, removed=removed, lifted=article.lifted + tuple(lifted))
    return _accept(cleaned, rules)


# A page with this much body text is an article even if one short line reads like a block page's notice
# (a login prompt in the sidebar): the notices are looked for only on shorter pages.
NOTICE_SCAN_CHARS = 480


def _accept(article: Article, rules: Rules) -> Article | Failure:
    body = "".join(block_text(b) for b in article.blocks)
    chars = sum(map(len, body.split()))  # len(re.sub(r"\s", "", body)): str.split and \s agree on whitespace
    if chars >= NOTICE_SCAN_CHARS:
        return article
    # A block page says so in a short line of its own; an article quoting such a notice says it in a sentence.
    lines = (_TAG.sub(" ", line) if "<" in line else line for line in filter(None, article.text.split("\n")))
    short_lines = [line for line in map(str.strip, lines) if 0 < len(line) <= 40]
    # A page saved on one line hides its notice inside a long line: the body's own short blocks show it.
    short_lines += [text for text in (block_text(b).strip() for b in article.blocks) if 0 < len(text) <= 40]
    for kind, pattern in rules.reject_patterns:
        if any(_states(pattern, line) for line in short_lines):
            return Failure(article.raw_path, "clean", _REASONS.get(kind, f"not an article: {kind}"))
    if chars < rules.min_body_chars:
        if not body.strip():
            kept = "title only" if article.hint_values("title") or article.removed else "no text"
            return Failure(article.raw_path, "clean", f"not an article: {kept}, no body text after cleaning")
        return Failure(
            article.raw_path, "clean",
            f"not an article: only {chars} characters of body text after removing boilerplate "
            f"(minimum {rules.min_body_chars})",
        )
    return article


_REASONS = {
    "captcha": "not an article: anti-crawler / captcha page",
    "deleted": "not an article: the article was deleted by its publisher",
    "login_wall": "not an article: login wall",
    "not_found": "not an article: 404 / page not found",
    "paywall": "not an article: a paywall or expired-archive teaser (the page says the text is for subscribers)",
}


def _states(pattern: re.Pattern[str], line: str) -> bool:
    """The line shows the notice itself, not a sentence quoting it (“…该内容已被删除…”)."""
    for found in pattern.finditer(line):
        before = line[: found.start()]
        if before.count("“") + before.count("「") + before.count('"') <= before.count("”") + before.count("」"):
            return True
    return False
