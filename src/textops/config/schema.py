"""The schema of ``textops.yaml``. Unknown keys are refused everywhere."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from textops.config.errors import definition_error
from textops.config.serve import ServeConfig
from textops.errors import ConfigError, did_you_mean

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SplitConfig(Strict):
    """How a drop without a split column is split, and how subsets are drawn."""

    test_fraction: float = Field(default=0.2, gt=0.0, lt=1.0)
    subset_fraction: float = Field(default=0.2, gt=0.0, le=1.0)
    stratified: bool = True
    seed: int = 42


class DataConfig(Strict):
    """Where raw drops land and how their columns map to ``text``/``label``."""

    name: str = "demo"
    source: str = "landing"
    format: Literal["auto", "csv", "parquet", "jsonl"] = "auto"
    text_column: str = "text"
    label_column: str = "label"
    id_column: str | None = None
    split_column: str | None = None
    split: SplitConfig = SplitConfig()
    # files in subfolders of a source folder are read only when this is set
    recursive: bool = False
    # "lower": lower-case every label; "off": labels differing only by case are refused
    label_normalise: Literal["off", "lower"] = "off"

    @field_validator("name")
    @classmethod
    def _name_is_a_path_segment(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(
                f"'{value}' is not a valid dataset name: use letters, digits, '_' and '-', "
                "starting with a letter"
            )
        return value


class StoreConfig(Strict):
    url: str = ".textops"


class TrackingConfig(Strict):
    """MLflow. ``uri`` unset: ``MLFLOW_TRACKING_URI``, else SQLite inside the store."""

    enabled: bool = True
    uri: str | None = None
    experiment: str = "textops"


class ComputeTarget(Strict):
    """Where a step's work runs: in process, or on a Dask cluster."""

    kind: Literal["local", "dask"] = "local"
    address: str | None = None
    n_workers: int = Field(default=2, ge=1)
    threads_per_worker: int = Field(default=1, ge=1)
    memory_limit: str | None = "4GiB"
    resources: dict[str, float] = Field(default_factory=dict)
    device: Literal["auto", "cpu", "cuda"] = "cpu"
    timeout: float = Field(
        default=60.0, gt=0, description="seconds to wait for the cluster to start or for a "
        "scheduler given by address to answer and show a worker",
    )


class MonitoringConfig(Strict):
    """The request log a service writes, and what ``textops monitor`` needs to judge it."""

    flush_seconds: float = Field(default=5.0, gt=0.0)  # the most a crash can lose
    keep_text: bool = False  # store the raw and cleaned texts beside their statistics
    since: str = "24h"  # the window `textops monitor` judges by default (s, m, h, d, w)
    min_rows: int = Field(default=100, ge=1)  # fewer logged texts: the verdict is insufficient


def _default_compute() -> dict[str, ComputeTarget]:
    return {
        "local": ComputeTarget(kind="local"),
        "cluster": ComputeTarget(kind="dask", n_workers=2, memory_limit="6GiB"),
        "gpu": ComputeTarget(kind="local", device="auto"),
    }


EnvironmentMode = Literal["current", "isolated", "off"]


class EnvironmentsConfig(Strict):
    """Environment files per name, and how they are enforced.

    ``current``: check the running interpreter against the file; ``isolated``:
    run the step in a virtual environment built from the file (reused while the
    file is unchanged); ``off``: neither.
    """

    mode: EnvironmentMode = "current"
    cache: str | None = Field(
        default=None, description="where isolated environments are built; unset: "
        "$TEXTOPS_ENV_CACHE, else ~/.cache/textops/envs",
    )
    files: dict[str, str] = Field(
        default_factory=lambda: {
            "data": "environments/data.yml",
            "sklearn": "environments/sklearn.yml",
            "torch": "environments/torch.yml",
        }
    )


class StepConfig(Strict):
    """One node of the graph."""

    name: str
    uses: str
    inputs: dict[str, str] = Field(default_factory=dict)
    params: dict[str, Any] = Field(default_factory=dict)
    compute: str | None = None
    environment: str | None = None
    environment_mode: EnvironmentMode | None = Field(
        default=None, description="this step's environments.mode; unset: the global one"
    )
    data: Literal["raw", "full", "subset", "all"] | None = None

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(
                f"'{value}' is not a valid step name: it must contain only letters, digits, "
                "'_' and '-', starting with a letter"
            )
        return value

    @field_validator("inputs")
    @classmethod
    def _refs_are_step_dot_output(cls, value: dict[str, str]) -> dict[str, str]:
        for key, ref in value.items():
            if ref.count(".") != 1 or not all(ref.split(".")):
                raise ValueError(
                    f"input '{key}: {ref}' must name an upstream output as 'step.output'"
                )
        return value


def _check_reference(
    step: StepConfig,
    key: Literal["compute", "environment"],
    known: Mapping[str, Any],
    *,
    section: str,
) -> None:
    """A step's ``compute``/``environment`` names an entry of ``section`` of the definition."""
    value = getattr(step, key)
    if value is None or value in known:
        return
    listed = ", ".join(sorted(known)) or "(none)"
    raise definition_error(
        f"steps.{step.name}.{key}",
        f"{key} '{value}' is not defined{did_you_mean(value, known)}",
        fix=f"use one of {listed} (from '{section}'), or add '{value}' there",
    )


class PipelineConfig(Strict):
    """The whole definition: data, store, tracking, compute, environments, steps."""

    project: str = "textops"
    data: DataConfig = DataConfig()
    store: StoreConfig = StoreConfig()
    tracking: TrackingConfig = TrackingConfig()
    compute: dict[str, ComputeTarget] = Field(default_factory=_default_compute)
    environments: EnvironmentsConfig = EnvironmentsConfig()
    monitoring: MonitoringConfig = MonitoringConfig()
    steps: list[StepConfig] = Field(default_factory=list)
    serve: ServeConfig = ServeConfig()
    # (hash of the resolved config, hash of the definition as written), set by the loader
    _hash: tuple[str, str] | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _steps_are_unique_and_targets_exist(self) -> PipelineConfig:
        seen: set[str] = set()
        for i, step in enumerate(self.steps):
            if step.name in seen:
                raise definition_error(
                    f"steps[{i}]",
                    f"the step name '{step.name}' is used twice",
                    fix="give each step its own name",
                )
            seen.add(step.name)
            _check_reference(step, "compute", self.compute, section="compute")
            _check_reference(
                step, "environment", self.environments.files, section="environments.files"
            )
        return self

    def step(self, name: str) -> StepConfig:
        """The step called ``name``; a :class:`ConfigError` naming the steps if none is."""
        for candidate in self.steps:
            if candidate.name == name:
                return candidate
        names = [candidate.name for candidate in self.steps]
        raise ConfigError(
            f"the pipeline has no step '{name}'{did_you_mean(name, names)}",
            hint=f"use one of its steps: {', '.join(names) or '(none)'}",
        )
