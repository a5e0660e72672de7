"""Issue 15: what a build keeps in memory grows with the archive only by what it must keep of each article.

At 50,000 articles the build step peaked at 1.9 GB (target < 1.5 GB): it kept to its end every dump's sentence
fingerprints (read by the duplicate pass only), every article's story fingerprint as Python ints (read by the
related pass only) and every page's render job.  These tests build generated archives of two sizes in this
process and trace (tracemalloc) what the build holds at the moment its writer commits, the build's last
step; the difference between the sizes, per article, is what the build keeps of each one."""

from __future__ import annotations

import gc
import tracemalloc
from pathlib import Path

import pytest

from benchmarks.generate import generate
from build_tools.archive import feed
from build_tools.archive.stories import Fingerprint, story_fingerprint
from build_tools.pipeline import build
from build_tools.runtime import spill
from build_tools.runtime.emit import OutputWriter
from build_tools.runtime.stages import Runner
from build_tools.settings import Settings
from tests.conftest import ROOT

# What a build may keep per article at its end: its summary, its mention contexts and counts, its keys, statuses
# and manifest entries, its entity pages' lines (measured: 14.9 KB at this change, 34.4 KB before it).
KEPT_PER_ARTICLE = 20_000


def _settings(root: Path, n: int) -> Settings:
    generate(n, root, seed=0)
    return Settings(raw_dir=root / "raw", docs_dir=root / "docs", cache_dir=root / "cache", quiet=True, jobs=2,
                    entities_path=ROOT / "entities.yml", overrides_path=root / "none.yml",
                    added_record=root / "added.json", added_from_git=False)


def _kept(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> int:
    """Bytes the build holds (traced, after a full collection) when its writer commits, over what this
    process held before it began."""
    at_commit: list[int] = []
    commit = OutputWriter.commit

    def measured(self: OutputWriter):
        gc.collect()
        at_commit.append(tracemalloc.get_traced_memory()[0])
        return commit(self)

    monkeypatch.setattr(OutputWriter, "commit", measured)
    # The feeds carry no entry here: a feed's entries are bounded by its limit, not by the archive, but in an
    # archive this small every article is in some entity's newest ten.
    monkeypatch.setattr(feed, "MAIN_LIMIT", 0)
    monkeypatch.setattr(feed, "TOPIC_LIMIT", 0)
    gc.collect()
    before = tracemalloc.get_traced_memory()[0]
    report = build(settings)
    assert not report.rejected and len(at_commit) == 1
    return at_commit[0] - before


@pytest.mark.slow
def test_a_build_keeps_a_few_kilobytes_per_article_to_its_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    small, large = _settings(tmp_path / "small", 60), _settings(tmp_path / "large", 180)
    build(_settings(tmp_path / "warm", 60))  # imports and the libraries' tables loaded once, untraced
    tracemalloc.start()
    try:
        per_article = (_kept(large, monkeypatch) - _kept(small, monkeypatch)) / (180 - 60)
    finally:
        tracemalloc.stop()
    assert per_article < KEPT_PER_ARTICLE, f"{per_article:.0f} bytes kept per article"


def test_a_story_fingerprint_is_packed_and_compares_as_before():
    text = "“人工智能的发展需要更多开放数据”，他说。" * 3 + "。".join(f"第{i}段讲述了不同的事情" for i in range(300))
    fp = story_fingerprint(text)
    assert fp.sketch.itemsize == 4 and fp.quotes.itemsize == 4  # 4 bytes a hash, not a Python int each
    assert list(fp.quotes) == sorted(set(fp.quotes)) and len(fp.quotes) > 0
    same = Fingerprint(fp.size, tuple(fp.sketch), frozenset(fp.quotes), fp.filters)
    assert same == fp and hash(same) == hash(fp)
    assert fp.shared_quotes(same) == len(fp.quotes)


@pytest.mark.slow
def test_the_pages_made_ahead_are_replayed_a_batch_at_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The forked copy's records (runtime/spill.py) hold, in a cold build, the text of every entity and index page;
    the build reads them back a batch at a time, so that replaying them adds about a batch to what it holds, not all
    of them (at 50k, cold: 324 MiB more in the main process, its largest moment, when they came whole)."""
    monkeypatch.setattr(spill, "BATCH", 20_000)
    settings = _settings(tmp_path / "cold", 180)
    replays: list[tuple[bool, int]] = []
    replayed = Runner.replayed

    def measured(self: Runner, ahead, writer: OutputWriter, trusted: bool) -> bool:
        gc.collect()
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        done = replayed(self, ahead, writer, trusted)
        replays.append((done, tracemalloc.get_traced_memory()[1] - before))
        return done

    monkeypatch.setattr(Runner, "replayed", measured)
    tracemalloc.start()
    try:
        build(settings)
    finally:
        tracemalloc.stop()
    made_ahead = sum(len(path.read_text(encoding="utf-8")) for path in settings.docs_dir.rglob("*")
                     if path.is_file() and path.parent.name != "articles")
    [(done, held)] = replays
    assert done and made_ahead > 20 * spill.BATCH  # many batches' worth were replayed
    # Measured, 180 articles: 3.4 M characters replayed; 1.2 MB held in batches of 20,000 characters (the writer's
    # records of the files grow too), 8.5 MB in one batch, more as one message (its pickle and its records at once).
    assert held < made_ahead, f"replaying {made_ahead} characters of pages held {held} bytes at most"
