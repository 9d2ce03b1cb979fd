"""The model bundle without MLflow: its files, and raw-text scoring from them."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import textops.models
from support.corpora import FEW_COMMON_WORDS, TOPIC_WORDS, topic_corpus
from textops.errors import ModelError
from textops.models.bundle import (
    PyfuncBundle,
    TextScorer,
    read_artifacts,
    read_bundle,
    scores_frame,
    texts_of,
    write_bundle,
)


@pytest.fixture(scope="module")
def trained() -> dict[str, Any]:
    """A tiny network trained on cleaned text, its ONNX graph and the cleaner's settings."""
    from textops.models.onnx_export import export_onnx
    from textops.models.training import NetworkConfig, fit_network
    from textops.text.cleaning import TextCleaner

    cleaner = TextCleaner().fit()
    topics = {label: TOPIC_WORDS[label] for label in ("sport", "tech")}
    texts, labels = topic_corpus(
        topics, common=FEW_COMMON_WORDS, n_per_class=30, seed=0, own=0.5, length=(4, 12)
    )
    cleaned = [str(t) for t in cleaner.transform(texts)]
    config = NetworkConfig(
        epochs=3, batch_size=8, buckets=64, min_count=1, embedding_dim=8, learning_rate=0.05
    )
    network = fit_network(cleaned, labels, config)
    return {"network": network, "onnx": export_onnx(network, cleaned).model,
            "cleaning": cleaner.get_params()}


@pytest.fixture
def bundle(trained: dict[str, Any], tmp_path: Path) -> PyfuncBundle:
    network = trained["network"]
    paths = write_bundle(
        tmp_path, trained["onnx"], network.tokenizer, labels=network.labels,
        cleaning=trained["cleaning"], metadata={"k": 1},
    )
    assert sorted(paths) == ["bundle", "onnx", "tokenizer"]
    return read_bundle(Path(paths["onnx"]), Path(paths["tokenizer"]), Path(paths["bundle"]))


def test_read_bundle_gives_the_serving_side_the_same_classifier(
    trained: dict[str, Any], bundle: PyfuncBundle
) -> None:
    network = trained["network"]
    assert bundle.labels == network.labels
    assert bundle.metadata == {"k": 1}
    assert bundle.cleaning == json.loads(json.dumps(trained["cleaning"]))  # stored as JSON
    texts = ["goal match", "cloud code"]
    np.testing.assert_allclose(
        bundle.classifier().predict_proba(texts), network.predict_proba(texts), atol=1e-5
    )


def test_the_scorer_cleans_raw_text_as_training_did(
    trained: dict[str, Any], bundle: PyfuncBundle
) -> None:
    from textops.text.cleaning import TextCleaner

    raw = ["GOAL!!! The team won the MATCH.", "Python code on the cloud server", ""]
    scores = TextScorer.from_bundle(bundle).predict(pd.DataFrame({"text": raw}))
    network = trained["network"]
    assert list(scores.columns) == ["label", "probability"] + [
        f"proba_{label}" for label in network.labels
    ]
    cleaned = [str(t) for t in TextCleaner(**trained["cleaning"]).fit().transform(raw)]
    probabilities = scores[[f"proba_{label}" for label in network.labels]].to_numpy()
    np.testing.assert_allclose(probabilities, network.predict_proba(cleaned), atol=1e-5)


@pytest.mark.parametrize(
    "request_",
    [
        {"text": ["goal match", "cloud code"]},
        pd.DataFrame({"text": [["goal match", "cloud code"]]}),  # how MLflow passes that dict
        ["goal match", "cloud code"],
        np.array(["goal match", "cloud code"]),
    ],
    ids=["dict", "one-row-frame-of-a-list", "list", "array"],
)
def test_the_scorer_takes_a_dict_a_list_and_a_frame_alike(
    bundle: PyfuncBundle, request_: Any
) -> None:
    scorer = TextScorer.from_bundle(bundle)
    expected = scorer.predict(pd.DataFrame({"text": ["goal match", "cloud code"]}))
    pd.testing.assert_frame_equal(scorer.predict(request_), expected)


def test_texts_of_reads_missing_values_as_empty_text_and_one_string_as_one_text() -> None:
    assert texts_of(pd.DataFrame({"text": ["a", None, np.nan]})) == ["a", "", ""]
    assert texts_of({"text": "one document"}) == ["one document"]
    assert texts_of("one document") == ["one document"]
    with pytest.raises(ModelError, match=r"a column named 'text'; got columns \['body'\]"):
        texts_of({"body": ["x"]})


def test_scores_frame_of_no_documents_has_the_columns() -> None:
    frame = scores_frame(np.zeros((0, 2)), ["a", "b"])
    assert list(frame.columns) == ["label", "probability", "proba_a", "proba_b"]
    assert len(frame) == 0


def test_a_bundle_of_another_format_is_refused(trained: dict[str, Any], tmp_path: Path) -> None:
    network = trained["network"]
    paths = write_bundle(
        tmp_path, trained["onnx"], network.tokenizer, labels=network.labels, cleaning=None,
        metadata={},
    )
    Path(paths["bundle"]).write_text(json.dumps({"format": "other/9"}), encoding="utf-8")
    with pytest.raises(ModelError, match=r"format 'other/9'; expected 'textops.pyfunc/1'"):
        read_bundle(Path(paths["onnx"]), Path(paths["tokenizer"]), Path(paths["bundle"]))


