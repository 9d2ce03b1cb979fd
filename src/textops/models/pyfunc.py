"""The MLflow pyfunc model: raw text in, label and probabilities out.

A logged model bundles, as MLflow artifacts::

    artifacts/model.onnx       the ONNX graph (padded ids -> probabilities)
    artifacts/tokenizer.json   Tokenizer.to_dict()
    artifacts/bundle.json      {"format", "labels", "cleaning", "metadata"}

``cleaning`` is the settings of ``textops.text.cleaning.TextCleaner`` (its
``get_params()``), or null when the model was trained on uncleaned text; the
model applies the same cleaner before tokenising, so training and serving never
skew. The textops package travels with the model (``code_paths``), so
``mlflow.pyfunc.load_model(uri).predict(pd.DataFrame({"text": [...]}))`` works
in any environment with the pip requirements below; the scoring service can read
the same files with :func:`read_bundle`.

This module imports mlflow at import time; only the train step imports it.
"""

from __future__ import annotations

import json
import tempfile
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from textops.errors import ModelError, TrackingError
from textops.models.onnx_export import OnnxTextClassifier
from textops.models.tokenizer import Tokenizer

with warnings.catch_warnings():
    # MLflow 3.17 warns about type hints of its own agent classes while importing
    # mlflow.pyfunc; nothing of ours is involved, and it would fail -W error runs.
    warnings.filterwarnings("ignore", message=r".*Any type hint is inferred as AnyType")
    import mlflow.pyfunc
    from mlflow.pyfunc import PythonModel

FORMAT = "textops.pyfunc/1"
TEXT_COLUMN = "text"
PROBA_PREFIX = "proba_"
ARTIFACT_FILES = {"onnx": "model.onnx", "tokenizer": "tokenizer.json", "bundle": "bundle.json"}
_RUNTIME_PACKAGES = ("numpy", "pandas", "onnxruntime", "pydantic")


@dataclass(frozen=True)
class PyfuncBundle:
    """What a logged model carries, read back from its files."""

    onnx_model: bytes
    tokenizer: Tokenizer
    labels: list[str]
    cleaning: dict[str, Any] | None
    metadata: dict[str, Any]

    def classifier(self, *, threads: int | None = None) -> OnnxTextClassifier:
        return OnnxTextClassifier(self.onnx_model, self.tokenizer, self.labels, threads=threads)


def read_bundle(onnx_path: Path, tokenizer_path: Path, bundle_path: Path) -> PyfuncBundle:
    """Read the three artifact files of a logged model."""
    try:
        bundle = json.loads(Path(bundle_path).read_text(encoding="utf-8"))
        tokenizer_state = json.loads(Path(tokenizer_path).read_text(encoding="utf-8"))
        tokenizer = Tokenizer.from_dict(tokenizer_state)
        onnx_model = Path(onnx_path).read_bytes()
    except (OSError, ValueError, KeyError) as exc:
        folder = Path(bundle_path).parent
        raise ModelError(f"cannot read the model bundle at {folder}: {exc}") from exc
    if bundle.get("format") != FORMAT:
        raise ModelError(
            f"{bundle_path} has format {bundle.get('format')!r}; expected {FORMAT!r}.",
            hint="re-log the model with this version of textops",
        )
    return PyfuncBundle(
        onnx_model=onnx_model,
        tokenizer=tokenizer,
        labels=list(bundle["labels"]),
        cleaning=bundle.get("cleaning"),
        metadata=bundle.get("metadata") or {},
    )


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


class TextClassifierModel(PythonModel):
    """Scores raw text: clean, tokenise, ONNX Runtime; holds no state until loaded."""

    def load_context(self, context: Any) -> None:
        artifacts = context.artifacts
        bundle = read_bundle(
            Path(artifacts["onnx"]), Path(artifacts["tokenizer"]), Path(artifacts["bundle"])
        )
        self._classifier = bundle.classifier()
        self._cleaner = _make_cleaner(bundle.cleaning)

    def predict(
        self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None
    ) -> pd.DataFrame:
        """``label``, its ``probability`` and one ``proba_<label>`` column per class."""
        texts = _texts_of(model_input)
        if self._cleaner is not None:
            texts = [str(text) for text in self._cleaner.transform(texts)]
        probabilities = self._classifier.predict_proba(texts).astype(np.float64)
        return scores_frame(probabilities, self._classifier.labels)


def _texts_of(model_input: Any) -> list[str]:
    if isinstance(model_input, pd.DataFrame):
        if TEXT_COLUMN not in model_input.columns:
            raise ModelError(
                f"the model scores a column named {TEXT_COLUMN!r}; got columns "
                f"{list(model_input.columns)}.",
                hint=f'pass pd.DataFrame({{"{TEXT_COLUMN}": [...]}})',
            )
        column = model_input[TEXT_COLUMN]
    else:
        column = pd.Series(list(model_input) if not isinstance(model_input, str) else [model_input])
    return ["" if pd.isna(value) else str(value) for value in column]


def scores_frame(probabilities: np.ndarray, labels: Sequence[str]) -> pd.DataFrame:
    """The pyfunc output for a probability matrix (columns in ``labels`` order)."""
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


