"""Executors per compute target: lazy start, bound resources, the protocol forwarded."""

from __future__ import annotations

import pytest

from textops.compute.base import Executor, LocalExecutor
from textops.compute.targets import ExecutorPool, LazyExecutor, make_executor
from textops.compute.testing import FakeExecutor
from textops.config.schema import ComputeTarget


def double(x: int) -> int:
    return 2 * x


def test_a_lazy_executor_starts_on_first_use_then_reports_the_real_figures() -> None:
    fake = FakeExecutor(n_workers=4, memory_limit=3 * 2**30, is_local=False)
    lazy = LazyExecutor(lambda: fake, n_workers=2, is_local=True)
    assert isinstance(lazy, Executor)  # the protocol check must not start it
    assert (lazy.started, lazy.n_workers, lazy.memory_limit, lazy.is_local) == (
        False, 2, None, True
    )
    assert lazy.submit(double, lazy.scatter(21)).result() == 42
    assert lazy.started and fake.scattered == [21]
    assert (lazy.n_workers, lazy.memory_limit, lazy.is_local) == (4, 3 * 2**30, False)
    futures = [lazy.submit(double, 1), lazy.submit(double, 2)]
    assert [f.result() for f in lazy.as_completed(futures)] == [2, 4]
    lazy.close()
    assert fake.closed and not lazy.started
    lazy.close()  # twice is harmless


def test_the_pool_binds_each_executor_to_its_targets_resources() -> None:
    fakes: dict[str, FakeExecutor] = {}

    def start(target: ComputeTarget) -> FakeExecutor:
        return fakes.setdefault(target.kind, FakeExecutor(n_workers=target.n_workers))

    pool = ExecutorPool(
        {
            "gpu": ComputeTarget(kind="dask", n_workers=3, resources={"GPU": 1}),
            "threads": ComputeTarget(kind="dask", n_workers=2, threads_per_worker=4),
            "local": ComputeTarget(kind="local"),
            "remote": ComputeTarget(kind="dask", address="tcp://scheduler:8786"),
        },
        factory=start,
    )
    gpu = pool.get("gpu")
    assert pool.get("gpu") is gpu  # one per target name, shared within the run
    assert (gpu.n_workers, gpu.is_local) == (3, True)
    assert pool.get("threads").n_workers == 8  # before it starts: every thread takes a task
    assert (pool.get("local").n_workers, pool.get("remote").is_local) == (1, False)
    gpu.submit(double, 1)
    gpu.submit(double, 2, resources={"GPU": 2})  # explicit resources win
    gpu.submit(double, 3, resources={})  # explicitly none
    pool.get("local").submit(double, 4)
    assert [task.resources for task in fakes["dask"].submissions] == [{"GPU": 1}, {"GPU": 2}, {}]
    assert fakes["local"].submissions[0].resources is None
    pool.close()
    assert fakes["dask"].closed and fakes["local"].closed
    assert not pool.get("gpu").started  # a fresh, unstarted one after close


def test_closing_the_pool_closes_every_executor_even_when_one_fails() -> None:
    class Broken(FakeExecutor):
        def close(self) -> None:
            raise RuntimeError("cannot close")

    fine = FakeExecutor()
    executors = {"a": Broken(), "b": fine}
    pool = ExecutorPool(
        {name: ComputeTarget(kind="local") for name in executors},
        factory=lambda target: executors.pop(next(iter(executors))),
    )
    for name in ("a", "b"):
        pool.get(name).submit(double, 1)
    with pytest.raises(RuntimeError, match="cannot close"):
        pool.close()
    assert fine.closed


def test_a_local_target_makes_the_inline_executor() -> None:
    executor = make_executor(ComputeTarget(kind="local", resources={"GPU": 1}))
    assert isinstance(executor, LocalExecutor)
    assert (executor.n_workers, executor.memory_limit, executor.is_local) == (1, None, True)
    handle = executor.scatter([1, 2])
    assert executor.submit(sum, handle, resources={"GPU": 1}).result() == 3


def test_a_cluster_error_names_the_compute_target() -> None:
    from textops.errors import ConfigError

    def no_gpu(target: ComputeTarget) -> FakeExecutor:
        raise ConfigError("no Dask worker offers the resources {'GPU': 1.0}", hint="start one")

    pool = ExecutorPool({"gpu": ComputeTarget(kind="dask", resources={"GPU": 1})}, factory=no_gpu)
    with pytest.raises(ConfigError, match=r"compute target 'gpu': no Dask worker offers .*GPU"):
        pool.get("gpu").submit(double, 1)
    assert pool.get("gpu").take_tasks() == []  # never started: nothing ran
