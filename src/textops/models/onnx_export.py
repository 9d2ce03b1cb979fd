"""ONNX export of a trained network, the parity check, and the ONNX Runtime predictor.

The graph takes the tokenizer's padded id matrix ``ids`` (int64 [batch, length],
both axes dynamic, padding id 0), and when the tokenizer weighs ids
(``sublinear_tf``) their term-frequency ``weights`` (float32, the same shape, 0
at padding); it returns ``probabilities`` (float32 [batch, n_labels]). It is
exported with the torch.export-based (dynamo) exporter from a lean form of the
network (``network.export_module``): the mean of embedding rows is
Gather/MatMul/Div, which every ONNX runtime runs, and the fastText head is
folded into the table, so the graph gathers one number per class and id. The
parity check compares the graph with the network as trained.

:func:`export_onnx` then scores at least 256 documents with both PyTorch and
ONNX Runtime and raises :class:`~textops.errors.ModelError` with the figures
unless the largest absolute difference of probabilities is under ``atol`` and
every predicted label agrees. The documents are the caller's texts plus a few
edge cases (empty, unknown words, a long text) and, when the caller has fewer
than 256, seeded word salads drawn from the vocabulary.

:class:`OnnxTextClassifier` is the serving side: tokenizer + ONNX Runtime
session + labels, text in, probabilities out (used by the MLflow pyfunc model).
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from textops.errors import ModelError
from textops.models.tokenizer import Tokenizer

if TYPE_CHECKING:
    import torch

    from textops.models.network import EnsembleClassifier, TextClassifier
    from textops.models.training import TrainedNetwork

INPUT_NAME = "ids"
WEIGHTS_NAME = "weights"
OUTPUT_NAME = "probabilities"
MIN_PARITY_DOCS = 256
# protobuf refuses to serialise a message of 2 GiB or more, and the weights are
# nearly all of the file: keep 64 MiB for the graph itself
MAX_ONNX_WEIGHT_BYTES = 2**31 - 2**26


@dataclass(frozen=True)
class OnnxExport:
    """An exported graph and the parity figures that let it through."""

    model: bytes
    n_docs: int
    max_abs_diff: float
    atol: float
    opset: int
    export_seconds: float

    def summary(self) -> dict[str, float | int]:
        """Figures to log as metrics (the linear export logs the same)."""
        return {
            "onnx_parity_docs": self.n_docs,
            "onnx_parity_max_abs_diff": self.max_abs_diff,
            "onnx_export_seconds": self.export_seconds,
            "onnx_bytes": len(self.model),
        }


def export_onnx(
    network: TrainedNetwork,
    texts: Sequence[str],
    *,
    atol: float = 1e-4,
    min_docs: int = MIN_PARITY_DOCS,
    seed: int = 0,
) -> OnnxExport:
    """Export ``network`` to ONNX and check ONNX Runtime against PyTorch on ``texts``."""
    start = time.perf_counter()
    model_bytes, opset = _export(network.model, weighted=network.tokenizer.weighted)
    seconds = time.perf_counter() - start
    chosen = parity_texts(list(texts), network.tokenizer.vocabulary_, min_docs=min_docs,
                          seed=seed)
    max_diff = check_parity(
        network.model,
        model_bytes,
        network.tokenizer,
        chosen,
        labels=network.labels,
        atol=atol,
    )
    return OnnxExport(
        model=model_bytes,
        n_docs=len(chosen),
        max_abs_diff=max_diff,
        atol=atol,
        opset=opset,
        export_seconds=seconds,
    )


def _export(
    model: TextClassifier | EnsembleClassifier, *, weighted: bool = False
) -> tuple[bytes, int]:
    from textops.models.network import export_module

    wrapper = export_module(model)
    _check_size(wrapper, architecture=model.architecture)
    try:
        program = _run_exporter(wrapper, weighted=weighted)
    except Exception as exc:  # the exporter raises many types; all mean the same here
        raise ModelError(
            f"ONNX export of the {model.architecture} network failed: {exc}",
            hint="check the torch/onnxscript versions against the environment file",
        ) from exc
    if program is None:  # the legacy exporter's return; dynamo=True never gives it
        raise ModelError("torch.onnx.export returned no program.")
    proto = program.model_proto
    opset = next((o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")), 0)
    return proto.SerializeToString(), int(opset)


def _check_size(wrapper: torch.nn.Module, *, architecture: str) -> None:
    weights = [*wrapper.parameters(), *wrapper.buffers()]
    size = sum(tensor.numel() * tensor.element_size() for tensor in weights)
    if size > MAX_ONNX_WEIGHT_BYTES:
        raise ModelError(
            f"the {architecture} network's exported weights take {size / 2**30:.2f} GiB, "
            f"more than one ONNX file can hold ({MAX_ONNX_WEIGHT_BYTES / 2**30:.2f} GiB).",
            hint="lower embedding_dim, buckets or max_vocab, or train fewer members "
            "(the file holds every member's table)",
        )


def _run_exporter(wrapper: torch.nn.Module, *, weighted: bool) -> Any:
    """``torch.onnx.export`` of the padded-ids module, dynamic in batch and length."""
    import torch

    # batch and length >= 2: torch.export specialises dimensions of size 0 and 1
    example: tuple[torch.Tensor, ...] = (torch.tensor([[1, 2, 0], [3, 0, 0]], dtype=torch.int64),)
    dims = {0: torch.export.Dim("batch"), 1: torch.export.Dim("length")}
    input_names, dynamic_shapes = [INPUT_NAME], {INPUT_NAME: dims}
    if weighted:
        example += (torch.tensor([[1.0, 1.7, 0.0], [2.1, 0.0, 0.0]]),)
        input_names.append(WEIGHTS_NAME)
        dynamic_shapes[WEIGHTS_NAME] = dims
    registration_log = logging.getLogger("torch.onnx._internal.exporter._registration")
    level = registration_log.level
    # it logs one line per torchvision op it cannot register; torchvision is not ours
    registration_log.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            # torch 2.13's own exporter deep-copies a deprecated pytree LeafSpec and
            # warns about itself; nothing in our model uses LeafSpec.
            warnings.filterwarnings(
                "ignore",
                message=r"`isinstance\(treespec, LeafSpec\)` is deprecated",
                category=FutureWarning,
            )
            # ids and weights share their axes (one Dim each): the exporter names them
            # once and says so
            warnings.filterwarnings(
                "ignore", message=r"# The axis name: \w+ will not be used", category=UserWarning
            )
            return torch.onnx.export(
                wrapper,
                example,
                input_names=input_names,
                output_names=[OUTPUT_NAME],
                dynamic_shapes=dynamic_shapes,
                dynamo=True,
                verbose=False,
            )
    finally:
        registration_log.setLevel(level)


def parity_texts(
    texts: list[str], vocabulary: Sequence[str], *, min_docs: int, seed: int
) -> list[str]:
    """``texts``, edge cases (empty, unseen words, one term, a very long text) and random
    bags of ``vocabulary`` up to ``min_docs``: what a parity check compares on."""
    terms = list(vocabulary) or ["word"]
    edge_cases = ["", "zzqx unseenword qqzx", terms[0], " ".join(terms[:2000])]
    out = texts + edge_cases
    rng = np.random.default_rng(seed)
    while len(out) < min_docs:
        n_words = int(rng.integers(1, 60))
        out.append(" ".join(terms[i] for i in rng.integers(0, len(terms), n_words)))
    return out


def check_parity(
    model: TextClassifier | EnsembleClassifier,
    onnx_model: bytes,
    tokenizer: Tokenizer,
    texts: Sequence[str],
    *,
    labels: Sequence[str],
    atol: float = 1e-4,
    batch_size: int = 256,
) -> float:
    """Largest |p_torch - p_onnx| over ``texts``; ModelError past ``atol`` or on a label flip."""
    import torch

    from textops.models.network import ProbabilityModel

    session = _session(onnx_model)
    wrapper = ProbabilityModel(model.to("cpu")).eval()
    max_diff = 0.0
    flipped: list[int] = []
    with torch.inference_mode():
        for first in range(0, len(texts), batch_size):
            inputs = tokenizer.graph_inputs(texts[first : first + batch_size])
            expected = wrapper(**{k: torch.from_numpy(v) for k, v in inputs.items()}).numpy()
            got = session.run([OUTPUT_NAME], _feed(session, inputs))[0]
            max_diff = max(max_diff, float(np.abs(expected - got).max(initial=0.0)))
            disagree = np.flatnonzero(expected.argmax(axis=1) != got.argmax(axis=1))
            flipped.extend(int(first + i) for i in disagree)
    if not max_diff < atol or flipped:
        raise ModelError(
            f"ONNX Runtime disagrees with PyTorch on {len(texts)} documents: max |diff| of "
            f"probabilities {max_diff:.3g} (limit {atol:g}), {len(flipped)} predicted labels "
            f"differ (first rows: {flipped[:10]}); labels {list(labels)[:5]}...",
            hint="the export is not trustworthy: check the torch, onnx and onnxruntime versions",
        )
    return max_diff


def _feed(session: Any, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The graph's declared inputs from the tokenizer's; a missing one is a clear error."""
    names = [node.name for node in session.get_inputs()]
    missing = sorted(set(names) - set(inputs))
    if missing or set(inputs) - set(names):
        raise ModelError(
            f"the ONNX graph takes inputs {names} but the tokenizer gives {sorted(inputs)}; "
            "the model bundle's tokenizer and graph do not belong together.",
            hint="register the model again from one training run",
        )
    return {name: inputs[name] for name in names}


