"""Steps for runner tests whose outputs name files in the store, or a registered model."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from textops.records import Leaderboard, ModelRef, Record, Registration
from textops.steps.base import StepContext, StepParams, step


class BoardParams(StepParams):
    counter: str


def _count(counter: str, name: str) -> None:
    path = Path(counter) / name
    path.write_text(str(int(path.read_text()) + 1 if path.exists() else 1))


@step("test-board", outputs={"board": Leaderboard})
def board(ctx: StepContext, params: BoardParams) -> dict[str, Record]:
    """Write a leaderboard table."""
    _count(params.counter, ctx.name)
    ctx.catalog.save(ctx.out, Leaderboard, pd.DataFrame({"model": ["a", "b"], "f1": [0.9, 0.8]}))
    return {"board": Leaderboard(location=ctx.out.location, metric="f1", best="a",
                                 best_value=0.9)}


@step("test-registered", outputs={"model": ModelRef})
def registered(ctx: StepContext, params: BoardParams, *, board: Leaderboard) -> dict[str, Record]:
    """Write a model's files and say it was registered as version 1 of 'm'."""
    _count(params.counter, ctx.name)
    ctx.catalog.save_model(ctx.out, family="linear", graph=b"onnx", inputs={"vocabulary": {}})
    registration = Registration(name="m", version=1, uri="models:/m/1", promoted=True,
                                reason="first")
    return {"model": ModelRef(location=ctx.out.location, device="cpu", metrics={},
                              onnx_parity_max_abs_diff=0.0, labels=["a"], family="linear",
                              registered=registration)}
