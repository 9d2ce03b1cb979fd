"""Training the text network: a seeded fit with early stopping, and the fitted result.

:func:`fit_network` fits the tokenizer on the training texts, holds out a
stratified validation share of them, trains with Adam (a lazy sparse Adam for
the embedding table, AdamW for the dense layers) under a learning-rate schedule,
stops early when the monitored validation figure stalls and keeps the best
epoch's weights. On CPU it is deterministic for a given seed and thread count;
on CUDA it uses mixed precision and pinned host memory.

With ``members`` above 1 it trains that many networks from consecutive seeds,
each holding out its own validation fold (disjoint while the folds last, as in
k-fold cross-validation), and returns them as one
:class:`~textops.models.network.EnsembleClassifier` (mean probability). Members
that differ in initialisation and in the documents they learnt from disagree on
hard documents, their mean is steadier than any one of them, and together they
have trained on every document. The vocabulary spans all training texts (it
uses no labels); ``tfidf`` weights are each member's own, from the documents it
trains on, so an id only a held-out document holds weighs 0 in that member.

Before anything trains, the fitted tokenizer's id count sizes the model: one
past the config's ``max_model_mb`` raises
:class:`~textops.models.network_config.ModelSizeError` (``bound_members``
checks the bound for another number of members: the tuner's trials train one,
the final model several).

A per-epoch ``callback`` receives an :class:`EpochResult`; it may raise (the
tuner raises ``optuna.TrialPruned``) to stop training, and the exception
propagates unchanged.

The settings are :class:`~textops.models.network_config.NetworkConfig` (re-exported
here for older imports); one member's epochs run in
:class:`~textops.models.training_loop.TrainingLoop`. Texts go in as given:
cleaning is the caller's job (the logged model applies the same cleaner at
scoring time). torch is imported inside the functions only.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from textops.errors import ModelError
from textops.models.network_config import NetworkConfig, check_model_size
from textops.models.tokenizer import EncodedBatch, Tokenizer
from textops.models.training_loop import (
    EpochCallback,
    EpochResult,
    TrainingLoop,
    predict_probabilities,
    zero_untrained_rows,
)
from textops.progress import Progress

if TYPE_CHECKING:
    from textops.models.network import EnsembleClassifier, TextClassifier

__all__ = [
    "EpochCallback",
    "EpochResult",
    "NetworkConfig",
    "TrainedNetwork",
    "fit_network",
    "inverse_document_frequency",
    "resolve_device",
    "validation_size",
]


@dataclass
class TrainedNetwork:
    """A fitted network on CPU in eval mode, with what it needs to score text."""

    model: TextClassifier | EnsembleClassifier
    tokenizer: Tokenizer
    labels: list[str]
    config: NetworkConfig
    history: list[EpochResult]  # the first member's
    best_epoch: int
    val_accuracy: float  # several members: their mean, each on the fold it held out
    device: str
    train_seconds: float
    n_train: int
    n_val: int
    stopped_early: bool = False
    member_histories: list[list[EpochResult]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def best_val_accuracy(self) -> float:
        """Validation accuracy of the kept epoch (several members: their out-of-fold mean)."""
        return self.val_accuracy

    @property
    def epochs_run(self) -> int:
        """Epochs trained, summed over the members."""
        return sum(len(history) for history in self.member_histories) or len(self.history)

    @property
    def docs_per_second(self) -> float:
        """Training throughput: documents seen per second of the epoch loops."""
        return self.n_train * self.epochs_run / max(self.train_seconds, 1e-9)

    def predict_proba(self, texts: Sequence[str], *, batch_size: int = 512) -> np.ndarray:
        """Class probabilities [n_docs, n_labels], columns in ``labels`` order."""
        return predict_probabilities(
            self.model, self.tokenizer.encode(texts), batch_size=batch_size
        )

    def predict(self, texts: Sequence[str]) -> list[str]:
        probabilities = self.predict_proba(texts)
        return [self.labels[i] for i in probabilities.argmax(axis=1)]

    def evaluate(self, texts: Sequence[str], labels: Sequence[Any]) -> dict[str, float]:
        """Accuracy, F1 and friends of the network on labelled texts."""
        from textops.models.metrics import classification_metrics

        probabilities = self.predict_proba(texts)
        predicted = [self.labels[i] for i in probabilities.argmax(axis=1)]
        return classification_metrics(
            [str(label) for label in labels], predicted, labels=self.labels, scores=probabilities
        )


def resolve_device(requested: str) -> str:
    """``auto`` becomes ``cuda`` when a CUDA device is present, else ``cpu``."""
    import torch

    if requested == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if requested.startswith("cuda") and not torch.cuda.is_available():
        raise ModelError(
            f"device {requested!r} was requested but torch sees no CUDA device.",
            hint="set device: auto (or cpu), or run the step on a GPU compute target",
        )
    index = requested.partition(":")[2]
    if index and int(index) >= torch.cuda.device_count():
        raise ModelError(
            f"device {requested!r} was requested but torch sees "
            f"{torch.cuda.device_count()} CUDA device(s), numbered from 0.",
            hint="set device: cuda (the first) or a number below the count",
        )
    return requested


def fit_network(
    texts: Sequence[str],
    labels: Sequence[Any],
    config: NetworkConfig | None = None,
    *,
    callback: EpochCallback | None = None,
    bound_members: int | None = None,
    progress: Progress | None = None,
) -> TrainedNetwork:
    """Train the network of ``config`` on labelled texts; see the module docstring.

    ``progress`` hears the device, each epoch (with its validation accuracy) and
    each finished member; shipped to a worker it stays silent (see
    :mod:`textops.progress`).
    """
    import torch

    config = config or NetworkConfig()
    device = resolve_device(config.device)  # before any work: a missing GPU fails at once
    texts, y, classes = _check_inputs(texts, labels)
    folds = _validation_folds(y, config.val_fraction, config.members, config.seed)
    tokenizer = config.tokenizer()
    encoded = tokenizer.fit_encode(texts)
    check_model_size(config, tokenizer.n_ids, len(classes), members=bound_members)
    previous_threads = torch.get_num_threads()
    if config.threads is not None:
        torch.set_num_threads(config.threads)
    members: list[_TrainedMember] = []
    progress = progress or Progress()
    progress.device(device)
    try:
        for member, fold in enumerate(folds):
            # the callback (the tuner's pruning) follows the first member
            members.append(
                _train_member(
                    config.model_copy(update={"seed": config.seed + member}),
                    _MemberData(encoded, y, fold, n_ids=tokenizer.n_ids, n_classes=len(classes)),
                    device=device,
                    callback=_epoch_reporter(progress, config, callback if member == 0 else None),
                )
            )
            progress.advance("members", member + 1, len(folds),
                             note=f"val_accuracy {members[-1].loop.best_result.val_accuracy:.4f}")
    finally:
        torch.set_num_threads(previous_threads)
    return _trained_network(members, tokenizer, classes, config=config, device=device)


def _epoch_reporter(
    progress: Progress, config: NetworkConfig, callback: EpochCallback | None
) -> EpochCallback:
    """Each epoch to ``progress`` (of at most ``config.epochs``), then to ``callback``."""

    def report(result: EpochResult) -> None:
        progress.advance("epochs", result.epoch, config.epochs,
                         note=f"val_accuracy {result.val_accuracy:.4f}")
        if callback is not None:
            callback(result)

    return report


@dataclass(frozen=True)
class _MemberData:
    """The encoded training texts and one member's fold of them."""

    encoded: EncodedBatch
    y: np.ndarray
    fold: tuple[np.ndarray, np.ndarray]  # (training rows, validation rows)
    n_ids: int
    n_classes: int


