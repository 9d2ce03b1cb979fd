"""Executors for compute targets, started on first use and shared within a run."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future
from typing import Any, TypeVar

from textops.config.schema import ComputeTarget
from textops.execution.executor import Executor, LocalExecutor

T = TypeVar("T")


def make_executor(target: ComputeTarget) -> Executor:
    if target.kind == "local":
        return LocalExecutor()
    from textops.execution.dask import DaskExecutor

    return DaskExecutor(
        target.address,
        n_workers=target.n_workers,
        threads_per_worker=target.threads_per_worker,
        memory_limit=target.memory_limit,
        resources=target.resources or None,
    )


class LazyExecutor:
    """Starts the real executor (a Dask cluster can take seconds) only when a task needs it."""

    def __init__(self, factory: Callable[[], Executor], n_workers: int) -> None:
        self._factory = factory
        self._executor: Executor | None = None
        self.n_workers = n_workers

    @property
    def started(self) -> bool:
        return self._executor is not None

    def _get(self) -> Executor:
        if self._executor is None:
            self._executor = self._factory()
            self.n_workers = self._executor.n_workers
        return self._executor

    def submit(
        self, fn: Callable[..., T], /, *args: Any, resources: Mapping[str, float] | None = None,
        **kwargs: Any,
    ) -> Future[T]:
        return self._get().submit(fn, *args, resources=resources, **kwargs)

    def scatter(self, obj: T) -> T:
        return self._get().scatter(obj)

    def as_completed(self, futures: Iterable[Future[T]]) -> Iterator[Future[T]]:
        return self._get().as_completed(futures)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.close()
            self._executor = None


class ExecutorPool:
    """One lazily started executor per compute target name, closed at the end of the run."""

    def __init__(self, targets: Mapping[str, ComputeTarget]) -> None:
        self._targets = dict(targets)
        self._executors: dict[str, LazyExecutor] = {}

    def get(self, name: str) -> LazyExecutor:
        if name not in self._executors:
            target = self._targets[name]
            n_workers = 1 if target.kind == "local" else target.n_workers
            self._executors[name] = LazyExecutor(lambda: make_executor(target), n_workers)
        return self._executors[name]

    def close(self) -> None:
        executors, self._executors = list(self._executors.values()), {}
        errors = []
        for executor in executors:  # one that fails to close must not leak the others
            try:
                executor.close()
            except Exception as exc:  # noqa: BLE001 - re-raised below, after the rest
                errors.append(exc)
        if errors:
            raise errors[0]
