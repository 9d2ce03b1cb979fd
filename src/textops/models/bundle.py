"""The files of a logged model and raw-text scoring from them, without MLflow.

A logged model bundles, as artifacts, one of two families::

    network                              linear (a TF-IDF linear model of the sweep)
    model.onnx      padded ids -> probabilities       ids + tf-idf weights -> probabilities
    tokenizer.json  Tokenizer.to_dict()   vectorizer.json  TfidfFeaturizer.to_dict()
    bundle.json     {"format", "family", "labels", "cleaning", "metadata"} (+ "scores")

``cleaning`` is the settings of ``textops.text.cleaning.TextCleaner`` (its
``get_params()``), or null when the model was trained on uncleaned text; the
scorer applies the same cleaner before featurising, so training and serving
never skew. ``scores`` says what a linear model's probabilities are:
``predict_proba`` (the model's own) or ``decision_softmax`` (a softmax of its
decision values, for models without probabilities; the argmax is its
prediction). A network bundle keeps format ``textops.pyfunc/1`` (a bundle
without ``family`` is a network: those logged earlier load as they did); a
linear bundle is ``textops.pyfunc/2``, which an older textops refuses by name.

:func:`write_bundle` writes the files, :func:`read_bundle` (or
:func:`read_artifacts`) reads them back and :class:`TextScorer` scores raw text
with them. The MLflow pyfunc model (:mod:`textops.tracking.pyfunc`) is a thin
wrapper round these; a scoring service can use them without MLflow.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
import pandas as pd

from textops.errors import ModelError
from textops.models.linear_export import OnnxLinearClassifier
from textops.models.onnx_export import OnnxTextClassifier
from textops.models.tfidf_state import TfidfFeaturizer
from textops.models.tokenizer import Tokenizer

__all__ = [
    "ARTIFACT_FILES",
    "FORMAT",
    "FORMATS",
    "LINEAR_ARTIFACT_FILES",
    "PROBA_PREFIX",
    "TEXT_COLUMN",
    "Family",
    "ProbabilityClassifier",
    "PyfuncBundle",
    "TextScorer",
    "family_of",
    "read_artifacts",
    "read_bundle",
    "scores_frame",
    "texts_of",
    "write_bundle",
]

Family = Literal["network", "linear"]
FORMAT = "textops.pyfunc/1"
FORMATS: dict[Family, str] = {"network": FORMAT, "linear": "textops.pyfunc/2"}
TEXT_COLUMN = "text"
PROBA_PREFIX = "proba_"
ARTIFACT_FILES = {"onnx": "model.onnx", "tokenizer": "tokenizer.json", "bundle": "bundle.json"}
LINEAR_ARTIFACT_FILES = {
    "onnx": "model.onnx",
    "vectorizer": "vectorizer.json",
    "bundle": "bundle.json",
}
_SCORE_KINDS = ("predict_proba", "decision_softmax")


class ProbabilityClassifier(Protocol):
    """What :class:`TextScorer` needs of a classifier: labels, and texts to probabilities."""

    labels: list[str]

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class PyfuncBundle:
    """What a logged model carries, read back from its files.

    ``tokenizer`` is the network's :class:`Tokenizer`, or a linear model's
    :class:`~textops.models.tfidf_state.TfidfFeaturizer`.
    """

    onnx_model: bytes
    tokenizer: Tokenizer | TfidfFeaturizer
    labels: list[str]
    cleaning: dict[str, Any] | None
    metadata: dict[str, Any]
    family: Family = "network"
    scores: str = "predict_proba"

    def classifier(self, *, threads: int | None = None) -> ProbabilityClassifier:
        if isinstance(self.tokenizer, TfidfFeaturizer):
            return OnnxLinearClassifier(
                self.onnx_model, self.tokenizer, self.labels, threads=threads
            )
        return OnnxTextClassifier(self.onnx_model, self.tokenizer, self.labels, threads=threads)


def family_of(featurizer: Tokenizer | TfidfFeaturizer) -> Family:
    """``linear`` for a TF-IDF featuriser, ``network`` for a tokenizer."""
    return "linear" if isinstance(featurizer, TfidfFeaturizer) else "network"


def read_artifacts(artifacts: Mapping[str, str | Path]) -> PyfuncBundle:
    """Read a bundle from its artifact paths by role, as MLflow's ``context.artifacts``
    gives them (``onnx``, ``bundle``, and ``tokenizer`` or ``vectorizer``)."""
    featurizer = artifacts.get("tokenizer") or artifacts.get("vectorizer")
    if featurizer is None or "onnx" not in artifacts or "bundle" not in artifacts:
        raise ModelError(
            f"the model's artifacts are {sorted(artifacts)}; expected onnx, bundle and "
            "tokenizer (a network) or vectorizer (a linear model)"
        )
    return read_bundle(Path(artifacts["onnx"]), Path(featurizer), Path(artifacts["bundle"]))


def read_bundle(onnx_path: Path, tokenizer_path: Path, bundle_path: Path) -> PyfuncBundle:
    """Read the three artifact files of a logged model; for a linear bundle
    ``tokenizer_path`` is its ``vectorizer.json``."""
    try:
        bundle = json.loads(Path(bundle_path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        folder = Path(bundle_path).parent
        raise ModelError(f"cannot read the model bundle at {folder}: {exc}") from exc
    family = _checked_family(bundle, bundle_path)
    try:
        state = json.loads(Path(tokenizer_path).read_text(encoding="utf-8"))
        featurizer: Tokenizer | TfidfFeaturizer = (
            TfidfFeaturizer.from_dict(state) if family == "linear" else Tokenizer.from_dict(state)
        )
        onnx_model = Path(onnx_path).read_bytes()
    except (OSError, ValueError, KeyError) as exc:
        folder = Path(bundle_path).parent
        raise ModelError(f"cannot read the model bundle at {folder}: {exc}") from exc
    return PyfuncBundle(
        onnx_model=onnx_model,
        tokenizer=featurizer,
        labels=list(bundle["labels"]),
        cleaning=bundle.get("cleaning"),
        metadata=bundle.get("metadata") or {},
        family=family,
        scores=str(bundle.get("scores", "predict_proba")),
    )


def _checked_family(bundle: Mapping[str, Any], bundle_path: Path) -> Family:
    family = bundle.get("family", "network")
    if family not in FORMATS:
        raise ModelError(
            f"{bundle_path} holds a model of family {family!r}; this textops serves "
            f"{sorted(FORMATS)}.",
            hint="re-log the model with this version of textops",
        )
    if bundle.get("format") != FORMATS[family]:
        raise ModelError(
            f"{bundle_path} has format {bundle.get('format')!r}; expected {FORMATS[family]!r}.",
            hint="re-log the model with this version of textops",
        )
    return family  # type: ignore[no-any-return]  # one of FORMATS, checked above


def write_bundle(
    folder: Path,
    onnx_model: bytes,
    tokenizer: Tokenizer | TfidfFeaturizer,
    *,
    labels: Sequence[str],
    cleaning: Mapping[str, Any] | None,
    metadata: Mapping[str, Any],
    scores: str | None = None,
) -> dict[str, str]:
    """Write the three files into ``folder``; their paths by role (``onnx``, ``bundle``,
    and ``tokenizer`` or ``vectorizer``), as MLflow's ``artifacts`` argument takes them.

    The family follows ``tokenizer``: a :class:`TfidfFeaturizer` makes a linear
    bundle, which needs ``scores`` (``LinearExport.scores``).
    """
    family = family_of(tokenizer)
    bundle: dict[str, Any] = {"format": FORMATS[family], "family": family}
    if family == "linear":
        if scores not in _SCORE_KINDS:
            raise ModelError(
                f"a linear bundle needs scores= one of {list(_SCORE_KINDS)}, got {scores!r}",
                hint="pass the export's own: scores=export.scores",
            )
        bundle["scores"] = scores
    files = LINEAR_ARTIFACT_FILES if family == "linear" else ARTIFACT_FILES
    paths = {key: Path(folder) / name for key, name in files.items()}
    featurizer_path = paths["vectorizer" if family == "linear" else "tokenizer"]
    paths["onnx"].write_bytes(onnx_model)
    featurizer_path.write_text(json.dumps(tokenizer.to_dict()), encoding="utf-8")
    bundle |= {
        "labels": [str(label) for label in labels],
        "cleaning": dict(cleaning) if cleaning is not None else None,
        "metadata": dict(metadata),
    }
    try:
        paths["bundle"].write_text(json.dumps(bundle, indent=2), encoding="utf-8")
    except TypeError as exc:
        raise ModelError(
            f"model metadata and cleaning settings must be JSON values: {exc}"
        ) from exc
    return {key: str(path) for key, path in paths.items()}


class TextScorer:
    """Scores raw text: the training's cleaner, the featuriser, then ONNX Runtime."""

    def __init__(
        self, classifier: ProbabilityClassifier, *, cleaning: Mapping[str, Any] | None = None
    ) -> None:
        self.classifier = classifier
        self._cleaner = _make_cleaner(cleaning)

    @classmethod
    def from_bundle(cls, bundle: PyfuncBundle, *, threads: int | None = None) -> TextScorer:
        """The scorer of a bundle read by :func:`read_bundle`."""
        return cls(bundle.classifier(threads=threads), cleaning=bundle.cleaning)

    @property
    def labels(self) -> list[str]:
        return list(self.classifier.labels)

    def predict(self, model_input: Any) -> pd.DataFrame:
        """Scores of :func:`texts_of` ``model_input``: see :func:`scores_frame`."""
        texts = texts_of(model_input)
        if self._cleaner is not None:
            texts = [str(text) for text in self._cleaner.transform(texts)]
        probabilities = self.classifier.predict_proba(texts).astype(np.float64)
        return scores_frame(probabilities, self.classifier.labels)


