"""Training the text network: config, a seeded loop with early stopping, the fitted result.

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

A per-epoch ``callback`` receives an :class:`EpochResult`; it may raise (the
tuner raises ``optuna.TrialPruned``) to stop training, and the exception
propagates unchanged.

Texts go in as given: cleaning is the caller's job (the pyfunc model applies the
same cleaner at scoring time). torch is imported inside the functions only.
"""

from __future__ import annotations

import contextlib
import copy
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from textops.errors import ModelError
from textops.models.tokenizer import EncodedBatch, Tokenizer

if TYPE_CHECKING:
    import torch

    from textops.models.network import EnsembleClassifier, TextClassifier


class NetworkConfig(BaseModel):
    """Everything that defines one network run: tokenizer, architecture and training.

    Flat on purpose: the tuner's parameters, the step's YAML ``params`` and the
    MLflow parameters are the same names.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    architecture: Literal["fasttext", "mlp"] = "fasttext"
    # tokenizer
    ngram: int = Field(default=2, ge=1, le=5, description="highest n-gram order (1: words only)")
    # 2**18 rows: with Adam's two dense moments a 2**20 x 256 table costs about 4 GB per trial
    buckets: int = Field(default=2**18, ge=1, description="rows of the hashed n-gram table")
    min_count: int = Field(default=1, ge=1, description="a word needs this many occurrences")
    max_vocab: int | None = Field(default=None, ge=1, description="keep the most frequent words")
    max_words: int | None = Field(default=1000, ge=1, description="truncate (train and serve)")
    # with tfidf pooling, the pooled vector is the embedding of exactly scikit-learn's
    # L2-normalised TfidfVectorizer(sublinear_tf=True) vector (binary=True: of binary=True)
    binary: bool = Field(default=False, description="count each id once per document")
    sublinear_tf: bool = Field(
        default=True,
        description="unless binary: each id once per document, weighted 1 + ln(count); "
        "false: an id repeats as often as it occurs",
    )
    # network
    embedding_dim: int = Field(default=64, ge=1, description="embedding / first MLP layer width")
    hidden_size: int = Field(default=128, ge=1, description="MLP hidden layer width")
    hidden_layers: int = Field(default=1, ge=0, description="MLP hidden layers after the first")
    dropout: float = Field(default=0.5, ge=0.0, lt=1.0)
    pooling: Literal["mean", "sqrt", "tfidf"] = Field(
        default="tfidf",
        description="divide summed rows by the id count or its square root, or weigh ids by "
        "inverse document frequency and divide by the weights' norm (TF-IDF)",
    )
    # training
    epochs: int = Field(default=8, ge=1, description="most epochs; early stopping may end sooner")
    batch_size: int = Field(default=64, ge=1)
    learning_rate: float = Field(default=0.003, gt=0.0)
    weight_decay: float = Field(default=0.0, ge=0.0, description="decoupled (AdamW) weight decay")
    schedule: Literal["linear", "cosine", "constant"] = "linear"
    val_fraction: float = Field(default=0.1, gt=0.0, lt=1.0, description="validation share")
    patience: int = Field(default=2, ge=0, description="epochs without improvement; 0 never stops")
    monitor: Literal["val_accuracy", "val_loss"] = Field(
        default="val_accuracy",
        description="the validation figure that picks the kept epoch and drives early stopping "
        "(tuning sets it to its objective)",
    )
    seed: int = 0
    members: int = Field(
        default=1,
        ge=1,
        le=16,
        description="networks trained from seeds seed, seed+1, ..., each holding out its own "
        "validation fold, and scored together (mean probability); each costs one more training",
    )
    device: str = Field(default="auto", description="auto (CUDA when present), cpu, cuda or cuda:N")
    threads: int | None = Field(default=None, ge=1, description="torch CPU threads while training")

    @field_validator("device")
    @classmethod
    def _check_device(cls, value: str) -> str:
        head, _, index = value.partition(":")
        if head in {"auto", "cpu"} and not index:
            return value
        if head == "cuda" and (not index or index.isdigit()):
            return value
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N'. Got {value!r}.")

    def tokenizer(self) -> Tokenizer:
        """An unfitted tokenizer with these settings."""
        return Tokenizer(
            ngram=self.ngram,
            buckets=self.buckets,
            min_count=self.min_count,
            max_vocab=self.max_vocab,
            max_words=self.max_words,
            binary=self.binary,
            sublinear_tf=self.sublinear_tf,
        )


@dataclass(frozen=True)
class EpochResult:
    """One epoch's figures, as the callback and the history see them."""

    epoch: int  # 1-based
    train_loss: float
    val_loss: float
    val_accuracy: float
    learning_rate: float  # at the end of the epoch
    seconds: float

    def monitored(self, monitor: str) -> float:
        """The figure ``monitor`` names (``val_accuracy`` or ``val_loss``)."""
        return self.val_loss if monitor == "val_loss" else self.val_accuracy


EpochCallback = Callable[[EpochResult], None]


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
        return _predict_proba(self.model, self.tokenizer.encode(texts), batch_size=batch_size)

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
    return requested


