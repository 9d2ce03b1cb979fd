"""A test double of the executor protocol: inline, recording, and able to lose a worker.

:class:`FakeExecutor` runs every task in the calling process like
:class:`~textops.compute.base.LocalExecutor`, but reports whatever
``n_workers``, ``memory_limit`` and ``is_local`` a test gives it, records every
submission and scatter, and fails chosen tasks as a lost worker would, with
the same :class:`~textops.errors.WorkerLostError` a Dask executor raises::

    executor = FakeExecutor(n_workers=2, memory_limit=2 * 2**30,
                            lose=lambda task: task.args[0].name == "ridge")
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from textops.compute.base import Scattered, run_inline, unwrap_scattered, worker_lost

T = TypeVar("T")

__all__ = ["FakeExecutor", "Submission"]


@dataclass(frozen=True)
class Submission:
    """One task as submitted: the function's name, its arguments (scattered ones resolved)."""

    name: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    resources: dict[str, float] | None
    lost: bool = False


@dataclass
class FakeExecutor:
    """An inline executor for tests; see the module doc.

    ``lose`` picks the tasks whose worker "dies": a collection of function
    names, or a predicate over the :class:`Submission`. Their futures raise
    :class:`~textops.errors.WorkerLostError` naming ``memory_limit``; the
    function is not called.
    """

    n_workers: int = 1
    memory_limit: int | None = None
    is_local: bool = True
    lose: Collection[str] | Callable[[Submission], bool] = ()
    #: every task submitted, in order
    submissions: list[Submission] = field(default_factory=list)
    #: every object scattered, in order
    scattered: list[Any] = field(default_factory=list)
    closed: bool = False

    @property
    def submitted(self) -> list[str]:
        """The names of the functions submitted, in order."""
        return [submission.name for submission in self.submissions]

    def submit(
        self,
        fn: Callable[..., T],
        /,
        *args: Any,
        resources: Mapping[str, float] | None = None,
        **kwargs: Any,
    ) -> Future[T]:
        args, kwargs = unwrap_scattered(args, kwargs)
        name = getattr(fn, "__name__", "task")
        wanted = dict(resources) if resources is not None else None
        submission = Submission(name, args, kwargs, wanted)
        if self._loses(submission):
            self.submissions.append(replace(submission, lost=True))
            future: Future[T] = Future()
            future.set_exception(worker_lost(name, memory_limit=self.memory_limit))
            return future
        self.submissions.append(submission)
        return run_inline(fn, args, kwargs)

    def scatter(self, obj: T) -> Scattered[T]:
        self.scattered.append(obj)
        return Scattered(obj)

    def as_completed(self, futures: Iterable[Future[T]]) -> Iterator[Future[T]]:
        yield from futures

    def close(self) -> None:
        self.closed = True

    def _loses(self, submission: Submission) -> bool:
        if callable(self.lose):
            return self.lose(submission)
        return submission.name in self.lose
