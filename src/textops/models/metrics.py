"""Classification metrics shared by the sweep, the network and the champion gate."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

#: the figures every classifier's predicted labels give (what a gate can compare on)
LabelMetric = Literal[
    "accuracy",
    "balanced_accuracy",
    "f1_macro",
    "f1_weighted",
    "precision_macro",
    "precision_weighted",
    "recall_macro",
    "recall_weighted",
]


def classification_metrics(
    y_true: Sequence[Any] | np.ndarray,
    y_pred: Sequence[Any] | np.ndarray,
    *,
    labels: Sequence[Any],
    scores: np.ndarray | None = None,
) -> dict[str, float]:
    """Accuracy, balanced accuracy, macro/weighted precision, recall and F1.

    ``scores`` (n_samples x n_labels, columns in ``labels`` order: probabilities
    or decision values) adds a one-vs-rest macro ROC AUC. Labels absent from
    ``y_true`` count as zero, never as a warning.
    """
    from sklearn import metrics as skm

    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    labels = list(labels)
    out: dict[str, float] = {
        "accuracy": float(skm.accuracy_score(y_true, y_pred)),
        "balanced_accuracy": float(_balanced_accuracy(y_true, y_pred, labels)),
    }
    for average in ("macro", "weighted"):
        p, r, f, _ = skm.precision_recall_fscore_support(
            y_true, y_pred, labels=labels, average=average, zero_division=0
        )
        out[f"precision_{average}"] = float(p)
        out[f"recall_{average}"] = float(r)
        out[f"f1_{average}"] = float(f)
    if scores is not None:
        auc = roc_auc(y_true, scores, labels=labels)
        if auc is not None:
            out["roc_auc"] = auc
    return out


def _balanced_accuracy(y_true: np.ndarray, y_pred: np.ndarray, labels: list[Any]) -> float:
    present = [label for label in labels if np.any(y_true == label)]
    if not present:
        return 0.0
    recalls = [float(np.mean(y_pred[y_true == label] == label)) for label in present]
    return float(np.mean(recalls))


def roc_auc(y_true: np.ndarray, scores: np.ndarray, *, labels: Sequence[Any]) -> float | None:
    """Macro one-vs-rest ROC AUC, or ``None`` when it is undefined for this sample."""
    from sklearn.metrics import roc_auc_score

    scores = np.asarray(scores, dtype=float)
    labels = list(labels)
    if scores.ndim == 1:  # a binary decision function: score of labels[1]
        scores = np.column_stack([-scores, scores])
    if scores.shape[1] != len(labels) or len(np.unique(y_true)) < 2:
        return None
    try:
        if len(labels) == 2:
            return float(roc_auc_score(y_true == labels[1], scores[:, 1]))
        present = [i for i, label in enumerate(labels) if np.any(y_true == label)]
        aucs = [roc_auc_score(y_true == labels[i], scores[:, i]) for i in present]
        return float(np.mean(aucs))
    except ValueError:
        return None


def confusion(
    y_true: Sequence[Any] | np.ndarray, y_pred: Sequence[Any] | np.ndarray, *, labels: Sequence[Any]
) -> dict[str, Any]:
    """The confusion matrix as plain JSON: ``{"labels": [...], "matrix": [[...]]}`` (rows true)."""
    from sklearn.metrics import confusion_matrix

    matrix = confusion_matrix(np.asarray(y_true), np.asarray(y_pred), labels=list(labels))
    return {"labels": [str(label) for label in labels], "matrix": matrix.tolist()}
