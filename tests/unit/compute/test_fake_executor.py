"""The shipped test double: inline, recording, and losing the workers it is told to."""

from __future__ import annotations

import pickle

import pytest

from textops.compute.base import Executor, Scattered
from textops.compute.testing import FakeExecutor
from textops.errors import StepError, WorkerLostError


def scale(values: list[int], *, by: int) -> list[int]:
    return [value * by for value in values]


def fail(message: str) -> None:
    raise ValueError(message)


def test_it_runs_inline_and_records_what_was_submitted_and_scattered() -> None:
    executor = FakeExecutor(n_workers=2)
    assert isinstance(executor, Executor)
    shared = executor.scatter([1, 2])
    assert isinstance(shared, Scattered) and executor.scattered == [[1, 2]]
    future = executor.submit(scale, shared, by=3, resources={"GPU": 1})
    assert future.result() == [3, 6]
    [task] = executor.submissions
    assert (task.name, task.args, task.kwargs, task.resources) == (
        "scale", ([1, 2],), {"by": 3}, {"GPU": 1}
    )
    assert executor.submitted == ["scale"]


def test_a_task_error_stays_in_its_future() -> None:
    future = FakeExecutor().submit(fail, "boom")
    with pytest.raises(ValueError, match="boom"):
        future.result()


def test_lost_tasks_raise_worker_lost_naming_the_memory_limit_and_do_not_run() -> None:
    ran: list[str] = []

    def record(name: str) -> str:
        ran.append(name)
        return name

    executor = FakeExecutor(memory_limit=2 * 2**30, lose=lambda task: task.args == ("b",))
    futures = [executor.submit(record, name) for name in "abc"]
    assert ran == ["a", "c"]
    assert [task.lost for task in executor.submissions] == [False, True, False]
    error = futures[1].exception()
    assert isinstance(error, WorkerLostError) and isinstance(error, StepError)
    assert (error.task, error.memory_limit) == ("record", 2 * 2**30)
    with pytest.raises(WorkerLostError, match=r"memory limit of 2\.0 GiB"):
        futures[1].result()

    by_name = FakeExecutor(lose={"scale"})
    with pytest.raises(WorkerLostError, match=r"the OS killed it \(the workers have no memory"):
        by_name.submit(scale, [1], by=2).result()
    assert "limit of none" not in str(by_name.submit(scale, [1], by=2).exception())


def test_a_worker_lost_error_survives_a_pickle_round_trip() -> None:
    error = FakeExecutor(memory_limit=2**30, lose={"scale"}).submit(scale, [1], by=2).exception()
    assert isinstance(error, WorkerLostError)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is WorkerLostError
    assert (copy.message, copy.hint, copy.task, copy.memory_limit) == (
        error.message,
        error.hint,
        "scale",
        2**30,
    )
    assert str(copy) == str(error)
