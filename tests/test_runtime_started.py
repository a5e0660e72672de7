"""Work begun before its results are asked for (runtime/parallel.py ``started_map``; runtime/stages.py
``Runner.each``): the prepare stage's few new dumps are read in a forked worker, their readers warmed there, while
the build reads its stored records.  The results must be exactly the serial ones, in order, errors included, and a
map closed early must leave no worker behind."""

from __future__ import annotations

import os

import pytest

from build_tools.runtime import parallel
from build_tools.runtime.parallel import ordered_map, started_map

_WARMED: list[int] = []


def _warm() -> None:
    _WARMED.append(os.getpid())


def _where(_context: object, item: int) -> tuple[int, int, bool]:
    """The item squared, the process it was worked on in, and whether that process was warmed first."""
    if item == 13:
        raise ValueError("thirteen")
    return item * item, os.getpid(), os.getpid() in _WARMED


@pytest.mark.parametrize(("items", "jobs", "elsewhere"), [
    ([3], 2, True),  # one new dump: worked on in a forked worker, warmed there
    (list(range(14, 40)), 2, True),
    ([3, 4], 1, False),  # one job: here, lazily, as ordered_map (warmed here)
    ([], 2, False),
])
def test_started_work_gives_the_serial_results_in_order(items, jobs, elsewhere) -> None:
    _WARMED.clear()
    results = list(started_map(_where, items, None, jobs, warm=_warm))
    assert [square for square, _, _ in results] == [item * item for item in items]
    assert all((pid != os.getpid()) is elsewhere and warmed for _, pid, warmed in results)
    assert (os.getpid() in _WARMED) is (bool(items) and not elsewhere)  # the worker's warm-up is its own
    assert parallel._TASK is None


def test_an_error_in_started_work_is_raised_here_with_its_traceback() -> None:
    with pytest.raises(ValueError, match="thirteen") as raised:
        list(started_map(_where, [12, 13], None, 2))
    assert "_where" in str(raised.value.__cause__)


def test_started_work_closed_early_leaves_no_worker() -> None:
    results = started_map(_where, [1, 2], None, 2)
    workers = _children()
    assert workers  # forked at once, before any result was asked for
    results.close()
    assert not [pid for pid in _children() if pid in workers]
    assert list(ordered_map(_where, [5], None, 2)) == [(25, os.getpid(), False)]  # the next map is unaffected


def _children() -> list[int]:
    """This process's live child processes (Linux: /proc)."""
    if not os.path.isdir(f"/proc/{os.getpid()}/task"):
        pytest.skip("needs /proc")
    found = []
    for task in os.listdir(f"/proc/{os.getpid()}/task"):
        with open(f"/proc/{os.getpid()}/task/{task}/children", encoding="ascii") as children:
            found += [int(pid) for pid in children.read().split()]
    return found


@pytest.fixture()
def project(tmp_path, monkeypatch):
    from tests.fixtures.hostile.corpus import article_text

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    (tmp_path / "raw").mkdir()
    for n in range(5):
        (tmp_path / "raw" / f"d-{n}.txt").write_text(article_text(f"early{n}"), encoding="utf-8")
    return tmp_path


@pytest.mark.slow
@pytest.mark.parametrize("misjudged", [False, True], ids=["as judged", "a stored record taken as absent"])
def test_a_build_prepares_its_new_dumps_early_and_writes_what_it_writes_without(project, monkeypatch, misjudged):
    """Two jobs (new dumps prepared in a worker begun before the stored records are read) against one job (the
    build alone, as before), step by step; when the keys judged absent are not the ones missing, the early work is
    dropped and done as always."""
    from build_tools import build
    from build_tools.runtime import early
    from tests.fixtures.hostile.corpus import article_text, tree_bytes
    from tests.test_runtime_ahead import ROOT, _settings

    begun: list[int] = []
    from build_tools.runtime.cache import Store

    real_start, real_present = early.started_map, Store.present

    def spy_start(work, items, *args, **kwargs):
        begun.append(len(items))
        return real_start(work, items, *args, **kwargs)

    def present(store, kind, keys):  # one stored key reported absent: the early work is not the work missing
        found = real_present(store, kind, keys)
        return set(sorted(found)[1:]) if misjudged else found

    monkeypatch.setattr(early, "started_map", spy_start)
    monkeypatch.setattr(Store, "present", present)
    raw = project / "raw"
    steps = [lambda: None,
             lambda: (raw / "new.txt").write_text(article_text("early-new"), encoding="utf-8"),
             lambda: (raw / "d-1.txt").write_text(article_text("early-edited"), encoding="utf-8"),
             lambda: (raw / "d-2.txt").unlink()]
    # the dumps begun early at each step: all five (cold), the new one, the edited one, none (a removal); each
    # with the misjudged one too once the store holds records
    expected = [[5], [2], [2], [1]] if misjudged else [[5], [1], [1], []]
    assert (ROOT / "entities.yml").is_file()
    for step, begun_here in zip(steps, expected, strict=True):
        step()
        begun.clear()
        build(_settings(project, "early", 2))
        two_jobs = list(begun)
        build(_settings(project, "here", 1))
        assert tree_bytes(project / "docs-early") == tree_bytes(project / "docs-here")
        assert two_jobs == begun_here


def _prepared_one(_context: object, item, _key: str) -> tuple[str, None, None]:
    return item, None, None


@pytest.mark.parametrize("beside_a_thread", [False, True], ids=["one thread", "another thread running"])
def test_work_is_begun_early_only_where_a_fork_is_safe(tmp_path, beside_a_thread) -> None:
    """A process running other threads (the preview's server) forks no early worker: one of them may hold a lock
    the worker would take (an import's, a handler's); its stage runs as before."""
    import threading

    from build_tools.runtime import early
    from build_tools.runtime.cache import Store
    from build_tools.runtime.jobs import Stage

    stage = Stage("test", _prepared_one, ("prepared", "article"), warm=_warm)
    store = Store(tmp_path)
    store.put("prepared", "k-stored", "stored")
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait) if beside_a_thread else None
    try:
        if thread is not None:
            thread.start()
        begun = early.begin_absent(store, stage, lambda _c, job: job, ["a", "b"], ["k-new", "k-stored"], None, 2)
    finally:
        stop.set()
        if thread is not None:
            thread.join()
        store.close()
    if beside_a_thread:
        assert begun is None
    else:
        assert begun is not None and begun[0] == [0]
        assert list(begun[1]) == [("a", "k-new")]
