"""Step kinds by name: the built-in table, and ``package.module:attribute`` for user steps.

The table imports the step modules directly, so import tools (and readers) can
follow it; the step modules import their heavy libraries inside the functions,
so loading the table stays cheap.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping

from textops.errors import ConfigError, did_you_mean
from textops.steps import clean, ingest, profile, refit, sweep, train, tune, validate
from textops.steps.base import StepSpec

BUILTIN_STEPS: Mapping[str, StepSpec] = {
    spec.kind: spec
    for spec in (
        ingest.ingest, profile.profile, validate.validate, clean.clean, sweep.sweep,
        refit.refit, tune.tune, train.train,
    )
}


def resolve(uses: str) -> StepSpec:
    """The :class:`StepSpec` for a built-in name or a ``package.module:attribute`` path."""
    if uses in BUILTIN_STEPS:
        return BUILTIN_STEPS[uses]
    module_name, sep, attribute = uses.partition(":")
    if not sep:
        raise ConfigError(
            f"'{uses}' is not a known step kind{did_you_mean(uses, BUILTIN_STEPS)}",
            hint=f"use one of {', '.join(sorted(BUILTIN_STEPS))} or 'package.module:attribute'",
        )
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(
            f"step kind '{uses}': cannot import module '{module_name}': {exc}"
        ) from exc
    spec = getattr(module, attribute, None)
    if not isinstance(spec, StepSpec):
        raise ConfigError(
            f"step kind '{uses}': '{uses}' is not a step declared with textops.steps.base.step"
        )
    return spec
