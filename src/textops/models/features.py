"""TF-IDF features for the sweep: settings, the vectoriser, and the shared matrices.

The sweep computes the features once per run (:func:`build_features`) and every
candidate fits on the same matrices, so the candidates differ only by their
model. The settings default to those of scikit-learn's "Classification of text
documents using sparse features" example: sublinear tf, ``max_df=0.5`` and
English stop words.

Importing this module is cheap (pydantic only): the settings are part of the
configuration schema. scikit-learn is imported on first use, and so is
:class:`CompactTfidfVectorizer`, a subclass of its vectoriser made on first
access (PEP 562), which pickle and skops resolve by name like any class.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from textops.errors import ModelError

if TYPE_CHECKING:
    import numpy as np
    import scipy.sparse as sp

__all__ = ["Features", "TfidfSettings", "build_features"]  # + CompactTfidfVectorizer, made lazily


class TfidfSettings(BaseModel):
    """TF-IDF settings of the sweep (``sweep.params.tfidf`` in ``textops.yaml``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sublinear_tf: bool = True
    max_df: float | int = Field(
        default=0.5, description="drop terms in more than this share (float) or count of texts"
    )
    min_df: float | int = Field(default=1, description="drop terms in fewer texts than this")
    stop_words: Literal["english"] | None = "english"
    ngram_range: tuple[int, int] = (1, 1)
    max_features: int | None = Field(default=None, ge=1)
    lowercase: bool = True
    dtype: Literal["float64", "float32"] = "float64"

    @model_validator(mode="after")
    def _check_ranges(self) -> TfidfSettings:
        for name in ("max_df", "min_df"):
            value = getattr(self, name)
            if isinstance(value, float) and not 0.0 < value <= 1.0:
                raise ValueError(f"{name} as a share must be in (0, 1], got {value}")
            if isinstance(value, int) and value < 1:
                raise ValueError(f"{name} as a count must be at least 1, got {value}")
        low, high = self.ngram_range
        if not 1 <= low <= high:
            raise ValueError(f"ngram_range must be (min, max), 1 <= min <= max; got {low, high}")
        return self

    def build(self) -> Any:
        """An unfitted :class:`CompactTfidfVectorizer` with these settings."""
        import numpy as np

        return _compact_vectorizer_class()(
            sublinear_tf=self.sublinear_tf,
            max_df=self.max_df,
            min_df=self.min_df,
            stop_words=self.stop_words,
            ngram_range=self.ngram_range,
            max_features=self.max_features,
            lowercase=self.lowercase,
            dtype=np.dtype(self.dtype).type,
        )


def __getattr__(name: str) -> Any:
    if name == "CompactTfidfVectorizer":
        return _compact_vectorizer_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@functools.cache
def _compact_vectorizer_class() -> type:
    from sklearn.feature_extraction.text import TfidfVectorizer

    class CompactTfidfVectorizer(TfidfVectorizer):  # type: ignore[misc]  # sklearn is untyped
        """scikit-learn's ``TfidfVectorizer`` whose vocabulary serialises as three arrays.

        The fitted ``vocabulary_`` is a dict of often 100,000+ terms. skops writes
        a dict entry by entry as JSON (56 MB and 5 s for 20 Newsgroups, each time a
        candidate's pipeline is saved); packed into UTF-8 bytes, lengths and
        indices it is 4 MB and 0.3 s. Pickle and skops both go through
        ``__getstate__`` / ``__setstate__``, so once loaded it is the parent class.
        """

        def __getstate__(self) -> dict[str, Any]:
            state = dict(super().__getstate__())  # a copy: object's returns __dict__ itself
            vocabulary = state.pop("vocabulary_", None)
            if vocabulary is not None:
                state["packed_vocabulary_"] = _pack_vocabulary(vocabulary)
            return state

        def __setstate__(self, state: dict[str, Any]) -> None:
            state = dict(state)
            packed = state.pop("packed_vocabulary_", None)
            if packed is not None:
                state["vocabulary_"] = _unpack_vocabulary(packed)
            super().__setstate__(state)

    CompactTfidfVectorizer.__qualname__ = "CompactTfidfVectorizer"
    globals()["CompactTfidfVectorizer"] = CompactTfidfVectorizer
    return CompactTfidfVectorizer


def _pack_vocabulary(vocabulary: dict[str, int]) -> dict[str, np.ndarray]:
    import numpy as np

    terms = list(vocabulary)
    encoded = [term.encode("utf-8") for term in terms]
    return {
        "utf8": np.frombuffer(b"".join(encoded), dtype=np.uint8).copy(),
        "lengths": np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)),
        "indices": np.fromiter(vocabulary.values(), dtype=np.int64, count=len(terms)),
    }


