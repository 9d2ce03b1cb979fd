"""Small steps for runner tests: they count their calls and fail on demand."""

from __future__ import annotations

from pathlib import Path

from textops.records import DatasetRef, Record
from textops.steps.base import StepContext, StepParams, step


class Number(Record):
    value: int


class Text(Record):
    value: str


class SourceParams(StepParams):
    value: int = 1
    counter: str


class DoubleParams(StepParams):
    counter: str
    fail_flag: str | None = None


def _count(counter: str, name: str) -> None:
    path = Path(counter) / name
    path.write_text(str(int(path.read_text()) + 1 if path.exists() else 1))


@step("test-source", outputs={"value": Number})
def source(ctx: StepContext, params: SourceParams) -> dict[str, Record]:
    """Emit a number."""
    _count(params.counter, ctx.name)
    return {"value": Number(value=params.value)}


@step("test-text", outputs={"value": Text})
def text(ctx: StepContext, params: SourceParams) -> dict[str, Record]:
    """Emit a number as text (for wiring a wrong type)."""
    return {"value": Text(value=str(params.value))}


@step("test-double", outputs={"value": Number})
def double(ctx: StepContext, params: DoubleParams, *, x: Number) -> dict[str, Record]:
    """Double the input; raise while the fail flag file exists."""
    _count(params.counter, ctx.name)
    if params.fail_flag and Path(params.fail_flag).exists():
        raise RuntimeError("asked to fail")
    import pandas as pd

    ctx.report("doubles", pd.DataFrame({"value": [x.value * 2]}))
    ctx.tracker.log(metrics={"doubled": x.value * 2})
    return {"value": Number(value=x.value * 2)}


def calls(counter: str | Path, name: str) -> int:
    path = Path(counter) / name
    return int(path.read_text()) if path.exists() else 0


@step("test-dataset", outputs={"dataset": DatasetRef})
def dataset(ctx: StepContext, params: SourceParams) -> dict[str, Record]:
    """Name a dataset version (nothing is written: for what a run records of its dataset)."""
    return {"dataset": DatasetRef(name="toy", version=f"v{params.value}")}
