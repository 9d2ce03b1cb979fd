"""The sweep core: features, one candidate, all candidates, the leaderboard."""

from __future__ import annotations

import pickle
import subprocess
import sys

import numpy as np
import pytest
from pydantic import ValidationError
from sklearn.base import BaseEstimator, ClassifierMixin

from textops.compute.base import LocalExecutor
from textops.compute.targets import LazyExecutor
from textops.compute.testing import FakeExecutor
from textops.errors import ConfigError, ModelError
from textops.models.bounds import can_bound_memory
from textops.models.candidates import DEFAULT_CANDIDATES, CandidateSpec
from textops.models.features import Features, TfidfSettings, build_features
from textops.models.fitting import fit_candidate
from textops.models.sweep import SweepSettings, leaderboard, run_sweep

CLASSES = ("food", "sport", "tech")


def corpus(n_per_class: int, seed: int) -> tuple[list[str], list[str]]:
    """Three classes, each with its own words, half of every text shared noise."""
    rng = np.random.default_rng(seed)
    own = {label: [f"{label}{i}" for i in range(25)] for label in CLASSES}
    noise = [f"noise{i}" for i in range(60)] + [w for words in own.values() for w in words[:5]]
    texts, labels = [], []
    for label in CLASSES:
        for _ in range(n_per_class):
            n = int(rng.integers(6, 14))
            words = [*rng.choice(own[label], n), *rng.choice(noise, n)]
            rng.shuffle(words)
            texts.append(" ".join(words))
            labels.append(label)
    return texts, labels


@pytest.fixture(scope="module")
def features() -> Features:
    train_texts, train_labels = corpus(40, seed=1)
    test_texts, test_labels = corpus(15, seed=2)
    return build_features(train_texts, train_labels, test_texts, test_labels)


def spec(name: str) -> CandidateSpec:
    return next(candidate for candidate in DEFAULT_CANDIDATES if candidate.name == name)


FAST = [spec("ridge"), spec("sgd_l2"), spec("complement_nb"), spec("perceptron")]
# each value is valid, the combination is not: only fit() finds out
BAD_COMBO = CandidateSpec(
    name="bad_combo", estimator="sklearn.svm.LinearSVC", params={"penalty": "l1", "loss": "hinge"}
)


# -- features --------------------------------------------------------------------------------------


def test_features_are_tfidf_on_train_applied_to_test(features):
    assert features.X_train.shape[0] == 120
    assert features.X_test.shape == (45, features.n_features)
    assert features.labels == CLASSES
    assert features.describe()["n_classes"] == 3
    assert features.vectorizer.sublinear_tf and features.vectorizer.max_df == 0.5


def test_features_refuse_texts_without_terms_and_a_single_class():
    with pytest.raises(ModelError, match="TF-IDF found no usable term in the 2 training texts"):
        build_features(["the of", "and"], ["a", "b"], ["x"], ["a"])
    with pytest.raises(ModelError, match="the training set has 1 class"):
        build_features(["one text", "two text"], ["a", "a"], ["x"], ["a"])


def test_tfidf_settings_are_validated():
    with pytest.raises(ValidationError, match="max_df as a share must be in"):
        TfidfSettings(max_df=1.5)
    with pytest.raises(ValidationError, match="Extra inputs"):
        TfidfSettings(sublinear=True)
    assert TfidfSettings(ngram_range=(1, 2), dtype="float32").build().ngram_range == (1, 2)


def test_the_vectoriser_round_trips_through_pickle_and_skops_compactly(features):
    import skops.io as sio

    vectorizer = features.vectorizer
    assert type(vectorizer).__module__ == "textops.models.features"
    sample = ["sport3 tech4 unknownword", "food1 noise2"]
    for restored in (
        pickle.loads(pickle.dumps(vectorizer)),
        sio.loads(data := sio.dumps(vectorizer), trusted=sio.get_untrusted_types(data=data)),
    ):
        assert restored.vocabulary_ == vectorizer.vocabulary_
        assert (restored.transform(sample) != vectorizer.transform(sample)).nnz == 0
    assert sio.get_untrusted_types(data=data) == ["textops.models.features.CompactTfidfVectorizer"]
    assert hasattr(vectorizer, "vocabulary_")  # serialising never strips the live object