def test_a_network_bundle_written_before_families_still_loads(
    trained: dict[str, Any], tmp_path: Path
) -> None:
    network = trained["network"]
    paths = write_bundle(
        tmp_path, trained["onnx"], network.tokenizer, labels=network.labels,
        cleaning=trained["cleaning"], metadata={},
    )
    written = json.loads(Path(paths["bundle"]).read_text(encoding="utf-8"))
    assert (written["format"], written["family"]) == ("textops.pyfunc/1", "network")
    del written["family"]  # as textops wrote it before the linear family existed
    Path(paths["bundle"]).write_text(json.dumps(written), encoding="utf-8")
    bundle = read_artifacts(paths)
    assert bundle.family == "network"
    texts = ["goal match", "cloud code"]
    np.testing.assert_allclose(
        TextScorer.from_bundle(bundle).classifier.predict_proba(texts),
        network.predict_proba(texts), atol=1e-5,
    )


@pytest.fixture(scope="module")
def linear() -> dict[str, Any]:
    """The sweep's way: TF-IDF + LinearSVC on cleaned text, exported to ONNX."""
    from sklearn.pipeline import Pipeline

    from textops.models.candidates import DEFAULT_CANDIDATES, build_estimator
    from textops.models.features import build_features
    from textops.models.linear_export import export_linear
    from textops.text.cleaning import TextCleaner

    cleaner = TextCleaner().fit()
    topics = {label: TOPIC_WORDS[label] for label in ("sport", "tech", "food")}
    texts, labels = topic_corpus(topics, n_per_class=30, seed=0, own=0.5)
    cleaned = [str(t) for t in cleaner.transform(texts)]
    features = build_features(cleaned, labels, cleaned[:10], labels[:10])
    spec = next(spec for spec in DEFAULT_CANDIDATES if spec.name == "linear_svc_l2")
    model = build_estimator(spec, seed=0).fit(features.X_train, features.y_train)
    pipeline = Pipeline([("tfidf", features.vectorizer), ("model", model)])
    return {"pipeline": pipeline, "export": export_linear(pipeline, cleaned),
            "cleaning": cleaner.get_params()}


def test_a_linear_bundle_scores_raw_text_as_the_cleaned_pipeline(
    linear: dict[str, Any], tmp_path: Path
) -> None:
    from textops.text.cleaning import TextCleaner

    export = linear["export"]
    paths = write_bundle(
        tmp_path, export.model, export.featurizer, labels=export.labels,
        cleaning=linear["cleaning"], metadata={"k": 1}, scores=export.scores,
    )
    assert sorted(paths) == ["bundle", "onnx", "vectorizer"]
    written = json.loads(Path(paths["bundle"]).read_text(encoding="utf-8"))
    assert written["format"] == "textops.pyfunc/2"
    assert (written["family"], written["scores"]) == ("linear", "decision_softmax")
    bundle = read_artifacts(paths)
    raw = ["GOAL!!! The team won the MATCH.", "Python code on the cloud server", "", "Garlic?"]
    scores = TextScorer.from_bundle(bundle).predict({"text": raw})
    cleaned = [str(t) for t in TextCleaner(**linear["cleaning"]).fit().transform(raw)]
    assert list(scores["label"]) == list(linear["pipeline"].predict(cleaned))
    assert list(scores.columns)[2:] == [f"proba_{label}" for label in export.labels]


def test_a_linear_bundle_needs_its_scores_and_an_unknown_family_is_refused(
    linear: dict[str, Any], tmp_path: Path
) -> None:
    export = linear["export"]
    with pytest.raises(ModelError, match="a linear bundle needs scores="):
        write_bundle(tmp_path, export.model, export.featurizer, labels=export.labels,
                     cleaning=None, metadata={})
    paths = write_bundle(tmp_path, export.model, export.featurizer, labels=export.labels,
                         cleaning=None, metadata={}, scores=export.scores)
    written = json.loads(Path(paths["bundle"]).read_text(encoding="utf-8"))
    Path(paths["bundle"]).write_text(json.dumps({**written, "family": "tree"}), encoding="utf-8")
    with pytest.raises(ModelError, match=r"family 'tree'; this textops serves \['linear', 'net"):
        read_artifacts(paths)
    with pytest.raises(ModelError, match=r"expected onnx, bundle and tokenizer .* or vectorizer"):
        read_artifacts({"onnx": paths["onnx"], "bundle": paths["bundle"]})


def test_scoring_from_a_bundle_imports_no_mlflow() -> None:
    code = (
        "import sys, textops.models.pyfunc, textops.models.bundle, textops.models.training; "
        "print(sorted(m for m in ('mlflow', 'textops.tracking') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


# models/ does no tracking: the layering test covers textops' own packages, this one MLflow
def test_no_module_of_models_imports_mlflow() -> None:
    found = set()
    for path in Path(textops.models.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            found |= {(path.name, name) for name in names if name.split(".")[0] == "mlflow"}
    assert not found
