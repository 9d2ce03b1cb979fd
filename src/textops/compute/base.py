"""The executor protocol: how fanned-out work is submitted, and the inline executor.

A step runs in the driver process and hands independent pieces of work (sweep
candidates, tuning trials, a GPU training job) to an :class:`Executor`.
:class:`LocalExecutor` runs them inline; :class:`~textops.compute.dask.DaskExecutor`
sends them to a cluster; :class:`~textops.compute.testing.FakeExecutor` stands in
for either in tests. Callers only see this protocol, so the same code runs on a
laptop and on a cluster.

A large object goes to the workers once with :meth:`Executor.scatter`, which
returns a typed :class:`Scattered` handle; passed to :meth:`Executor.submit`
(as an argument or a keyword's value) it arrives on the worker as the object.
A task whose worker dies fails with :class:`~textops.errors.WorkerLostError`,
whatever the backend.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future
from typing import Any, Generic, Protocol, TypeVar, runtime_checkable

from pydantic import ByteSize

from textops.errors import WorkerLostError

T = TypeVar("T")

__all__ = ["Executor", "LocalExecutor", "Scattered", "unwrap_scattered", "worker_lost"]


class Scattered(Generic[T]):
    """A handle to an object an executor has shipped to its workers.

    ``handle`` is the backend's own reference (the object itself inline, a Dask
    future on a cluster); only the executor that made it looks inside.
    """

    __slots__ = ("handle",)

    def __init__(self, handle: Any) -> None:
        self.handle = handle

    def __repr__(self) -> str:
        return f"Scattered({type(self.handle).__name__})"


@runtime_checkable
class Executor(Protocol):
    """Where fanned-out work runs."""

    @property
    def n_workers(self) -> int:
        """How many tasks can run at once."""
        ...

    @property
    def memory_limit(self) -> int | None:
        """Memory of each worker in bytes (the smallest one's); None: unbounded or unknown."""
        ...

    @property
    def is_local(self) -> bool:
        """Whether every worker shares this machine's filesystem."""
        ...

    def submit(
        self,
        fn: Callable[..., T],
        /,
        *args: Any,
        resources: Mapping[str, float] | None = None,
        **kwargs: Any,
    ) -> Future[T]:
        """Run ``fn(*args, **kwargs)``; ``resources`` (e.g. ``{"GPU": 1}``) pins it.

        :class:`Scattered` handles among ``args`` and ``kwargs`` values reach
        ``fn`` as their objects. The future raises what ``fn`` raised, or
        :class:`~textops.errors.WorkerLostError` when the task's worker died.
        """
        ...

    def scatter(self, obj: T) -> Scattered[T]:
        """Ship a large object to the workers once; pass the handle to :meth:`submit`."""
        ...

    def as_completed(self, futures: Iterable[Future[T]]) -> Iterator[Future[T]]:
        """Yield ``futures`` (the same objects) as they finish."""
        ...

    def close(self) -> None:
        """Release workers this executor started."""
        ...


class LocalExecutor:
    """Runs every task inline, in the calling process, in submission order."""

    n_workers = 1
    memory_limit: int | None = None
    is_local = True

    def submit(
        self,
        fn: Callable[..., T],
        /,
        *args: Any,
        resources: Mapping[str, float] | None = None,
        **kwargs: Any,
    ) -> Future[T]:
        """Run ``fn`` now; ``resources`` are ignored (this process is the only worker)."""
        args, kwargs = unwrap_scattered(args, kwargs)
        return run_inline(fn, args, kwargs)

    def scatter(self, obj: T) -> Scattered[T]:
        return Scattered(obj)

    def as_completed(self, futures: Iterable[Future[T]]) -> Iterator[Future[T]]:
        yield from futures

    def close(self) -> None:
        return None

    def __enter__(self) -> LocalExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def run_inline(fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Future[T]:
    """Call ``fn`` now; its result or exception in a finished future."""
    future: Future[T] = Future()
    try:
        future.set_result(fn(*args, **kwargs))
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - the future carries it to the caller
        future.set_exception(exc)
    return future


def unwrap_scattered(
    args: tuple[Any, ...], kwargs: Mapping[str, Any]
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """``args`` and ``kwargs`` with every :class:`Scattered` replaced by its backend handle."""

    def unwrap(value: Any) -> Any:
        return value.handle if isinstance(value, Scattered) else value

    return tuple(unwrap(arg) for arg in args), {k: unwrap(v) for k, v in kwargs.items()}


def worker_lost(task: str, *, memory_limit: int | None) -> WorkerLostError:
    """The error of a task whose worker died, naming the limit it most likely passed."""
    if memory_limit is None:
        cause = "it crashed its process or the OS killed it (the workers have no memory limit)"
        hint = "give the compute target's workers a memory limit (compute.<target>.memory_limit)"
    else:
        hint = "give the compute target's workers more memory (compute.<target>.memory_limit)"
        limit = ByteSize(memory_limit).human_readable(separator=" ")
        cause = (
            f"most likely it passed the worker memory limit of {limit} "
            "(a worker is restarted past 95% of it), or it crashed its process"
        )
    return WorkerLostError(
        f"task {task!r} lost its worker: {cause}",
        task=task,
        memory_limit=memory_limit,
        hint=f"{hint}, or make the task smaller",
    )
