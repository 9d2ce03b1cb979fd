"""profile: the historic profile of every dataset version, for dashboards.

It runs straight after ingest, so a version that validation later refuses is
profiled too; its per-document statistics are an output that ``validate``
reuses instead of detecting languages and sentiment a second time. It never
touches the baseline.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from textops.records import DatasetRef, DocStats, Record
from textops.steps.base import StepContext, StepParams, step
from textops.store.datasets import PARTS

if TYPE_CHECKING:
    import polars as pl

    from textops.quality.profile import DatasetProfile


class Params(StepParams):
    """Per-document statistics options."""

    min_words: int = 4  # shorter texts are not judged for language


@step("profile", outputs={"stats": DocStats}, compute="local", environment="data", data="full")
def profile(ctx: StepContext, params: Params, *, dataset: DatasetRef) -> dict[str, Record]:
    """Profile train, test and the whole version; append to reporting/profiles."""
    from textops.text.stats import doc_stats_for_parts

    parts = {part: ctx.catalog.dataset(dataset, part) for part in PARTS}
    timings: dict[str, float] = {}
    stats = doc_stats_for_parts(parts, timings=timings)
    for part, frame in stats.items():
        ctx.catalog.save(ctx.out, DocStats, frame, part=part)
    profiles = _profiles(parts, stats, min_words=params.min_words)
    _report(ctx, dataset, profiles)
    ctx.out.write_json("profile.json", {name: p.to_dict() for name, p in profiles.items()})
    full = profiles["full"]
    ctx.tracker.log(metrics={
        "rows": float(full.n_rows),
        "vocabulary_size": float(full.vocabulary_size),
        "duplicate_rate": full.duplicate_rate,
        **({"english_share": full.english_share} if full.english_share is not None else {}),
        **{f"seconds_{name}": seconds for name, seconds in timings.items()},
    })
    return {"stats": DocStats(dataset=dataset, location=ctx.out.location)}


def _profiles(
    parts: dict[str, pl.DataFrame], stats: dict[str, pl.DataFrame], *, min_words: int
) -> dict[str, DatasetProfile]:
    """The profile of the whole version (train and test together) and of each of them."""
    import polars as pl

    from textops.quality.profile import profile_from_stats

    schema = dict(parts["train"].schema)
    full_stats = pl.concat([stats["train"], stats["test"]], how="vertical")
    return {
        "full": profile_from_stats("full", full_stats, schema=schema, min_words=min_words),
        **{
            part: profile_from_stats(part, stats[part], schema=dict(parts[part].schema),
                                     min_words=min_words)
            for part in ("train", "test")
        },
    }


def _report(ctx: StepContext, dataset: DatasetRef, profiles: dict[str, DatasetProfile]) -> None:
    from textops.quality.history import history_rows, history_summary

    created = datetime.fromisoformat(ctx.catalog.manifest(dataset)["created"])
    rows = history_rows(profiles, version=dataset.version, created=created)
    summary = history_summary(profiles, version=dataset.version, created=created)
    ctx.report("profiles", rows.assign(dataset_name=dataset.name))
    ctx.report("profile_summary", summary.assign(dataset_name=dataset.name))
