"""Per-candidate resource bounds: how much memory, and how many threads, one fit may take.

One candidate must never take the machine down. scikit-learn's
``NearestCentroid`` densifies its input: on the 20 Newsgroups TF-IDF matrix
(11,314 x 129,791, sparse) it asks for 2 x 10.9 GiB, and the kernel's OOM
killer then ends the whole process, or a neighbour. So each candidate runs
under a memory bound (:func:`memory_bound`): on Linux the process's address
space limit (``RLIMIT_AS``) is lowered to its current size plus the bound for
the duration of the fit, so an oversized allocation fails at once with a
``MemoryError`` that fails this candidate alone; nothing is allocated.

The bound is per process: fits under it in one process are serialised by a
lock (Dask workers run one task at a time, the local executor runs inline).

:func:`thread_limit` caps the BLAS and OpenMP threads of a fit; see
:func:`~textops.models.fitting.fit_candidate` for why one thread is the default.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["can_bound_memory", "memory_bound", "thread_limit"]

_BOUND_LOCK = threading.Lock()


def can_bound_memory() -> bool:
    """Whether :func:`memory_bound` is enforced here (Linux, where ``RLIMIT_AS`` is)."""
    return sys.platform.startswith("linux") and os.path.exists("/proc/self/statm")


@contextmanager
def memory_bound(limit: int | None) -> Iterator[bool]:
    """Let the block add at most ``limit`` bytes of address space to this process.

    Yields whether the bound is enforced (``False`` where ``limit`` is None or
    the platform has no ``RLIMIT_AS``). An allocation past it raises
    ``MemoryError`` inside the block; the previous limit is restored on exit.
    """
    if limit is None or not can_bound_memory():
        yield False
        return
    import resource

    with _BOUND_LOCK:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        target = _address_space() + int(limit)
        for ceiling in (soft, hard):
            if ceiling != resource.RLIM_INFINITY:
                target = min(target, ceiling)
        resource.setrlimit(resource.RLIMIT_AS, (target, hard))
        try:
            yield True
        finally:
            resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@contextmanager
def thread_limit(n_threads: int | None) -> Iterator[None]:
    """Run the block on at most ``n_threads`` BLAS/OpenMP threads (``None``: no cap)."""
    if n_threads is None:
        yield
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=n_threads):
        yield


def _address_space() -> int:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[0])
    return pages * os.sysconf("SC_PAGE_SIZE")
