"""Step kinds by name. Built-ins are listed as import paths so nothing loads until used."""

from __future__ import annotations

import importlib
from typing import Any

from textops.errors import ConfigError
from textops.pipeline.step import StepSpec

#: built-in step kinds -> "module:attribute" of their StepSpec
BUILTIN_STEPS: dict[str, str] = {
    "ingest": "textops.steps.ingest:ingest",
    "profile": "textops.steps.profile:profile",
    "validate": "textops.steps.validate:validate",
    "clean": "textops.steps.clean:clean",
    "sweep": "textops.steps.sweep:sweep",
    "tune": "textops.steps.tune:tune",
    "train": "textops.steps.train:train",
}

#: the default pipeline: (name, kind, inputs)
DEFAULT_PIPELINE: list[tuple[str, str, dict[str, str]]] = [
    ("ingest", "ingest", {}),
    ("profile", "profile", {"dataset": "ingest.dataset"}),
    ("validate", "validate", {"dataset": "ingest.dataset", "stats": "profile.stats"}),
    ("clean", "clean", {"dataset": "validate.dataset"}),
    ("sweep", "sweep", {"cleaned": "clean.cleaned"}),
    ("tune", "tune", {"cleaned": "clean.cleaned"}),
    ("train", "train", {"cleaned": "clean.cleaned", "best": "tune.best"}),
]


def default_steps() -> list[dict[str, Any]]:
    """The built-in definition's ``steps`` list, as plain YAML-able data."""
    return [{"name": name, "uses": kind, "inputs": dict(inputs)} for name, kind, inputs in DEFAULT_PIPELINE]


def resolve(uses: str) -> StepSpec:
    """The :class:`StepSpec` for a built-in name or a ``package.module:attribute`` path."""
    target = BUILTIN_STEPS.get(uses, uses)
    module_name, sep, attribute = target.partition(":")
    if not sep:
        raise ConfigError(
            f"'{uses}' is not a known step kind",
            hint=f"use one of {', '.join(sorted(BUILTIN_STEPS))} or 'package.module:attribute'",
        )
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(f"step kind '{uses}': cannot import module '{module_name}': {exc}") from exc
    spec = getattr(module, attribute, None)
    if not isinstance(spec, StepSpec):
        raise ConfigError(
            f"step kind '{uses}': '{target}' is not a step declared with textops.pipeline.step.step"
        )
    return spec