def fit_network(
    texts: Sequence[str],
    labels: Sequence[Any],
    config: NetworkConfig | None = None,
    *,
    callback: EpochCallback | None = None,
) -> TrainedNetwork:
    """Train the network of ``config`` on labelled texts; see the module docstring."""
    import torch

    config = config or NetworkConfig()
    texts, y, classes = _check_inputs(texts, labels)
    folds = _validation_folds(y, config.val_fraction, config.members, config.seed)
    tokenizer = config.tokenizer()
    encoded = tokenizer.fit_encode(texts)

    device = resolve_device(config.device)
    previous_threads = torch.get_num_threads()
    if config.threads is not None:
        torch.set_num_threads(config.threads)
    loops: list[_TrainingLoop] = []
    members: list[TextClassifier] = []
    seconds = 0.0
    try:
        for member, (train_rows, val_rows) in enumerate(folds):
            # each member its own fold and seed (initialisation and batch order)
            member_config = config.model_copy(update={"seed": config.seed + member})
            train_enc, val_enc = encoded.select(train_rows), encoded.select(val_rows)
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(member_config.seed)
                loop = _TrainingLoop(member_config, tokenizer.n_ids, len(classes), device)
                _zero_untrained_rows(loop.model, train_enc.ids)
                if config.pooling == "tfidf":
                    loop.set_id_weights(inverse_document_frequency(train_enc, tokenizer.n_ids))
                start = time.perf_counter()
                # the callback (the tuner's pruning) follows the first member
                loop.run(
                    train_enc,
                    y[train_rows],
                    val_enc,
                    y[val_rows],
                    callback=callback if member == 0 else None,
                )
                seconds += time.perf_counter() - start
            loops.append(loop)
            members.append(loop.best_model())  # to the CPU before the next one trains
    finally:
        torch.set_num_threads(previous_threads)
    first = loops[0]
    # each member on the fold it held out: an out-of-fold estimate of one member
    val_accuracy = float(
        np.mean([loop.history[loop.best_epoch - 1].val_accuracy for loop in loops])
    )
    return TrainedNetwork(
        model=_assemble(members),
        tokenizer=tokenizer,
        labels=classes,
        config=config,
        history=first.history,
        best_epoch=first.best_epoch,
        val_accuracy=val_accuracy,
        device=device,
        train_seconds=seconds,
        n_train=len(folds[0][0]),
        n_val=len(folds[0][1]),
        stopped_early=first.stopped_early,
        member_histories=[loop.history for loop in loops],
    )


def _zero_untrained_rows(model: TextClassifier, trained_ids: np.ndarray) -> None:
    """Zero the embedding rows of ids that no training document of the member holds.

    No gradient ever reaches such a row (a word only held-out documents have, an
    n-gram bucket nothing hashed to), so it would keep its random initialisation
    and add noise to every document that holds the id, in validation and when
    scoring; at zero it adds nothing.
    """
    import torch

    untrained = np.ones(model.embedding.weight.shape[0], dtype=bool)
    untrained[trained_ids] = False
    with torch.no_grad():
        model.embedding.weight[torch.from_numpy(untrained).to(model.embedding.weight.device)] = 0.0


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
    n_val = min(max(1, int(round(fraction * n))), n - 1)
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


def _lr_factor(schedule: str, step: int, total: int) -> float:
    progress = min(step / max(total, 1), 1.0)
    if schedule == "linear":
        return max(1.0 - progress, 0.0)
    if schedule == "cosine":
        return 0.5 * (1.0 + float(np.cos(np.pi * progress)))
    return 1.0


def _to_device(array: np.ndarray, device: str) -> torch.Tensor:
    import torch

    tensor = torch.from_numpy(array)
    if device.startswith("cuda"):
        return tensor.pin_memory().to(device, non_blocking=True)
    return tensor