def _unpack_vocabulary(packed: dict[str, np.ndarray]) -> dict[str, int]:
    import numpy as np

    blob = packed["utf8"].tobytes()
    ends = np.cumsum(packed["lengths"]).tolist()
    starts = [0, *ends[:-1]]
    indices = packed["indices"].tolist()
    return {
        blob[start:end].decode("utf-8"): index
        for start, end, index in zip(starts, ends, indices, strict=True)
    }


@dataclass(frozen=True)
class Features:
    """What every candidate fits on: the matrices, labels and the fitted vectoriser.

    ``labels`` is the sorted union of the train and test labels: the column
    order of scores and of the confusion matrix.
    """

    X_train: sp.csr_matrix
    y_train: np.ndarray
    X_test: sp.csr_matrix
    y_test: np.ndarray
    labels: tuple[Any, ...]
    vectorizer: Any  # a fitted CompactTfidfVectorizer

    @property
    def n_features(self) -> int:
        return int(self.X_train.shape[1])

    def describe(self) -> dict[str, Any]:
        """Plain facts for tracking: sizes, vocabulary, density."""
        n_train, n_features = self.X_train.shape
        return {
            "n_train": int(n_train),
            "n_test": int(self.X_test.shape[0]),
            "n_features": int(n_features),
            "n_classes": len(self.labels),
            "train_density": float(self.X_train.nnz / max(1, n_train * n_features)),
        }


def build_features(
    train_texts: Sequence[str] | np.ndarray,
    train_labels: Sequence[Any] | np.ndarray,
    test_texts: Sequence[str] | np.ndarray,
    test_labels: Sequence[Any] | np.ndarray,
    *,
    settings: TfidfSettings | None = None,
) -> Features:
    """Fit TF-IDF on the training texts and transform both sets.

    Raises :class:`~textops.errors.ModelError` when the settings leave no term
    (e.g. texts made only of stop words) or when there are fewer than two
    classes to tell apart.
    """
    import numpy as np

    settings = settings or TfidfSettings()
    y_train = np.asarray(train_labels)
    y_test = np.asarray(test_labels)
    if len(y_train) != len(train_texts) or len(y_test) != len(test_texts):
        raise ModelError(
            f"texts and labels differ in length: train {len(train_texts)} vs {len(y_train)}, "
            f"test {len(test_texts)} vs {len(y_test)}"
        )
    classes = np.unique(y_train)
    if len(classes) < 2:
        raise ModelError(
            f"the training set has {len(classes)} class(es) ({classes.tolist()}); "
            "a classifier needs at least two",
            hint="check the label column of the dataset",
        )
    vectorizer = settings.build()
    try:
        X_train = vectorizer.fit_transform(train_texts)  # noqa: N806 - sklearn naming
    except ValueError as exc:
        raise ModelError(
            f"TF-IDF found no usable term in the {len(train_texts)} training texts "
            f"({settings.model_dump(include={'stop_words', 'max_df', 'min_df'})}): {exc}",
            hint="lower min_df, raise max_df or set stop_words to null",
        ) from exc
    X_test = vectorizer.transform(test_texts)  # noqa: N806 - sklearn naming
    labels = tuple(np.unique(np.concatenate([y_train, y_test])).tolist())
    return Features(
        X_train=X_train,
        y_train=y_train,
        X_test=X_test,
        y_test=y_test,
        labels=labels,
        vectorizer=vectorizer,
    )
