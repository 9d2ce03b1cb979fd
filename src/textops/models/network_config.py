"""The network's settings: one validated, frozen record of tokenizer, architecture and training.

Pure pydantic: importing it imports neither torch nor anything that trains.
The tokenizer's fields take their defaults from :mod:`textops.models.tokenizer`
(the ``DEFAULT_*`` constants), so a default ``Tokenizer()`` and the tokenizer of
a default ``NetworkConfig()`` are the same.

:meth:`NetworkConfig.model_bytes` says, before anything trains, how many bytes
the exported model will take for a fitted tokenizer's id count;
:func:`check_model_size` refuses a model past ``max_model_mb`` with a
:class:`ModelSizeError` naming the size and the setting.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from textops.errors import ModelError
from textops.models import tokenizer as tok
from textops.models.tokenizer import Tokenizer

__all__ = ["DEFAULT_MAX_MODEL_MB", "MB", "ModelSizeError", "NetworkConfig", "check_model_size"]

MB = 10**6  # max_model_mb counts decimal megabytes, as file sizes are shown
# 20 Newsgroups (337,474 ids: 75,329 words and the full 2**18 n-gram buckets; 20 classes):
# the default fastText network's model.onnx takes 28.4 MB a member, 85 MB for the train
# step's three members; an MLP's table is embedding_dim wide, 88 MB a member at width 64,
# so on that corpus tuning prunes MLPs that would train three members
DEFAULT_MAX_MODEL_MB = 100.0
_FLOAT_BYTES = 4


class NetworkConfig(BaseModel):
    """Everything that defines one network run: tokenizer, architecture and training.

    Flat on purpose: the tuner's parameters, the step's YAML ``params`` and the
    MLflow parameters are the same names.

    ``device`` and ``threads`` say where the fit runs, not what it learns; the
    train step sets ``device`` from its compute target (and clears ``threads``),
    so in a pipeline they come from the target, not from here. ``members`` is set
    by the train step from its own ``members`` parameter unless the step is
    given a whole ``network``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    architecture: Literal["fasttext", "mlp"] = "fasttext"
    # tokenizer
    ngram: int = Field(
        default=tok.DEFAULT_NGRAM, ge=1, le=5, description="highest n-gram order (1: words only)"
    )
    buckets: int = Field(
        default=tok.DEFAULT_BUCKETS, ge=1, description="rows of the hashed n-gram table"
    )
    min_count: int = Field(
        default=tok.DEFAULT_MIN_COUNT, ge=1, description="a word needs this many occurrences"
    )
    max_vocab: int | None = Field(
        default=tok.DEFAULT_MAX_VOCAB, ge=1, description="keep the most frequent words"
    )
    max_words: int | None = Field(
        default=tok.DEFAULT_MAX_WORDS, ge=1, description="truncate (train and serve)"
    )
    # with tfidf pooling, the pooled vector is the embedding of exactly scikit-learn's
    # L2-normalised TfidfVectorizer(sublinear_tf=True) vector (binary=True: of binary=True)
    binary: bool = Field(default=tok.DEFAULT_BINARY, description="count each id once per document")
    sublinear_tf: bool = Field(
        default=tok.DEFAULT_SUBLINEAR_TF,
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
        "validation fold, and scored together (mean probability); each costs one more training. "
        "In a pipeline the train step sets it from its own 'members' parameter",
    )
    device: str = Field(
        default="auto",
        description="auto (CUDA when present), cpu, cuda or cuda:N. In a pipeline the train "
        "step sets it from its compute target's device",
    )
    threads: int | None = Field(
        default=None,
        ge=1,
        description="torch CPU threads while training (None: torch's default). "
        "The train step clears it",
    )
    max_model_mb: float = Field(
        default=DEFAULT_MAX_MODEL_MB,
        description="the most megabytes (10**6 bytes) the exported model may take, all members "
        "together; checked from the fitted tokenizer's id count before training",
    )

    @field_validator("max_model_mb")
    @classmethod
    def _check_max_model_mb(cls, value: float) -> float:
        if not value > 0:  # also refuses NaN
            raise ValueError(
                f"max_model_mb must be a number of megabytes > 0 (the bound on the exported "
                f"model's size). Got {value!r}."
            )
        return value

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

    def model_bytes(self, n_ids: int, n_classes: int, *, members: int | None = None) -> int:
        """Bytes of the exported model's weights (float32) over ``n_ids`` token ids.

        What ``model.onnx`` holds, less its graph (a few kB): per member, the
        embedding table (fastText: its head folded in, ``n_ids x n_classes``; MLP:
        ``n_ids x embedding_dim``), ``tfidf`` pooling's squared id weights
        (``n_ids``) and the dense layers. ``members`` defaults to this config's.
        """
        members = self.members if members is None else members
        if self.architecture == "fasttext":
            table = n_ids * n_classes  # the head is folded into it
            dense = n_classes  # the head's bias
        else:
            table = n_ids * self.embedding_dim
            dense, width = self.embedding_dim, self.embedding_dim  # the first layer's bias
            for _ in range(self.hidden_layers):
                dense += (width + 1) * self.hidden_size
                width = self.hidden_size
            dense += (width + 1) * n_classes
        id_weights = n_ids if self.pooling == "tfidf" else 0
        return _FLOAT_BYTES * members * (table + id_weights + dense)


class ModelSizeError(ModelError):
    """A network would take more than its ``max_model_mb``; nothing was trained."""

    def __init__(self, message: str, *, hint: str, size_bytes: int, limit_bytes: int) -> None:
        super().__init__(message, hint=hint)
        self.size_bytes = size_bytes
        self.limit_bytes = limit_bytes


def check_model_size(
    config: NetworkConfig, n_ids: int, n_classes: int, *, members: int | None = None
) -> int:
    """The model's bytes (:meth:`NetworkConfig.model_bytes`); raises
    :class:`ModelSizeError` when they pass ``config.max_model_mb``."""
    members = config.members if members is None else members
    size = config.model_bytes(n_ids, n_classes, members=members)
    limit = int(config.max_model_mb * MB)
    if size <= limit:
        return size
    width = n_classes if config.architecture == "fasttext" else config.embedding_dim
    raise ModelSizeError(
        f"the {config.architecture} network would take {size / MB:,.1f} MB "
        f"({members} member(s) x {n_ids:,} ids x {width} wide, float32), more than "
        f"max_model_mb = {config.max_model_mb:g}.",
        hint="lower buckets, max_vocab (or raise min_count), embedding_dim or members, "
        "or raise the network's max_model_mb",
        size_bytes=size,
        limit_bytes=limit,
    )
