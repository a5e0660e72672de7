"""requirements.lock pins every dependency of pyproject.toml at the same version.

Add a dependency to pyproject.toml (with an exact `==` pin), then run `make lock`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).resolve().parent.parent


def _name(requirement: str) -> str:
    return re.split(r"[\[=<>~!; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _declared() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return list(project["dependencies"]) + [r for extra in project["optional-dependencies"].values() for r in extra]


def _locked() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)==(\S+)", line)
        if m:
            pins[m.group(1).lower().replace("_", "-")] = m.group(2)
    return pins


@pytest.mark.parametrize("requirement", _declared())
def test_dependency_is_pinned_and_locked(requirement):
    m = re.match(r"^([A-Za-z0-9_.\-]+)(\[[^\]]*\])?==([^\s;]+)$", requirement)
    assert m, f"{requirement}: pin it exactly with == in pyproject.toml"
    locked = _locked()
    name = _name(requirement)
    assert name in locked, f"{name} is not in requirements.lock: run `make lock`"
    assert locked[name] == m.group(3), f"{name}: pyproject {m.group(3)} but lock {locked[name]}: run `make lock`"


def test_lock_pins_everything():
    lines = [
        line
        for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith((" ", "#"))
    ]
    assert lines and all("==" in line for line in lines), [line for line in lines if "==" not in line]
    assert not any(line.startswith(("--find-links", "--index-url", "--extra-index-url", "-e ")) for line in lines)
