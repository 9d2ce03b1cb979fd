"""The catalog: the one place that knows which files a step's record refers to.

A step writes a frame with ``catalog.save(out, CleanedData, frame, part="train")``
and a downstream step reads it with ``catalog.load(cleaned, part="train")``;
neither knows the file name. The catalog also gives steps the store resources
they may use (dataset versions, the baseline, the tuning journal) and tells the
runner whether the files a cached record names are still there.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from textops.errors import StoreError
from textops.records import CleanedData, DatasetRef, DocStats, Leaderboard, ModelRef, Record
from textops.store.datasets import PARTS, DatasetRepository

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd
    import polars as pl

    from textops.store.outputs import StepOutputs
    from textops.store.store import Store

#: record type -> the file (pattern) it refers to, relative to the record's location
_FILES: dict[type[Record], str] = {
    CleanedData: "{part}.parquet",
    DocStats: "stats_{part}.parquet",
    Leaderboard: "leaderboard.parquet",
}
_PARTED = (CleanedData, DocStats)
#: a model's files: its ONNX graph, and what turns text into the graph's inputs, per family
_MODEL_GRAPH = "model.onnx"
_MODEL_INPUTS = {"network": "tokenizer.json", "linear": "featurizer.json"}


class Baselines:
    """The hand-curated baseline profile and its history, as validation uses them."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @property
    def path(self) -> str:
        from textops.store.baselines import BASELINE

        return self.store.path(*BASELINE)

    def text(self) -> str | None:
        from textops.store.baselines import baseline_text

        return baseline_text(self.store)

    def fingerprint(self) -> str:
        from textops.store.baselines import baseline_fingerprint

        return baseline_fingerprint(self.store)

    def write(self, text: str, *, overwrite: bool) -> str:
        from textops.store.baselines import write_baseline

        return write_baseline(self.store, text, overwrite=overwrite)

    def keep_in_history(self, text: str, digest: str) -> str:
        from textops.store.baselines import keep_in_history

        return keep_in_history(self.store, text, digest)


class Catalog:
    """Records to frames and back, over one store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.datasets = DatasetRepository(store)
        self.baselines = Baselines(store)

    def dataset(
        self, ref: DatasetRef, part: str, *, columns: list[str] | None = None
    ) -> pl.DataFrame:
        """One part (``train``, ``test``, ``train_subset``, ``test_subset``) of a version."""
        return self.datasets.load(ref.model_dump(), part, columns=columns)

    def manifest(self, ref: DatasetRef) -> dict[str, Any]:
        return self.datasets.manifest(ref.name, ref.version)

    def save(
        self, out: StepOutputs, kind: type[Record], frame: pl.DataFrame | pd.DataFrame,
        *, part: str | None = None,
    ) -> str:
        """Write ``frame`` where a record of ``kind`` located at ``out`` will find it."""
        return out.write_parquet(self._file(kind, part), frame)

    def load(self, record: Record, *, part: str | None = None) -> pl.DataFrame:
        """The frame a record refers to (``part`` for the records that have parts)."""
        import polars as pl

        location = str(getattr(record, "location", ""))
        name = self._file(type(record), part)
        try:
            data = self.store.read_bytes(*location.split("/"), name)
        except StoreError as exc:
            raise StoreError(
                f"{type(record).__name__} at '{location}' is missing its file '{name}': "
                f"{exc.message}",
                hint="run the pipeline with --force (or 'textops run --from <the step that "
                "made it>') to write it again",
            ) from exc
        try:
            return pl.read_parquet(io.BytesIO(data))
        except (pl.exceptions.PolarsError, OSError) as exc:
            raise StoreError(
                f"{type(record).__name__} file '{location}/{name}' in store "
                f"'{self.store.url}' is damaged: {type(exc).__name__}",
                hint="run 'textops run' again: the step that made it runs again when its "
                "file is damaged (or use --from <that step>)",
            ) from exc

    def save_model(
        self, out: StepOutputs, *, family: str, graph: bytes, inputs: dict[str, Any]
    ) -> None:
        """Write a model's graph and input state where a ModelRef at ``out`` finds them."""
        out.write_bytes(_MODEL_GRAPH, graph)
        out.write_json(_MODEL_INPUTS[family], inputs)

    def model(self, record: ModelRef) -> tuple[bytes, dict[str, Any]]:
        """A model's ONNX graph and its input state (the tokenizer's or featuriser's dict)."""
        import json

        folder = record.location.split("/")
        graph = self.store.read_bytes(*folder, _MODEL_GRAPH)
        return graph, json.loads(self.store.read_bytes(*folder, _MODEL_INPUTS[record.family]))

    def model_file(self, record: ModelRef) -> Path | None:
        """The local path of a model's graph, or None on a store that is not a local folder."""
        if not self.store.is_local:
            return None
        return self.store.local_path(*record.location.split("/"), _MODEL_GRAPH)

    def is_intact(self, record: Record) -> bool:
        """Whether every file the record names is still in the store (cache hits check this;
        :func:`textops.store.integrity.file_digests` also checks their content)."""
        if isinstance(record, DatasetRef) and not self.datasets.exists(
            record.name, record.version
        ):
            return False
        return all(self.store.exists(*path) for path in self.files_of(record))

    def files_of(self, record: Record) -> list[tuple[str, ...]]:
        """The store paths of every file a record (and the records in it) names."""
        if isinstance(record, DatasetRef):
            version: tuple[str, ...] = ("datasets", record.name, record.version)
            files = ["manifest.json", *(f"{p}.parquet" for p in PARTS)]
            return [(*version, name) for name in files]
        if isinstance(record, ModelRef):
            folder = tuple(record.location.split("/"))
            model = (_MODEL_GRAPH, _MODEL_INPUTS.get(record.family, ""))
            return [(*folder, name) for name in model if name]
        paths: list[tuple[str, ...]] = []
        for value in dict(record).values():
            nested = value if isinstance(value, list) else [value]
            for item in nested:
                if isinstance(item, Record):
                    paths += self.files_of(item)
        pattern = _FILES.get(type(record))
        if pattern is not None:
            location = tuple(str(getattr(record, "location", "")).split("/"))
            parts = PARTS if "{part}" in pattern else ("",)
            paths += [(*location, pattern.format(part=p)) for p in parts]
        return paths

    def tuning_journal(self, study: str) -> str | None:
        """A journal file for an Optuna study, or None when the store is not a local folder."""
        if not self.store.is_local:
            return None
        return str(self.store.local_path("tuning", f"{study}.journal"))

    @staticmethod
    def _file(kind: type[Record], part: str | None) -> str:
        pattern = _FILES.get(kind)
        if pattern is None:
            raise TypeError(f"the catalog keeps no frames for {kind.__name__} records")
        if (part is None) == (kind in _PARTED):
            expected = f"one of {', '.join(PARTS)}" if kind in _PARTED else "none"
            raise TypeError(f"{kind.__name__}: part must be {expected}, got {part!r}")
        return pattern.format(part=part)
