"""The library's public face: build(settings) -> BuildReport, its records, its errors, how paths are shown."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import build_tools
from build_tools.model.errors import BuildError, ConfigError, OutputError, StageCrash, UsageError
from build_tools.model.paths import PathDisplay, printable_path
from build_tools.model.records import BuildReport, BuildWarning, InputResult, Status
from build_tools.settings import Settings
from tests.conftest import ROOT
from tests.fixtures.hostile.corpus import article_text


def test_the_public_api_is_importable_from_the_package():
    from build_tools.pipeline import build

    assert build_tools.build is build
    assert build_tools.Settings is Settings and build_tools.BuildReport is BuildReport
    assert issubclass(build_tools.ConfigError, build_tools.BuildError)
    assert not issubclass(build_tools.StageCrash, build_tools.BuildError)  # a bug is never the user's error
    with pytest.raises(AttributeError):
        build_tools.no_such_name  # noqa: B018


def test_running_the_search_step_does_not_load_the_pipeline():
    code = "import sys, build_tools.search.__main__; print(any(m.startswith(('build_tools.pipeline', " \
           "'build_tools.runtime')) for m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("error", "kind"),
    [("build_tools.config.corrections.OverridesError", ConfigError),
     ("build_tools.entities.registry.RegistryError", ConfigError),
     ("build_tools.stages.decode.DecodeError", BuildError),
     ("build_tools.serve.ServeError", UsageError)],
)
def test_the_projects_errors_are_build_errors(error, kind):
    module, _, name = error.rpartition(".")
    cls = getattr(__import__(module, fromlist=[name]), name)
    assert issubclass(cls, kind) and not issubclass(cls, ValueError)


@pytest.mark.parametrize(
    ("warning", "line"),
    [(BuildWarning("raw/a.txt", "decode", "truncated file"), "raw/a.txt: truncated file"),
     (BuildWarning("overrides.yml:3", "correction", "entry 'a.txt': gone"), "overrides.yml:3: entry 'a.txt': gone"),
     (BuildWarning("", "note", "no path"), "no path")],
)
def test_a_warning_is_shown_as_its_path_and_message(warning, line):
    assert warning.line == line


def test_the_json_report_is_sorted_and_reads_as_plain_strings():
    report = BuildReport(
        inputs=[InputResult("raw/b.txt", Status.REJECTED, None, "clean: empty"),
                InputResult("raw/a.txt", Status.OK, "a")],
        warnings=[BuildWarning("raw/b.txt", "decode", "z"), BuildWarning("raw/a.txt", "decode", "y")],
    )
    data = json.loads(report.to_json())
    assert data == {"inputs": [{"raw": "raw/a.txt", "status": "ok", "slug": "a", "reason": None},
                               {"raw": "raw/b.txt", "status": "rejected", "slug": None, "reason": "clean: empty"}],
                    "warnings": ["raw/a.txt: y", "raw/b.txt: z"]}
    assert report.rejected == [report.inputs[0]] and Status.OK == "ok"


@pytest.mark.parametrize(
    ("raw_dir", "cwd", "shown"),
    [("raw", "project", "raw/sub/a.txt"),
     ("project/raw", ".", "project/raw/sub/a.txt"),
     (".", "project/raw", "sub/a.txt"),
     ("../project/raw", "elsewhere", "../project/raw/sub/a.txt"),
     ("ABS/project/raw", "elsewhere", "ABS/project/raw/sub/a.txt"),
     ("ABS/project/raw", "project", "raw/sub/a.txt")],
)
def test_a_dump_is_shown_as_the_editor_named_the_raw_folder(tmp_path, monkeypatch, raw_dir, cwd, shown):
    for folder in ("project/raw/sub", "elsewhere"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
    monkeypatch.chdir(tmp_path / cwd)
    display = PathDisplay.for_raw_dir(Path(raw_dir.replace("ABS", str(tmp_path))))
    assert display("sub/a.txt") == shown.replace("ABS", str(tmp_path))


def test_an_undecodable_folder_name_is_shown_printably():
    assert PathDisplay(printable_path("r\udcffaw"))("a.txt") == "r\\xffaw/a.txt"


def _settings(root: Path, **fields) -> Settings:
    return Settings(raw_dir=root / "raw", docs_dir=root / "docs", cache_dir=root / "cache", jobs=1,
                    entities_path=root / "none.yml", overrides_path=root / "none.yml", **fields)


def test_a_page_written_twice_is_a_slug_conflict_warning(tmp_path):
    """No dump can be named onto a generated page any more (tests/test_reserved_names.py); should two
    pages still claim one path, the writer keeps the first and the build report names the path."""
    from build_tools.model.records import BuildReport
    from build_tools.runtime.stages import Runner

    (tmp_path / "raw").mkdir()
    report = BuildReport()
    with Runner.open(_settings(tmp_path), report) as runner, runner.output() as writer:
        writer.write("articles/a.md", "first\n")
        writer.write("articles/a.md", "second\n")
    assert [(w.path, w.code) for w in report.warnings] == [("articles/a.md", "slug-conflict")]
    assert "slug conflict" in report.to_json()
    assert (tmp_path / "docs" / "articles" / "a.md").read_text(encoding="utf-8") == "first\n"


def test_a_crash_in_a_stage_is_not_a_usage_error(tmp_path, monkeypatch, capsys):
    """The CLI catches only BuildError: a bug keeps its traceback and names the dump and the stage."""
    from build_tools import cli
    from build_tools.pipeline import prepare_work

    def broken_clean(article):
        raise KeyError("a bug in clean")

    monkeypatch.setattr(prepare_work, "clean", broken_clean)
    shutil.copytree(ROOT / "raw", tmp_path / "raw")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(StageCrash) as caught:
        cli.main(["build", "--raw", "raw", "--docs", "docs", "--no-cache", "--jobs", "1", "--quiet"])
    first = sorted(p.name for p in (ROOT / "raw").iterdir())[0]
    assert (caught.value.raw_path, caught.value.stage) == (first, "clean")
    assert isinstance(caught.value.__cause__, KeyError)
    assert "error:" not in capsys.readouterr().err


@pytest.mark.parametrize(
    ("arguments", "message"),
    [(["--raw", "missing"], "error: raw directory not found: missing"),
     (["--rules", "empty-rules"], "lacks generic.yml, portals.yml"),
     (["--docs", "raw"], "error: refusing to build: the output directory raw is inside raw/")],
)
def test_a_build_error_is_one_line_and_exit_code_2(tmp_path, monkeypatch, capsys, arguments, message):
    from build_tools import cli

    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "a.txt").write_text(article_text("a"), encoding="utf-8")
    (tmp_path / "empty-rules").mkdir()
    monkeypatch.chdir(tmp_path)
    assert cli.main(["build", "--no-cache", "--jobs", "1", "--quiet", *arguments]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err


def test_output_errors_are_build_errors():
    assert issubclass(OutputError, BuildError)


def test_the_site_title_is_the_one_mkdocs_shows():
    """Settings.site_title heads the home page and titles the feed; mkdocs.yml's site_name titles every page."""
    import re

    site_name = re.search(r"^site_name: (.+)$", (ROOT / "mkdocs.yml").read_text(encoding="utf-8"), re.M)
    assert site_name and site_name.group(1).strip() == Settings().site_title


def test_the_site_url_is_read_once_when_the_settings_are_made(monkeypatch):
    monkeypatch.setenv("SITE_URL", "https://example.test/a/")
    settings = Settings()
    monkeypatch.delenv("SITE_URL")
    assert settings.site_url == "https://example.test/a/"
    assert Settings().site_url == "http://127.0.0.1:8000/"
