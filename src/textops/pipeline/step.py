"""What a step is: a plain function of a :class:`StepContext`, declared as data.

A step module defines a pydantic ``Params`` model and a function decorated with
:func:`step`::

    class Params(StepParams):
        alpha: float = 1.0

    @step("sweep", params=Params, inputs=("features",), outputs=("leaderboard",),
          compute="cluster", environment="sklearn", data="subset")
    def sweep(ctx: StepContext) -> dict[str, Any]:
        ...
        return {"leaderboard": {...}}

The function reads its inputs from ``ctx.inputs`` (the outputs of the steps it
is wired to), writes files only through ``ctx.out`` and reporting rows through
``ctx.report``, logs through ``ctx.tracker`` and fans work out through
``ctx.executor``. It returns a JSON-serialisable dict with one entry per
declared output. The runner does everything else: caching, timing, tracking
runs, recording.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    import pandas as pd

    from textops.config.schema import ComputeTarget, PipelineConfig
    from textops.execution.executor import Executor
    from textops.store.datasets import DatasetRepository
    from textops.store.outputs import StepOutputs
    from textops.store.store import Store
    from textops.tracking.base import StepTracker

DataScope = Literal["raw", "full", "subset", "all"]


class StepParams(BaseModel):
    """Base of every step's parameters: unknown keys are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class StepSpec:
    """A registered step kind, as inert data the graph can lint and print."""

    kind: str
    fn: Callable[[StepContext], Mapping[str, Any]]
    params: type[StepParams]
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    compute: str
    environment: str
    data: DataScope
    description: str
    #: extra content the cache key must cover (e.g. the raw files an ingest reads)
    fingerprint: Callable[[Any, PipelineConfig], str] | None = None
    #: a deeper check of validated params, run when the graph is built (before anything runs)
    check: Callable[[Any], None] | None = None
    #: inputs the step uses when they are wired, and does without otherwise
    optional_inputs: tuple[str, ...] = ()


@dataclass
class StepContext:
    """Everything a running step may touch."""

    name: str
    run_id: str
    params: Any
    inputs: dict[str, Any]
    config: PipelineConfig
    compute: ComputeTarget
    store: Store
    datasets: DatasetRepository
    out: StepOutputs
    tracker: StepTracker
    executor: Executor
    #: the data this step works on: raw, full, subset or all (from the step's ``data:``)
    scope: str = "full"
    reports: list[tuple[str, pd.DataFrame]] = field(default_factory=list)

    def report(self, table: str, rows: pd.DataFrame) -> None:
        """Queue tidy rows for ``reporting/<table>``; the runner appends them."""
        self.reports.append((table, rows))


def step(
    kind: str,
    *,
    params: type[StepParams],
    inputs: tuple[str, ...] = (),
    outputs: tuple[str, ...] = (),
    compute: str = "local",
    environment: str = "data",
    data: DataScope = "full",
    fingerprint: Callable[[Any, PipelineConfig], str] | None = None,
    check: Callable[[Any], None] | None = None,
    optional_inputs: tuple[str, ...] = (),
) -> Callable[[Callable[[StepContext], Mapping[str, Any]]], StepSpec]:
    """Declare a function as the step kind ``kind`` (see the module docstring)."""

    def wrap(fn: Callable[[StepContext], Mapping[str, Any]]) -> StepSpec:
        doc = (fn.__doc__ or "").strip().splitlines()
        return StepSpec(
            kind=kind,
            fn=fn,
            params=params,
            inputs=inputs,
            outputs=outputs,
            compute=compute,
            environment=environment,
            data=data,
            description=doc[0] if doc else "",
            fingerprint=fingerprint,
            check=check,
            optional_inputs=optional_inputs,
        )

    return wrap
