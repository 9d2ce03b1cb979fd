"""A fitted TF-IDF vectoriser as JSON values, and the (ids, weights) it feeds a linear graph.

A linear model over TF-IDF rows scores ``b + sum_i tfidf_i * W[:, id_i]``: an
embedding bag over the vectoriser's vocabulary ids, weighted by the row's
tf-idf values, which are exactly the column indices and values of the
vectoriser's CSR row. :class:`TfidfFeaturizer` keeps what that transform needs
(the settings, the terms in column order, the idf) as JSON values, never a
pickle, and rebuilds scikit-learn's own vectoriser from them, so serving
tokenises and weighs exactly as training did (stop words are stored as the list
itself, so another scikit-learn's built-in list cannot change them).
:meth:`TfidfFeaturizer.graph_inputs` pads the CSR rows into the ``ids`` and
``weights`` matrices the graph of :mod:`textops.models.linear_export` takes;
it is NumPy over the whole batch, no per-row Python.

scikit-learn is imported on first use.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from textops.errors import ModelError

if TYPE_CHECKING:
    import scipy.sparse as sp

__all__ = ["FORMAT", "TfidfFeaturizer"]

FORMAT = "textops.tfidf/1"
#: the vectoriser's parameters that shape its transform, stored as they are
_SETTINGS = (
    "analyzer",
    "binary",
    "lowercase",
    "ngram_range",
    "norm",
    "smooth_idf",
    "strip_accents",
    "sublinear_tf",
    "token_pattern",
    "use_idf",
)
#: parameters that would be Python code: a JSON state cannot hold them
_CALLABLES = ("analyzer", "preprocessor", "tokenizer", "strip_accents")


@dataclass(frozen=True, eq=False)
class TfidfFeaturizer:
    """The transform of a fitted ``TfidfVectorizer``: settings, terms by column, idf.

    ``binarize`` is a threshold of the model's own (``BernoulliNB``): weights
    become 1 where the tf-idf value is above it and 0 elsewhere.
    """

    settings: Mapping[str, Any]
    terms: tuple[str, ...]
    idf: np.ndarray | None
    binarize: float | None = None

    @classmethod
    def from_vectorizer(cls, vectorizer: Any, *, binarize: float | None = None) -> TfidfFeaturizer:
        """The state of a fitted scikit-learn ``TfidfVectorizer`` (or a subclass)."""
        params = vectorizer.get_params()
        code = [name for name in _CALLABLES if callable(params.get(name))]
        if code or params.get("input", "content") != "content":
            raise ModelError(
                f"the vectoriser's {code or ['input']} cannot be stored as JSON "
                f"(got {[params.get(name) for name in code or ['input']]})",
                hint="use string settings of TfidfVectorizer, not functions, on text content",
            )
        vocabulary = getattr(vectorizer, "vocabulary_", None)
        if vocabulary is None:
            raise ModelError("the vectoriser is not fitted: it has no vocabulary_")
        terms = [""] * len(vocabulary)
        for term, index in vocabulary.items():
            terms[index] = term
        stop_words = vectorizer.get_stop_words()
        settings = {name: params[name] for name in _SETTINGS}
        settings["ngram_range"] = list(settings["ngram_range"])
        settings["stop_words"] = sorted(stop_words) if stop_words is not None else None
        settings["dtype"] = np.dtype(params["dtype"]).name
        idf = np.asarray(vectorizer.idf_, dtype=np.float64) if params["use_idf"] else None
        return cls(settings, tuple(terms), idf, binarize)

    @property
    def n_features(self) -> int:
        return len(self.terms)

    def to_dict(self) -> dict[str, Any]:
        """JSON values; float64 idf survives ``json`` exactly (shortest repr round trip)."""
        return {
            "format": FORMAT,
            "settings": dict(self.settings),
            "terms": list(self.terms),
            "idf": None if self.idf is None else self.idf.tolist(),
            "binarize": self.binarize,
        }

    @classmethod
    def from_dict(cls, state: Mapping[str, Any]) -> TfidfFeaturizer:
        if state.get("format") != FORMAT:
            raise ModelError(
                f"the vectoriser state has format {state.get('format')!r}; expected {FORMAT!r}"
            )
        idf = state["idf"]
        return cls(
            dict(state["settings"]),
            tuple(state["terms"]),
            None if idf is None else np.asarray(idf, dtype=np.float64),
            state.get("binarize"),
        )

    @functools.cached_property
    def vectorizer(self) -> Any:
        """scikit-learn's ``TfidfVectorizer`` with this vocabulary and idf (built once)."""
        return _build_vectorizer(self.settings, self.terms, self.idf)

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """The tf-idf rows of ``texts`` (binarised when the model binarises)."""
        import scipy.sparse as sp

        texts = list(texts)
        if not texts:  # scikit-learn refuses to transform no documents
            return sp.csr_matrix((0, self.n_features), dtype=self.settings["dtype"])
        matrix = self.vectorizer.transform(texts).tocsr()
        if self.binarize is not None:
            matrix.data = (matrix.data > self.binarize).astype(matrix.dtype)
        return matrix

    def graph_inputs(
        self, texts: Sequence[str], *, dtype: np.dtype[Any] | type = np.float64
    ) -> dict[str, np.ndarray]:
        """``ids`` (int64) and ``weights`` (``dtype``), [n_docs, longest row], 0 as padding."""
        return padded_inputs(self.transform(texts), dtype=dtype)


def padded_inputs(
    matrix: sp.csr_matrix, *, dtype: np.dtype[Any] | type = np.float64
) -> dict[str, np.ndarray]:
    """The CSR rows of ``matrix`` as padded ``ids``/``weights``; a padding weight is 0,
    so its id (0, a real column) adds nothing. At least one column, even for empty rows."""
    lengths = np.diff(matrix.indptr)
    n_docs = int(matrix.shape[0])
    width = max(1, int(lengths.max(initial=0)))
    ids = np.zeros((n_docs, width), dtype=np.int64)
    weights = np.zeros((n_docs, width), dtype=dtype)
    rows = np.repeat(np.arange(n_docs), lengths)
    columns = np.arange(matrix.nnz) - np.repeat(matrix.indptr[:-1], lengths)
    ids[rows, columns] = matrix.indices
    weights[rows, columns] = matrix.data
    return {"ids": ids, "weights": weights}


def _build_vectorizer(
    settings: Mapping[str, Any], terms: Sequence[str], idf: np.ndarray | None
) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    options = dict(settings)
    options["ngram_range"] = tuple(options["ngram_range"])
    options["dtype"] = np.dtype(options["dtype"]).type
    vectorizer = TfidfVectorizer(vocabulary={term: i for i, term in enumerate(terms)}, **options)
    if idf is not None:
        vectorizer.idf_ = idf  # scikit-learn's public setter for a transferred idf
    else:
        vectorizer.fit([""])  # a fixed vocabulary without idf: fitting learns nothing
    return vectorizer
