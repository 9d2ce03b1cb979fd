"""ingest: a raw drop becomes an immutable, content-addressed dataset version."""

from __future__ import annotations

from typing import Any

from textops.config.schema import PipelineConfig
from textops.pipeline.step import StepContext, StepParams, step


class Params(StepParams):
    """Ingest reads ``data:`` from the pipeline definition; it has no parameters of its own."""


def _fingerprint(params: Params, config: PipelineConfig) -> str:
    from textops.store.raw import fingerprint_source

    return fingerprint_source(config.data.source, config.data.format) + config.data.model_dump_json()


@step(
    "ingest", params=Params, outputs=("dataset",), compute="local", environment="data", data="raw",
    fingerprint=_fingerprint,
)
def ingest(ctx: StepContext) -> dict[str, Any]:
    """Read the drop, split it, and commit a dataset version (or find the same one)."""
    manifest, is_new = ingest_source(ctx)
    return {
        "dataset": {"name": manifest["name"], "version": manifest["version"]},
        "is_new": is_new,
        "rows": {part: info["rows"] for part, info in manifest["parts"].items()},
    }


def ingest_source(ctx: StepContext) -> tuple[dict[str, Any], bool]:
    from textops.execution.records import utc_now
    from textops.store.raw import read_source
    from textops.store.splitting import check_unique_ids, class_counts, content_hash, split_frame

    data = ctx.config.data
    frame, files = read_source(data)
    if data.id_column:
        check_unique_ids(frame, data.id_column)
    parts = split_frame(frame, data.split, split_column=data.split_column)
    digest = content_hash(parts)
    version = digest[:12]
    if ctx.datasets.exists(data.name, version):
        return ctx.datasets.manifest(data.name, version), False
    latest = ctx.datasets.latest(data.name)
    manifest = {
        "name": data.name,
        "version": version,
        "content_sha256": digest,
        "sequence": (latest["sequence"] + 1) if latest else 1,
        "parent": latest["version"] if latest else None,
        "created": utc_now(),
        "run_id": ctx.run_id,
        "source": {"url": data.source, "files": [f.describe() for f in files]},
        "columns": {
            "text": data.text_column, "label": data.label_column,
            "id": data.id_column, "split": data.split_column,
        },
        "split": {**data.split.model_dump(), "from_column": data.split_column is not None},
        "parts": {
            name: {"rows": part.height, "classes": class_counts(part)} for name, part in parts.items()
        },
    }
    ctx.datasets.write(manifest, parts)
    return manifest, True

