"""The executor interface: how a step fans work out.

A step runs in the driver process and hands independent pieces of work (sweep
candidates, tuning trials, a GPU training job) to ``ctx.executor``. The local
executor runs them inline; the Dask executor (``textops.execution.dask``) sends
them to a cluster. Steps only see this interface, so the same step code runs on
a laptop and on a cluster.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future
from typing import Any, Protocol, TypeVar, runtime_checkable

T = TypeVar("T")


@runtime_checkable
class Executor(Protocol):
    """Where a step's fan-out runs."""

    #: how many tasks can run at once
    n_workers: int

    def submit(
        self,
        fn: Callable[..., T],
        /,
        *args: Any,
        resources: Mapping[str, float] | None = None,
        **kwargs: Any,
    ) -> Future[T]:
        """Run ``fn(*args, **kwargs)``; ``resources`` (e.g. ``{"GPU": 1}``) pins it."""
        ...

    def scatter(self, obj: T) -> T:
        """Ship a large object to the workers once; pass the handle to ``submit``."""
        ...

    def as_completed(self, futures: Iterable[Future[T]]) -> Iterator[Future[T]]:
        """Yield futures as they finish."""
        ...

    def close(self) -> None:
        """Release workers this executor started."""
        ...


class LocalExecutor:
    """Runs every task inline, in the calling process, in submission order."""

    n_workers = 1

    def submit(
        self,
        fn: Callable[..., T],
        /,
        *args: Any,
        resources: Mapping[str, float] | None = None,
        **kwargs: Any,
    ) -> Future[T]:
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - the future carries it to the caller
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            future.set_exception(exc)
        return future

    def scatter(self, obj: T) -> T:
        return obj

    def as_completed(self, futures: Iterable[Future[T]]) -> Iterator[Future[T]]:
        yield from futures

    def close(self) -> None:
        return None

    def __enter__(self) -> LocalExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
