"""The built-in definition: the steps a definition without ``steps:`` runs, and every default.

Inert data beside the schema, so loading a definition imports no step code.
"""

from __future__ import annotations

from typing import Any

from textops.config.schema import PipelineConfig

#: the default pipeline: (name, kind, inputs)
DEFAULT_PIPELINE: list[tuple[str, str, dict[str, str]]] = [
    ("ingest", "ingest", {}),
    ("profile", "profile", {"dataset": "ingest.dataset"}),
    ("validate", "validate", {"dataset": "ingest.dataset", "stats": "profile.stats"}),
    ("clean", "clean", {"dataset": "validate.dataset"}),
    ("sweep", "sweep", {"cleaned": "clean.cleaned"}),
    ("refit", "refit", {"cleaned": "clean.cleaned", "leaderboard": "sweep.leaderboard"}),
    ("tune", "tune", {"cleaned": "clean.cleaned", "contender": "refit.model"}),
    ("train", "train", {"cleaned": "clean.cleaned", "best": "tune.best",
                        "contender": "refit.model", "validation": "validate.report"}),
]


def default_steps() -> list[dict[str, Any]]:
    """The built-in definition's ``steps`` list, as plain YAML-able data (a fresh copy)."""
    return [
        {"name": name, "uses": kind, "inputs": dict(inputs)}
        for name, kind, inputs in DEFAULT_PIPELINE
    ]


def default_definition() -> dict[str, Any]:
    """The whole built-in definition as plain data: what a key left out of a file means."""
    definition = PipelineConfig().model_dump(mode="json")
    definition["steps"] = default_steps()
    return definition