# -- one candidate ---------------------------------------------------------------------------------


def test_fit_candidate_returns_metrics_confusion_timings_and_loadable_models(features):
    import skops.io as sio

    result = fit_candidate(spec("linear_svc_l2"), features, seed=0)
    assert result["status"] == "ok", result["error"]
    assert result["error"] is None
    assert result["name"] == "linear_svc_l2"
    assert result["estimator"] == "sklearn.svm.LinearSVC"
    assert result["params"]["penalty"] == "l2"
    assert result["params"]["random_state"] == 0
    assert result["metrics"]["accuracy"] > 0.9
    assert 0.9 < result["metrics"]["roc_auc"] <= 1.0
    assert result["confusion"]["labels"] == list(CLASSES)
    assert np.sum(result["confusion"]["matrix"]) == 45
    assert result["fit_seconds"] > 0 and result["predict_seconds"] > 0
    assert result["memory_bound"] is can_bound_memory()

    raw_texts = ["sport1 sport2 sport3 noise1", "tech5 tech6 food1"]
    from_pickle = pickle.loads(result["pipeline_pickle"])
    assert from_pickle.predict(raw_texts).tolist() == ["sport", "tech"]
    assert result["skops_error"] is None
    from_skops = sio.loads(result["pipeline_skops"], trusted=result["skops_untrusted_types"])
    assert from_skops.predict(raw_texts).tolist() == ["sport", "tech"]


def test_models_without_decision_function_are_scored_by_probabilities(features):
    result = fit_candidate(spec("multinomial_nb"), features, save_skops=False)
    assert "roc_auc" in result["metrics"]
    assert result["pipeline_skops"] is None


def test_a_candidate_that_fails_is_recorded_with_its_error(features):
    bad = BAD_COMBO
    result = fit_candidate(bad, features)
    assert result["status"] == "failed"
    assert result["error"].startswith("candidate 'bad_combo' failed: ValueError: Unsupported set")
    assert result["pipeline_pickle"] is None and result["metrics"] == {}


def test_warnings_of_a_fit_are_recorded_not_raised(features):
    noisy = CandidateSpec(
        name="short", estimator="sklearn.linear_model.Perceptron", params={"max_iter": 1}
    )
    result = fit_candidate(noisy, features)
    assert result["status"] == "ok"
    assert any(text.startswith("ConvergenceWarning") for text in result["warnings"])


class ThreadSpy(ClassifierMixin, BaseEstimator):
    """Records the BLAS/OpenMP thread counts it sees while fitting."""

    def fit(self, X, y):  # noqa: N803
        from threadpoolctl import threadpool_info

        self.threads_ = sorted({info["num_threads"] for info in threadpool_info()})
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):  # noqa: N803
        return np.full(X.shape[0], self.classes_[0])


def test_a_candidate_fits_on_one_thread_unless_told_otherwise(features):
    spy = CandidateSpec(name="spy", estimator=f"{__name__}.ThreadSpy")
    result = fit_candidate(spy, features, save_skops=False)
    assert result["n_threads"] == 1
    assert pickle.loads(result["pipeline_pickle"]).named_steps["model"].threads_ == [1]


# -- the memory bound, in a sweep ------------------------------------------------------------------

needs_rlimit = pytest.mark.skipif(not can_bound_memory(), reason="needs Linux RLIMIT_AS")


@needs_rlimit
def test_a_candidate_that_densifies_a_wide_matrix_fails_alone_with_the_reason(features):
    import scipy.sparse as sp

    # NearestCentroid builds dense n_samples x n_features arrays: 2,000 x 200,000 is 3 GiB
    rng = np.random.default_rng(0)
    rows = np.repeat(np.arange(2000), 20)
    columns = rng.integers(0, 200_000, rows.size)
    wide = sp.csr_matrix((np.ones(rows.size), (rows, columns)), shape=(2000, 200_000))
    labels = rng.choice(list(CLASSES), 2000)
    wide_features = Features(
        X_train=wide,
        y_train=labels,
        X_test=wide[:10],
        y_test=labels[:10],
        labels=CLASSES,
        vectorizer=features.vectorizer,
    )
    results = run_sweep(
        wide_features,
        [spec("nearest_centroid"), spec("complement_nb")],
        LocalExecutor(),
        memory_limit=256 * 2**20,
        save_skops=False,
    )
    centroid, bayes = results
    assert centroid["status"] == "failed"
    assert centroid["error"].startswith(
        "candidate 'nearest_centroid' needed more memory than its limit of 256.0 MiB: "
        "Unable to allocate"
    )
    assert bayes["status"] == "ok"


