"""Tuning the text network with Optuna, trials fanned out through an Executor.

``space`` holds the search space as data, ``study`` runs the shared study.
Importing this package is cheap: optuna and torch load inside the functions.
"""

from textops.tuning.space import Choice, FloatRange, IntRange, SearchSpace
from textops.tuning.study import TuningConfig, TuningResult, epoch_rows, trials_frame, tune

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
