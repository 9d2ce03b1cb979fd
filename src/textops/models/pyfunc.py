"""Where earlier textops kept the MLflow pyfunc model: old names, kept resolving.

Models logged by earlier versions pickled their ``PythonModel`` by reference as
``textops.models.pyfunc.TextClassifierModel``, so ``mlflow.pyfunc.load_model``
looks that name up here. The MLflow side now lives in
:mod:`textops.tracking.pyfunc` and the bundle in :mod:`textops.models.bundle`;
this module resolves ``TextClassifierModel`` lazily on first access, so
importing it imports no MLflow. This alias is the one import from models/ up
into tracking/, allowed by name in the import contract
(``tests/unit/test_layering.py``).
"""

from __future__ import annotations

import importlib
from typing import Any

# the one place models/ reaches into tracking/: the name old pickles use
_MOVED_TO_TRACKING = frozenset({"TextClassifierModel"})


def __getattr__(name: str) -> Any:
    if name in _MOVED_TO_TRACKING:
        return getattr(importlib.import_module("textops.tracking.pyfunc"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
