"""Fitted scikit-learn classifiers of TF-IDF rows as one weight matrix and bias.

Each model this module knows scores a row ``x`` as ``post(b + W @ x)``, one row
of ``W`` per class, with ``post`` a softmax over the classes:

- linear classifiers (``RidgeClassifier``, ``LinearSVC``, ``SGDClassifier``,
  ``Perceptron``, ``LogisticRegression``...): ``W = coef_``, ``b =
  intercept_``; a binary one's single row becomes ``[0, w]`` so that the
  softmax is the sigmoid of its decision value;
- ``MultinomialNB`` and ``ComplementNB``: their joint log likelihood is linear
  in the row; ``BernoulliNB`` is linear in the binarised row (the threshold
  travels with the features);
- ``NearestCentroid`` (euclidean): ``-|x - mu_c|^2`` is ``2 x.mu_c - |mu_c|^2``
  minus ``|x|^2``, which is the same for every class and leaves the softmax
  and the argmax alone;
- a feature selection ahead of the classifier (``SelectFromModel`` and any
  step with ``get_support``) folds into ``W`` as zero columns.

``scores`` says what the softmax gives: ``predict_proba`` where it is the
model's own probabilities, ``decision_softmax`` where the model has none (a
softmax of its decision values, whose argmax is its prediction). Other
models (k nearest neighbours, forests) are not a weighted sum of the features:
:func:`linear_form` raises :class:`~textops.errors.ModelError` saying so.
scikit-learn is imported on first use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from textops.errors import ModelError

__all__ = ["LinearForm", "ScoreKind", "linear_form", "pipeline_parts", "reference_scores"]

ScoreKind = Literal["predict_proba", "decision_softmax"]
_PROBABILISTIC_LINEAR = ("LogisticRegression", "LogisticRegressionCV", "LinearDiscriminantAnalysis")
_NOT_LINEAR_WHY = {
    "KNeighborsClassifier": "it votes among the stored training rows nearest to a text",
    "RadiusNeighborsClassifier": "it votes among the stored training rows near a text",
    "RandomForestClassifier": "it is a vote of decision trees",
    "ExtraTreesClassifier": "it is a vote of decision trees",
    "DecisionTreeClassifier": "it is a decision tree",
}


@dataclass(frozen=True, eq=False)
class LinearForm:
    """``softmax(bias + weights @ x)`` over the classes, for a vectoriser's row ``x``."""

    weights: np.ndarray  # float64 [n_classes, n_features]
    bias: np.ndarray  # float64 [n_classes]
    classes: np.ndarray
    scores: ScoreKind
    estimator: str  # the class names, "A -> B" for a pipeline
    binarize: float | None = None  # the row is binarised at this threshold first


def pipeline_parts(pipeline_or_parts: Any) -> tuple[Any, list[Any]]:
    """The vectoriser and the model's steps (selectors, then the classifier) of a fitted
    ``Pipeline([("tfidf", vectoriser), ("model", model)])`` or a ``(vectoriser, model)`` pair;
    nested pipelines are flattened."""
    if isinstance(pipeline_or_parts, tuple | list):
        if len(pipeline_or_parts) != 2:
            raise ModelError(f"expected (vectoriser, model), got {len(pipeline_or_parts)} parts")
        first, rest = pipeline_or_parts[0], _flat_steps(pipeline_or_parts[1])
    else:
        steps = _flat_steps(pipeline_or_parts)
        first, rest = steps[0], steps[1:]
    if not hasattr(first, "vocabulary_") or not hasattr(first, "idf_") or not rest:
        raise ModelError(
            f"expected a fitted TfidfVectorizer followed by a classifier, got "
            f"{' -> '.join(type(step).__name__ for step in [first, *rest])}",
            hint="pass the sweep's fitted Pipeline([('tfidf', vectoriser), ('model', model)])",
        )
    return first, rest


def _flat_steps(model: Any) -> list[Any]:
    steps = getattr(model, "steps", None)
    if steps is None:
        return [model]
    flat: list[Any] = []
    for _, step in steps:
        if step is not None and step != "passthrough":
            flat.extend(_flat_steps(step))
    return flat


