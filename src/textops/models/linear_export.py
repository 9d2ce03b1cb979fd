"""ONNX export of a fitted TF-IDF + linear classifier, its parity check, and its predictor.

A linear model of TF-IDF rows (:mod:`textops.models.linear_forms`) is an
embedding bag of width ``n_classes`` over the vectoriser's vocabulary: the graph
takes the padded ``ids`` (int64 [batch, length]) and ``weights`` (the tf-idf
values, 0 at padding) that :class:`~textops.models.tfidf_state.TfidfFeaturizer`
computes, and returns ``probabilities`` = softmax(bias + sum of
weight * table[id]) ([batch, n_classes]), with Gather, Mul, ReduceSum, Add and
Softmax of opset 17 only. The table is float64 by default, as scikit-learn
computes, so the graph agrees with it to rounding and no near tie flips a label.

:func:`export_linear` builds the graph, then scores at least 256 documents
(the caller's texts, edge cases and seeded word salads of the vocabulary)
with both the scikit-learn pipeline and ONNX Runtime fed by the featuriser as a
bundle stores it (through JSON), and raises :class:`~textops.errors.ModelError`
with the figures unless every label agrees and the scores differ by less than
``atol``. :class:`OnnxLinearClassifier` is the serving side: texts in,
probabilities out. onnx, onnxruntime and scikit-learn are imported on first use.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from textops.errors import ModelError
from textops.models.linear_forms import (
    LinearForm,
    ScoreKind,
    linear_form,
    pipeline_parts,
    reference_scores,
)
from textops.models.onnx_export import (
    INPUT_NAME,
    MAX_ONNX_WEIGHT_BYTES,
    MIN_PARITY_DOCS,
    OUTPUT_NAME,
    WEIGHTS_NAME,
    OnnxExport,
    parity_texts,
)
from textops.models.tfidf_state import TfidfFeaturizer, padded_inputs

__all__ = ["OPSET", "LinearExport", "OnnxLinearClassifier", "build_graph", "export_linear"]

OPSET = 17
_IR_VERSION = 8  # the IR of opset 17: runtimes from onnxruntime 1.11 load it
GraphDtype = Literal["float64", "float32"]


@dataclass(frozen=True, eq=False)
class LinearExport(OnnxExport):
    """An exported linear graph with what feeds it: the parity figures are the network's."""

    featurizer: TfidfFeaturizer
    labels: list[str]
    scores: ScoreKind
    estimator: str


def export_linear(
    pipeline_or_parts: Any,
    texts: Sequence[str],
    *,
    atol: float = 1e-6,
    min_docs: int = MIN_PARITY_DOCS,
    seed: int = 0,
    dtype: GraphDtype = "float64",
) -> LinearExport:
    """Export a fitted TF-IDF pipeline's linear classifier and check it against scikit-learn.

    ``pipeline_or_parts`` is the sweep's ``Pipeline([("tfidf", vectoriser),
    ("model", model)])`` or a ``(vectoriser, model)`` pair; ``texts`` are
    documents as the vectoriser saw them (cleaned, when training cleaned).
    Raises :class:`~textops.errors.ModelError` for a model without a linear
    form (k nearest neighbours, forests) and when parity fails.
    """
    start = time.perf_counter()
    vectorizer, steps = pipeline_parts(pipeline_or_parts)
    form = linear_form(steps, n_features=len(vectorizer.vocabulary_))
    featurizer = TfidfFeaturizer.from_vectorizer(vectorizer, binarize=form.binarize)
    model = build_graph(form, dtype=dtype)
    seconds = time.perf_counter() - start
    labels = [str(label) for label in form.classes.tolist()]
    served = TfidfFeaturizer.from_dict(json.loads(json.dumps(featurizer.to_dict())))
    chosen = parity_texts(list(texts), featurizer.terms, min_docs=min_docs, seed=seed)
    classifier = OnnxLinearClassifier(model, served, labels)
    max_diff = check_linear_parity((vectorizer, steps), form, classifier, chosen, atol=atol)
    return LinearExport(
        model=model,
        featurizer=featurizer,
        labels=labels,
        scores=form.scores,
        estimator=form.estimator,
        n_docs=len(chosen),
        max_abs_diff=max_diff,
        atol=atol,
        opset=OPSET,
        export_seconds=seconds,
    )