@dataclass(frozen=True)
class _TrainedMember:
    loop: TrainingLoop  # its model holds the kept epoch's weights, on the CPU
    seconds: float
    n_train: int
    n_val: int


def _train_member(
    config: NetworkConfig,
    data: _MemberData,
    *,
    device: str,
    callback: EpochCallback | None,
) -> _TrainedMember:
    """One member trained on its fold with its own seed (initialisation and batch order)."""
    import torch

    train_rows, val_rows = data.fold
    train_enc, val_enc = data.encoded.select(train_rows), data.encoded.select(val_rows)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        loop = TrainingLoop(config, data.n_ids, data.n_classes, device)
        zero_untrained_rows(loop.model, train_enc.ids)
        if config.pooling == "tfidf":
            loop.set_id_weights(inverse_document_frequency(train_enc, data.n_ids))
        start = time.perf_counter()
        loop.run(train_enc, data.y[train_rows], val_enc, data.y[val_rows], callback=callback)
        seconds = time.perf_counter() - start
    loop.keep_best()  # to the CPU before the next one trains
    return _TrainedMember(loop, seconds, n_train=len(train_rows), n_val=len(val_rows))


def _trained_network(
    members: list[_TrainedMember],
    tokenizer: Tokenizer,
    classes: list[str],
    *,
    config: NetworkConfig,
    device: str,
) -> TrainedNetwork:
    loops = [member.loop for member in members]
    first = members[0]
    return TrainedNetwork(
        model=_assemble([loop.model for loop in loops]),
        tokenizer=tokenizer,
        labels=classes,
        config=config,
        history=first.loop.history,
        best_epoch=first.loop.best_epoch,
        # each member on the fold it held out: an out-of-fold estimate of one member
        val_accuracy=float(np.mean([loop.best_result.val_accuracy for loop in loops])),
        device=device,
        train_seconds=sum(member.seconds for member in members),
        n_train=first.n_train,
        n_val=first.n_val,
        stopped_early=first.loop.stopped_early,
        member_histories=[loop.history for loop in loops],
    )