def linear_form(steps: Sequence[Any], *, n_features: int) -> LinearForm:
    """The linear form of ``steps`` (selectors, then a classifier) over ``n_features``."""
    *selectors, model = steps
    columns = np.arange(n_features)
    for selector in selectors:
        if not hasattr(selector, "get_support"):
            raise ModelError(
                f"{type(selector).__name__} ahead of the classifier is not a feature selection; "
                "only steps that keep a subset of the columns fold into a linear model"
            )
        columns = columns[selector.get_support()]
    weights, bias, scores, binarize = _form_of(model)
    full = np.zeros((weights.shape[0], n_features), dtype=np.float64)
    full[:, columns] = weights
    return LinearForm(
        weights=full,
        bias=np.asarray(bias, dtype=np.float64),
        classes=np.asarray(model.classes_),
        scores=scores,
        estimator=" -> ".join(type(step).__name__ for step in steps),
        binarize=binarize,
    )


def _form_of(model: Any) -> tuple[np.ndarray, np.ndarray, ScoreKind, float | None]:
    from sklearn.linear_model._base import LinearClassifierMixin  # no public path; stable
    from sklearn.naive_bayes import BernoulliNB, ComplementNB, MultinomialNB
    from sklearn.neighbors import NearestCentroid

    name = type(model).__name__
    if isinstance(model, LinearClassifierMixin):
        coef = np.atleast_2d(np.asarray(model.coef_, float))  # binary Ridge: 1-d with sparse_cg
        intercept = np.atleast_1d(np.asarray(model.intercept_, float))
        if coef.shape[0] == 1:  # binary: one decision value d, as [0, d]
            coef, intercept = np.vstack([np.zeros_like(coef), coef]), np.array([0.0, *intercept])
        kind: ScoreKind = "predict_proba" if name in _PROBABILISTIC_LINEAR else "decision_softmax"
        return coef, np.broadcast_to(intercept, coef.shape[:1]), kind, None
    if isinstance(model, MultinomialNB | ComplementNB):
        log_prob = np.asarray(model.feature_log_prob_, float)
        is_prior_added = isinstance(model, MultinomialNB) or len(model.classes_) == 1
        bias = model.class_log_prior_ if is_prior_added else np.zeros(log_prob.shape[0])
        return log_prob, bias, "predict_proba", None
    if isinstance(model, BernoulliNB):
        log_prob = np.asarray(model.feature_log_prob_, float)
        log_absent = np.log(1 - np.exp(log_prob))
        bias = model.class_log_prior_ + log_absent.sum(axis=1)
        return log_prob - log_absent, bias, "predict_proba", model.binarize
    if isinstance(model, NearestCentroid) and model.metric == "euclidean":
        return _centroid_form(model)
    why = _NOT_LINEAR_WHY.get(name, "it is not a weighted sum of the tf-idf features")
    if isinstance(model, NearestCentroid):
        why = f"its {model.metric!r} distance is not a weighted sum of the features"
    raise ModelError(
        f"{name} has no linear form: {why}, so it cannot become the linear ONNX graph.",
        hint="register it with MLflow's sklearn flavour (skops) instead",
    )


def _centroid_form(model: Any) -> tuple[np.ndarray, np.ndarray, ScoreKind, float | None]:
    centroids = np.asarray(model.centroids_, float)
    priors = np.asarray(model.class_prior_, float)
    if np.isclose(priors, 1 / len(priors)).all():  # predict: the nearest centroid, unscaled
        return 2 * centroids, -(centroids**2).sum(axis=1), "decision_softmax", None
    # predict and predict_proba: distances scaled by the within-class deviation, plus priors
    spread = np.asarray(model.within_class_std_dev_, float)
    spread = np.where(spread != 0, spread, 1.0)
    scaled = centroids / spread
    bias = -(scaled**2).sum(axis=1) + 2 * np.log(priors)
    return 2 * scaled / spread, bias, "predict_proba", None


def reference_scores(steps: Sequence[Any], matrix: Any, form: LinearForm) -> np.ndarray:
    """What the graph must reproduce, computed by scikit-learn from the vectoriser's rows."""
    *selectors, model = steps
    for selector in selectors:
        matrix = selector.transform(matrix)
    if form.scores == "predict_proba":
        return np.asarray(model.predict_proba(matrix), dtype=np.float64)
    if form.estimator.endswith("NearestCentroid"):
        from sklearn.metrics.pairwise import euclidean_distances

        decision = -euclidean_distances(matrix, model.centroids_, squared=True)
    else:
        decision = np.asarray(model.decision_function(matrix), dtype=np.float64)
    if decision.ndim == 1:
        decision = np.column_stack([np.zeros_like(decision), decision])
    return softmax(decision)


def softmax(scores: np.ndarray) -> np.ndarray:
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True, initial=-np.inf))
    out: np.ndarray = shifted / shifted.sum(axis=1, keepdims=True)
    return out