# -- all candidates --------------------------------------------------------------------------------


def test_run_sweep_scatters_once_submits_costliest_first_returns_candidate_order(features):
    executor = FakeExecutor()
    seen = []
    candidates = [*FAST, spec("linear_svc_l1_selection")]
    results = run_sweep(features, candidates, executor, save_skops=False, on_result=seen.append)
    assert executor.scattered == [features]
    assert executor.submissions[0].args[0].name == "linear_svc_l1_selection"  # the costliest
    assert executor.submissions[0].args[1] is features  # the scattered handle, resolved
    assert [r["name"] for r in results] == [c.name for c in candidates]
    assert sorted(r["name"] for r in seen) == sorted(c.name for c in candidates)
    assert all(r["status"] == "ok" for r in results)


def test_run_sweep_checks_every_candidate_before_running_any(features):
    executor = FakeExecutor()
    typo = {
        "name": "ridge2",
        "estimator": "sklearn.linear_model.RidgeClassifier",
        "params": {"alpah": 1},
    }
    with pytest.raises(ConfigError, match=r"candidates\[1\] 'ridge2': .*'alpah'"):
        run_sweep(features, [FAST[0], typo], executor)
    assert executor.scattered == [] and executor.submitted == []


def test_one_failure_does_not_stop_the_others(features):
    bad = BAD_COMBO
    results = run_sweep(features, [FAST[0], bad, FAST[1]], LocalExecutor(), save_skops=False)
    assert [r["status"] for r in results] == ["ok", "failed", "ok"]


def test_runs_with_the_same_seed_give_the_same_metrics(features):
    first = run_sweep(features, FAST, LocalExecutor(), seed=3, save_skops=False)
    second = run_sweep(features, FAST, LocalExecutor(), seed=3, save_skops=False)
    assert [r["metrics"] for r in first] == [r["metrics"] for r in second]


def test_all_15_default_candidates_run_on_small_data(features):
    results = run_sweep(features, DEFAULT_CANDIDATES, LocalExecutor(), save_skops=False)
    assert {r["name"]: r["status"] for r in results} == {c.name: "ok" for c in DEFAULT_CANDIDATES}
    assert max(r["metrics"]["accuracy"] for r in results) > 0.9


def test_a_forest_is_fitted_in_shards_across_workers_with_the_same_result(features):
    forest = spec("random_forest")
    [whole] = run_sweep(features, [forest], LocalExecutor(), save_skops=False)
    executor = FakeExecutor(n_workers=2)
    seen = []
    [sharded] = run_sweep(
        features, [forest, FAST[0]], executor, save_skops=False, on_result=seen.append
    )[:1]
    shards = [(s.name, s.kwargs.get("shard")) for s in executor.submissions]
    assert shards[:2] == [("fit_forest_shard", 0), ("fit_forest_shard", 1)]
    assert ("fit_candidate", None) in shards[2:]
    assert len(executor.scattered) == 2  # the features, then the joined forest
    assert (whole["shards"], sharded["shards"]) == (1, 2)
    assert sharded["status"] == "ok"
    assert sharded["metrics"] == whole["metrics"]
    assert sharded["params"] == whole["params"]
    assert sorted(result["name"] for result in seen) == ["random_forest", "ridge"]


def test_a_failing_shard_fails_its_forest_once(features):
    bad_forest = CandidateSpec(
        name="bad_forest",
        estimator="sklearn.ensemble.RandomForestClassifier",
        params={"n_estimators": 4, "bootstrap": False, "max_samples": 0.5},
    )
    seen = []
    [result] = run_sweep(
        features, [bad_forest], FakeExecutor(n_workers=2), save_skops=False, on_result=seen.append
    )
    assert result["status"] == "failed"
    assert result["error"].startswith("candidate 'bad_forest' failed: ValueError: ")
    assert len(seen) == 1


