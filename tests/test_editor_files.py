"""Hostile editor files: entities.yml, overrides.yml and the rules (issue 12 item 10).

An alias bomb is refused before it is expanded, nesting past 50 levels is refused without a RecursionError,
an equal key twice (``entities:`` twice dropped all 101 earlier entities) is an error, and every error is
one line naming the file, the line, the entry and the field.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from build_tools.config.corrections import OverridesError, parse_overrides
from build_tools.config.rules import load_rules
from build_tools.entities.registry import RegistryError, load_registry
from build_tools.model.errors import ConfigError
from tests.fixtures.hostile.corpus import ROOT, run_build

ENTITY = "  - id: {id}\n    name: {name}\n    type: organization\n    aliases: [{name}公司]\n    description: 一句话\n"


def _bomb(levels: int = 9) -> str:
    """The billion laughs: each anchor lists the one before it nine times (9**levels values)."""
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def _entities(*entries: str, head: str = "version: 1\nentities:\n") -> str:
    return head + "".join(entries)


def _registry_error(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "entities.yml"
    path.write_text(text, encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(RegistryError) as caught:
        load_registry(path)
    assert time.perf_counter() - started < 5
    return [line.replace(str(path), "entities.yml") for line in caught.value.errors]


def _overrides_error(text: str) -> list[str]:
    started = time.perf_counter()
    with pytest.raises(OverridesError) as caught:
        parse_overrides(text, "overrides.yml")
    assert time.perf_counter() - started < 5
    return caught.value.errors


# --- entities.yml -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param(_bomb() + _entities(ENTITY.format(id="a", name="甲乙")),
                 "entities.yml:9: a8[8][8]: aliases expand the document past", id="alias-bomb"),
    pytest.param(_entities(ENTITY.format(id="a", name="甲乙"), head="version: 1\nentities: *x\n") + _bomb(),
                 "entities.yml:2: not valid YAML: found undefined alias 'x'", id="undefined-alias"),
    pytest.param("version: 1\nentities: " + "[" * 20_000 + "]" * 20_000 + "\n",
                 "entities.yml:2: nested more than 50 levels deep", id="deep-flow"),
    pytest.param("version: 1\nentities:\n" + "".join("  " * i + "- \n" for i in range(1, 400)),
                 "entities.yml:52: entry 1: field [0][0][0][0]: nested more than 50 levels deep", id="deep-block"),
    pytest.param(_entities(*(ENTITY.format(id=f"e{n}", name=f"实体{n}") for n in range(3)))
                 + "entities:\n" + ENTITY.format(id="last", name="最后一个"),
                 "entities.yml:18: entities: 'entities' appears twice (lines 2 and 18)", id="entities-twice"),
    pytest.param(_entities(ENTITY.format(id="a", name="甲乙") + "    name: 丙丁\n"),
                 "entities.yml:8: entry 1: field name: 'name' appears twice (lines 4 and 8)", id="field-twice"),
    pytest.param(_entities(ENTITY.format(id="a", name="甲乙"), ENTITY.format(id="b", name="丙丁").replace(
        "organization", "company")), "entities.yml:10: entry 2 (id 'b'): field type: 'company' is not one of",
        id="schema-error-has-its-line"),
    pytest.param(_entities(ENTITY.format(id="a", name="甲乙"), ENTITY.format(id="a", name="丙丁")),
                 "entities.yml:8: entry 2 (id 'a'): field id: duplicate id", id="duplicate-id-has-its-line"),
    pytest.param(_entities(ENTITY.format(id="a", name="甲乙").replace("[甲乙公司]", "{" + ", ".join(
        f"k{n}: 甲乙" for n in range(5_000)) + "}")), "entities.yml:6: entry 1 (id 'a'): field aliases: {'k0'",
        id="huge-value-cut"),
])
def test_a_hostile_registry_is_one_error_line_per_problem(tmp_path, text, expected):
    errors = _registry_error(tmp_path, text)
    assert any(e.startswith(expected) for e in errors), errors
    assert all(len(e) < 600 and "\n" not in e for e in errors), errors


def test_the_registry_reads_as_before_and_an_anchor_still_works(tmp_path):
    registry = load_registry(ROOT / "entities.yml")
    assert len(registry) >= 100 and registry["nvidia"].name == "英伟达"
    path = tmp_path / "entities.yml"
    path.write_text(_entities(ENTITY.format(id="a", name="甲乙").replace("一句话", "&same 一句话"),
                              ENTITY.format(id="b", name="丙丁").replace("一句话", "*same")), encoding="utf-8")
    assert load_registry(path)["b"].description == "一句话"


# --- overrides.yml ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param(_bomb() + "a.txt:\n  title: 新标题\n", "overrides.yml:9: entry 'a8': field [8][8]: aliases expand",
                 id="alias-bomb"),
    pytest.param(_bomb() + "a.txt:\n  authors: *a8\n",
                 "overrides.yml:10: entry 'a.txt': field authors[8]: aliases expand", id="alias-bomb-used"),
    pytest.param("a.txt:\n  authors: " + "[" * 20_000 + "]" * 20_000 + "\n",
                 "overrides.yml:2: nested more than 50 levels deep", id="deep-flow"),
    pytest.param("a.txt:\n" + "".join("  " * i + "k:\n" for i in range(1, 400)),
                 "overrides.yml:51: entry 'a.txt': field k.k.k: nested more than 50 levels deep", id="deep-block"),
    pytest.param("a.txt:\n  title: 一\n  title: 二\n",
                 "overrides.yml:3: entry 'a.txt': field title: 'title' appears twice (lines 2 and 3)",
                 id="field-twice"),
    pytest.param("a.txt:\n  title: 1" + "0" * 5000 + "\n", "overrides.yml:2: entry 'a.txt': field title: cannot read",
                 id="huge-number"),
    pytest.param("a.txt:\n  authors: [" + ", ".join(["王博"] * 5_000) + "]\n",
                 "overrides.yml:2: entry 'a.txt': field authors:", id="huge-value-cut"),
])
def test_a_hostile_overrides_file_is_one_error_line_per_problem(text, expected):
    errors = _overrides_error(text)
    assert any(e.startswith(expected) for e in errors), errors
    assert all(len(e) < 600 and "\n" not in e for e in errors), errors


# --- the rules ----------------------------------------------------------------------------------------------


def test_a_rules_file_with_a_key_twice_is_an_error_naming_the_line(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "build_tools" / "rules", rules)
    generic = rules / "generic.yml"
    text = generic.read_text(encoding="utf-8")
    generic.write_text(text + "\nmin_body_chars: 1\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_rules(rules)
    line = text.count("\n") + 2
    assert str(caught.value).startswith(f"{generic}:{line}: min_body_chars: 'min_body_chars' appears twice (lines ")


# --- the build ----------------------------------------------------------------------------------------------


@pytest.mark.slow  # the build CLI in a subprocess
@pytest.mark.parametrize("which", ["entities", "overrides"])
def test_the_build_stops_on_an_alias_bomb_at_once_with_one_line(tmp_path, which):
    bomb = tmp_path / f"{which}.yml"
    bomb.write_text(_bomb() + ("version: 1\nentities: *a8\n" if which == "entities" else "a.txt: *a8\n"),
                    encoding="utf-8")
    started = time.monotonic()
    result = run_build(ROOT / "raw", tmp_path / "docs", f"--{which}", str(bomb), "--no-cache", cwd=tmp_path,
                       timeout=60)
    assert time.monotonic() - started < 30  # was 66 s and 5.5 GB (entities.yml), 35 s (overrides.yml)
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    line = 11 if which == "entities" else 10  # the key the bomb is used under
    assert len(lines) == 1 and lines[0].startswith(f"error: {bomb}:{line}: "), lines
    assert "aliases expand the document past" in lines[0]
