"""ONNX export: a clean export, ONNX Runtime parity on >= 256 documents, and its failure."""

from __future__ import annotations

import numpy as np
import pytest

from support.corpora import FEW_COMMON_WORDS, TOPIC_WORDS, topic_corpus
from textops.errors import ModelError
from textops.models.onnx_export import (
    INPUT_NAME,
    OUTPUT_NAME,
    WEIGHTS_NAME,
    OnnxExport,
    OnnxTextClassifier,
    check_parity,
    export_onnx,
)
from textops.models.training import NetworkConfig, TrainedNetwork, fit_network

THREE_TOPICS = {label: TOPIC_WORDS[label] for label in ("sport", "tech", "food")}


def make_corpus(n_per_class: int = 30, seed: int = 0) -> tuple[list[str], list[str]]:
    return topic_corpus(
        THREE_TOPICS, common=FEW_COMMON_WORDS, n_per_class=n_per_class, seed=seed, own=0.4,
        length=(4, 14),
    )


@pytest.fixture(
    scope="module",
    # (architecture, pooling, members, term frequency): sublinear is the default and
    # gives the graph a second input, the weights; binary and raw counts give ids only
    params=[("fasttext", "mean", 1, "sublinear"), ("mlp", "mean", 1, "sublinear"),
            ("fasttext", "sqrt", 1, "sublinear"), ("fasttext", "tfidf", 1, "sublinear"),
            ("mlp", "tfidf", 1, "sublinear"), ("fasttext", "tfidf", 3, "sublinear"),
            ("mlp", "tfidf", 2, "sublinear"), ("fasttext", "tfidf", 1, "binary"),
            ("mlp", "mean", 1, "binary"), ("fasttext", "mean", 1, "raw"),
            ("mlp", "tfidf", 1, "raw")],
    ids=lambda p: "-".join(map(str, p)),
)
def network(request: pytest.FixtureRequest) -> TrainedNetwork:
    texts, labels = make_corpus()
    architecture, pooling, members, tf = request.param
    config = NetworkConfig(
        architecture=architecture, pooling=pooling, epochs=2, batch_size=16, buckets=128,
        min_count=1, embedding_dim=8, hidden_size=8, learning_rate=0.05, members=members,
        binary=tf == "binary", sublinear_tf=tf == "sublinear",
    )
    return fit_network(texts, labels, config)


@pytest.fixture(scope="module")
def exported(network: TrainedNetwork) -> OnnxExport:
    texts, _ = make_corpus(n_per_class=10, seed=3)
    return export_onnx(network, texts)


def test_export_matches_pytorch_on_at_least_256_documents(exported: OnnxExport) -> None:
    assert exported.n_docs >= 256
    assert exported.max_abs_diff < 1e-4
    assert exported.opset >= 17
    assert set(exported.summary()) == {
        "onnx_parity_docs", "onnx_parity_max_abs_diff", "onnx_export_seconds", "onnx_bytes"
    }
    assert exported.summary()["onnx_bytes"] == len(exported.model)


def test_graph_has_dynamic_batch_and_length(
    network: TrainedNetwork, exported: OnnxExport
) -> None:
    import onnx

    graph = onnx.load_from_string(exported.model).graph
    names = [node.name for node in graph.input]
    assert names == ([INPUT_NAME, WEIGHTS_NAME] if network.tokenizer.weighted else [INPUT_NAME])
    assert graph.output[0].name == OUTPUT_NAME
    shapes = [[d.dim_param for d in node.type.tensor_type.shape.dim] for node in graph.input]
    assert all(len(dims) == 2 and all(dims) for dims in shapes)  # symbolic, not fixed
    assert all(dims == shapes[0] for dims in shapes)  # weights share the ids' axes

    classifier = OnnxTextClassifier(exported.model, network.tokenizer, network.labels)
    for texts in (["one"], ["goal match", "", "cook the sauce in the oven " * 30]):
        probabilities = classifier.predict_proba(texts)
        assert probabilities.shape == (len(texts), len(network.labels))
        np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
        np.testing.assert_allclose(probabilities, network.predict_proba(texts), atol=1e-5)
    assert classifier.predict(["goal match team"])[0] in network.labels


def test_parity_failure_raises_model_error_with_the_figures(
    network: TrainedNetwork, exported: OnnxExport
) -> None:
    import torch

    tampered = fit_network(*make_corpus(seed=5), network.config)  # different weights
    first = getattr(tampered.model, "members", [tampered.model])[0]  # an ensemble's first
    with torch.no_grad():
        first.head.bias.add_(torch.arange(3, dtype=torch.float32))
    texts, _ = make_corpus(n_per_class=100, seed=4)
    with pytest.raises(ModelError, match=r"disagrees with PyTorch on 300 documents: max \|diff\|"):
        check_parity(
            tampered.model, exported.model, network.tokenizer, texts, labels=network.labels
        )


def test_weights_too_large_for_one_onnx_file_are_refused_before_exporting(
    network: TrainedNetwork, monkeypatch: pytest.MonkeyPatch
) -> None:
    from textops.models import onnx_export

    monkeypatch.setattr(onnx_export, "MAX_ONNX_WEIGHT_BYTES", 1000)
    with pytest.raises(ModelError, match=r"more than one ONNX file can hold") as caught:
        export_onnx(network, make_corpus()[0])
    assert "fewer members" in (caught.value.hint or "")


def test_a_tokenizer_that_does_not_fit_the_graph_is_a_clear_error(
    network: TrainedNetwork, exported: OnnxExport
) -> None:
    from textops.models.tokenizer import Tokenizer

    state = network.tokenizer.to_dict()
    # the other term-frequency form: ids with weights where the graph takes ids only, or back
    state["params"] = {**state["params"], "sublinear_tf": not network.tokenizer.weighted,
                       "binary": False}
    other = Tokenizer.from_dict(state)
    classifier = OnnxTextClassifier(exported.model, other, network.labels)
    with pytest.raises(ModelError, match="do not belong together"):
        classifier.predict_proba(["goal match"])


def test_classifier_refuses_a_label_list_that_does_not_fit(
    network: TrainedNetwork, exported: OnnxExport
) -> None:
    with pytest.raises(ModelError, match="scores 3 classes but 2 labels"):
        OnnxTextClassifier(exported.model, network.tokenizer, ["a", "b"])


def test_the_configs_size_estimate_is_the_graphs_weights(
    network: TrainedNetwork, exported: OnnxExport
) -> None:
    import onnx
    from onnx import numpy_helper

    graph = onnx.load_from_string(exported.model).graph
    weights = sum(numpy_helper.to_array(tensor).nbytes for tensor in graph.initializer)
    estimate = network.config.model_bytes(network.tokenizer.n_ids, len(network.labels))
    assert 0 <= weights - estimate < 128  # the graph's few scalar constants
    assert estimate < len(exported.model)
