"""The torch text classifiers: a fastText-style model and the original bag-of-words MLP.

Both start from one embedding table over the tokenizer's ids (padding id 0) and
average the rows of a document's ids:

* ``fasttext``: mean of word and hashed n-gram embeddings, dropout, a linear head.
* ``mlp``: the original example's bag-of-words MLP. Its first layer is a linear
  map of the document's term-frequency vector (vocabulary-sized counts divided
  by the length); the mean of embedding rows computes exactly that product
  without building the vocabulary-sized vector. ReLU hidden layers follow.

Two input forms reach the same numbers: ``forward(ids, weights)`` takes the
padded id matrix [batch, length] (what the ONNX graph and serving take; a masked
mean made of Gather/ReduceSum, which exports cleanly), and
``forward_flat(ids, offsets, weights)`` takes the ragged form for training
(``EmbeddingBag``, no padding cost, sparse gradients for the large table).
``weights`` are the tokenizer's per-id term frequencies (``sublinear_tf``); an
id's row counts that many times in the sum and in the divisor, and without them
each id counts once.

This module imports torch at import time; import it only from training code.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Literal

import torch
from torch import nn
from torch.nn import functional as F

Architecture = Literal["fasttext", "mlp"]
Pooling = Literal["mean", "sqrt", "tfidf"]
POOLINGS: tuple[str, ...] = ("mean", "sqrt", "tfidf")
ARCHITECTURES: tuple[str, ...] = ("fasttext", "mlp")


class TextClassifier(nn.Module):
    """Pooled id embeddings, then a head: linear (fastText) or ReLU layers (MLP).

    ``pooling`` divides the sum of a document's rows by its number of ids
    (``mean``) or by the square root of it (``sqrt``: long documents keep more
    weight, like the cosine normalisation of a bag of words). ``tfidf`` weighs
    each id by its inverse document frequency (:meth:`set_id_weights`, from the
    training documents) and divides by the norm of those weights: with ``binary``
    tokens the pooled vector is exactly the embedding of the document's
    L2-normalised TF-IDF vector, the input that makes linear text models strong.
    """

    id_weights: torch.Tensor | None

    def __init__(
        self,
        n_ids: int,
        n_classes: int,
        *,
        architecture: Architecture = "fasttext",
        embedding_dim: int = 64,
        hidden_size: int = 128,
        hidden_layers: int = 1,
        dropout: float = 0.0,
        pooling: Pooling = "mean",
    ) -> None:
        super().__init__()
        if architecture not in ARCHITECTURES:
            raise ValueError(
                f"The 'architecture' parameter of TextClassifier must be one of "
                f"{list(ARCHITECTURES)}. Got {architecture!r} instead."
            )
        if pooling not in POOLINGS:
            raise ValueError(
                f"The 'pooling' parameter of TextClassifier must be one of {list(POOLINGS)}. "
                f"Got {pooling!r} instead."
            )
        self.architecture = architecture
        self.pooling = pooling
        self.n_classes = n_classes
        # sparse gradients: an optimiser step touches only the rows a batch used
        self.embedding = nn.EmbeddingBag(
            n_ids, embedding_dim, mode="sum", padding_idx=0, sparse=True
        )
        layers: list[nn.Module] = []
        width = embedding_dim
        if architecture == "mlp":
            # the embedding mean is the first linear layer: give it a bias and an activation
            layers += [_Bias(embedding_dim), nn.ReLU(), nn.Dropout(dropout)]
            for _ in range(hidden_layers):
                layers += [nn.Linear(width, hidden_size), nn.ReLU(), nn.Dropout(dropout)]
                width = hidden_size
        else:
            layers.append(nn.Dropout(dropout))
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(width, n_classes)
        # per-id weights of ``tfidf`` pooling (a buffer: saved and exported, never trained);
        # until set_id_weights, every id weighs 1 and padding 0
        id_weights = torch.ones(n_ids)
        id_weights[0] = 0.0
        self.register_buffer("id_weights", id_weights if pooling == "tfidf" else None)
        self._init_weights(embedding_dim)

    def _init_weights(self, embedding_dim: int) -> None:
        if self.architecture == "mlp" and self.pooling == "tfidf":
            # the weights have unit norm, so rows of std 1/sqrt(dim) give a first-layer
            # output of about unit norm; larger rows leave Adam's small steps too slow for
            # rare words (20 Newsgroups, dim 256, lr 0.003: 0.77 test accuracy with std 1.0,
            # 0.86 with std 0.05)
            nn.init.normal_(self.embedding.weight, std=embedding_dim**-0.5)
        elif self.architecture == "mlp":
            # a first layer over term frequencies: unit-variance rows give activations of
            # order 1/sqrt(distinct words), where ReLU layers train well
            nn.init.normal_(self.embedding.weight, std=1.0)
        else:
            # fastText's uniform(-1/dim, 1/dim) keeps the initial mean near zero
            nn.init.uniform_(self.embedding.weight, -1.0 / embedding_dim, 1.0 / embedding_dim)
        with torch.no_grad():
            self.embedding.weight[0].zero_()

    def set_id_weights(self, weights: torch.Tensor) -> None:
        """Set ``tfidf`` pooling's per-id weights (length ``n_ids``; padding's is forced to 0)."""
        if self.id_weights is None:
            raise ValueError(
                f"id weights need pooling='tfidf'; this model pools by {self.pooling!r}."
            )
        if weights.shape != self.id_weights.shape:
            raise ValueError(
                f"id weights must have shape {tuple(self.id_weights.shape)}. "
                f"Got {tuple(weights.shape)} instead."
            )
        with torch.no_grad():
            self.id_weights.copy_(weights)
            self.id_weights[0] = 0.0

    def divisor(self, counts: torch.Tensor) -> torch.Tensor:
        """What a document's summed rows are divided by, from its id count (>= 1)."""
        counts = counts.clamp(min=1.0)
        return counts.sqrt() if self.pooling == "sqrt" else counts

    def pool_padded(self, ids: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
        """Pooled embedding of each row of a padded id matrix (padding ignored).

        ``weights`` (same shape, 0 at padding) are the tokenizer's term-frequency
        weights; without them every id counts 1.
        """
        rows = F.embedding(ids, self.embedding.weight)
        if self.id_weights is not None:
            scale = self.id_weights[ids]  # padding weighs 0
            if weights is not None:
                scale = scale * weights
            scale = scale.unsqueeze(-1)
            return (rows * scale).sum(dim=1) / _norm(scale.square().sum(dim=1))
        tf = (ids != 0).to(rows.dtype) if weights is None else weights.to(rows.dtype)
        tf = tf.unsqueeze(-1)
        return (rows * tf).sum(dim=1) / self.divisor(tf.sum(dim=1))

    def forward(self, ids: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
        """Logits [batch, n_classes] from a padded id matrix [batch, length]."""
        logits: torch.Tensor = self.head(self.body(self.pool_padded(ids, weights)))
        return logits

    def forward_flat(
        self, ids: torch.Tensor, offsets: torch.Tensor, weights: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Logits from flat ids and each document's start offset (training form)."""
        if self.id_weights is not None:
            scale = self.id_weights[ids] if weights is None else self.id_weights[ids] * weights
            squares = _segment_sum(scale.square(), offsets)
            pooled = self.embedding(ids, offsets, per_sample_weights=scale) / _norm(squares)
        elif weights is None:
            ends = torch.cat([offsets[1:], offsets.new_tensor([ids.shape[0]])])
            counts = (ends - offsets).unsqueeze(-1).to(self.embedding.weight.dtype)
            pooled = self.embedding(ids, offsets) / self.divisor(counts)
        else:
            pooled = self.embedding(ids, offsets, per_sample_weights=weights)
            pooled = pooled / self.divisor(_segment_sum(weights, offsets))
        logits: torch.Tensor = self.head(self.body(pooled))
        return logits

    def dense_parameters(self) -> list[nn.Parameter]:
        """Every parameter except the sparse embedding table."""
        return [p for name, p in self.named_parameters() if not name.startswith("embedding.")]


def _segment_sum(values: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
    """Per-document sums [n_docs, 1] of flat per-id values."""
    ends = torch.cat([offsets[1:], offsets.new_tensor([values.shape[0]])])
    documents = torch.arange(offsets.shape[0], device=offsets.device)
    # output_size: no wait for the device to learn the length (on CUDA)
    document = torch.repeat_interleave(documents, ends - offsets, output_size=values.shape[0])
    sums = values.new_zeros(offsets.shape[0]).index_add_(0, document, values)
    return sums.unsqueeze(-1)


def _norm(square_sums: torch.Tensor) -> torch.Tensor:
    """The square root of summed squared weights, kept off zero for empty documents."""
    return square_sums.clamp(min=1e-12).sqrt()


class _Bias(nn.Module):
    """A learned offset: the bias of the MLP's first (embedding) layer."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(width))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.bias


class EnsembleClassifier(nn.Module):
    """Networks trained apart (different seeds) that score together.

    The ensemble's probabilities are the mean of its members'. ``forward`` and
    ``forward_flat`` return the log of that mean, so that a softmax over the
    output, as for a single classifier's logits, gives the mean back exactly.
    """

    def __init__(self, members: Sequence[TextClassifier]) -> None:
        super().__init__()
        if not members:
            raise ValueError("An EnsembleClassifier needs at least one member.")
        self.members = nn.ModuleList(members)
        self.n_classes = members[0].n_classes
        self.architecture = members[0].architecture

    @staticmethod
    def _log_mean_probability(logits: list[torch.Tensor]) -> torch.Tensor:
        log_probabilities = torch.stack([F.log_softmax(x.float(), dim=-1) for x in logits])
        return torch.logsumexp(log_probabilities, dim=0) - math.log(len(logits))

    def forward(self, ids: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
        return self._log_mean_probability([member(ids, weights) for member in self.members])

    def forward_flat(
        self, ids: torch.Tensor, offsets: torch.Tensor, weights: torch.Tensor | None = None
    ) -> torch.Tensor:
        return self._log_mean_probability(
            [member.forward_flat(ids, offsets, weights) for member in self.members]  # type: ignore[operator]
        )


class ProbabilityModel(nn.Module):
    """The trained classifier as PyTorch serves it: padded ids (and weights) in,
    probabilities out."""

    def __init__(self, classifier: TextClassifier | EnsembleClassifier) -> None:
        super().__init__()
        self.classifier = classifier

    def forward(self, ids: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
        return torch.softmax(self.classifier(ids, weights), dim=-1)


class _LeanProbabilities(nn.Module):
    """The exported graph: the same function as ProbabilityModel, with less work.

    The padding row of the table is zero, so a plain sum over the padded rows is
    the sum over the real ids (no mask multiply over [batch, length, dim]). For
    the fastText architecture, whose head is linear, the head is folded into the
    table (``E @ W.T``, one column per class): the graph gathers ``n_classes``
    numbers per id instead of ``embedding_dim`` and needs no matrix product.
    ``tfidf`` pooling scales each row by its id's weight ahead of time, so the
    graph only gathers the squared weights for the norm.

    An ensemble's members sit side by side in one table ([n_ids, members x
    width]): a single Gather reads every member's row of an id in one contiguous
    read, where a Gather per member reads as many scattered rows; then each
    member's slice goes through its own body and head, and their probabilities
    are averaged. The sum over a document's rows is a batched MatMul: ONNX
    Runtime reduces over the middle axis of [batch, length, dim] several times
    slower (a 3-member MLP of width 512 at batch 1: 0.68 ms with ReduceSum,
    against 0.55 ms for PyTorch).
    """

    table: torch.Tensor
    squared_weights: torch.Tensor | None
    biases: torch.Tensor | None

    def __init__(self, classifiers: Sequence[TextClassifier]) -> None:
        super().__init__()
        first = classifiers[0]
        self.is_folded = first.architecture == "fasttext"
        self.is_sqrt = first.pooling == "sqrt"
        tables, squared = [], []
        with torch.no_grad():
            for classifier in classifiers:
                table = classifier.embedding.weight.detach().clone()
                if self.is_folded:
                    table = table @ classifier.head.weight.detach().T
                table[0] = 0.0  # padding; EmbeddingBag never reads it, so this changes nothing
                if classifier.id_weights is not None:
                    weights = classifier.id_weights.detach()
                    table = table * weights.unsqueeze(-1)
                    squared.append(weights.square().unsqueeze(-1))
                tables.append(table)
        self.n_members, self.width = len(tables), tables[0].shape[1]
        self.register_buffer("table", torch.cat(tables, dim=1))
        self.register_buffer("squared_weights", torch.cat(squared, dim=1) if squared else None)
        # folded: the heads' biases, [members, classes]; else each member's body and head
        biases = [classifier.head.bias.detach().clone() for classifier in classifiers]
        self.register_buffer("biases", torch.stack(biases) if self.is_folded else None)
        self.bodies = nn.ModuleList(classifier.body for classifier in classifiers)
        self.heads = nn.ModuleList(classifier.head for classifier in classifiers)

    def forward(self, ids: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
        # padding's row is zero, so a document's term frequencies may count it
        tf = (ids != 0).to(self.table.dtype) if weights is None else weights  # [batch, length]
        rows = F.embedding(ids, self.table)  # [batch, length, members x width]
        summed = torch.matmul(tf.unsqueeze(1), rows).squeeze(1)
        summed = summed.reshape(-1, self.n_members, self.width)
        if self.squared_weights is not None:
            squares = F.embedding(ids, self.squared_weights)  # [batch, length, members]
            divisor = _norm(torch.matmul(tf.square().unsqueeze(1), squares)).transpose(1, 2)
        else:
            count = tf.sum(dim=1, keepdim=True).clamp(min=1.0).unsqueeze(-1)
            divisor = count.sqrt() if self.is_sqrt else count
        pooled = summed / divisor  # [batch, members, width]
        if self.biases is not None:
            logits = pooled + self.biases
        else:
            members = zip(self.bodies, self.heads, strict=True)
            logits = torch.stack(
                [head(body(pooled[:, i])) for i, (body, head) in enumerate(members)], dim=1
            )
        return torch.softmax(logits, dim=-1).mean(dim=1)  # [batch, classes]


def export_module(classifier: TextClassifier | EnsembleClassifier) -> nn.Module:
    """The module to export to ONNX: padded ids -> probabilities, lean for inference."""
    classifier = classifier.to("cpu").eval()
    if isinstance(classifier, EnsembleClassifier):
        return _LeanProbabilities(list(classifier.members)).eval()  # type: ignore[arg-type]
    return _LeanProbabilities([classifier]).eval()


def count_parameters(module: nn.Module) -> int:
    """How many scalars the module trains."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


class LazyAdam(torch.optim.Optimizer):
    """Adam for sparse gradients that touches only the rows a batch used.

    ``torch.optim.SparseAdam`` does the same maths but is several times slower on
    CPU for a table of a million rows; this one is a handful of ``index_*``
    calls. Moments of untouched rows stay as they were ("lazy" Adam). Decoupled
    weight decay (as in AdamW) applies to the touched rows only.
    """

    def __init__(
        self,
        params: Iterable[nn.Parameter],
        *,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay}
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure: Callable[[], float] | None = None) -> float | None:  # type: ignore[override]
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for param in group["params"]:
                if param.grad is None:
                    continue
                if not param.grad.is_sparse:
                    raise RuntimeError("LazyAdam expects sparse gradients (sparse=True layers).")
                grad = param.grad.coalesce()
                rows, values = grad.indices()[0], grad.values()
                state = self.state[param]
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = torch.zeros_like(param)
                    state["exp_avg_sq"] = torch.zeros_like(param)
                state["step"] += 1
                step = state["step"]
                mean = state["exp_avg"].index_select(0, rows).mul_(beta1)
                mean.add_(values, alpha=1.0 - beta1)
                square = state["exp_avg_sq"].index_select(0, rows).mul_(beta2)
                square.addcmul_(values, values, value=1.0 - beta2)
                state["exp_avg"].index_copy_(0, rows, mean)
                state["exp_avg_sq"].index_copy_(0, rows, square)
                step_size = group["lr"] * math.sqrt(1.0 - beta2**step) / (1.0 - beta1**step)
                weights = param.index_select(0, rows)
                if group["weight_decay"]:
                    weights.mul_(1.0 - group["lr"] * group["weight_decay"])
                weights.addcdiv_(mean, square.sqrt_().add_(group["eps"]), value=-step_size)
                param.index_copy_(0, rows, weights)
        return loss