def _flat_inputs(
    batch: EncodedBatch, device: str
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """``forward_flat``'s arguments on ``device``: ids, offsets and the weights, if any."""
    weights = None if batch.weights is None else _to_device(batch.weights, device)
    return _to_device(batch.ids, device), _to_device(batch.offsets, device), weights


def _predict_proba(
    model: TextClassifier | EnsembleClassifier,
    encoded: EncodedBatch,
    *,
    batch_size: int = 512,
    device: str = "cpu",
) -> np.ndarray:
    import torch

    model.eval()
    out = []
    with torch.inference_mode():
        for start in range(0, encoded.n_docs, batch_size):
            batch = encoded.select(np.arange(start, min(start + batch_size, encoded.n_docs)))
            logits = model.forward_flat(*_flat_inputs(batch, device))
            out.append(torch.softmax(logits.float(), dim=-1).cpu().numpy())
    if not out:
        return np.zeros((0, model.n_classes), dtype=np.float32)
    return np.concatenate(out)


class _TrainingLoop:
    """The mutable state of one training run (model, optimisers, best weights)."""

    def __init__(self, config: NetworkConfig, n_ids: int, n_classes: int, device: str) -> None:
        import torch

        from textops.models.network import LazyAdam, TextClassifier

        self.config = config
        self.device = device
        self.model = TextClassifier(
            n_ids,
            n_classes,
            architecture=config.architecture,
            embedding_dim=config.embedding_dim,
            hidden_size=config.hidden_size,
            hidden_layers=config.hidden_layers,
            dropout=config.dropout,
            pooling=config.pooling,
        ).to(device)
        self.optimizers: list[torch.optim.Optimizer] = [
            LazyAdam(
                self.model.embedding.parameters(),
                lr=config.learning_rate,
                weight_decay=config.weight_decay,
            ),
            torch.optim.AdamW(
                self.model.dense_parameters(),
                lr=config.learning_rate,
                weight_decay=config.weight_decay,
            ),
        ]
        is_cuda = device.startswith("cuda")
        self.amp_dtype = None
        if is_cuda:
            self.amp_dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        # float16 needs loss scaling; bfloat16 has float32's range and does not
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.amp_dtype == torch.float16)
        self.history: list[EpochResult] = []
        self.best_epoch = 0
        self.best_key: tuple[float, float] | None = None
        self.best_state: dict[str, Any] | None = None
        self.stopped_early = False

    def set_id_weights(self, weights: np.ndarray) -> None:
        import torch

        self.model.set_id_weights(torch.from_numpy(weights).to(self.device))

    def run(
        self,
        train: EncodedBatch,
        y_train: np.ndarray,
        val: EncodedBatch,
        y_val: np.ndarray,
        *,
        callback: EpochCallback | None,
    ) -> None:
        config = self.config
        rng = np.random.default_rng(config.seed)
        steps_per_epoch = -(-train.n_docs // config.batch_size)
        total_steps = steps_per_epoch * config.epochs
        step = 0
        stale = 0
        for epoch in range(1, config.epochs + 1):
            start = time.perf_counter()
            order = rng.permutation(train.n_docs)
            # summed where the loss lives: on a GPU, reading it back each step would
            # wait for the device every batch
            loss_sum: Any = 0.0
            for first in range(0, train.n_docs, config.batch_size):
                rows = order[first : first + config.batch_size]
                lr = config.learning_rate * _lr_factor(config.schedule, step, total_steps)
                loss = self._step(train.select(rows), y_train[rows], lr)
                loss_sum = loss_sum + loss * rows.shape[0]
                step += 1
            val_loss, val_accuracy = self._evaluate(val, y_val)
            result = EpochResult(
                epoch=epoch,
                train_loss=float(loss_sum) / max(train.n_docs, 1),
                val_loss=val_loss,
                val_accuracy=val_accuracy,
                learning_rate=lr,
                seconds=time.perf_counter() - start,
            )
            self.history.append(result)
            if not np.isfinite(result.train_loss):
                raise ModelError(
                    f"training diverged at epoch {epoch}: "
                    f"the training loss is {result.train_loss}.",
                    hint="lower learning_rate",
                )
            stale = 0 if self._keep_if_best(result) else stale + 1
            if callback is not None:
                callback(result)
            if config.patience and stale >= config.patience and epoch < config.epochs:
                self.stopped_early = True
                break

    def _step(self, batch: EncodedBatch, y: np.ndarray, lr: float) -> torch.Tensor:
        """One optimiser step; the batch's mean loss as a 0-d tensor on the device."""
        import torch
        from torch.nn import functional as F

        self.model.train()
        for optimizer in self.optimizers:
            for group in optimizer.param_groups:
                group["lr"] = lr
            optimizer.zero_grad(set_to_none=True)
        inputs = _flat_inputs(batch, self.device)
        target = _to_device(y, self.device)
        autocast = (
            torch.autocast(device_type="cuda", dtype=self.amp_dtype)
            if self.amp_dtype is not None
            else contextlib.nullcontext()
        )
        with autocast:
            loss = F.cross_entropy(self.model.forward_flat(*inputs), target)
        self.scaler.scale(loss).backward()
        for optimizer in self.optimizers:
            self.scaler.step(optimizer)
        self.scaler.update()
        return loss.detach().float()

    def _evaluate(self, val: EncodedBatch, y_val: np.ndarray) -> tuple[float, float]:
        probabilities = _predict_proba(self.model, val, batch_size=1024, device=self.device)
        picked = probabilities[np.arange(y_val.shape[0]), y_val]
        loss = float(-np.log(np.clip(picked, 1e-12, None)).mean())
        accuracy = float((probabilities.argmax(axis=1) == y_val).mean())
        return loss, accuracy

    def _keep_if_best(self, result: EpochResult) -> bool:
        # the monitored figure first, the other one breaks ties
        if self.config.monitor == "val_loss":
            key = (-result.val_loss, result.val_accuracy)
        else:
            key = (result.val_accuracy, -result.val_loss)
        if self.best_key is not None and key <= self.best_key:
            return False
        self.best_key = key
        self.best_epoch = result.epoch
        self.best_state = copy.deepcopy(self.model.state_dict())
        return True

    def best_model(self) -> TextClassifier:
        if self.best_state is not None:
            self.model.load_state_dict(self.best_state)
        return self.model.to("cpu").eval()
