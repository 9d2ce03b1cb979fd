"""A linear model's probabilities for a few texts, without scikit-learn's per-call overhead.

:class:`~textops.models.linear_export.OnnxLinearClassifier` featurises with
scikit-learn's ``TfidfVectorizer.transform``: input validation, a sparse matrix
and its slices cost about a millisecond per call, most of a one-text request.
:class:`QuickLinearClassifier` computes the same rows itself and feeds the same
ONNX Runtime session the same ``ids``/``weights`` matrices, so its probabilities
are the classifier's, bit for bit:

* tokens come from the vectoriser's own analyser (``build_analyzer()``), counted
  per text against the term -> column dict, columns in ascending order (as
  ``sort_indices`` leaves them);
* the tf-idf arithmetic is scikit-learn's, in the same order: ``log`` then
  ``+ 1`` (sublinear tf, with NumPy's ``log``), times the idf, then each row
  divided by its norm, summed left to right as scikit-learn's Cython loop does
  (a Python float loop is the same IEEE double arithmetic);
* rows are cut into the classifier's chunks and padded as ``padded_inputs`` does.

Only the float64 vectoriser with ``l2``, ``l1`` or no norm takes this path
(:func:`quick_linear` says None otherwise); the tests hold it to the
classifier's output on real corpora.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from textops.models.linear_export import OnnxLinearClassifier, _chunks
from textops.models.onnx_export import OUTPUT_NAME

__all__ = ["QuickLinearClassifier", "quick_linear"]

_NORMS = ("l2", "l1", None)


def quick_linear(classifier: OnnxLinearClassifier) -> QuickLinearClassifier | None:
    """The quick path for ``classifier``, or None where its vectoriser is not covered."""
    settings = classifier.featurizer.settings
    if settings.get("dtype", "float64") != "float64" or settings.get("norm") not in _NORMS:
        return None
    return QuickLinearClassifier(classifier)


class QuickLinearClassifier:
    """``predict_proba`` of an :class:`OnnxLinearClassifier`, computed without scikit-learn."""

    def __init__(self, classifier: OnnxLinearClassifier) -> None:
        featurizer = classifier.featurizer
        settings = featurizer.settings
        self.labels = list(classifier.labels)
        self._session = classifier.session
        self._dtype = classifier.dtype
        self._analyze = featurizer.vectorizer.build_analyzer()
        self._columns = {term: i for i, term in enumerate(featurizer.terms)}
        self._idf = featurizer.idf
        self._binary = bool(settings.get("binary"))
        self._sublinear = bool(settings.get("sublinear_tf"))
        self._norm = settings.get("norm")
        self._binarize = featurizer.binarize

    def rows(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(indptr, indices, data) of the tf-idf rows, as the vectoriser's CSR matrix holds."""
        columns, analyze = self._columns, self._analyze
        indices: list[int] = []
        counts: list[int] = []
        indptr = [0]
        for text in texts:
            found: dict[int, int] = {}
            for term in analyze(text):
                column = columns.get(term)
                if column is not None:
                    found[column] = found.get(column, 0) + 1
            for column in sorted(found):
                indices.append(column)
                counts.append(found[column])
            indptr.append(len(indices))
        data = np.array(counts, dtype=np.float64)
        if self._binary:
            data.fill(1)
        if self._sublinear:
            np.log(data, data)
            data += 1.0
        index = np.array(indices, dtype=np.int64)
        if self._idf is not None:
            data *= self._idf[index]
        if self._norm is not None:
            _normalise(data, indptr, l2=self._norm == "l2")
        if self._binarize is not None:
            data = (data > self._binarize).astype(np.float64)
        return np.array(indptr, dtype=np.int64), index, data

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities [n_docs, n_labels], columns in ``labels`` order."""
        indptr, indices, data = self.rows(texts)
        lengths = np.diff(indptr)
        out = [
            self._session.run([OUTPUT_NAME], _padded(indptr, indices, data, (start, end),
                                                     dtype=self._dtype))[0]
            for start, end in _chunks(lengths)
        ]
        if not out:
            return np.zeros((0, len(self.labels)), dtype=self._dtype)
        return out[0] if len(out) == 1 else np.concatenate(out)


def _normalise(data: np.ndarray, indptr: list[int], *, l2: bool) -> None:
    """Each row divided by its l2 (or l1) norm, summed in scikit-learn's order; empty
    rows and rows of zeros left alone, as scikit-learn leaves them."""
    values = data.tolist()
    for start, end in zip(indptr, indptr[1:], strict=False):
        total = 0.0
        if l2:
            for value in values[start:end]:
                total += value * value
        else:
            for value in values[start:end]:
                total += abs(value)
        if total == 0.0:
            continue
        data[start:end] /= math.sqrt(total) if l2 else total


def _padded(
    indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, span: tuple[int, int], *,
    dtype: Any,
) -> dict[str, np.ndarray]:
    """Rows ``span`` as ``padded_inputs`` makes them: [rows, longest row], 0 as padding."""
    start, end = span
    lengths = np.diff(indptr[start:end + 1])
    width = max(1, int(lengths.max(initial=0)))
    ids = np.zeros((end - start, width), dtype=np.int64)
    weights = np.zeros((end - start, width), dtype=dtype)
    first, last = int(indptr[start]), int(indptr[end])
    rows = np.repeat(np.arange(end - start), lengths)
    cells = np.arange(last - first) - np.repeat(indptr[start:end] - first, lengths)
    ids[rows, cells] = indices[first:last]
    weights[rows, cells] = data[first:last]
    return {"ids": ids, "weights": weights}
