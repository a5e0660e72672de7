"""Accessibility: axe-core (WCAG 2.0/2.1 A and AA) finds nothing serious or critical on the pages a
reader meets most, in light and in dark mode, in Debian's chromium.

axe-core is the npm package pinned in the Makefile (AXE_VERSION), installed into .cache/axe-core by
``make axe`` (``.ci/run`` calls it).  When it is not there yet this test installs it the same way; it
skips, saying why, only when npm is missing or the registry cannot be reached, or chromium is missing.
See tests/axe_harness.py for the pages and how they are opened.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.axe_harness import (
    AXE_JS,
    MODES,
    SERIOUS,
    audit,
    axe_version,
    build_site,
    installed_version,
    pages,
    run_axe,
)
from tests.search_harness import CHROMIUM, browser, serve

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _install_axe() -> None:
    if installed_version() == axe_version():
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("axe-core is not installed and npm is not on PATH to install it (apt-get install npm)")
    prefix = AXE_JS.parents[2]
    cmd = [npm, "install", "--prefix", str(prefix), "--no-save", "--no-audit", "--no-fund", f"axe-core@{axe_version()}"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        pytest.skip(f"could not install axe-core from the npm registry: {done.stderr.strip()[-500:]}")
    assert installed_version() == axe_version()


@pytest.fixture(scope="module")
def axe() -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    _install_axe()


@pytest.fixture(scope="module")
def violations(axe, tmp_path_factory):
    site, docs = build_site(tmp_path_factory.mktemp("a11y-site"))
    return audit(site, docs), docs


def test_axe_really_audits(axe, tmp_path):
    """The audit is not blind: a page with the faults this site had (a link told apart by colour alone,
    grey label text, an unnamed listbox) is reported serious or critical."""
    (tmp_path / "index.html").write_text(
        '<!doctype html><html lang="zh"><head><title>t</title></head><body><main>'
        '<p style="color:#212121">正文里有一个<a href="#x" style="color:#4051b5;text-decoration:none">链接</a>，'
        "说明文字足够长，读者需要把它和周围的字区分开来。</p>"
        '<p><span style="color:#adadad">来源</span> 某某</p>'
        '<ol role="listbox"><li>一</li></ol></main></body></html>', encoding="utf-8")
    with serve(tmp_path) as base, browser() as ctx:
        page = ctx.new_page()
        page.goto(base)
        found = {v["id"] for v in run_axe(page) if v["impact"] in SERIOUS}
    assert {"link-in-text-block", "color-contrast", "aria-input-field-name"} <= found, found


def test_every_page_and_mode_was_audited(violations):
    found, docs = violations
    assert len(pages(docs)) == 6 and MODES == ("light", "dark")


def test_no_serious_or_critical_violations(violations):
    found, _docs = violations
    serious = [str(v) for v in found if v.impact in SERIOUS]
    assert not serious, "\n".join(serious)
