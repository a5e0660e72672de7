"""A stage's few new items worked on ahead of its stored records (``Runner.each``).

After one new or edited dump, the prepare stage reads ~10k stored records (~0.15 s at 10k) and only then
prepares the one dump it lacks — importing the readers and loading the language converters first (~0.2 s),
all on one core while the other idles.  Which keys the store lacks is known from the keys alone (its index
answers, no record is read), so that work is begun first, in one forked worker, and the records are read
meanwhile.  The results are the ones the stage would have made here: the same pure work on the same items.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from build_tools.forking import can_fork
from build_tools.runtime.cache import Store
from build_tools.runtime.jobs import Item, Stage
from build_tools.runtime.parallel import PARALLEL_THRESHOLD, started_map


def begin_absent(store: Store, stage: Stage, work: Callable, items: Sequence[Item], keys: list[str], context: Any,
                 jobs: int) -> tuple[list[int], Iterator] | None:
    """(the positions of the items whose key ``store`` lacks, their results as they come) with that work begun
    now, or None: the stage has no warm-up (its work is cheap), this process runs other threads, nothing is
    absent, or many are (then the stage's own workers, warmed once before they fork, do it)."""
    if stage.warm is None or not can_fork():  # another thread (the preview's) may hold a lock the worker takes
        return None
    present = store.present(stage.kinds[0], keys)
    absent = [i for i, k in enumerate(keys) if k not in present]
    if not absent or len(absent) >= PARALLEL_THRESHOLD:
        return None
    return absent, started_map(work, [(items[i], keys[i]) for i in absent], context, jobs, warm=stage.warm)
