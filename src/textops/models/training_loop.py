"""One network's training run: epochs of mini-batch steps, validation, the best weights.

:class:`TrainingLoop` owns the mutable state of a run (the model, a lazy sparse
Adam for the embedding table and AdamW for the dense layers, the mixed-precision
scaler on CUDA, the history and the best epoch's weights). Each epoch it reports
an :class:`EpochResult` to the history and to an optional callback, which may
raise to stop training (the tuner raises ``optuna.TrialPruned``). torch is
imported inside the functions only.
"""

from __future__ import annotations

import contextlib
import copy
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from textops.errors import ModelError
from textops.models.network_config import NetworkConfig
from textops.models.tokenizer import EncodedBatch

if TYPE_CHECKING:
    import torch

    from textops.models.network import EnsembleClassifier, TextClassifier

__all__ = [
    "EpochCallback",
    "EpochResult",
    "TrainingLoop",
    "predict_probabilities",
    "zero_untrained_rows",
]


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


def zero_untrained_rows(model: TextClassifier, trained_ids: np.ndarray) -> None:
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


def predict_probabilities(
    model: TextClassifier | EnsembleClassifier,
    encoded: EncodedBatch,
    *,
    batch_size: int = 512,
    device: str = "cpu",
) -> np.ndarray:
    """Class probabilities [n_docs, n_classes] of ``model`` (put in eval mode) on ``device``."""
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


class TrainingLoop:
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
        if is_cuda:  # bf16 only where the chip has it (Ampere on): torch would emulate it slowly
            major, _ = torch.cuda.get_device_capability(torch.device(device))
            self.amp_dtype = torch.bfloat16 if major >= 8 else torch.float16
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
        torch.autograd.backward(self.scaler.scale(loss))  # Tensor.backward is untyped
        for optimizer in self.optimizers:
            self.scaler.step(optimizer)
        self.scaler.update()
        return loss.detach().float()

    def _evaluate(self, val: EncodedBatch, y_val: np.ndarray) -> tuple[float, float]:
        probabilities = predict_probabilities(self.model, val, batch_size=1024, device=self.device)
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

    @property
    def best_result(self) -> EpochResult:
        """The kept epoch's figures."""
        return self.history[self.best_epoch - 1]

    def keep_best(self) -> TextClassifier:
        """Load the kept epoch's weights and move the model to the CPU, in eval mode."""
        if self.best_state is not None:
            self.model.load_state_dict(self.best_state)
        # free the device before the next member trains: the optimisers' moments and the
        # kept copy are each as large as the embedding table
        self.best_state, self.optimizers = None, []
        return self.model.to("cpu").eval()