def test_a_lost_worker_fails_its_candidate_alone_naming_the_worker_memory_limit(features):
    executor = FakeExecutor(memory_limit=2 * 2**30, lose=lambda task: task.args[0].name == "ridge")
    lost, kept = run_sweep(features, FAST[:2], executor, save_skops=False)
    assert lost["status"] == "failed" and kept["status"] == "ok"
    assert lost["error"] == (
        "candidate 'ridge': task 'fit_candidate' lost its worker: most likely it passed the "
        "worker memory limit of 2.0 GiB (a worker is restarted past 95% of it), or it crashed "
        "its process; it was not retried"
    )
    assert [task.lost for task in executor.submissions] == [True, False]  # ridge is costlier
    assert len(executor.scattered) == 2  # shipped again: the dead worker may have held it


def test_the_lost_worker_message_names_the_limit_of_a_started_lazy_executor(features):
    """The runner's LazyExecutor reports its real executor's limit, not none."""
    inner = FakeExecutor(memory_limit=700 * 2**20, lose={"fit_candidate"})
    lazy = LazyExecutor(lambda: inner, n_workers=1, is_local=True)
    [result] = run_sweep(features, [FAST[0]], lazy, save_skops=False)
    assert "worker memory limit of 700.0 MiB" in result["error"]


def test_a_lost_worker_without_a_memory_limit_names_no_limit(features):
    executor = FakeExecutor(memory_limit=None, lose={"fit_candidate"})
    [result] = run_sweep(features, [FAST[0]], executor, save_skops=False)
    assert "the OS killed it (the workers have no memory limit)" in result["error"]
    assert "none" not in result["error"]


def test_the_sweep_sizes_its_work_to_a_lazy_executor_once_it_has_started(features):
    """Before it starts a lazy executor only estimates its size; the sweep uses the real one."""
    inner = FakeExecutor(n_workers=4)
    lazy = LazyExecutor(lambda: inner, n_workers=2, is_local=True)
    [forest] = run_sweep(features, [spec("random_forest")], lazy, save_skops=False)
    assert forest["status"] == "ok" and forest["shards"] == 4
    assert [(s.name, s.kwargs.get("shard")) for s in inner.submissions[:4]] == [
        ("fit_forest_shard", shard) for shard in range(4)
    ]


# -- the leaderboard -------------------------------------------------------------------------------


def test_leaderboard_ranks_by_metric_and_puts_failures_last():
    results = [
        {"name": "a", "status": "ok", "metrics": {"accuracy": 0.7, "roc_auc": 0.95}},
        {"name": "b", "status": "failed", "metrics": {}, "error": "boom"},
        {"name": "c", "status": "ok", "metrics": {"accuracy": 0.9, "roc_auc": 0.90}},
    ]
    table = leaderboard(results)
    assert table["name"].tolist() == ["c", "a", "b"]
    assert table["rank"].tolist()[:2] == [1, 2] and table["rank"].isna().tolist()[2]
    assert table.loc[2, "error"] == "boom"
    assert leaderboard(results, metric="roc_auc")["name"].tolist() == ["a", "c", "b"]
    assert leaderboard([]).empty


# -- settings and imports --------------------------------------------------------------------------


def test_sweep_settings_default_to_the_15_candidates_and_parse_memory_sizes():
    settings = SweepSettings()
    assert len(settings.candidates) == 15
    assert settings.memory_limit == 4 * 2**30
    assert SweepSettings(memory_limit="2GiB").memory_limit == 2 * 2**30
    assert SweepSettings(memory_limit=None).memory_limit is None
    with pytest.raises(ValidationError, match="at least 64MiB"):
        SweepSettings(memory_limit="1MiB")
    with pytest.raises(ValidationError, match="Extra inputs"):
        SweepSettings(candidate=[])
    custom = SweepSettings.model_validate(
        {
            "candidates": [{"name": "nb", "estimator": "sklearn.naive_bayes.MultinomialNB"}],
            "tfidf": {"max_df": 0.8},
            "metric": "f1_macro",
        }
    )
    assert custom.candidates[0].name == "nb" and custom.tfidf.max_df == 0.8


def test_importing_the_sweep_modules_does_not_import_scikit_learn():
    code = (
        "import sys, textops.models.sweep, textops.models.fitting, textops.models.candidates, "
        "textops.models.features; "
        "print([m for m in ('sklearn', 'scipy', 'pandas', 'dask') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