def build_graph(form: LinearForm, *, dtype: GraphDtype = "float64") -> bytes:
    """The serialised ONNX model of ``form``: (ids, weights) -> probabilities."""
    from onnx import TensorProto, helper, numpy_helper

    table = np.ascontiguousarray(form.weights.T, dtype=dtype)  # [n_features, n_classes]
    if table.nbytes > MAX_ONNX_WEIGHT_BYTES:
        raise ModelError(
            f"the {form.estimator} table takes {table.nbytes / 2**30:.2f} GiB, more than one "
            f"ONNX file can hold ({MAX_ONNX_WEIGHT_BYTES / 2**30:.2f} GiB).",
            hint="lower max_features of the TF-IDF settings, or export with dtype float32",
        )
    element = helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
    initializers = [
        numpy_helper.from_array(table, "table"),
        numpy_helper.from_array(form.bias.astype(dtype), "bias"),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "length_axis"),
        numpy_helper.from_array(np.array([2], dtype=np.int64), "class_axis"),
    ]
    nodes = [
        helper.make_node("Gather", ["table", INPUT_NAME], ["rows"], axis=0),
        helper.make_node("Unsqueeze", [WEIGHTS_NAME, "class_axis"], ["column_weights"]),
        helper.make_node("Mul", ["rows", "column_weights"], ["weighted_rows"]),
        helper.make_node("ReduceSum", ["weighted_rows", "length_axis"], ["sums"], keepdims=0),
        helper.make_node("Add", ["sums", "bias"], ["scores"]),
        helper.make_node("Softmax", ["scores"], [OUTPUT_NAME], axis=-1),
    ]
    n_classes = table.shape[1]
    graph = helper.make_graph(
        nodes,
        "textops_linear",
        [
            helper.make_tensor_value_info(INPUT_NAME, TensorProto.INT64, ["batch", "length"]),
            helper.make_tensor_value_info(WEIGHTS_NAME, element, ["batch", "length"]),
        ],
        [helper.make_tensor_value_info(OUTPUT_NAME, element, ["batch", n_classes])],
        initializer=initializers,
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="textops"
    )
    model.ir_version = _IR_VERSION
    helper.set_model_props(
        model,
        {
            "textops.family": "linear",
            "textops.scores": form.scores,
            "textops.estimator": form.estimator,
        },
    )
    return bytes(model.SerializeToString())


def check_linear_parity(
    parts: tuple[Any, Sequence[Any]],
    form: LinearForm,
    classifier: OnnxLinearClassifier,
    texts: Sequence[str],
    *,
    atol: float,
) -> float:
    """Largest |score_sklearn - score_onnx| over ``texts``; ModelError past ``atol`` or on
    any label that differs from the pipeline's ``predict``."""
    vectorizer, steps = parts
    matrix = vectorizer.transform(list(texts))
    expected = reference_scores(steps, matrix, form)
    predicted = matrix
    for step in steps[:-1]:
        predicted = step.transform(predicted)
    position = {label: i for i, label in enumerate(form.classes.tolist())}
    expected_index = np.array([position[label] for label in steps[-1].predict(predicted).tolist()])
    got = classifier.predict_proba(texts)
    max_diff = float(np.abs(expected - got).max(initial=0.0))
    flipped = np.flatnonzero(got.argmax(axis=1) != expected_index)
    if not max_diff < atol or flipped.size:
        raise ModelError(
            f"ONNX Runtime disagrees with the scikit-learn {form.estimator} on {len(texts)} "
            f"documents: max |diff| of {form.scores} scores {max_diff:.3g} (limit {atol:g}), "
            f"{flipped.size} predicted labels differ (first rows: {flipped[:10].tolist()})",
            hint="the export is not trustworthy: register this model with MLflow's sklearn "
            "flavour instead, and report the versions of scikit-learn, onnx and onnxruntime",
        )
    return max_diff


class OnnxLinearClassifier:
    """Featuriser + ONNX Runtime session + labels: texts in, probabilities out."""

    def __init__(
        self,
        onnx_model: bytes,
        featurizer: TfidfFeaturizer,
        labels: Sequence[str],
        *,
        threads: int | None = None,
    ) -> None:
        self.featurizer = featurizer
        self.labels = list(labels)
        self.session = _session(onnx_model, threads=threads)
        inputs = {node.name: node.type for node in self.session.get_inputs()}
        if set(inputs) != {INPUT_NAME, WEIGHTS_NAME}:
            raise ModelError(
                f"the ONNX graph takes inputs {sorted(inputs)}, not the linear model's "
                f"{[INPUT_NAME, WEIGHTS_NAME]}; the model bundle is inconsistent."
            )
        self.dtype = np.float64 if inputs[WEIGHTS_NAME] == "tensor(double)" else np.float32
        n_outputs = self.session.get_outputs()[0].shape[-1]
        if isinstance(n_outputs, int) and n_outputs != len(self.labels):
            raise ModelError(
                f"the ONNX graph scores {n_outputs} classes but {len(self.labels)} labels "
                "were given; the model bundle is inconsistent."
            )

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities [n_docs, n_labels], columns in ``labels`` order."""
        matrix = self.featurizer.transform(list(texts))
        out = [
            self.session.run([OUTPUT_NAME], padded_inputs(matrix[start:end], dtype=self.dtype))[0]
            for start, end in _chunks(np.diff(matrix.indptr))
        ]
        if not out:
            return np.zeros((0, len(self.labels)), dtype=self.dtype)
        return np.concatenate(out)

    def predict(self, texts: Sequence[str]) -> list[str]:
        return [self.labels[i] for i in self.predict_proba(texts).argmax(axis=1)]


def _session(onnx_model: bytes, *, threads: int | None) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    if threads is not None:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    return ort.InferenceSession(onnx_model, options, providers=["CPUExecutionProvider"])


def _chunks(
    lengths: np.ndarray, *, max_rows: int = 256, max_cells: int = 2**20
) -> Iterator[tuple[int, int]]:
    """Row ranges whose padded [rows, longest row] stays under ``max_cells``: one long
    document does not pad a whole batch to its length."""
    start = 0
    while start < len(lengths):
        end = min(start + max_rows, len(lengths))
        width = max(1, int(lengths[start:end].max()))
        end = min(end, start + max(1, max_cells // width))
        yield start, end
        start = end
