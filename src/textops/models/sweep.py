"""The sweep: fit every candidate on shared features, bounded, and rank them.

:func:`~textops.models.fitting.fit_candidate` fits one candidate and returns a
plain result dict; it never raises for a candidate's own failure.
:func:`run_sweep` scatters the features to an executor once and keeps every
worker busy with the costliest candidate left, so a long one never starts
last; a forest (the random forest is half the sweep's work) is fitted in
shards on several workers and joined, tree for tree the same forest. Results
come back in candidate order, the same on any executor for the same seed;
:func:`leaderboard` ranks them. Nothing here logs to MLflow or writes files:
the ``sweep`` step logs each returned result as a child run, in the driver.

One candidate must never take the machine down: each runs under the memory
and thread bounds of :mod:`textops.models.bounds`, where an oversized
allocation fails that candidate alone, with a message that says so. On Dask,
a worker's ``memory_limit`` is a second line: the nanny restarts a worker past
95% of it, the scheduler gives the task up at once (``allowed_failures=0``)
and :func:`run_sweep` turns the :class:`~textops.errors.WorkerLostError` into a
failed candidate carrying its message (the worker memory limit the candidate
most likely passed, when the workers have one).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ByteSize, ConfigDict, Field, field_validator

from textops.errors import WorkerLostError
from textops.models.candidates import (
    CandidateSpec,
    build_estimator,
    default_candidates,
    forest_shards,
    join_forest_shards,
)
from textops.models.candidates import validate_candidates as validate_candidates
from textops.models.features import Features, TfidfSettings
from textops.models.fitting import (
    DEFAULT_MEMORY_LIMIT,
    blank_result,
    fit_candidate,
    fit_forest_shard,
)

if TYPE_CHECKING:
    from concurrent.futures import Future

    import pandas as pd

    from textops.compute.base import Executor, Scattered

__all__ = ["DEFAULT_MEMORY_LIMIT", "SweepSettings", "leaderboard", "run_sweep"]

_MIN_MEMORY_LIMIT = 64 * 2**20

SweepMetric = Literal[
    "accuracy",
    "balanced_accuracy",
    "f1_macro",
    "f1_weighted",
    "precision_macro",
    "precision_weighted",
    "recall_macro",
    "recall_weighted",
    "roc_auc",
]


class SweepSettings(BaseModel):
    """The sweep's settings in ``textops.yaml``; field names match :func:`run_sweep`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    candidates: list[CandidateSpec] = Field(default_factory=default_candidates)
    tfidf: TfidfSettings = TfidfSettings()  # frozen: one shared default is safe
    seed: int = 0
    metric: SweepMetric = "accuracy"
    memory_limit: ByteSize | None = Field(
        ByteSize(DEFAULT_MEMORY_LIMIT),
        description="memory one candidate may add (e.g. 4GiB); null: no bound",
    )
    save_skops: bool = Field(True, description="also save each pipeline with skops")
    n_threads: int | None = Field(
        1, ge=1, description="BLAS/OpenMP threads per candidate; null: the libraries' default"
    )

    @field_validator("memory_limit")
    @classmethod
    def _not_tiny(cls, value: ByteSize | None) -> ByteSize | None:
        if value is not None and value < _MIN_MEMORY_LIMIT:
            raise ValueError(
                "memory_limit must be at least 64MiB (or null for none), "
                f"got {value.human_readable()}"
            )
        return value


# -- all candidates ----------------------------------------------------------------------


