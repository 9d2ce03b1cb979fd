"""Parameter importance of a finished study from its trials table: Optuna's fANOVA.

The dashboard reads tuning from ``reporting/trials`` (parameters as JSON, the
objective), not from the study's storage, which may be gone or on another
machine. :func:`fanova_importances` rebuilds an in-memory study from those rows,
inferring each parameter's distribution from its values (text or booleans:
categorical; numbers: an integer or float range, on a log scale when it spans
two decades or more of positive values), and asks Optuna's fANOVA evaluator
for each parameter's share of the objective's variance. Only parameters that
every completed trial has and that take two values or more are judged:
fANOVA cannot judge a parameter some trials lack (one of a single architecture).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["fanova_importances"]

#: below this many completed trials the forest behind fANOVA says nothing useful
MIN_TRIALS = 5


def fanova_importances(
    params: Sequence[Mapping[str, Any]], values: Sequence[float], *, seed: int = 0
) -> dict[str, float]:
    """Each judged parameter's importance (they sum to 1), most important first; empty
    when there are fewer than :data:`MIN_TRIALS` trials or no parameter to judge."""
    import optuna
    from optuna.importance import FanovaImportanceEvaluator, get_param_importances

    if len(params) < MIN_TRIALS or len(params) != len(values) or len(set(values)) < 2:
        return {}  # too few trials, or an objective with no variance to share out
    names = sorted(set.intersection(*(set(p) for p in params)))
    distributions = {}
    for name in names:
        distribution = _distribution([p[name] for p in params])
        if distribution is not None:
            distributions[name] = distribution
    if not distributions:
        return {}
    previous = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)  # no "A new study created" line
    try:
        study = optuna.create_study(direction="maximize")
        study.add_trials([
            optuna.trial.create_trial(
                params={name: _native(p[name]) for name in distributions},
                distributions=distributions, value=float(value))
            for p, value in zip(params, values, strict=True)
        ])
        try:
            found = get_param_importances(study, evaluator=FanovaImportanceEvaluator(seed=seed))
        except RuntimeError:  # "zero total variance in all trees": no split explains anything
            return {}
    finally:
        optuna.logging.set_verbosity(previous)
    return {name: float(share) for name, share in found.items()}


def _distribution(values: list[Any]) -> Any | None:
    """The distribution the values were drawn from, as well as they tell; None for one value."""
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    native = [_native(v) for v in values]
    if len(set(map(repr, native))) < 2:
        return None
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in native)
    if not numeric:
        return CategoricalDistribution(sorted(set(native), key=repr))
    low, high = min(native), max(native)
    log = low > 0 and high / low >= 100
    if all(isinstance(v, int) for v in native):
        return IntDistribution(int(low), int(high), log=log)
    return FloatDistribution(float(low), float(high), log=log)


def _native(value: Any) -> Any:
    """A JSON value as Optuna takes it: numbers, text and booleans as they are, others as text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
