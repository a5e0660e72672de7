"""README.md documents every command and option of the CLI, and the sections editors need."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from build_tools.cli import _parser

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    actions = [a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction)]
    assert actions, "build_tools.cli._parser() has no subcommands"
    return dict(actions[0].choices)


def _options() -> list[tuple[str, str]]:
    found = []
    for name, sub in _subcommands().items():
        for action in sub._actions:
            found += [(name, s) for s in action.option_strings if s.startswith("--") and s != "--help"]
    return found


def _positional_choices() -> list[tuple[str, str]]:
    found = []
    for name, sub in _subcommands().items():
        for action in sub._actions:
            if not action.option_strings and action.choices:
                found += [(name, str(c)) for c in action.choices]
    return found


def test_the_parser_is_what_we_think():
    assert {"build", "serve", "entities"} <= set(_subcommands())
    assert ("serve", "--addr") in _options() and ("build", "--quiet") in _options()


@pytest.mark.parametrize("command", sorted(_subcommands()))
def test_every_subcommand_is_documented(command):
    assert re.search(rf"build_tools {re.escape(command)}\b|make {re.escape(command)}\b", README), (
        f"README.md never shows `python -m build_tools {command}`"
    )


@pytest.mark.parametrize(("command", "option"), _options(), ids=lambda x: x)
def test_every_option_is_documented(command, option):
    assert re.search(rf"{re.escape(option)}(?![\w-])", README), f"README.md does not mention {command} {option}"


@pytest.mark.parametrize(("command", "choice"), _positional_choices(), ids=lambda x: x)
def test_every_action_is_documented(command, choice):
    assert f"{command} {choice}" in README, f"README.md does not show `{command} {choice}`"


@pytest.mark.parametrize(
    "heading",
    ["快速开始 Quick start", "添加文章 Adding articles", "整理实体 Curating entities", "人工更正 Overrides",
     "本地预览 Previewing", "发布 Deploying", "常见问题 Troubleshooting"],
)
def test_the_editors_sections_are_there(heading):
    assert re.search(rf"^## {re.escape(heading)}", README, flags=re.M), f"README.md lacks the section {heading!r}"


def test_quick_start_is_two_commands_and_the_preview_latency_is_stated():
    quick = README.split("## 快速开始", 1)[1].split("\n## ", 1)[0]
    assert "make site" in quick and "make serve" in quick
    preview = README.split("## 本地预览 Previewing", 1)[1].split("\n## ", 1)[0]
    assert re.search(r"\d(\.\d)?\s*s", preview), "the Previewing section must say how long a change takes to show"


def test_every_overrides_field_is_documented():
    from build_tools.config.corrections import FIELDS

    section = README.split("## 人工更正 Overrides", 1)[1].split("\n## ", 1)[0]
    for name in FIELDS:
        assert f"{name}:" in section, name


# --- docs that name code must not drift from it -----------------------------------------------------------

ARCHITECTURE = (ROOT / "docs" / "dev" / "architecture.md").read_text(encoding="utf-8")
DEV_INDEX = (ROOT / "docs" / "dev" / "index.md").read_text(encoding="utf-8")
PATH_IN_BACKTICKS = re.compile(r"`((?:build_tools|tests|docs|benchmarks)/[\w./*-]*)`")


def _named_paths(text: str) -> list[str]:
    return sorted({m.group(1) for m in PATH_IN_BACKTICKS.finditer(text) if "<" not in m.group(1)})


@pytest.mark.parametrize(("doc", "path"), [("README.md", p) for p in _named_paths(README)]
                         + [("docs/dev/architecture.md", p) for p in _named_paths(ARCHITECTURE)]
                         + [("docs/dev/index.md", p) for p in _named_paths(DEV_INDEX)], ids=str)
def test_a_path_the_docs_name_exists(doc, path):
    generated = ("docs/articles", "docs/entities", "docs/index.md", "docs/feed.xml")
    if path.startswith(generated):
        return  # written by the build, not in the repository
    assert list(ROOT.glob(path.rstrip("/"))), f"{doc} names `{path}`, which does not exist (moved?)"


def _module_table() -> list[str]:
    """The first-column paths of the Modules table of docs/dev/architecture.md, relative to build_tools/."""
    section = ARCHITECTURE.split("\n## Modules", 1)[1].split("\n## ", 1)[0]
    cells = [line.split("|")[1] for line in section.splitlines() if line.startswith("| `")]
    return [name for cell in cells for name in re.findall(r"`([^`]+)`", cell)]


def test_the_architecture_page_has_one_line_per_module():
    listed = _module_table()
    modules = sorted(p.relative_to(ROOT / "build_tools").as_posix() for p in (ROOT / "build_tools").rglob("*.py")
                     if "__pycache__" not in p.parts and p.read_text(encoding="utf-8").strip())
    missing = [m for m in modules if m not in listed]
    assert not missing, f"modules missing from the Modules table of docs/dev/architecture.md: {missing}"
    stale = [name for name in listed if not list((ROOT / "build_tools").glob(name))]
    assert not stale, f"docs/dev/architecture.md lists modules that are gone: {stale}"


def _tables(text: str) -> list[list[str]]:
    """The Markdown tables of ``text`` outside code fences, each as its lines (header first)."""
    tables: list[list[str]] = []
    fenced, previous = False, False
    for line in text.splitlines():
        fenced ^= line.startswith("```")
        row = not fenced and line.startswith("|")
        if row and not previous:
            tables.append([])
        if row:
            tables[-1].append(line)
        previous = row
    return tables


HAND_WRITTEN_DOCS = ["README.md", "docs/about.md",
                     *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs" / "dev").glob("*.md"))]


@pytest.mark.parametrize("doc", HAND_WRITTEN_DOCS)
def test_every_table_row_has_as_many_cells_as_its_header(doc):
    """A row with cells missing or spliced in from another table renders as a broken table."""
    cells = re.compile(r"(?<!\\)\|")
    broken = [row for table in _tables((ROOT / doc).read_text(encoding="utf-8"))
              for row in table[2:] if len(cells.findall(row)) != len(cells.findall(table[0]))]
    assert not broken, f"{doc}: rows whose cell count differs from their table's header: {broken}"


DOTTED_IN_BACKTICKS = re.compile(r"`(build_tools(?:\.\w+)+)`")


@pytest.mark.parametrize(("doc", "name"), [
    (doc, m.group(1)) for doc, text in (("README.md", README), ("docs/dev/architecture.md", ARCHITECTURE),
                                        ("docs/dev/index.md", DEV_INDEX))
    for m in DOTTED_IN_BACKTICKS.finditer(text)], ids=str)
def test_a_dotted_name_the_docs_use_resolves(doc, name):
    import importlib

    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[cut:]:
            assert hasattr(found, attribute), f"{doc} names `{name}`: {'.'.join(parts[:cut])} has no {attribute}"
            found = getattr(found, attribute)
        return
    raise AssertionError(f"{doc} names `{name}`, which is no module")
