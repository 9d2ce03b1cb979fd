"""Linear TF-IDF models as one small ONNX graph: parity with scikit-learn for each
linear candidate of the sweep, refusal of the others, and the JSON featuriser."""

from __future__ import annotations

import json
import warnings
from typing import Any

import numpy as np
import pytest

from support.corpora import TOPIC_WORDS, topic_corpus
from textops.errors import ModelError
from textops.models.candidates import DEFAULT_CANDIDATES, build_estimator
from textops.models.features import Features, TfidfSettings, build_features
from textops.models.linear_export import (
    OnnxLinearClassifier,
    build_graph,
    check_linear_parity,
    export_linear,
)
from textops.models.linear_forms import linear_form, pipeline_parts
from textops.models.tfidf_state import TfidfFeaturizer, padded_inputs

NOT_LINEAR = {"knn": "KNeighborsClassifier", "random_forest": "RandomForestClassifier"}
LINEAR = [spec.name for spec in DEFAULT_CANDIDATES if spec.name not in NOT_LINEAR]


def corpus(n_classes: int, *, seed: int, n_per_class: int) -> tuple[list[str], list[str]]:
    topics = dict(list(TOPIC_WORDS.items())[:n_classes])
    texts, labels = topic_corpus(topics, n_per_class=n_per_class, seed=seed, own=0.4, cross=0.2)
    return texts, labels


def features(n_classes: int) -> Features:
    train = corpus(n_classes, seed=0, n_per_class=40)
    test = corpus(n_classes, seed=1, n_per_class=10)
    # bigrams and stop words: the featuriser must rebuild both exactly
    return build_features(*train, *test, settings=TfidfSettings(ngram_range=(1, 2)))


