"""Where earlier textops kept the MLflow pyfunc model: old names, kept resolving.

Models logged by earlier versions pickled their ``PythonModel`` by reference as
``textops.models.pyfunc.TextClassifierModel``, so ``mlflow.pyfunc.load_model``
looks that name up here. The MLflow side now lives in
:mod:`textops.tracking.pyfunc` and the bundle in :mod:`textops.models.bundle`;
this module re-exports the bundle's names and resolves the MLflow ones
(``TextClassifierModel``, ``log_pyfunc_model``, ``pip_requirements``) lazily on
first access, so importing it imports no MLflow.
"""

from __future__ import annotations

import importlib
from typing import Any

from textops.models.bundle import (
    ARTIFACT_FILES,
    FORMAT,
    PROBA_PREFIX,
    TEXT_COLUMN,
    PyfuncBundle,
    TextScorer,
    read_bundle,
    scores_frame,
    write_bundle,
)

__all__ = [
    "ARTIFACT_FILES",
    "FORMAT",
    "PROBA_PREFIX",
    "TEXT_COLUMN",
    "PyfuncBundle",
    "TextScorer",
    "read_bundle",
    "scores_frame",
    "write_bundle",
]

# the one place models/ reaches into tracking/: the names old pickles and imports use
_MOVED_TO_TRACKING = frozenset({"TextClassifierModel", "log_pyfunc_model", "pip_requirements"})


def __getattr__(name: str) -> Any:
    if name in _MOVED_TO_TRACKING:
        return getattr(importlib.import_module("textops.tracking.pyfunc"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
