"""clean: the shared text cleaner applied to the four datasets of a version."""

from __future__ import annotations

import time

from textops.records import CleanedData, DatasetRef, Record
from textops.steps.base import StepContext, StepParams, step
from textops.text.cleaning import CleaningSettings, TextCleaner


class Params(StepParams, CleaningSettings):
    """The cleaning settings (see :class:`textops.text.cleaning.CleaningSettings`)."""


@step("clean", outputs={"cleaned": CleanedData}, compute="local", environment="data", data="all")
def clean(ctx: StepContext, params: Params, *, dataset: DatasetRef) -> dict[str, Record]:
    """Lower-case and strip punctuation, numbers, special characters and stop words."""
    cleaner = CleaningSettings(**params.model_dump()).build()
    metrics: dict[str, float] = {}
    for part in ("train", "test"):
        metrics.update(_clean_part(ctx, cleaner, dataset, part))
    ctx.tracker.log(metrics=metrics)
    return {"cleaned": CleanedData(
        dataset=dataset, location=ctx.out.location, settings=params.model_dump(mode="json"),
        empty_after_cleaning={k: int(v) for k, v in metrics.items() if "empty" in k},
    )}


def _clean_part(
    ctx: StepContext, cleaner: TextCleaner, dataset: DatasetRef, part: str
) -> dict[str, float]:
    """Clean ``part`` and its subset (the same rows, by id); the part's figures."""
    import polars as pl

    frame = ctx.catalog.dataset(dataset, part)
    started = time.perf_counter()
    cleaned = frame.with_columns(pl.Series("text", cleaner.transform(frame["text"])))
    seconds = time.perf_counter() - started
    ctx.catalog.save(ctx.out, CleanedData, cleaned, part=part)
    subset_ids = ctx.catalog.dataset(dataset, f"{part}_subset", columns=["id"])
    subset = subset_ids.join(cleaned, on="id", how="left", maintain_order="left")
    ctx.catalog.save(ctx.out, CleanedData, subset, part=f"{part}_subset")
    megabytes = float(frame["text"].str.len_bytes().sum()) / 1e6
    return {
        f"{part}_rows": float(frame.height),
        f"{part}_empty_after_cleaning": float((cleaned["text"].str.len_chars() == 0).sum()),
        f"{part}_mb_per_second": megabytes / seconds if seconds else 0.0,
    }