def _make_cleaner(settings: Mapping[str, Any] | None) -> Any:
    if settings is None:
        return None
    try:
        from textops.text.cleaning import TextCleaner
    except ImportError as exc:
        raise ModelError(
            "the model was trained on cleaned text but textops.text.cleaning cannot be imported: "
            f"{exc}"
        ) from exc
    return TextCleaner(**settings).fit()


def texts_of(model_input: Any) -> list[str]:
    """The documents of a scoring request, missing values as empty text.

    Takes a DataFrame or a mapping with a ``text`` column (``{"text": [...]}``;
    MLflow hands such a dict over as a one-row frame whose cell is the list, so
    that one cell is spread out), a sequence of texts, or one text.
    """
    if isinstance(model_input, pd.DataFrame | Mapping):
        if TEXT_COLUMN not in model_input:
            columns = list(
                model_input.columns if isinstance(model_input, pd.DataFrame) else model_input
            )
            raise ModelError(
                f"the model scores a column named {TEXT_COLUMN!r}; got columns {columns}.",
                hint=f'pass pd.DataFrame({{"{TEXT_COLUMN}": [...]}}) or {{"{TEXT_COLUMN}": [...]}}',
            )
        values = model_input[TEXT_COLUMN]
    else:
        values = model_input
    if isinstance(values, str):
        values = [values]
    column = pd.Series(values, dtype=object)
    if len(column) == 1 and isinstance(column.iat[0], list | tuple | np.ndarray | pd.Series):
        column = pd.Series(list(column.iat[0]), dtype=object)  # the one row MLflow made of a dict
    texts: list[str] = column.where(column.notna(), "").astype(str).tolist()
    return texts


def scores_frame(probabilities: np.ndarray, labels: Sequence[str]) -> pd.DataFrame:
    """The scores of a probability matrix (columns in ``labels`` order): ``label``, its
    ``probability`` and one ``proba_<label>`` column per class."""
    labels = list(labels)
    best = probabilities.argmax(axis=1) if len(probabilities) else np.zeros(0, dtype=int)
    frame = pd.DataFrame(
        {
            "label": pd.Series([labels[i] for i in best], dtype=object),
            "probability": probabilities[np.arange(len(best)), best],
        }
    )
    for i, label in enumerate(labels):
        frame[f"{PROBA_PREFIX}{label}"] = probabilities[:, i]
    return frame
