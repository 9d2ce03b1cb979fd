"""A classifier that takes its time to fit: a sweep task long enough to lose its worker."""

from __future__ import annotations

import time
from typing import Any

from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.neighbors import NearestCentroid


class SlowCentroid(ClassifierMixin, BaseEstimator):
    """``NearestCentroid`` after sleeping ``delay`` seconds in ``fit``."""

    def __init__(self, delay: float = 1.0) -> None:
        self.delay = delay

    def fit(self, X: Any, y: Any) -> SlowCentroid:  # noqa: N803 - scikit-learn's names
        time.sleep(self.delay)
        self.model_ = NearestCentroid().fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict(self, X: Any) -> Any:  # noqa: N803
        return self.model_.predict(X)
