"""The built-in pipeline definition: the steps a definition without ``steps:`` runs."""

from __future__ import annotations

from typing import Any

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