@pytest.fixture(scope="module", params=[4, 2], ids=["4-classes", "binary"])
def fitted(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Each default candidate fitted on a small seeded corpus, as the sweep pipelines it."""
    from sklearn.pipeline import Pipeline

    data = features(request.param)
    pipelines = {}
    for spec in DEFAULT_CANDIDATES:
        model = build_estimator(spec, seed=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence notes of tiny data are not the point
            model.fit(data.X_train, data.y_train)
        pipelines[spec.name] = Pipeline([("tfidf", data.vectorizer), ("model", model)])
    texts = corpus(request.param, seed=2, n_per_class=20)[0]
    return {"pipelines": pipelines, "texts": texts}


@pytest.mark.parametrize("name", LINEAR)
def test_each_linear_candidate_exports_with_identical_labels(
    fitted: dict[str, Any], name: str
) -> None:
    pipeline = fitted["pipelines"][name]
    exported = export_linear(pipeline, fitted["texts"][:20], atol=1e-9)
    assert exported.n_docs >= 256 and exported.max_abs_diff < 1e-9
    assert exported.labels == [str(label) for label in pipeline.classes_]
    expected_kind = "predict_proba" if name.endswith("_nb") else "decision_softmax"
    assert exported.scores == expected_kind
    # texts the parity check never saw, through the featuriser as a bundle stores it
    served = TfidfFeaturizer.from_dict(json.loads(json.dumps(exported.featurizer.to_dict())))
    classifier = OnnxLinearClassifier(exported.model, served, exported.labels)
    texts = fitted["texts"][20:]
    assert classifier.predict(texts) == [str(label) for label in pipeline.predict(texts)]
    probabilities = classifier.predict_proba(texts)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-12)
    if exported.scores == "predict_proba":
        np.testing.assert_allclose(probabilities, pipeline.predict_proba(texts), atol=1e-9)


@pytest.mark.parametrize("name", sorted(NOT_LINEAR))
def test_a_model_without_linear_form_is_refused_with_the_reason(
    fitted: dict[str, Any], name: str
) -> None:
    with pytest.raises(ModelError, match=rf"{NOT_LINEAR[name]} has no linear form: it ") as caught:
        export_linear(fitted["pipelines"][name], fitted["texts"])
    assert "MLflow's sklearn flavour" in str(caught.value.hint)


def test_a_graph_that_disagrees_with_scikit_learn_is_refused(fitted: dict[str, Any]) -> None:
    vectorizer, steps = pipeline_parts(fitted["pipelines"]["ridge"])
    form = linear_form(steps, n_features=len(vectorizer.vocabulary_))
    tampered = linear_form(steps, n_features=len(vectorizer.vocabulary_))
    tampered.weights[:, :] = tampered.weights[::-1]  # classes swapped
    featurizer = TfidfFeaturizer.from_vectorizer(vectorizer)
    classifier = OnnxLinearClassifier(build_graph(tampered), featurizer, ["a"] * len(form.classes))
    with pytest.raises(
        ModelError, match=r"disagrees with the scikit-learn RidgeClassifier.*differ"
    ):
        check_linear_parity((vectorizer, steps), form, classifier, fitted["texts"], atol=1e-6)


def test_a_float32_graph_is_half_the_size_and_still_agrees(fitted: dict[str, Any]) -> None:
    pipeline = fitted["pipelines"]["linear_svc_l2"]
    wide = export_linear(pipeline, fitted["texts"])
    narrow = export_linear(pipeline, fitted["texts"], dtype="float32", atol=1e-5)
    assert len(narrow.model) < 0.6 * len(wide.model)
    assert 0 < narrow.max_abs_diff < 1e-5


def test_logistic_regression_and_empirical_nearest_centroid_give_their_own_probabilities(
    fitted: dict[str, Any],
) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import NearestCentroid

    vectorizer = fitted["pipelines"]["ridge"].steps[0][1]
    train = fitted["texts"]
    labels = fitted["pipelines"]["ridge"].predict(train)  # any labelling will do
    matrix = vectorizer.transform(train)
    n_classes = len(set(labels))
    priors = np.arange(1, n_classes + 1) / (n_classes * (n_classes + 1) / 2)
    for model in (LogisticRegression(), NearestCentroid(priors=priors.tolist())):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(matrix, labels)
        exported = export_linear((vectorizer, model), train, atol=1e-9)
        assert exported.scores == "predict_proba"


def test_a_manhattan_centroid_and_a_transforming_step_have_no_linear_form(
    fitted: dict[str, Any],
) -> None:
    from sklearn.neighbors import NearestCentroid
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import MaxAbsScaler

    vectorizer = fitted["pipelines"]["ridge"].steps[0][1]
    matrix = vectorizer.transform(fitted["texts"])
    labels = fitted["pipelines"]["ridge"].predict(fitted["texts"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a term constant within every class: tiny data
        manhattan = NearestCentroid(metric="manhattan").fit(matrix, labels)
    with pytest.raises(ModelError, match="'manhattan' distance is not a weighted sum"):
        export_linear((vectorizer, manhattan), fitted["texts"])
    ridge = fitted["pipelines"]["ridge"].steps[1][1]
    scaled = Pipeline([("scale", MaxAbsScaler().fit(matrix)), ("model", ridge)])
    with pytest.raises(ModelError, match="MaxAbsScaler ahead of the classifier is not a feature"):
        export_linear((vectorizer, scaled), fitted["texts"])


def test_the_featuriser_rebuilds_the_vectoriser_from_json_exactly() -> None:
    data = features(3)
    texts = corpus(3, seed=5, n_per_class=5)[0] + ["", "The THE the unknownword"]
    state = json.loads(json.dumps(TfidfFeaturizer.from_vectorizer(data.vectorizer).to_dict()))
    assert isinstance(state["settings"]["stop_words"], list)  # the list itself, not "english"
    rebuilt = TfidfFeaturizer.from_dict(state)
    expected = data.vectorizer.transform(texts)
    assert (rebuilt.transform(texts) != expected).nnz == 0
    binary = TfidfFeaturizer.from_dict({**state, "binarize": 0.0}).transform(texts)
    assert set(binary.data.tolist()) == {1.0}


def test_the_featuriser_refuses_code_and_another_format() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(tokenizer=str.split, token_pattern=None).fit(["a b", "b c"])
    with pytest.raises(ModelError, match=r"\['tokenizer'\] cannot be stored as JSON"):
        TfidfFeaturizer.from_vectorizer(vectorizer)
    with pytest.raises(ModelError, match="format 'other'; expected 'textops.tfidf/1'"):
        TfidfFeaturizer.from_dict({"format": "other"})


def test_padded_inputs_are_the_csr_rows_with_zero_weight_padding() -> None:
    import scipy.sparse as sp

    matrix = sp.csr_matrix(np.array([[0.0, 0.5, 0.0, 0.2], [0, 0, 0, 0], [0.7, 0, 0, 0]]))
    inputs = padded_inputs(matrix)
    np.testing.assert_array_equal(inputs["ids"], [[1, 3], [0, 0], [0, 0]])
    np.testing.assert_array_equal(inputs["weights"], [[0.5, 0.2], [0, 0], [0.7, 0]])
    empty = padded_inputs(sp.csr_matrix((2, 4)))
    assert empty["ids"].shape == (2, 1)  # one column, so the graph sums zero weights


def test_long_and_short_documents_score_alike_in_any_batch(fitted: dict[str, Any]) -> None:
    pipeline = fitted["pipelines"]["multinomial_nb"]
    exported = export_linear(pipeline, fitted["texts"])
    classifier = OnnxLinearClassifier(exported.model, exported.featurizer, exported.labels)
    texts = [*fitted["texts"][:5], " ".join(fitted["texts"]) * 3, ""]
    alone = np.vstack([classifier.predict_proba([text]) for text in texts])
    np.testing.assert_allclose(classifier.predict_proba(texts), alone, atol=1e-12)
    np.testing.assert_allclose(alone, pipeline.predict_proba(texts), atol=1e-9)
