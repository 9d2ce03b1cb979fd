"""What a step is: a plain function of typed data, declared as inert data.

A step module defines a pydantic ``Params`` model and a function decorated with
:func:`step`::

    class Params(StepParams):
        alpha: float = 1.0

    @step("sweep", outputs={"leaderboard": Leaderboard}, compute="cluster",
          environment="sklearn", data="subset")
    def sweep(ctx: StepContext, params: Params, *, cleaned: CleanedData) -> dict[str, Record]:
        ...
        return {"leaderboard": Leaderboard(...)}

Its inputs are the keyword-only parameters after ``params``, typed with the
record each one takes (a default of ``None`` makes an input optional); its
outputs are the records it returns, declared by name and type. Both are read
from the function once, when it is declared, so the graph can lint the wiring
by type without running anything.

The function reads frames through ``ctx.catalog``, writes files only through
``ctx.out`` and reporting rows through ``ctx.report``, logs through
``ctx.tracker``, fans work out through ``ctx.executor`` and tells how far it
got through ``ctx.progress`` (:mod:`textops.progress`). Where it runs, on
which device and with which resources, is the runner's business: the step only
sees the results (``ctx.device`` is the device its target asks for, and
``ctx.code_version`` the version of the code the step runs).
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict

from textops.records import Record

if TYPE_CHECKING:
    import pandas as pd

    from textops.compute.base import Executor
    from textops.progress import Progress
    from textops.store.catalog import Catalog
    from textops.store.outputs import StepOutputs
    from textops.tracking.base import StepTracker

DataScope = Literal["raw", "full", "subset", "all"]
Outputs = Mapping[str, Record]
StepFunction = Callable[..., Outputs]


class StepParams(BaseModel):
    """Base of every step's parameters: unknown keys are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class StepContext(Protocol):
    """Everything a running step may touch (the runner provides the implementation)."""

    @property
    def name(self) -> str: ...

    @property
    def run_id(self) -> str: ...

    @property
    def scope(self) -> DataScope: ...

    @property
    def device(self) -> str: ...

    @property
    def code_version(self) -> str: ...

    @property
    def is_forced(self) -> bool:
        """Whether the run asked this step to run again (``--force``, ``--from``): it must
        start its work afresh, not resume what an earlier run left."""
        ...

    @property
    def out(self) -> StepOutputs: ...

    @property
    def catalog(self) -> Catalog: ...

    @property
    def tracker(self) -> StepTracker: ...

    @property
    def executor(self) -> Executor: ...

    @property
    def progress(self) -> Progress: ...

    def report(self, table: str, rows: pd.DataFrame) -> None:
        """Queue tidy rows for ``reporting/<table>``; the runner appends them."""


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one spec per kind
class StepSpec:
    """A registered step kind, as inert data the graph can lint and print."""

    kind: str
    fn: StepFunction
    params: type[BaseModel]
    inputs: Mapping[str, type[Record]]
    optional_inputs: frozenset[str]
    outputs: Mapping[str, type[Record]]
    compute: str
    environment: str
    data: DataScope
    description: str
    #: extra content the cache key must cover (e.g. the raw files an ingest reads)
    fingerprint: Callable[[Any, Catalog], str] | None = None
    #: a deeper check of validated params, run when the graph is built (before anything runs)
    check: Callable[[Any], None] | None = None
    #: a top-level section of the definition that is this step's params (ingest: ``data``)
    params_from: str | None = None

    @property
    def required_inputs(self) -> tuple[str, ...]:
        return tuple(name for name in self.inputs if name not in self.optional_inputs)


def step(
    kind: str,
    *,
    outputs: Mapping[str, type[Record]],
    compute: str = "local",
    environment: str = "data",
    data: DataScope = "full",
    fingerprint: Callable[[Any, Catalog], str] | None = None,
    check: Callable[[Any], None] | None = None,
    params_from: str | None = None,
) -> Callable[[StepFunction], StepSpec]:
    """Declare a function as the step kind ``kind`` (see the module docstring)."""

    def wrap(fn: StepFunction) -> StepSpec:
        params, inputs, optional = _signature(kind, fn)
        doc = (fn.__doc__ or "").strip().splitlines()
        return StepSpec(
            kind=kind, fn=fn, params=params, inputs=inputs, optional_inputs=optional,
            outputs=dict(outputs), compute=compute, environment=environment, data=data,
            description=doc[0] if doc else "", fingerprint=fingerprint, check=check,
            params_from=params_from,
        )

    return wrap


def _signature(
    kind: str, fn: StepFunction
) -> tuple[type[BaseModel], dict[str, type[Record]], frozenset[str]]:
    """``fn(ctx, params: Params, *, name: Record, ...)``: the params type and typed inputs."""
    try:
        hints = typing.get_type_hints(fn)
    except NameError as exc:
        raise TypeError(
            f"step '{kind}': its annotations must name module-level types: {exc}"
        ) from exc
    parameters = list(inspect.signature(fn).parameters.values())
    if len(parameters) < 2 or parameters[1].name != "params":
        raise TypeError(f"step '{kind}': the function must read fn(ctx, params, *, inputs...)")
    params = hints.get("params")
    if not (isinstance(params, type) and issubclass(params, BaseModel)):
        raise TypeError(f"step '{kind}': 'params' must be annotated with a pydantic model")
    inputs: dict[str, type[Record]] = {}
    optional: set[str] = set()
    for parameter in parameters[2:]:
        if parameter.kind is not inspect.Parameter.KEYWORD_ONLY:
            raise TypeError(f"step '{kind}': input '{parameter.name}' must be keyword-only")
        record, is_optional = _record_type(hints.get(parameter.name))
        if record is None:
            raise TypeError(f"step '{kind}': input '{parameter.name}' must be typed with a Record")
        inputs[parameter.name] = record
        if is_optional or parameter.default is not inspect.Parameter.empty:
            optional.add(parameter.name)
    return params, inputs, frozenset(optional)


def _record_type(hint: Any) -> tuple[type[Record] | None, bool]:
    """``X`` or ``X | None`` with X a Record -> (X, whether None is allowed)."""
    if isinstance(hint, type) and issubclass(hint, Record):
        return hint, False
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        members = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(members) == 1 and isinstance(members[0], type) and issubclass(members[0], Record):
            return members[0], True
    return None, False