def _signature(labels: Sequence[str]) -> Any:
    from mlflow.models import ModelSignature
    from mlflow.types import ColSpec, Schema

    outputs: list[Any] = [ColSpec("string", "label"), ColSpec("double", "probability")]
    outputs += [ColSpec("double", f"{PROBA_PREFIX}{label}") for label in labels]
    return ModelSignature(inputs=Schema([ColSpec("string", TEXT_COLUMN)]), outputs=Schema(outputs))


def pip_requirements(*, cleaning: bool, extra: Sequence[str] = ()) -> list[str]:
    """Pinned runtime packages of the pyfunc model (textops itself travels as code)."""
    packages = list(_RUNTIME_PACKAGES) + (["scikit-learn", "polars"] if cleaning else [])
    pinned = []
    for package in packages:
        try:
            pinned.append(f"{package}=={importlib_metadata.version(package)}")
        except importlib_metadata.PackageNotFoundError:
            pinned.append(package)
    return pinned + list(extra)


def _write_artifacts(
    folder: Path,
    onnx_model: bytes,
    tokenizer: Tokenizer,
    *,
    labels: Sequence[str],
    cleaning: Mapping[str, Any] | None,
    metadata: Mapping[str, Any],
) -> dict[str, str]:
    paths = {key: folder / name for key, name in ARTIFACT_FILES.items()}
    paths["onnx"].write_bytes(onnx_model)
    paths["tokenizer"].write_text(json.dumps(tokenizer.to_dict()), encoding="utf-8")
    bundle = {
        "format": FORMAT,
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


def log_pyfunc_model(
    onnx_model: bytes,
    tokenizer: Tokenizer,
    *,
    labels: Sequence[str],
    cleaning: Mapping[str, Any] | None = None,
    metadata: Mapping[str, Any] | None = None,
    name: str = "model",
    input_example: Sequence[str] | None = None,
    run_id: str | None = None,
    tracking_uri: str | None = None,
    extra_pip_requirements: Sequence[str] = (),
) -> str:
    """Log the pyfunc model and return its URI (``models:/<model_id>``).

    Without ``run_id`` it logs to the active MLflow run with
    ``mlflow.pyfunc.log_model``. With ``run_id`` (and ``tracking_uri``) it touches
    no global MLflow state: it saves the model locally and attaches it to that
    run through ``MlflowClient``'s logged-model API.
    """
    import textops

    metadata = dict(metadata or {})
    example = pd.DataFrame({TEXT_COLUMN: list(input_example or ["an example document"])[:5]})
    with tempfile.TemporaryDirectory(prefix="textops-pyfunc-") as tmp:
        artifacts = _write_artifacts(
            Path(tmp), onnx_model, tokenizer, labels=labels, cleaning=cleaning, metadata=metadata
        )
        options: dict[str, Any] = {
            "python_model": TextClassifierModel(),
            "artifacts": artifacts,
            "code_paths": [str(Path(textops.__file__).parent)],
            "signature": _signature([str(label) for label in labels]),
            "input_example": example,
            "pip_requirements": pip_requirements(
                cleaning=cleaning is not None, extra=extra_pip_requirements
            ),
            "metadata": _flat_metadata(metadata),
        }
        with warnings.catch_warnings():
            # MLflow 3.17 compares DataFrame columns with a range while handling the
            # input example, which pandas 3 deprecates; the comparison is MLflow's.
            warnings.filterwarnings("ignore", message="Operation with range is deprecated")
            if run_id is None:
                return _log_to_active_run(name, options)
            return _log_to_run(name, options, run_id=run_id, tracking_uri=tracking_uri, tmp=tmp)


def _flat_metadata(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """MLmodel metadata must be YAML-safe: keep JSON-able values, stringify the rest."""
    return json.loads(json.dumps(dict(metadata), default=str))


def _log_to_active_run(name: str, options: dict[str, Any]) -> str:
    if mlflow.active_run() is None:
        raise TrackingError(
            "log_pyfunc_model needs an active MLflow run.",
            hint="call it inside `with mlflow.start_run():`, or pass run_id= and tracking_uri=",
        )
    try:
        info = mlflow.pyfunc.log_model(name=name, **options)
    except Exception as exc:  # noqa: BLE001 - MLflow raises many types; translate once
        raise TrackingError(f"MLflow refused to log the model '{name}': {exc}") from exc
    return str(info.model_uri)


def _log_to_run(
    name: str, options: dict[str, Any], *, run_id: str, tracking_uri: str | None, tmp: str
) -> str:
    from mlflow import MlflowClient
    from mlflow.entities import LoggedModelOutput, LoggedModelStatus

    local = Path(tmp) / "model"
    try:
        client = MlflowClient(tracking_uri=tracking_uri)
        run = client.get_run(run_id)
        mlflow.pyfunc.save_model(str(local), **options)
        model = client.create_logged_model(
            experiment_id=run.info.experiment_id, name=name, source_run_id=run_id
        )
        client.log_model_artifacts(model.model_id, str(local))
        client.finalize_logged_model(model.model_id, LoggedModelStatus.READY)
        client.log_outputs(run_id, [LoggedModelOutput(model.model_id, step=0)])
    except Exception as exc:  # noqa: BLE001 - MLflow raises many types; translate once
        raise TrackingError(
            f"MLflow at '{tracking_uri}' refused to log the model '{name}' to run {run_id}: {exc}"
        ) from exc
    return f"models:/{model.model_id}"
