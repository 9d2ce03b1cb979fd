"""The sweep's candidate models, as data: class paths and parameters, checked up front.

A candidate is a name, a scikit-learn class path and its parameters, or a list
of such steps (a ``Pipeline``); a parameter whose value is itself
``{estimator: <class path>, params: {...}}`` is built as an estimator, so
"feature selection by an L1 LinearSVC, then a LinearSVC" is plain YAML::

    - name: linear_svc_l1_selection
      steps:
        - estimator: sklearn.feature_selection.SelectFromModel
          params:
            estimator: {estimator: sklearn.svm.LinearSVC, params: {penalty: l1, dual: false}}
        - estimator: sklearn.svm.LinearSVC

:data:`DEFAULT_CANDIDATES` are the 15 models of scikit-learn's "Classification
of text documents using sparse features" example. Two differ in spelling, not
in substance, for scikit-learn 1.9: ``PassiveAggressiveClassifier`` is
deprecated (removal in 1.10), so Passive-Aggressive is the equivalent that its
deprecation notice documents, ``SGDClassifier(loss="hinge", penalty=None,
learning_rate="pa1", eta0=1.0)``; and Ridge uses ``solver="sparse_cg"``
because ``"sag"`` now warns that it cannot fit an intercept on sparse input.

:func:`validate_candidates` checks every class and parameter before anything
runs, and raises :class:`~textops.errors.ConfigError` naming the entry:
``candidates[3] 'ridge': RidgeClassifier has no parameter 'alpah'``. For the
classes of :mod:`textops.models.estimator_table` (all the defaults) it imports
no scikit-learn, so linting a pipeline stays fast; :func:`build_estimator`
imports and builds. This module imports scikit-learn only inside functions.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import warnings
from collections.abc import Mapping, Sequence
from importlib import metadata as importlib_metadata
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from textops.errors import ConfigError, did_you_mean
from textops.models.estimator_table import ESTIMATOR_PARAMS, SKLEARN_VERSION
from textops.models.forests import forest_shards, join_forest_shards
from textops.models.param_check import Accepts, check_value, describe

__all__ = [
    "DEFAULT_CANDIDATES",
    "CandidateSpec",
    "EstimatorSpec",
    "build_estimator",
    "default_candidates",
    "forest_shards",
    "join_forest_shards",
    "validate_candidates",
]

_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"


class EstimatorSpec(BaseModel):
    """One estimator: its class path and parameters (a step of a pipeline)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    estimator: str = Field(description="class path, e.g. sklearn.svm.LinearSVC")
    params: dict[str, Any] = Field(default_factory=dict)
    name: str | None = Field(
        None, pattern=_NAME_PATTERN, description="step name; default: the class name"
    )


class CandidateSpec(BaseModel):
    """One sweep candidate: an estimator, or a pipeline of ``steps``.

    ``cost`` is a relative guess of how long it takes; a parallel executor
    starts the costliest first so that a long one does not start last.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=_NAME_PATTERN)
    estimator: str | None = Field(
        default=None, description="class path, e.g. sklearn.svm.LinearSVC"
    )
    params: dict[str, Any] = Field(default_factory=dict)
    steps: tuple[EstimatorSpec, ...] | None = None
    cost: float = Field(default=1.0, gt=0)

    @model_validator(mode="after")
    def _one_form(self) -> CandidateSpec:
        if (self.estimator is None) == (self.steps is None):
            raise ValueError("give either 'estimator' (with 'params') or 'steps', not both")
        if self.steps is not None and self.params:
            raise ValueError("'params' belong to each entry of 'steps'")
        if self.steps is not None and not self.steps:
            raise ValueError("'steps' is empty")
        return self

    def describe(self) -> str:
        """The class path, or the pipeline's class names joined by arrows."""
        if self.estimator is not None:
            return self.estimator
        assert self.steps is not None
        return " -> ".join(step.estimator.rsplit(".", 1)[-1] for step in self.steps)


def _spec(name: str, estimator: str, cost: float, **params: Any) -> CandidateSpec:
    return CandidateSpec(name=name, estimator=estimator, params=params, cost=cost)


_LINEAR_SVC = "sklearn.svm.LinearSVC"
_SGD = "sklearn.linear_model.SGDClassifier"

