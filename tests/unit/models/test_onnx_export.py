"""ONNX export: a clean export, ONNX Runtime parity on >= 256 documents, and its failure."""

from __future__ import annotations

import numpy as np
import pytest

from support.corpora import FEW_COMMON_WORDS, TOPIC_WORDS, topic_corpus
from textops.errors import ModelError
from textops.models.onnx_export import (
    INPUT_NAME,
    OUTPUT_NAME,
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
    params=[("fasttext", "mean", 1), ("mlp", "mean", 1), ("fasttext", "sqrt", 1),
            ("fasttext", "tfidf", 1), ("mlp", "tfidf", 1), ("fasttext", "tfidf", 3),
            ("mlp", "tfidf", 2)],
    ids=lambda p: "-".join(map(str, p)),
)
def network(request: pytest.FixtureRequest) -> TrainedNetwork:
    texts, labels = make_corpus()
    architecture, pooling, members = request.param
    config = NetworkConfig(
        architecture=architecture, pooling=pooling, epochs=2, batch_size=16, buckets=128,
        min_count=1, embedding_dim=8, hidden_size=8, learning_rate=0.05, members=members,
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
        "onnx_parity_docs", "onnx_parity_max_abs_diff", "onnx_export_seconds"
    }


def test_graph_has_dynamic_batch_and_length(
    network: TrainedNetwork, exported: OnnxExport
) -> None:
    import onnx

    graph = onnx.load_from_string(exported.model).graph
    [ids] = graph.input
    assert ids.name == INPUT_NAME and graph.output[0].name == OUTPUT_NAME
    dims = ids.type.tensor_type.shape.dim
    assert all(d.dim_param and not d.dim_value for d in dims)  # symbolic, not fixed

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


def test_classifier_refuses_a_label_list_that_does_not_fit(
    network: TrainedNetwork, exported: OnnxExport
) -> None:
    with pytest.raises(ModelError, match="scores 3 classes but 2 labels"):
        OnnxTextClassifier(exported.model, network.tokenizer, ["a", "b"])
