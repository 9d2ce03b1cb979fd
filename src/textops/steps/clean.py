"""clean: the shared text cleaner applied to the four datasets of a version."""

from __future__ import annotations

import time
from typing import Any

from textops.pipeline.step import StepContext, StepParams, step
from textops.text.cleaning import CleaningSettings


class Params(StepParams, CleaningSettings):
    """The cleaning settings (see :class:`textops.text.cleaning.CleaningSettings`)."""


@step("clean", params=Params, inputs=("dataset",), outputs=("cleaned",), compute="local",
      environment="data", data="all")
def clean(ctx: StepContext) -> dict[str, Any]:
    """Lower-case and strip punctuation, numbers, special characters and stop words."""
    import polars as pl

    dataset = ctx.inputs["dataset"]
    cleaner = CleaningSettings(**ctx.params.model_dump()).build()
    metrics: dict[str, float] = {}
    for part in ("train", "test"):
        frame = ctx.datasets.load(dataset, part)
        started = time.perf_counter()
        cleaned = frame.with_columns(pl.Series("text", cleaner.transform(frame["text"])))
        seconds = time.perf_counter() - started
        empty = int((cleaned["text"].str.len_chars() == 0).sum())
        ctx.out.write_parquet(f"{part}.parquet", cleaned)
        subset_ids = ctx.datasets.load(dataset, f"{part}_subset", columns=["id"])
        subset = subset_ids.join(cleaned, on="id", how="left", maintain_order="left")
        ctx.out.write_parquet(f"{part}_subset.parquet", subset)
        megabytes = float(frame["text"].str.len_bytes().sum()) / 1e6
        metrics.update({
            f"{part}_rows": float(frame.height),
            f"{part}_empty_after_cleaning": float(empty),
            f"{part}_mb_per_second": megabytes / seconds if seconds else 0.0,
        })
    ctx.tracker.log(metrics=metrics)
    return {
        "cleaned": {
            "location": ctx.out.location,
            "dataset": dataset,
            "settings": ctx.params.model_dump(mode="json"),
        },
        "empty_after_cleaning": {k: int(v) for k, v in metrics.items() if "empty" in k},
    }
