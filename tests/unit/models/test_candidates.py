"""Candidates as data: the default 15, building them, and checking a user's list."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from pydantic import ValidationError

from textops.errors import ConfigError
from textops.models.candidates import (
    DEFAULT_CANDIDATES,
    CandidateSpec,
    build_estimator,
    default_candidates,
    forest_shards,
    join_forest_shards,
    validate_candidates,
)


def test_the_default_list_is_the_15_models_of_the_original_example():
    names = [candidate.name for candidate in DEFAULT_CANDIDATES]
    assert names == [
        "ridge",
        "perceptron",
        "passive_aggressive",
        "knn",
        "random_forest",
        "linear_svc_l2",
        "linear_svc_l1",
        "sgd_l2",
        "sgd_l1",
        "sgd_elasticnet",
        "nearest_centroid",
        "multinomial_nb",
        "bernoulli_nb",
        "complement_nb",
        "linear_svc_l1_selection",
    ]
    assert default_candidates() == list(DEFAULT_CANDIDATES)


def test_the_defaults_validate_on_this_scikit_learn_without_deprecation_notes():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a deprecated class or parameter would fail here
        assert validate_candidates(DEFAULT_CANDIDATES) == []


def test_a_candidate_builds_with_its_params_and_the_seed_fills_random_state():
    from sklearn.linear_model import SGDClassifier

    spec = next(c for c in DEFAULT_CANDIDATES if c.name == "passive_aggressive")
    model = build_estimator(spec, seed=7)
    assert isinstance(model, SGDClassifier)
    settings = (model.loss, model.penalty, model.learning_rate, model.eta0)
    assert settings == ("hinge", None, "pa1", 1.0)
    assert model.random_state == 7
    explicit = CandidateSpec(name="sgd", estimator=spec.estimator, params={"random_state": 3})
    assert build_estimator(explicit, seed=7).random_state == 3


def test_a_pipeline_candidate_with_a_nested_estimator_builds():
    from sklearn.feature_selection import SelectFromModel
    from sklearn.pipeline import Pipeline
    from sklearn.svm import LinearSVC

    spec = next(c for c in DEFAULT_CANDIDATES if c.name == "linear_svc_l1_selection")
    model = build_estimator(spec, seed=0)
    assert isinstance(model, Pipeline)
    assert [name for name, _ in model.steps] == ["feature_selection", "classification"]
    selector = model.named_steps["feature_selection"]
    assert isinstance(selector, SelectFromModel)
    assert isinstance(selector.estimator, LinearSVC)
    assert selector.estimator.penalty == "l1"
    assert selector.estimator.random_state == 0  # nested random_state seeded too


def test_a_candidate_from_yaml_shaped_data():
    raw = {
        "name": "svc_after_chi2",
        "steps": [
            {"estimator": "sklearn.feature_selection.SelectKBest", "params": {"k": 10}},
            {"estimator": "sklearn.svm.LinearSVC", "params": {"C": 0.5}},
        ],
    }
    assert validate_candidates([raw]) == []
    model = build_estimator(CandidateSpec.model_validate(raw))
    assert [name for name, _ in model.steps] == ["selectkbest", "linearsvc"]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {"name": "ridge", "estimator": "sklearn.linear_model.RidgeClassifer"},
            r"candidates\[1\] 'ridge': cannot import 'sklearn.linear_model.RidgeClassifer': "
            r".*did you mean 'RidgeClassifier'",
        ),
        (
            {"name": "ridge", "estimator": "sklearn.linear_modle.RidgeClassifier"},
            r"candidates\[1\] 'ridge': cannot import .*no module 'sklearn.linear_modle'",
        ),
        (
            {"name": "ridge", "estimator": "RidgeClassifier"},
            r"candidates\[1\] 'ridge': 'RidgeClassifier' is not a class path",
        ),
        (
            {
                "name": "ridge",
                "estimator": "sklearn.linear_model.RidgeClassifier",
                "params": {"alpah": 1.0},
            },
            r"candidates\[1\] 'ridge': RidgeClassifier has no parameter 'alpah' "
            r"\(did you mean 'alpha'\?\)",
        ),
        (
            {
                "name": "ridge",
                "estimator": "sklearn.linear_model.RidgeClassifier",
                "params": {"alpha": -1},
            },
            r"candidates\[1\] 'ridge': The 'alpha' parameter of RidgeClassifier must be",
        ),
        (
            {"name": "ridge", "estimator": "sklearn.linear_model.Ridge"},
            r"candidates\[1\] 'ridge': sklearn.linear_model.Ridge is not a classifier",
        ),
        (
            {
                "name": "nested",
                "estimator": "sklearn.feature_selection.SelectFromModel",
                "params": {
                    "estimator": {"estimator": "sklearn.svm.LinearSVC", "params": {"penalti": "l1"}}
                },
            },
            r"candidates\[1\] 'nested': LinearSVC has no parameter 'penalti'",
        ),
        (
            {"name": "x", "estimator": "os.path"},
            r"candidates\[1\] 'x': cannot import 'os.path'|is not a scikit-learn estimator",
        ),
        (
            {"name": "both", "estimator": "sklearn.svm.LinearSVC", "steps": []},
            r"candidates\[1\] 'both': .*give either 'estimator'",
        ),
        (
            {"name": "bad name!", "estimator": "sklearn.svm.LinearSVC"},
            r"candidates\[1\] 'bad name!': name: String should match pattern",
        ),
        (
            {"name": "ok", "estimator": "sklearn.svm.LinearSVC", "colour": "red"},
            r"candidates\[1\] 'ok': colour: Extra inputs are not permitted",
        ),
        (
            {"name": "first", "estimator": "sklearn.svm.LinearSVC"},
            r"candidates\[1\] 'first': the name is already used by candidates\[0\]",
        ),
    ],
)
def test_a_bad_entry_is_a_config_error_naming_it(entry, message):
    good = {"name": "first", "estimator": "sklearn.naive_bayes.MultinomialNB"}
    with pytest.raises(ConfigError, match=message):
        validate_candidates([good, entry])


def test_an_empty_list_is_refused():
    with pytest.raises(ConfigError, match="the list is empty"):
        validate_candidates([])


def test_deprecated_classes_are_reported_as_notes_not_errors():
    old = {"name": "pa", "estimator": "sklearn.linear_model.PassiveAggressiveClassifier"}
    notes = validate_candidates([old])
    assert len(notes) == 1
    assert notes[0].startswith(
        "candidates[0] 'pa': FutureWarning: Class PassiveAggressiveClassifier is deprecated"
    )


def test_a_spec_needs_one_form():
    with pytest.raises(ValidationError, match="give either 'estimator'"):
        CandidateSpec(name="x")
    with pytest.raises(ValidationError, match="'params' belong to each entry of 'steps'"):
        CandidateSpec(name="x", steps=[{"estimator": "a.B"}], params={"C": 1})
    with pytest.raises(ValidationError, match="greater than 0"):
        CandidateSpec(name="x", estimator="a.B", cost=0)


@pytest.mark.parametrize("name", ["RandomForestClassifier", "ExtraTreesClassifier"])
def test_a_forest_fitted_in_shards_is_the_same_forest(name):
    import numpy as np
    import sklearn.ensemble
    from sklearn.datasets import make_classification

    X, y = make_classification(200, 12, n_informative=5, n_classes=3, random_state=0)  # noqa: N806
    forest = getattr(sklearn.ensemble, name)(n_estimators=23, random_state=4)
    whole = forest.__class__(**forest.get_params()).fit(X, y)
    shards = forest_shards(forest, 3)
    assert [shard.n_estimators for shard in shards] == [8, 8, 7]
    joined = join_forest_shards(forest, [shard.fit(X, y) for shard in shards])
    assert (joined.n_estimators, joined.random_state, len(joined.estimators_)) == (23, 4, 23)
    np.testing.assert_array_equal(joined.predict_proba(X), whole.predict_proba(X))
    np.testing.assert_array_equal(joined.feature_importances_, whole.feature_importances_)


@pytest.mark.parametrize(
    "params",
    [{"random_state": None}, {"oob_score": True}, {"warm_start": True}, {"n_estimators": 1}],
)
def test_forests_that_cannot_be_split_exactly_are_not_split(params):
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import RidgeClassifier

    assert forest_shards(RandomForestClassifier(**{"random_state": 0, **params}), 2) is None
    assert forest_shards(RidgeClassifier(), 2) is None


def test_checking_the_defaults_imports_neither_scikit_learn_nor_torch():
    code = (
        "import sys, textops.models.candidates as c; "
        "nested = {'name': 'sel', 'steps': [{'estimator': 'sklearn.feature_selection.SelectKBest',"
        " 'params': {'k': 10}}, {'estimator': 'sklearn.svm.LinearSVC', 'params': {'C': 0.5}}]}; "
        "assert c.validate_candidates([*c.DEFAULT_CANDIDATES, nested]) == []; "
        "print(sorted(m for m in ('sklearn', 'torch', 'scipy') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_static_table_is_the_installed_scikit_learns():
    from importlib.metadata import version

    from support.sklearn_table import render_table, table_from_sklearn
    from textops.models import estimator_table
    from textops.models.estimator_table import ESTIMATOR_PARAMS, SKLEARN_VERSION

    fresh = table_from_sklearn(list(ESTIMATOR_PARAMS))
    stale = {path for path in fresh if fresh[path] != ESTIMATOR_PARAMS[path]}
    assert (SKLEARN_VERSION, stale) == (version("scikit-learn"), set()), (
        "regenerate textops/models/estimator_table.py: python tests/support/sklearn_table.py"
    )
    # the generator writes the module as committed (what the rewrite would leave)
    source = Path(estimator_table.__file__).read_text(encoding="utf-8")
    body = source.split("# fmt: off\n", 1)[1].split("# fmt: on\n", 1)[0]
    assert body == render_table(list(ESTIMATOR_PARAMS))
    # every default candidate is in the table, so checking them never imports sklearn
    paths = {c.estimator for c in DEFAULT_CANDIDATES} | {
        s.estimator for c in DEFAULT_CANDIDATES for s in c.steps or ()
    }
    assert paths - {None} <= set(ESTIMATOR_PARAMS)


_NESTED_SVC = {"estimator": "sklearn.svm.LinearSVC", "params": {"dual": False}}


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("sklearn.linear_model.RidgeClassifier", {"alpha": -1}),
        ("sklearn.linear_model.RidgeClassifier", {"alpha": 0.5, "solver": "sparse_cg"}),
        ("sklearn.linear_model.RidgeClassifier", {"solver": "fast"}),
        ("sklearn.linear_model.SGDClassifier", {"loss": "hinge", "penalty": None, "eta0": 1.0}),
        ("sklearn.linear_model.SGDClassifier", {"eta0": 0}),
        ("sklearn.linear_model.SGDClassifier", {"max_iter": 2.5}),
        ("sklearn.linear_model.SGDClassifier", {"penalty": "l3"}),
        ("sklearn.neighbors.KNeighborsClassifier", {"n_neighbors": 0}),
        ("sklearn.neighbors.KNeighborsClassifier", {"weights": "distance", "p": 1}),
        ("sklearn.ensemble.RandomForestClassifier", {"max_features": 1.5}),
        ("sklearn.ensemble.RandomForestClassifier", {"max_features": "sqrt", "max_depth": None}),
        ("sklearn.ensemble.RandomForestClassifier", {"oob_score": "yes"}),
        ("sklearn.svm.LinearSVC", {"dual": "auto", "C": 2}),
        ("sklearn.svm.LinearSVC", {"C": 0.0}),
        ("sklearn.svm.LinearSVC", {"class_weight": "balanced", "random_state": -3}),
        ("sklearn.naive_bayes.MultinomialNB", {"alpha": [0.1, 0.2], "fit_prior": False}),
        ("sklearn.naive_bayes.MultinomialNB", {"fit_prior": "no"}),
        ("sklearn.naive_bayes.MultinomialNB", {"class_prior": (0.3, 0.7)}),
        ("sklearn.naive_bayes.MultinomialNB", {"class_prior": "uniform"}),
        # an estimator parameter takes a nested spec only, and only it takes one
        ("sklearn.feature_selection.SelectFromModel", {"estimator": _NESTED_SVC}),
        ("sklearn.feature_selection.SelectFromModel", {"estimator": "sklearn.svm.LinearSVC"}),
        ("sklearn.feature_selection.SelectFromModel", {"estimator": {"C": 1}}),
        ("sklearn.svm.LinearSVC", {"C": _NESTED_SVC}),
        ("sklearn.ensemble.RandomForestClassifier", {"class_weight": _NESTED_SVC}),
        # a function cannot come from a config
        ("sklearn.feature_selection.SelectKBest", {"score_func": "chi2"}),
        ("sklearn.neighbors.KNeighborsClassifier", {"weights": "sqrt"}),
        (
            "sklearn.feature_selection.SelectFromModel",
            {"estimator": _NESTED_SVC, "norm_order": float("inf")},
        ),
        (
            "sklearn.feature_selection.SelectFromModel",
            {"estimator": _NESTED_SVC, "norm_order": 0.5},
        ),
    ],
)
def test_the_table_refuses_what_scikit_learn_refuses(path, params):
    from textops.models import candidates

    def outcome(lint):
        try:
            lint(path, params)
        except ConfigError as exc:
            return exc.message.split(" must be ")[0]
        return "ok"

    by_table = outcome(candidates._lint_estimator)
    assert by_table == outcome(candidates._lint_by_building)
    if by_table != "ok":
        assert by_table == f"The {list(params)[-1]!r} parameter of {path.rsplit('.')[-1]}"


def test_another_scikit_learn_than_the_tables_is_checked_by_building(monkeypatch):
    from textops.models import candidates

    monkeypatch.setattr(candidates, "SKLEARN_VERSION", "0.0")
    bad = {
        "name": "r",
        "estimator": "sklearn.linear_model.RidgeClassifier",
        "params": {"alpha": -1},
    }
    with pytest.raises(ConfigError, match=r"The 'alpha' parameter of RidgeClassifier must be"):
        validate_candidates([bad])
    assert validate_candidates(DEFAULT_CANDIDATES) == []


@pytest.mark.parametrize(
    ("path", "params", "message"),
    [
        (
            "sklearn.feature_selection.SelectKBest",
            {"score_func": "chi2"},
            r"The 'score_func' parameter of SelectKBest must be a callable "
            r"\(which a config cannot give\)\. Got 'chi2' instead\.",
        ),
        (
            "sklearn.feature_selection.SelectFromModel",
            {"estimator": "sklearn.svm.LinearSVC"},
            r"The 'estimator' parameter of SelectFromModel must be an estimator, given as "
            r"\{estimator: <class path>, params: \{\.\.\.\}\}\. Got 'sklearn.svm.LinearSVC'",
        ),
        (
            "sklearn.svm.LinearSVC",
            {"C": _NESTED_SVC},
            r"The 'C' parameter of LinearSVC must be a float in the range \(0, inf\)\. "
            r"Got \{'estimator': 'sklearn.svm.LinearSVC'",
        ),
    ],
)
def test_the_table_says_what_a_config_can_give_instead(path, params, message):
    from textops.models import candidates

    with pytest.raises(ConfigError, match=message):
        candidates._lint_estimator(path, params)
