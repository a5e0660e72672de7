"""Pausing Python's cyclic garbage collector while many small records are made at once.

Unpickling 10^4 cached records (or parsing 10^5 search segments) allocates millions of small objects in
bursts; every burst sets off collections, and each older-generation collection walks everything made
so far again.  The records hold no reference cycles, so nothing is lost by not collecting while they are
made: measured at 10k articles, unpickling the linked views took 29 µs each with the collector running
and 18 µs without; for the search index's 80 shards of a 2k site, unpickling the segments took 1.4 s
against 0.35 s, and the old bundle's joins 2.2 s against 1.05 s.

Records a build keeps to its end are then moved out of the collector's sight (:func:`kept_to_the_end`):
measured on one added dump at 10k, the build's full collections walked the ~10^6 objects of the loaded
records 8 times, 3.4 of 25 s.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside (the collector's previous state is restored after)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def kept_to_the_end() -> None:
    """Every object alive now is left out of later collections (``gc.freeze``) until the build ends
    (:func:`build_collections`).
    For what a build loads and keeps (records, whole-archive results): reference counting still frees
    each one as soon as nothing uses it; only cyclic garbage among them waits for the end of the build."""
    gc.freeze()


@contextmanager
def build_collections() -> Iterator[None]:
    """One build: at its end, what :func:`kept_to_the_end` set aside is seen by the collector again (the
    tests run thousands of builds in one process), unless objects were set aside before the build began:
    then the caller keeps a frozen heap of its own (the live preview, serve/update.py) and decides when it
    is collected.  (Fewer young collections, a threshold of 50,000 instead of 700, were tried: the same
    0.8 s of a 10k build, each one walking more.)"""
    owned = gc.get_freeze_count() == 0
    try:
        yield
    finally:
        if owned:
            gc.unfreeze()


def peak_mib() -> float:
    """Peak memory (MiB) of this process or of its largest finished child (a step's workers)."""
    import resource

    return round(max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                     resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024, 1)
