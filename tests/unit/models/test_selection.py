"""Cross-validation of the sweep's best on the training set, under each cleaning choice."""

from __future__ import annotations

import numpy as np
import pytest

from textops.compute.testing import FakeExecutor
from textops.errors import ModelError
from textops.models.candidates import CandidateSpec
from textops.models.features import TfidfSettings
from textops.models.selection import (
    Choice,
    Contender,
    FitOptions,
    choose,
    cross_validate,
    duplicate_groups,
    fold_count,
    fold_splits,
)

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


def _contender(name: str, *scores: float, cleaning: str = "raw") -> Contender:
    return Contender(name, cleaning, tuple(scores))


def test_choose_keeps_the_preferred_contender_when_the_lead_is_within_the_folds_noise() -> None:
    best = _contender("multinomial_nb", 0.970, 0.965, 0.967)
    plain = _contender("linear_svc_l2", 0.972, 0.960, 0.966)
    verdict = choose([best, plain], prefer=("linear_svc_l2", "raw"))
    assert verdict.winner is plain
    assert "within one standard error" in verdict.reason


def test_choose_takes_a_clearly_better_contender_over_the_preferred_one() -> None:
    best = _contender("ridge", 0.80, 0.81, 0.79)
    plain = _contender("linear_svc_l2", 0.77, 0.78, 0.77)
    verdict = choose([best, plain], prefer=("linear_svc_l2", "raw"))
    assert verdict.winner is best
    assert "more than one standard error" in verdict.reason


def test_choose_takes_the_best_when_the_preferred_one_is_absent_or_failed() -> None:
    best = _contender("ridge", 0.80, 0.81, 0.79)
    failed = Contender("linear_svc_l2", "raw", (), ("memory",))
    assert choose([best, failed], prefer=("linear_svc_l2", "raw")).winner is best
    assert choose([best], prefer=None).winner is best
    other_cleaning = _contender("linear_svc_l2", 0.5, 0.5, 0.5, cleaning="configured")
    assert choose([best, other_cleaning], prefer=("linear_svc_l2", "raw")).winner is best


def test_rows_repeating_a_text_share_a_group_and_cleaning_alone_does_not_merge_them() -> None:
    raw = ["Good film!", "good film", "Bad film.", "Bad film.", "Other"]
    cleaned = ["good film", "good film", "bad film", "bad film", "other"]
    assert duplicate_groups([raw[:2], raw[:2]]) is None  # no repeat: plain stratified folds
    groups = duplicate_groups([cleaned, raw])
    assert groups is not None
    assert groups[2] == groups[3]
    assert len({groups[0], groups[1], groups[2], groups[4]}) == 4


def test_duplicates_never_straddle_a_fold_and_distinct_texts_keep_stratified_folds() -> None:
    texts = [f"text {i % 40}" for i in range(120)]  # every text three times
    y = np.array(["a" if i % 40 < 20 else "b" for i in range(120)])
    groups = duplicate_groups([texts])
    assert groups is not None
    splits = fold_splits(y, 3, seed=0, groups=groups)
    for train_rows, valid_rows in splits:
        assert not {texts[i] for i in train_rows} & {texts[i] for i in valid_rows}
        assert set(y[valid_rows]) == {"a", "b"}
    assert sorted(np.concatenate([v for _, v in splits]).tolist()) == list(range(120))
    from sklearn.model_selection import StratifiedKFold

    plain = StratifiedKFold(n_splits=3, shuffle=True, random_state=0).split(np.zeros(120), y)
    assert all((a[1] == b[1]).all() for a, b in zip(fold_splits(y, 3, seed=0), plain,
                                                   strict=True))


def test_too_few_distinct_texts_for_the_folds_are_refused_with_the_count() -> None:
    y = np.array(["a", "b"] * 6)
    groups = duplicate_groups([["x", "y"] * 6])
    with pytest.raises(ModelError, match="needs 3 distinct texts at least; .* has 2"):
        fold_splits(y, 3, seed=0, groups=groups)


def test_a_memoriser_is_not_rewarded_for_duplicates_across_folds() -> None:
    # labels carry no signal a model could learn, but every text is there three times:
    # split apart, a nearest-neighbour model would score far above chance on them
    rng = np.random.default_rng(0)
    texts = [f"token{i} word{i} thing{i}" for i in range(60)] * 3
    labels = [str(x) for x in rng.integers(0, 2, 60)] * 3
    knn = CandidateSpec(name="knn", estimator="sklearn.neighbors.KNeighborsClassifier",
                        params={"n_neighbors": 1})
    contest = cross_validate({"raw": Choice(texts, TfidfSettings())}, labels, [knn],
                             FakeExecutor(), folds=3, options=FitOptions(metric="accuracy"))
    assert contest[0].mean < 0.75
