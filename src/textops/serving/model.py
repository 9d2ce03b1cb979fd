"""Which registered model to serve, and loading one version's files into a :class:`Scorer`.

A reference is ``NAME@ALIAS`` (followed: the service reloads when the alias
moves) or ``NAME/VERSION`` (pinned). Loading downloads only the version's
``artifacts/`` folder (ONNX graph, tokenizer or vectoriser, ``bundle.json``)
and reads it with :func:`textops.models.bundle.read_artifacts`; the pyfunc
model's pickle is never opened.
"""

from __future__ import annotations

import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textops.errors import ConfigError, ServingError, TextopsError
from textops.models.bundle import ARTIFACT_FILES, LINEAR_ARTIFACT_FILES, read_artifacts
from textops.serving.scoring import Scorer, WarningRules
from textops.tracking.gate import ModelVersionInfo

__all__ = ["ModelRef", "RegistrySource", "ServedModel"]

_REF = re.compile(r"^(?P<name>[^@/\s]+)(?:@(?P<alias>[A-Za-z0-9_-]+)|/(?P<version>[0-9]+))$")


@dataclass(frozen=True)
class ModelRef:
    """A registered model's name and either an alias or a version."""

    name: str
    alias: str | None = None
    version: int | None = None

    @classmethod
    def parse(cls, text: str) -> ModelRef:
        match = _REF.match(text.strip())
        if match is None:
            raise ConfigError(
                f"'{text}' is not a model reference: expected NAME@ALIAS or NAME/VERSION",
                hint="e.g. --model textops-classifier@champion or --model textops-classifier/3",
            )
        version = match["version"]
        return cls(match["name"], match["alias"], None if version is None else int(version))

    def __str__(self) -> str:
        return f"{self.name}@{self.alias}" if self.alias else f"{self.name}/{self.version}"


@dataclass(frozen=True)
class ServedModel:
    """A loaded version and what ``GET /v1/model`` says of it."""

    ref: ModelRef
    info: ModelVersionInfo
    scorer: Scorer
    loaded_at: float = field(default_factory=time.time)

    @property
    def version(self) -> int:
        return self.info.version

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.info.name,
            "version": self.info.version,
            "alias": self.ref.alias,
            "family": self.scorer.family,
            "labels": self.scorer.labels,
            "metrics": self.info.metrics,
            "dataset_version": self.info.dataset_version,
        }


class RegistrySource:
    """Resolves references and loads versions through a :class:`ModelRegistry`."""

    def __init__(
        self, registry: Any, *, threads: int = 1, rules: WarningRules | None = None
    ) -> None:
        self.registry = registry
        self.threads = threads
        self.rules = rules or WarningRules()

    def resolve(self, ref: ModelRef) -> ModelVersionInfo:
        """The version a reference points at now."""
        if ref.version is not None:
            return self.registry.get(ref.name, ref.version)  # type: ignore[no-any-return]
        alias = ref.alias or "champion"
        info = self.registry.by_alias(ref.name, alias)
        if info is None:
            raise ServingError(
                f"model '{ref.name}' has no version with alias '{alias}'",
                hint="run the pipeline (textops run) or promote one: textops models promote",
            )
        return info  # type: ignore[no-any-return]

    def load(self, ref: ModelRef, info: ModelVersionInfo) -> ServedModel:
        """Download the version's artifacts and load them; any failure is a ServingError."""
        what = f"version {info.version} of '{info.name}'"
        try:
            with tempfile.TemporaryDirectory(prefix="textops-serve-") as tmp:
                folder = self._download(info, Path(tmp))
                bundle = read_artifacts(_artifact_paths(folder))
            scorer = Scorer(bundle, threads=self.threads, rules=self.rules)
            scorer.warm_up()
        except TextopsError as exc:
            raise ServingError(f"cannot load {what}: {exc.message}", hint=exc.hint) from exc
        except Exception as exc:  # noqa: BLE001 - onnxruntime, MLflow, OS: translated once
            raise ServingError(f"cannot load {what}: {type(exc).__name__}: {exc}") from exc
        return ServedModel(ref=ref, info=info, scorer=scorer)

    def _download(self, info: ModelVersionInfo, tmp: Path) -> Path:
        import os

        from mlflow.artifacts import download_artifacts

        os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")  # not in our log

        client = self.registry.client
        source = client.get_model_version_download_uri(info.name, str(info.version))
        local = download_artifacts(
            artifact_uri=f"{str(source).rstrip('/')}/artifacts",
            dst_path=str(tmp), tracking_uri=self.registry.tracking_uri,
        )
        return Path(local)


def _artifact_paths(folder: Path) -> dict[str, Path]:
    """The bundle's files by role, for whichever family the folder holds."""
    for files in (ARTIFACT_FILES, LINEAR_ARTIFACT_FILES):
        paths = {role: folder / name for role, name in files.items()}
        if all(path.is_file() for path in paths.values()):
            return paths
    found = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
    raise ServingError(
        f"the model's artifacts hold {found}; expected model.onnx, bundle.json and "
        "tokenizer.json (a network) or vectorizer.json (a linear model)",
        hint="serve a model registered by textops (textops run)",
    )
