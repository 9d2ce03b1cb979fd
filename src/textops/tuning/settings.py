"""How a tuning study runs (:class:`TuningConfig`), and the validation share trials are judged on.

Every trial is judged on the same held-out share of the tuning data, and on
enough of it: :func:`validation_share` raises the base config's ``val_fraction``
until it holds ``TuningConfig``'s minimum of documents (up to
``max_val_fraction``) or refuses to tune, naming the settings that give more.
"""

from __future__ import annotations

import warnings
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from textops.errors import ConfigError
from textops.models.training import validation_size


class TuningConfig(BaseModel):
    """How the study runs: budget, sampler, pruner, parallelism."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    n_trials: int = Field(default=100, ge=1, description="finished trials the study should hold")
    objective: Literal["val_accuracy", "val_loss"] = Field(
        default="val_accuracy",
        description="what judges a trial (and its epochs, for the pruner): the kept epoch's "
        "validation accuracy, maximised, or its validation log-loss, minimised",
    )
    seed: int = Field(default=0, description="seeds the TPE sampler (each task offsets it)")
    startup_trials: int = Field(default=10, ge=0, description="random trials before TPE takes over")
    pruner: Literal["median", "successive_halving", "none"] = "median"
    pruner_startup_trials: int = Field(default=5, ge=0, description="median: trials before pruning")
    pruner_warmup_epochs: int = Field(default=1, ge=0, description="median: epochs never pruned")
    threads_per_trial: int = Field(default=1, ge=1, description="torch CPU threads in each trial")
    min_validation_docs: int = Field(
        default=200,
        ge=1,
        description="judge trials on at least this many validation documents (or "
        "min_validation_docs_per_class per class, whichever is more): the base network's "
        "val_fraction is raised to reach it, up to max_val_fraction, else tuning refuses",
    )
    min_validation_docs_per_class: int = Field(
        default=5, ge=0, description="see min_validation_docs"
    )
    max_val_fraction: float = Field(
        default=0.5,
        gt=0.0,
        lt=1.0,
        description="the largest validation share tuning may raise val_fraction to",
    )
    final_members: int = Field(
        default=3,
        ge=1,
        le=16,
        description="members the final model trains (the train step's 'members'): a trial "
        "is pruned when that many members would pass the network's max_model_mb",
    )
    resources: dict[str, float] = Field(
        default_factory=dict,
        description="deprecated: set compute.<target>.resources instead; "
        "still pins every trial when given",
    )

    @field_validator("resources")
    @classmethod
    def _resources_moved(cls, value: dict[str, float]) -> dict[str, float]:
        if value:
            warnings.warn(
                f"tuning.resources ({value}) is deprecated: give the tune step a compute "
                "target of its own that asks for them (compute.<target>.resources), e.g. "
                "compute.tune_gpu: {kind: dask, resources: {GPU: 1}} and steps.tune.compute: "
                "tune_gpu (the shared 'cluster' target would pin the sweep's candidates too); "
                "tuning.resources still applies",
                FutureWarning,
                stacklevel=2,
            )
        return value

    def min_validation(self, n_classes: int) -> int:
        """Validation documents a trial needs for ``n_classes`` classes."""
        return max(self.min_validation_docs, self.min_validation_docs_per_class * n_classes)


def validation_share(
    n_docs: int, n_classes: int, val_fraction: float, *, settings: TuningConfig
) -> float:
    """The validation share trials hold out: ``val_fraction``, or the least share that
    holds ``settings.min_validation(n_classes)`` documents, up to ``max_val_fraction``.

    Raises :class:`~textops.errors.ConfigError` when even that share is too few.
    """
    needed = settings.min_validation(n_classes)
    if validation_size(n_docs, val_fraction) >= needed:
        return val_fraction
    share = needed / n_docs
    if validation_size(n_docs, share) < needed:  # rounding fell short
        share = (needed + 0.5) / n_docs
    if share <= settings.max_val_fraction and validation_size(n_docs, share) >= needed:
        return share
    most = validation_size(n_docs, settings.max_val_fraction)
    raise ConfigError(
        f"tuning would judge trials on {validation_size(n_docs, val_fraction)} validation "
        f"documents ({n_docs} tuning documents x val_fraction {val_fraction:g}; at most {most} "
        f"at max_val_fraction {settings.max_val_fraction:g}), fewer than the {needed} it "
        f"needs (min_validation_docs {settings.min_validation_docs}, or "
        f"{settings.min_validation_docs_per_class} per class x {n_classes} classes).",
        hint="tune on more documents (a larger data.split.subset_fraction, or "
        "steps.tune.data: full), or lower steps.tune.params.tuning.min_validation_docs "
        "(and min_validation_docs_per_class)",
    )
