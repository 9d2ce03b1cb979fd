"""ingest: a raw drop becomes an immutable, content-addressed dataset version."""

from __future__ import annotations

from typing import Any

from textops.config.schema import DataConfig
from textops.records import DatasetRef, IngestSummary, Record
from textops.steps.base import StepContext, step
from textops.store.catalog import Catalog


def _fingerprint(params: DataConfig, catalog: Catalog) -> str:
    from textops.store.raw import fingerprint_source

    files = fingerprint_source(params.source, params.format, recursive=params.recursive)
    return files + params.model_dump_json()


@step(
    "ingest", outputs={"dataset": DatasetRef, "summary": IngestSummary}, compute="local",
    environment="data", data="raw", fingerprint=_fingerprint, params_from="data",
)
def ingest(ctx: StepContext, params: DataConfig) -> dict[str, Record]:
    """Read the drop, split it, and commit a dataset version (or find the same one)."""
    manifest, is_new = _commit_version(ctx, params)
    return {
        "dataset": DatasetRef(name=manifest["name"], version=manifest["version"]),
        "summary": IngestSummary(
            is_new=is_new, rows={part: info["rows"] for part, info in manifest["parts"].items()}
        ),
    }


def _commit_version(ctx: StepContext, data: DataConfig) -> tuple[dict[str, Any], bool]:
    from textops.store.raw import read_source
    from textops.store.splitting import check_unique_ids, content_hash, split_frame

    frame, files = read_source(data)
    if data.id_column:
        check_unique_ids(frame, data.id_column)
    parts = split_frame(frame, data.split, split_column=data.split_column)
    digest = content_hash(parts)
    repository = ctx.catalog.datasets
    if repository.exists(data.name, digest[:12]):
        repository.restore(data.name, digest[:12], parts)  # a deleted or damaged part
        return repository.manifest(data.name, digest[:12]), False
    manifest = _manifest(ctx, data, parts, digest, files=[f.describe() for f in files])
    repository.write(manifest, parts)
    return manifest, True


def _manifest(
    ctx: StepContext, data: DataConfig, parts: dict[str, Any], digest: str, *,
    files: list[dict[str, Any]],
) -> dict[str, Any]:
    from textops.clock import utc_now
    from textops.store.splitting import class_counts, one_sided_classes

    latest = ctx.catalog.datasets.latest(data.name, skip_damaged=True)
    return {
        "name": data.name,
        "version": digest[:12],
        "content_sha256": digest,
        "sequence": (latest["sequence"] + 1) if latest else 1,
        "parent": latest["version"] if latest else None,
        "created": utc_now(),
        "run_id": ctx.run_id,
        "source": {"url": data.source, "files": files},
        "columns": {
            "text": data.text_column,
            "label": data.label_column,
            "id": data.id_column,
            "split": data.split_column,
        },
        "split": {**data.split.model_dump(), "from_column": data.split_column is not None,
                  # classes whose rows all fell on one side (a row's side never moves)
                  "one_sided_classes": one_sided_classes(parts)},
        "parts": {
            name: {"rows": part.height, "classes": class_counts(part)}
            for name, part in parts.items()
        },
    }
