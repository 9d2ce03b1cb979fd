"""profile: the historic profile of every dataset version, for dashboards.

It runs straight after ingest, so a version that validation later refuses is
profiled too; its per-document statistics are an output that ``validate``
reuses instead of detecting languages and sentiment a second time. It never
touches the baseline.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from textops.pipeline.step import StepContext, StepParams, step
from textops.store.datasets import PARTS


class Params(StepParams):
    """Per-document statistics options."""

    min_words: int = 4  # shorter texts are not judged for language


@step("profile", params=Params, inputs=("dataset",), outputs=("stats",), compute="local",
      environment="data", data="full")
def profile(ctx: StepContext) -> dict[str, Any]:
    """Profile train, test and the whole version; append to reporting/profiles."""
    import polars as pl

    from textops.quality.history import history_rows, history_summary
    from textops.quality.profile import profile_from_stats
    from textops.text.stats import doc_stats_for_parts

    dataset = ctx.inputs["dataset"]
    manifest = ctx.datasets.manifest(dataset["name"], dataset["version"])
    parts = {part: ctx.datasets.load(dataset, part) for part in PARTS}
    timings: dict[str, float] = {}
    stats = doc_stats_for_parts(parts, timings=timings)
    for part, frame in stats.items():
        ctx.out.write_parquet(f"stats_{part}.parquet", frame)
    full_stats = pl.concat([stats["train"], stats["test"]], how="vertical")
    profiles = {
        "full": profile_from_stats("full", full_stats, schema=dict(parts["train"].schema),
                                   min_words=ctx.params.min_words),
        **{
            part: profile_from_stats(part, stats[part], schema=dict(parts[part].schema),
                                     min_words=ctx.params.min_words)
            for part in ("train", "test")
        },
    }
    created = datetime.fromisoformat(manifest["created"])
    ctx.report("profiles", history_rows(profiles, version=dataset["version"], created=created)
               .assign(dataset_name=dataset["name"]))
    ctx.report("profile_summary", history_summary(profiles, version=dataset["version"],
                                                  created=created).assign(dataset_name=dataset["name"]))
    ctx.out.write_json("profile.json", {name: p.to_dict() for name, p in profiles.items()})
    full = profiles["full"]
    ctx.tracker.log(metrics={
        "rows": float(full.n_rows),
        "vocabulary_size": float(full.vocabulary_size),
        "duplicate_rate": full.duplicate_rate,
        **({"english_share": full.english_share} if full.english_share is not None else {}),
        **{f"seconds_{name}": seconds for name, seconds in timings.items()},
    })
    return {"stats": {"location": ctx.out.location, "dataset": dataset}}
