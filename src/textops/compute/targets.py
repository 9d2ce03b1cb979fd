"""Executors for compute targets: started on first use, bound to their target, shared in a run.

The runner asks an :class:`ExecutorPool` for a step's target by name and hands
the step the :class:`LazyExecutor` it gets: the target's ``resources`` go with
every task submitted without explicit ones, so a step never passes resources
itself, and a cluster starts only when a task needs it. An error the executor
raises about its cluster (unreachable, no worker with the resources asked for)
names the target. After each step the runner takes the executor's task log
(:meth:`LazyExecutor.take_tasks`): which worker ran which task, which were lost.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from textops.compute.base import Executor, LocalExecutor, Scattered
from textops.compute.tasklog import TaskRun
from textops.errors import ConfigError

if TYPE_CHECKING:
    from textops.config.schema import ComputeTarget

T = TypeVar("T")

__all__ = ["ExecutorPool", "LazyExecutor", "make_executor"]


def make_executor(target: ComputeTarget, *, staging: str | None = None) -> Executor:
    """Start the executor ``target`` describes: inline, or a Dask cluster or client.

    ``staging`` (a folder URL in the store) carries scattered objects to the
    workers of a cluster given by address (:mod:`textops.compute.staging`).
    """
    if target.kind == "local":
        return LocalExecutor()
    from textops.compute.dask import DaskExecutor

    return DaskExecutor(
        target.address,
        n_workers=target.n_workers,
        threads_per_worker=target.threads_per_worker,
        memory_limit=target.memory_limit,
        resources=target.resources or None,
        timeout=target.timeout,
        staging=staging,
    )


class LazyExecutor:
    """An executor started by ``factory`` on first use, with default ``resources`` per task.

    Before it starts, ``n_workers`` and ``is_local`` are the target's figures
    (an estimate: a cluster reached by address may be any size) and
    ``memory_limit`` is None (unknown: nothing has run, so nothing can have
    been lost); once started, all three are the real executor's. Read
    ``n_workers`` after the first :meth:`scatter` or :meth:`submit` to size
    work to the real cluster.
    """

    def __init__(
        self,
        factory: Callable[[], Executor],
        *,
        n_workers: int,
        is_local: bool,
        resources: Mapping[str, float] | None = None,
        on_start: Callable[[Executor], None] | None = None,
        name: str | None = None,
    ) -> None:
        self._factory = factory
        self._on_start = on_start
        self.name = name
        self._executor: Executor | None = None
        self._n_workers = n_workers
        self._is_local = is_local
        #: what every task submitted without explicit ``resources`` asks for
        self.resources: dict[str, float] = dict(resources or {})

    @property
    def started(self) -> bool:
        return self._executor is not None

    @property
    def n_workers(self) -> int:
        return self._executor.n_workers if self._executor is not None else self._n_workers

    @property
    def memory_limit(self) -> int | None:
        return self._executor.memory_limit if self._executor is not None else None

    @property
    def is_local(self) -> bool:
        return self._executor.is_local if self._executor is not None else self._is_local

    def _get(self) -> Executor:
        if self._executor is None:
            try:
                self._executor = self._factory()
            except ConfigError as exc:
                raise self._named(exc) from exc
            if self._on_start is not None:
                self._on_start(self._executor)
        return self._executor

    def _named(self, exc: ConfigError) -> ConfigError:
        """``exc`` with the compute target's name in front, when there is one."""
        if self.name is None:
            return exc
        return ConfigError(f"compute target '{self.name}': {exc.message}", hint=exc.hint)

    def take_tasks(self) -> list[TaskRun]:
        """The executor's task log since the last call (empty for one that keeps none)."""
        take = getattr(self._executor, "take_tasks", None)
        return list(take()) if take is not None else []

    def submit(
        self,
        fn: Callable[..., T],
        /,
        *args: Any,
        resources: Mapping[str, float] | None = None,
        **kwargs: Any,
    ) -> Future[T]:
        """Submit to the real executor; ``resources=None`` means the bound ones."""
        if resources is None:
            resources = self.resources or None
        executor = self._get()
        try:
            return executor.submit(fn, *args, resources=resources, **kwargs)
        except ConfigError as exc:  # e.g. no worker offers the resources
            raise self._named(exc) from exc

    def scatter(self, obj: T) -> Scattered[T]:
        return self._get().scatter(obj)

    def as_completed(self, futures: Iterable[Future[T]]) -> Iterator[Future[T]]:
        return self._get().as_completed(futures)

    def close(self) -> None:
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.close()


class ExecutorPool:
    """One lazily started executor per compute target name, closed at the end of the run.

    ``factory`` makes the real executor of a target (:func:`make_executor`;
    tests pass a :class:`~textops.compute.testing.FakeExecutor` maker).
    """

    def __init__(
        self,
        targets: Mapping[str, ComputeTarget],
        *,
        factory: Callable[[ComputeTarget], Executor] = make_executor,
        on_start: Callable[[str, Executor], None] | None = None,
    ) -> None:
        self._targets = dict(targets)
        self._factory = factory
        #: told (target name, executor) when a target's executor starts, e.g. to show its dashboard
        self._on_start = on_start
        self._executors: dict[str, LazyExecutor] = {}

    def get(self, name: str) -> LazyExecutor:
        """The executor of target ``name``, bound to that target's resources."""
        if name not in self._executors:
            target = self._targets[name]
            self._executors[name] = LazyExecutor(
                lambda: self._factory(target),
                n_workers=_estimated_slots(target),
                is_local=target.kind == "local" or target.address is None,
                resources=target.resources,
                on_start=None if self._on_start is None else partial(self._on_start, name),
                name=name,
            )
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


def _estimated_slots(target: ComputeTarget) -> int:
    """How many tasks ``target`` runs at once, as its settings say (before it starts)."""
    if target.kind == "local":
        return 1
    return target.n_workers * target.threads_per_worker