def _session(onnx_model: bytes, *, threads: int | None = None) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    if threads is not None:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    return ort.InferenceSession(onnx_model, options, providers=["CPUExecutionProvider"])


class OnnxTextClassifier:
    """Tokenizer + ONNX Runtime session + labels: texts in, probabilities out."""

    def __init__(
        self,
        onnx_model: bytes,
        tokenizer: Tokenizer,
        labels: Sequence[str],
        *,
        threads: int | None = None,
    ) -> None:
        self.tokenizer = tokenizer
        self.labels = list(labels)
        self.session = _session(onnx_model, threads=threads)
        n_outputs = self.session.get_outputs()[0].shape[-1]
        if isinstance(n_outputs, int) and n_outputs != len(self.labels):
            raise ModelError(
                f"the ONNX graph scores {n_outputs} classes but {len(self.labels)} labels "
                "were given; the model bundle is inconsistent."
            )

    def predict_proba(self, texts: Sequence[str], *, batch_size: int = 256) -> np.ndarray:
        """Probabilities [n_docs, n_labels], columns in ``labels`` order."""
        texts = list(texts)
        out = [
            self.session.run(
                [OUTPUT_NAME],
                _feed(self.session, self.tokenizer.graph_inputs(texts[i : i + batch_size])),
            )[0]
            for i in range(0, len(texts), batch_size)
        ]
        if not out:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        return np.concatenate(out)

    def predict(self, texts: Sequence[str]) -> list[str]:
        return [self.labels[i] for i in self.predict_proba(texts).argmax(axis=1)]
