"""The per-candidate bounds: memory (RLIMIT_AS) and BLAS/OpenMP threads."""

from __future__ import annotations

import resource

import numpy as np
import pytest

from textops.models.bounds import can_bound_memory, memory_bound, thread_limit

needs_rlimit = pytest.mark.skipif(not can_bound_memory(), reason="needs Linux RLIMIT_AS")


@needs_rlimit
def test_memory_bound_turns_an_oversized_allocation_into_memory_error_and_restores_the_limit():
    before = resource.getrlimit(resource.RLIMIT_AS)
    with pytest.raises(MemoryError), memory_bound(256 * 2**20) as is_bounded:
        assert is_bounded
        np.ones(2**31, dtype=np.uint8)  # 2 GiB
    assert resource.getrlimit(resource.RLIMIT_AS) == before
    assert np.ones(2**28, dtype=np.uint8).sum() == 2**28  # 256 MiB is fine again


def test_no_memory_limit_means_no_bound():
    before = resource.getrlimit(resource.RLIMIT_AS)
    with memory_bound(None) as is_bounded:
        assert is_bounded is False
        assert resource.getrlimit(resource.RLIMIT_AS) == before


def test_thread_limit_caps_the_thread_pools_only_inside_the_block():
    from threadpoolctl import threadpool_info

    before = [info["num_threads"] for info in threadpool_info()]
    with thread_limit(1):
        assert all(info["num_threads"] == 1 for info in threadpool_info())
    assert [info["num_threads"] for info in threadpool_info()] == before
    with thread_limit(None):
        assert [info["num_threads"] for info in threadpool_info()] == before