def _assemble(members: list[TextClassifier]) -> TextClassifier | EnsembleClassifier:
    from textops.models.network import EnsembleClassifier

    return members[0] if len(members) == 1 else EnsembleClassifier(members).eval()


def _check_inputs(
    texts: Sequence[str], labels: Sequence[Any]
) -> tuple[list[str], np.ndarray, list[str]]:
    texts = list(texts)
    names = [str(label) for label in labels]
    if len(texts) != len(names):
        raise ModelError(
            f"fit_network got {len(texts)} texts but {len(names)} labels; they must pair up."
        )
    classes = sorted(set(names))
    if len(classes) < 2:
        raise ModelError(
            f"fit_network needs at least 2 classes. Got {classes!r}.",
            hint="check the label column of the training data",
        )
    if len(texts) < 2 * len(classes):
        raise ModelError(
            f"fit_network needs at least 2 documents per class on average; got {len(texts)} "
            f"documents for {len(classes)} classes."
        )
    index = {name: i for i, name in enumerate(classes)}
    return texts, np.array([index[name] for name in names], dtype=np.int64), classes


def _validation_folds(
    y: np.ndarray, fraction: float, members: int, seed: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each member's (training rows, validation rows), both sorted.

    The rows are shuffled within each class and interleaved, so that any stretch
    of that order holds the classes in about their overall shares; member ``k``
    validates on the ``k``-th stretch of ``round(fraction * n)`` rows. The
    stretches are disjoint until they run out (``members * fraction > 1``), then
    wrap round.
    """
    rng = np.random.default_rng(seed)
    n = y.shape[0]
    n_val = validation_size(n, fraction)
    key = np.empty(n)
    for label in np.unique(y):
        rows = np.flatnonzero(y == label)
        key[rows] = (rng.permutation(rows.shape[0]) + rng.random(rows.shape[0])) / rows.shape[0]
    order = np.argsort(key, kind="stable")
    folds = []
    for member in range(members):
        held_out = np.zeros(n, dtype=bool)
        held_out[order[(member * n_val + np.arange(n_val)) % n]] = True
        folds.append((np.flatnonzero(~held_out), np.flatnonzero(held_out)))
    return folds


def validation_size(n_docs: int, fraction: float) -> int:
    """Documents a member holds out of ``n_docs`` at ``val_fraction`` ``fraction``
    (at least 1, and at least 1 left to train on)."""
    return min(max(1, int(round(fraction * n_docs))), n_docs - 1)


def inverse_document_frequency(encoded: EncodedBatch, n_ids: int) -> np.ndarray:
    """Smoothed idf of every id over the documents (scikit-learn's ``smooth_idf``).

    ``log((1 + n) / (1 + df)) + 1``; an id no document holds (a hashed bucket
    training never filled, the padding id) weighs 0: its embedding row never
    trained, so it carries no information at scoring time.
    """
    doc_of_id = np.repeat(np.arange(encoded.n_docs, dtype=np.int64), encoded.lengths)
    pairs = np.unique(doc_of_id * n_ids + encoded.ids)  # each (document, id) once
    frequency = np.bincount(pairs % n_ids, minlength=n_ids).astype(np.float64)
    idf = np.log((1.0 + encoded.n_docs) / (1.0 + frequency)) + 1.0
    idf[frequency == 0] = 0.0
    return idf.astype(np.float32)
