"""Tuning the text network with Optuna, trials fanned out through an Executor.

``space`` holds the search space as data, ``settings`` how the study runs,
``study`` runs the shared study and ``trial`` one trial of it on a worker.
Importing this package is cheap: optuna and torch load inside the functions.
"""

from textops.tuning.settings import TuningConfig
from textops.tuning.space import Choice, FloatRange, IntRange, SearchSpace
from textops.tuning.study import TuningResult, epoch_rows, trials_frame, tune

__all__ = [
    "Choice",
    "FloatRange",
    "IntRange",
    "SearchSpace",
    "TuningConfig",
    "TuningResult",
    "epoch_rows",
    "trials_frame",
    "tune",
]
