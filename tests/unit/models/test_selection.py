"""Cross-validation of the sweep's best on the training set, under each cleaning choice."""

from __future__ import annotations

import pytest

from textops.compute.testing import FakeExecutor
from textops.errors import ModelError
from textops.models.candidates import CandidateSpec
from textops.models.features import TfidfSettings
from textops.models.selection import Choice, FitOptions, cross_validate, fold_count

# the class is carried by a stop word ("what" vs "who"): removing stop words loses it
TEXTS = [f"{'what' if i % 2 else 'who'} is item {i}" for i in range(60)]
LABELS = ["thing" if i % 2 else "person" for i in range(60)]
RIDGE = CandidateSpec(name="ridge", estimator="sklearn.linear_model.RidgeClassifier")
CENTROID = CandidateSpec(name="centroid", estimator="sklearn.neighbors.NearestCentroid")


def test_the_choice_that_keeps_the_signal_wins_and_every_pair_is_judged_on_every_fold() -> None:
    choices = {
        "configured": Choice(TEXTS, TfidfSettings(stop_words="english")),
        "raw": Choice(TEXTS, TfidfSettings(stop_words=None)),
    }
    executor = FakeExecutor(n_workers=2)
    contest = cross_validate(choices, LABELS, [RIDGE, CENTROID], executor, folds=3,
                             options=FitOptions(metric="accuracy"))
    assert len(contest) == 4 and all(len(c.fold_scores) == 3 for c in contest)
    assert contest[0].cleaning == "raw" and contest[0].mean == 1.0
    assert all(c.mean < 1.0 for c in contest if c.cleaning == "configured")
    assert executor.submitted.count("fit_candidate") == 12  # 2 choices x 3 folds x 2 candidates


def test_folds_shrink_to_the_smallest_class_and_one_row_classes_refuse() -> None:
    assert fold_count(["a", "a", "b", "b", "b"], 5) == 2
    with pytest.raises(ModelError, match="at least 2 training rows in every class"):
        cross_validate({"raw": Choice(["x", "y"], TfidfSettings())}, ["a", "b"], [RIDGE],
                       FakeExecutor(), folds=3, options=FitOptions(metric="accuracy"))
