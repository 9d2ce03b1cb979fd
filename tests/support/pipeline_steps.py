"""Small steps for runner tests: they count their calls and fail on demand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textops.pipeline.step import StepContext, StepParams, step


class SourceParams(StepParams):
    value: int = 1
    counter: str


class DoubleParams(StepParams):
    counter: str
    fail_flag: str | None = None


def _count(counter: str, name: str) -> None:
    path = Path(counter) / name
    path.write_text(str(int(path.read_text()) + 1 if path.exists() else 1))


@step("test-source", params=SourceParams, outputs=("value",))
def source(ctx: StepContext) -> dict[str, Any]:
    """Emit a number."""
    _count(ctx.params.counter, ctx.name)
    return {"value": ctx.params.value}


@step("test-double", params=DoubleParams, inputs=("x",), outputs=("value",))
def double(ctx: StepContext) -> dict[str, Any]:
    """Double the input; raise while the fail flag file exists."""
    _count(ctx.params.counter, ctx.name)
    if ctx.params.fail_flag and Path(ctx.params.fail_flag).exists():
        raise RuntimeError("asked to fail")
    import pandas as pd

    ctx.report("doubles", pd.DataFrame({"value": [ctx.inputs["x"] * 2]}))
    ctx.tracker.log(metrics={"doubled": ctx.inputs["x"] * 2})
    return {"value": ctx.inputs["x"] * 2}


def calls(counter: str | Path, name: str) -> int:
    path = Path(counter) / name
    return int(path.read_text()) if path.exists() else 0