def run_sweep(
    features: Features,
    candidates: Sequence[CandidateSpec | Mapping[str, Any]],
    executor: Executor,
    *,
    seed: int = 0,
    memory_limit: int | None = DEFAULT_MEMORY_LIMIT,
    save_skops: bool = True,
    n_threads: int | None = 1,
    on_result: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Fit every candidate through ``executor``; results in candidate order.

    The candidates are checked first (:func:`validate_candidates`: a
    :class:`~textops.errors.ConfigError` names a bad entry before anything
    runs). ``features`` go to the workers once (``executor.scatter``). At most
    ``executor.n_workers`` candidates are in flight, costliest first: a free
    worker always takes the longest candidate left (so a long one never starts
    last), and a worker that dies takes only its own candidate with it. With
    more than one worker a forest is fitted in one shard per worker, then
    joined and scored (:func:`~textops.models.candidates.forest_shards`): the
    same trees, so the same metrics, in a fraction of the wall time.

    Each result is the dict of :func:`fit_candidate` (``seed``,
    ``memory_limit``, ``save_skops`` and ``n_threads`` are passed on) plus
    ``shards``; a candidate whose worker died (on Dask: it passed the worker's
    memory limit, or crashed) gets a failed result saying so, and the
    features are scattered again for the rest.

    ``on_result`` is called in the driver as each result arrives, e.g. to log
    it to MLflow: tracking happens in the driver, from these dicts, never on
    the workers. With the same ``seed`` the metrics are the same on any
    executor.
    """
    specs = [CandidateSpec.model_validate(candidate) for candidate in candidates]
    validate_candidates(specs)
    fanout = _Fanout(
        features,
        specs,
        executor,
        seed=seed,
        memory_limit=memory_limit,
        n_threads=n_threads,
        save_skops=save_skops,
        on_result=on_result,
    )
    return fanout.run()


# a work item is (candidate index, part): None for the whole candidate, a shard
# number for one shard of a forest, "join" to score the joined forest
_Part = int | str | None
_WorkItem = tuple[int, _Part]


class _Fanout:
    """One sweep's fan-out: the work left, the tasks in flight and the results so far.

    :meth:`run` keeps at most ``executor.n_workers`` tasks in flight, costliest
    first, and handles each result as it arrives; see :func:`run_sweep`.
    """

    def __init__(
        self,
        features: Features,
        specs: list[CandidateSpec],
        executor: Executor,
        *,
        seed: int,
        memory_limit: int | None,
        n_threads: int | None,
        save_skops: bool,
        on_result: Callable[[dict[str, Any]], None] | None,
    ) -> None:
        self.features = features
        self.specs = specs
        self.executor = executor
        self.seed = seed
        self.memory_limit = memory_limit
        self.n_threads = n_threads
        self.save_skops = save_skops
        self.on_result = on_result
        # first: scattering starts a lazy executor, whose size is known only then
        self.shared = executor.scatter(features)
        self.window = max(1, executor.n_workers)
        self.n_shards = [_shard_count(spec, self.window, seed) for spec in specs]
        self.pending: deque[_WorkItem] = deque(self._work_items())
        self.in_flight: dict[Future[dict[str, Any]], _WorkItem] = {}
        self.shard_records: dict[int, list[dict[str, Any]]] = {}
        self.joined: dict[int, tuple[Scattered[Any], float]] = {}
        self.results: list[dict[str, Any] | None] = [None] * len(specs)

    def run(self) -> list[dict[str, Any]]:
        """Launch and collect until no work is left; the results in candidate order."""
        while True:
            self._launch()
            if not self.in_flight:
                break
            self._collect_next()
        return [result for result in self.results if result is not None]

    def _work_items(self) -> list[_WorkItem]:
        """Every candidate, or every shard of a sharded forest, costliest per item first."""
        work: list[_WorkItem] = [
            (index, shard) if self.n_shards[index] > 1 else (index, None)
            for index in range(len(self.specs))
            for shard in range(self.n_shards[index])
        ]
        work.sort(key=lambda item: -self.specs[item[0]].cost / self.n_shards[item[0]])
        return work

    def _launch(self) -> None:
        """Submit pending work until the window is full."""
        while self.pending and len(self.in_flight) < self.window:
            index, part = self.pending.popleft()
            if self.results[index] is not None:
                continue  # a shard of a forest that has already failed
            self.in_flight[self._submit(index, part)] = (index, part)

    def _submit(self, index: int, part: _Part) -> Future[dict[str, Any]]:
        """One task: a forest shard, or the whole candidate (joined forest or not)."""
        if isinstance(part, int):
            return self.executor.submit(
                fit_forest_shard,
                self.specs[index],
                self.shared,
                shard=part,
                n_shards=self.n_shards[index],
                **self._options(),
            )
        model, seconds = self.joined.pop(index, (None, None))
        return self.executor.submit(
            fit_candidate,
            self.specs[index],
            self.shared,
            save_skops=self.save_skops,
            fitted_model=model,
            fit_seconds=seconds,
            **self._options(),
        )

    def _options(self) -> dict[str, Any]:
        """The keywords every task gets, shard or whole candidate."""
        return {"seed": self.seed, "memory_limit": self.memory_limit, "n_threads": self.n_threads}

    def _collect_next(self) -> None:
        """Wait for the next task to finish, refill the window, then handle its outcome."""
        future = next(iter(self.executor.as_completed(list(self.in_flight))))
        index, part = self.in_flight.pop(future)
        failure = future.exception()  # the task's own, not the candidate's: those are results
        if failure is not None and self.pending:
            # a dead worker may have held the only copy
            self.shared = self.executor.scatter(self.features)
        self._launch()  # keep the workers busy while this result is handled
        outcome: dict[str, Any] | None = None
        if failure is None:
            try:
                outcome = future.result()
            except Exception as exc:  # noqa: BLE001 - e.g. a result that cannot be unpickled
                failure = exc
        if self.results[index] is not None:
            return  # another shard of this forest failed first
        if outcome is None:
            assert failure is not None
            lost = _lost_result(self.specs[index], failure, seed=self.seed, limit=self.memory_limit)
            self._finish(index, lost)
        else:
            self._handle(index, part, outcome)

    def _handle(self, index: int, part: _Part, outcome: dict[str, Any]) -> None:
        """A task's returned dict: a candidate's result, or one shard of a forest."""
        if not isinstance(part, int):
            self._finish(index, outcome)
        elif outcome["status"] != "ok":
            spec = self.specs[index]
            failed = _failed_shard_result(spec, outcome, seed=self.seed, limit=self.memory_limit)
            self._finish(index, failed)
        else:
            self._add_shard(index, outcome)

    def _add_shard(self, index: int, record: dict[str, Any]) -> None:
        """Keep a fitted shard; once a forest has all of them, queue it to be joined."""
        records = self.shard_records.setdefault(index, [])
        records.append(record)
        if len(records) == self.n_shards[index]:
            del self.shard_records[index]  # the joined forest replaces its shards
            self._join_forest(index, records)

    def _join_forest(self, index: int, records: list[dict[str, Any]]) -> None:
        """Join a forest's shards and queue it first, to be scored as a whole candidate."""
        records.sort(key=lambda record: record["shard"])
        forest = build_estimator(self.specs[index], seed=self.seed)
        model = join_forest_shards(forest, [record["model"] for record in records])
        # shipped like the features: too big to travel inside a task's arguments
        seconds = sum(record["fit_seconds"] for record in records)
        self.joined[index] = (self.executor.scatter(model), seconds)
        self.pending.appendleft((index, "join"))

    def _finish(self, index: int, result: dict[str, Any]) -> None:
        """Record a candidate's final result and hand it to ``on_result``."""
        result["shards"] = self.n_shards[index]
        self.results[index] = result
        if self.on_result is not None:
            self.on_result(result)


def _shard_count(spec: CandidateSpec, window: int, seed: int) -> int:
    """How many shards a candidate's fit is split into: ``window`` for a forest, else 1."""
    if window < 2:
        return 1
    return window if forest_shards(build_estimator(spec, seed=seed), window) else 1


def _failed_shard_result(
    spec: CandidateSpec, record: dict[str, Any], *, seed: int, limit: int | None
) -> dict[str, Any]:
    result = blank_result(spec, seed=seed, memory_limit=limit)
    for key in ("error", "warnings", "memory_bound", "worker", "started_at", "finished_at"):
        result[key] = record[key]
    return result


def _lost_result(
    spec: CandidateSpec, exc: BaseException, *, seed: int, limit: int | None
) -> dict[str, Any]:
    """The failed result of a candidate whose task the executor lost (``exc`` says why)."""
    result = blank_result(spec, seed=seed, memory_limit=limit)
    result["worker"] = None
    result["finished_at"] = time.time()
    if isinstance(exc, WorkerLostError):
        result["error"] = f"candidate {spec.name!r}: {exc.message}; it was not retried"
    else:
        result["error"] = (
            f"candidate {spec.name!r} was lost by the executor: {type(exc).__name__}: {exc}"
        )
    return result


def leaderboard(results: Sequence[Mapping[str, Any]], *, metric: str = "accuracy") -> pd.DataFrame:
    """One row per candidate, best ``metric`` first; failed candidates last.

    Columns: ``rank`` (nullable int; none for failed), ``name``, ``status``,
    ``estimator``, one column per metric, ``fit_seconds``,
    ``predict_seconds``, ``error``.
    """
    import pandas as pd

    rows = [
        {
            "name": result["name"],
            "status": result["status"],
            "estimator": result.get("estimator"),
            **(result.get("metrics") or {}),
            "fit_seconds": result.get("fit_seconds"),
            "predict_seconds": result.get("predict_seconds"),
            "error": result.get("error"),
        }
        for result in results
    ]
    table = pd.DataFrame(rows)
    if table.empty:
        return table.assign(rank=pd.Series(dtype="Int64"))
    if metric not in table.columns:
        table[metric] = float("nan")
    is_ok = table["status"] == "ok"
    ranked = table[is_ok].sort_values(metric, ascending=False, kind="stable", na_position="last")
    table = pd.concat([ranked, table[~is_ok]], ignore_index=True)
    rank = pd.Series(range(1, len(table) + 1), dtype="Int64").where(table["status"] == "ok")
    table.insert(0, "rank", rank)
    return table