#: The 15 candidates of scikit-learn's text-classification example (costs: seconds
#: to fit and score on 20 Newsgroups on one core, roughly).
DEFAULT_CANDIDATES: tuple[CandidateSpec, ...] = (
    _spec("ridge", "sklearn.linear_model.RidgeClassifier", 3, tol=1e-2, solver="sparse_cg"),
    _spec("perceptron", "sklearn.linear_model.Perceptron", 1, max_iter=50),
    _spec(
        "passive_aggressive",
        _SGD,
        1.5,
        loss="hinge",
        penalty=None,
        learning_rate="pa1",
        eta0=1.0,
        max_iter=50,
    ),
    _spec("knn", "sklearn.neighbors.KNeighborsClassifier", 10, n_neighbors=10),
    _spec("random_forest", "sklearn.ensemble.RandomForestClassifier", 60, n_estimators=100),
    _spec("linear_svc_l2", _LINEAR_SVC, 3, penalty="l2", dual=False, tol=1e-3),
    _spec("linear_svc_l1", _LINEAR_SVC, 6, penalty="l1", dual=False, tol=1e-3),
    _spec("sgd_l2", _SGD, 2, alpha=1e-4, max_iter=50, penalty="l2"),
    _spec("sgd_l1", _SGD, 2, alpha=1e-4, max_iter=50, penalty="l1"),
    _spec("sgd_elasticnet", _SGD, 3.5, alpha=1e-4, max_iter=50, penalty="elasticnet"),
    _spec("nearest_centroid", "sklearn.neighbors.NearestCentroid", 1),
    _spec("multinomial_nb", "sklearn.naive_bayes.MultinomialNB", 0.5, alpha=0.01),
    _spec("bernoulli_nb", "sklearn.naive_bayes.BernoulliNB", 0.5, alpha=0.01),
    _spec("complement_nb", "sklearn.naive_bayes.ComplementNB", 0.5, alpha=0.1),
    CandidateSpec(
        name="linear_svc_l1_selection",
        steps=(
            EstimatorSpec(
                name="feature_selection",
                estimator="sklearn.feature_selection.SelectFromModel",
                params={
                    "estimator": {
                        "estimator": _LINEAR_SVC,
                        "params": {"penalty": "l1", "dual": False, "tol": 1e-3},
                    }
                },
            ),
            EstimatorSpec(name="classification", estimator=_LINEAR_SVC, params={"penalty": "l2"}),
        ),
        cost=7,
    ),
)


def default_candidates() -> list[CandidateSpec]:
    """A fresh list of :data:`DEFAULT_CANDIDATES`, for a config to start from."""
    return list(DEFAULT_CANDIDATES)


def build_estimator(candidate: CandidateSpec, *, seed: int | None = None) -> Any:
    """A fresh, unfitted estimator (or ``Pipeline``) for ``candidate``.

    ``seed`` fills every ``random_state`` the parameters leave unset, nested
    estimators included, so that a run is reproducible.
    """
    if candidate.estimator is not None:
        estimator = _build(candidate.estimator, candidate.params)
    else:
        from sklearn.pipeline import Pipeline

        assert candidate.steps is not None
        built = [_build(step.estimator, step.params) for step in candidate.steps]
        names = _step_names(candidate.steps, built)
        estimator = Pipeline(list(zip(names, built, strict=True)))
    if seed is not None:
        unset = {
            key: seed
            for key, value in estimator.get_params(deep=True).items()
            if key.split("__")[-1] == "random_state" and value is None
        }
        estimator.set_params(**unset)
    return estimator


def validate_candidates(candidates: Sequence[CandidateSpec | Mapping[str, Any]]) -> list[str]:
    """Check every candidate without fitting it; return notes on deprecated usage.

    Raises :class:`~textops.errors.ConfigError` for the first entry that names
    an unknown class, a class that is not a classifier, an unknown parameter or
    a value scikit-learn refuses, or that repeats a name. Classes of
    :mod:`textops.models.estimator_table` are checked against that table, which
    imports no scikit-learn; others are imported and built.
    """
    if not candidates:
        raise ConfigError("candidates: the list is empty", hint="keep at least one candidate")
    notes: list[str] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(candidates):
        where = f"candidates[{index}]"
        try:
            candidate = CandidateSpec.model_validate(raw)
        except ValueError as exc:
            name = raw.get("name") if isinstance(raw, Mapping) else None
            raise ConfigError(f"{where} {name!r}: {_first_error(exc)}") from exc
        where = f"{where} {candidate.name!r}"
        if candidate.name in seen:
            raise ConfigError(
                f"{where}: the name is already used by candidates[{seen[candidate.name]}]",
                hint="give every candidate its own name",
            )
        seen[candidate.name] = index
        try:
            notes.extend(f"{where}: {note}" for note in _lint(candidate))
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc.message}", hint=exc.hint) from exc
    return notes


def _lint(candidate: CandidateSpec) -> list[str]:
    if candidate.estimator is not None:
        specs = [(candidate.estimator, candidate.params)]
    else:
        assert candidate.steps is not None
        specs = [(step.estimator, step.params) for step in candidate.steps]
    notes: list[str] = []
    for path, params in specs:  # a pipeline is a classifier when its last step is
        is_classifier, step_notes = _lint_estimator(path, params)
        notes.extend(step_notes)
    if not is_classifier:
        raise ConfigError(
            f"{candidate.describe()} is not a classifier",
            hint="use a classifier class (e.g. RidgeClassifier, not Ridge)",
        )
    return notes


