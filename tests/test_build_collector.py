"""The build runs with Python's cyclic collector paused in its main process (runtime/stages.py: it walked the
build's records to find no garbage, ~0.6 s of CPU per change at 10k), and on wherever many items are worked on
(runtime/parallel.py): in the forked workers, and here when the work runs serially.  A few items worked on here
(one changed dump) leave their garbage for the end of the build."""

from __future__ import annotations

import gc

import pytest

from build_tools.memory import gc_paused
from build_tools.model.records import BuildReport
from build_tools.runtime import parallel
from build_tools.runtime.parallel import ordered_map
from build_tools.runtime.stages import Runner
from build_tools.settings import Settings


def _collector_on(_context: object, _item: int) -> bool:
    return gc.isenabled()


@pytest.mark.parametrize(("items", "jobs", "on"), [
    (3, 1, False),  # a few items, here: paused (their garbage waits)
    (parallel.PARALLEL_THRESHOLD, 1, True),  # many items, here (one job, or no fork): on while they are worked on
    (parallel.PARALLEL_THRESHOLD * 2, 2, True),  # in forked workers: on
])
def test_the_collector_runs_where_many_items_are_worked_on(items, jobs, on) -> None:
    frozen = gc.get_freeze_count()
    try:
        with gc_paused():
            assert list(ordered_map(_collector_on, range(items), None, jobs, chunksize=8)) == [on] * items
            assert not gc.isenabled()  # and paused again after
    finally:
        gc.unfreeze()
        if frozen:
            gc.freeze()
    assert gc.isenabled()


def test_the_build_pauses_the_collector_in_its_main_process_and_restores_it(tmp_path) -> None:
    settings = Settings(raw_dir=tmp_path / "raw", docs_dir=tmp_path / "docs", cache_dir=tmp_path / "cache", jobs=1)
    assert gc.isenabled()
    with Runner.open(settings, BuildReport()):
        assert not gc.isenabled()
    assert gc.isenabled()