def _lint_estimator(path: str, params: Mapping[str, Any]) -> tuple[bool, list[str]]:
    """Whether ``path`` is a classifier, and notes; raises ConfigError for a bad parameter."""
    row = _table_row(path)
    if row is None:
        return _lint_by_building(path, params)
    is_classifier, accepted = row
    class_name = path.rpartition(".")[2]
    notes: list[str] = []
    for key, value in params.items():
        _check_param_name(class_name, key, list(accepted))
        nested = _nested_spec(value)
        # a nested spec is built into an estimator, which only an estimator parameter takes
        is_accepted = (
            check_value(value, accepted[key]) if nested is None else ("estimator",) in accepted[key]
        )
        if not is_accepted:
            raise ConfigError(
                f"The {key!r} parameter of {class_name} must be {describe(accepted[key])}. "
                f"Got {value!r} instead."
            )
        if nested is not None:
            notes.extend(_lint_estimator(*nested)[1])
    return is_classifier, notes


def _table_row(path: str) -> tuple[bool, dict[str, tuple[Accepts, ...]]] | None:
    """The table's row for ``path``, if the table is of the installed scikit-learn."""
    if _installed_sklearn() != SKLEARN_VERSION:
        return None
    return ESTIMATOR_PARAMS.get(path)


@functools.cache
def _installed_sklearn() -> str | None:
    try:
        return importlib_metadata.version("scikit-learn")  # reads metadata, imports nothing
    except importlib_metadata.PackageNotFoundError:
        return None


def _lint_by_building(path: str, params: Mapping[str, Any]) -> tuple[bool, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        estimator = _build(path, params)
    from sklearn.base import is_classifier

    notes = [
        f"{item.category.__name__}: {item.message}"
        for item in caught
        if issubclass(item.category, DeprecationWarning | FutureWarning)
    ]
    return bool(is_classifier(estimator)), notes


def _check_param_name(class_name: str, key: str, allowed: list[str]) -> None:
    if key not in allowed:
        guess = did_you_mean(key, allowed)
        raise ConfigError(
            f"{class_name} has no parameter {key!r}{guess}; valid: {', '.join(sorted(allowed))}"
        )


def _build(path: str, params: Mapping[str, Any]) -> Any:
    cls = _import_estimator(path)
    allowed = _param_names(cls)
    values: dict[str, Any] = {}
    for key, value in params.items():
        _check_param_name(cls.__name__, key, allowed)
        nested = _nested_spec(value)
        values[key] = value if nested is None else _build(*nested)
    try:
        estimator = cls(**values)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{cls.__name__}({_format_params(params)}) failed: {exc}") from exc
    check = getattr(estimator, "_validate_params", None)
    if callable(check) and hasattr(estimator, "_parameter_constraints"):
        try:
            check()  # scikit-learn's own message: "The 'alpha' parameter of ... must be ..."
        except (TypeError, ValueError) as exc:
            raise ConfigError(str(exc)) from exc
    return estimator


def _nested_spec(value: Any) -> tuple[str, Mapping[str, Any]] | None:
    """``{estimator: <class path>, params: {...}}`` as a parameter value names an estimator."""
    if isinstance(value, Mapping) and isinstance(value.get("estimator"), str):
        if set(value) - {"estimator", "params"}:
            raise ConfigError(
                f"a nested estimator takes only 'estimator' and 'params', got {sorted(value)}"
            )
        return value["estimator"], value.get("params") or {}
    return None


def _import_estimator(path: str) -> type:
    module_name, _, class_name = path.rpartition(".")
    if not module_name:
        raise ConfigError(
            f"{path!r} is not a class path; expected 'module.Class', "
            "e.g. 'sklearn.linear_model.RidgeClassifier'"
        )
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(f"cannot import {path!r}: no module {module_name!r} ({exc})") from exc
    cls = getattr(module, class_name, None)
    if cls is None:
        guess = did_you_mean(class_name, dir(module))
        raise ConfigError(f"cannot import {path!r}: {module_name} has no {class_name!r}{guess}")
    if not (inspect.isclass(cls) and hasattr(cls, "fit") and hasattr(cls, "get_params")):
        raise ConfigError(f"{path!r} is not a scikit-learn estimator class")
    return cls


def _param_names(cls: type) -> list[str]:
    getter = getattr(cls, "_get_param_names", None)
    if callable(getter):
        return list(getter())
    return list(inspect.signature(cls).parameters)


def _step_names(steps: Sequence[EstimatorSpec], built: Sequence[Any]) -> list[str]:
    names = [
        step.name or type(est).__name__.lower() for step, est in zip(steps, built, strict=True)
    ]
    counts = {name: names.count(name) for name in names}
    seen: dict[str, int] = {}
    unique = []
    for name in names:
        if counts[name] > 1:
            seen[name] = seen.get(name, 0) + 1
            name = f"{name}-{seen[name]}"
        unique.append(name)
    return unique


def _format_params(params: Mapping[str, Any]) -> str:
    return ", ".join(f"{key}={value!r}" for key, value in params.items())


def _first_error(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        location = ".".join(str(part) for part in first.get("loc", ()))
        return f"{location + ': ' if location else ''}{first.get('msg', exc)}"
    return str(exc)
