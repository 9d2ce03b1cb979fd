"""The MLflow pyfunc model of a trained network or linear model, and logging it.

The model's files and its raw-text scoring are :mod:`textops.models.bundle`;
this module wraps them as an ``mlflow.pyfunc.PythonModel``, one class for both
families (the bundle says which). The textops package
travels with the model (``code_paths``), so
``mlflow.pyfunc.load_model(uri).predict(pd.DataFrame({"text": [...]}))`` (or
``predict({"text": [...]})``) works in any environment with the pip
requirements below.

Models logged before this module existed pickled the class as
``textops.models.pyfunc.TextClassifierModel``; that name still resolves to
:class:`TextClassifierModel` here, so they keep loading.

This module imports mlflow at import time; only the train step imports it.
"""

from __future__ import annotations

import json
import tempfile
import warnings
from collections.abc import Mapping, Sequence
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import pandas as pd

from textops.errors import TrackingError
from textops.models.bundle import (
    PROBA_PREFIX,
    TEXT_COLUMN,
    Family,
    TextScorer,
    family_of,
    read_artifacts,
    write_bundle,
)
from textops.models.tfidf_state import TfidfFeaturizer
from textops.models.tokenizer import Tokenizer

with warnings.catch_warnings():
    # MLflow 3.17 warns about type hints of its own agent classes while importing
    # mlflow.pyfunc; nothing of ours is involved, and it would fail -W error runs.
    warnings.filterwarnings("ignore", message=r".*Any type hint is inferred as AnyType")
    import mlflow.pyfunc
    from mlflow.pyfunc.model import PythonModel

__all__ = ["TextClassifierModel", "log_pyfunc_model", "pip_requirements"]

_RUNTIME_PACKAGES = ("numpy", "pandas", "onnxruntime", "pydantic")
# the cleaner uses scikit-learn's API and polars; a linear model's featuriser is
# scikit-learn's own TfidfVectorizer, rebuilt from JSON
_CLEANING_PACKAGES = ("scikit-learn", "polars")
_LINEAR_PACKAGES = ("scikit-learn", "scipy")


class TextClassifierModel(PythonModel):
    """Scores raw text with a :class:`~textops.models.bundle.TextScorer`; holds no state
    until loaded."""

    def load_context(self, context: Any) -> None:
        self._scorer = TextScorer.from_bundle(read_artifacts(context.artifacts))

    # the hint stays a DataFrame, as models logged earlier recorded it: MLflow hands
    # a {"text": [...]} dict over as a one-row frame, which the scorer spreads out
    def predict(
        self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None
    ) -> pd.DataFrame:
        """``label``, its ``probability`` and one ``proba_<label>`` column per class."""
        return self._scorer.predict(model_input)


def pip_requirements(
    *, cleaning: bool, family: Family = "network", extra: Sequence[str] = ()
) -> list[str]:
    """Pinned runtime packages of the pyfunc model (textops itself travels as code)."""
    packages = list(_RUNTIME_PACKAGES)
    packages += list(_CLEANING_PACKAGES) if cleaning else []
    packages += list(_LINEAR_PACKAGES) if family == "linear" else []
    packages = list(dict.fromkeys(packages))
    pinned = []
    for package in packages:
        try:
            pinned.append(f"{package}=={importlib_metadata.version(package)}")
        except importlib_metadata.PackageNotFoundError:
            pinned.append(package)
    return pinned + list(extra)


def _signature(labels: Sequence[str]) -> Any:
    from mlflow.models import ModelSignature
    from mlflow.types import ColSpec, Schema

    outputs: list[Any] = [ColSpec("string", "label"), ColSpec("double", "probability")]
    outputs += [ColSpec("double", f"{PROBA_PREFIX}{label}") for label in labels]
    return ModelSignature(inputs=Schema([ColSpec("string", TEXT_COLUMN)]), outputs=Schema(outputs))


def log_pyfunc_model(
    onnx_model: bytes,
    tokenizer: Tokenizer | TfidfFeaturizer,
    *,
    labels: Sequence[str],
    cleaning: Mapping[str, Any] | None = None,
    metadata: Mapping[str, Any] | None = None,
    scores: str | None = None,
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

    A network passes its ONNX graph and :class:`Tokenizer`; a linear model of
    the sweep passes ``export.model, export.featurizer, labels=export.labels,
    scores=export.scores`` of :func:`~textops.models.linear_export.export_linear`.
    The model's metadata records its ``family`` (and a linear model's ``scores``).
    """
    family = family_of(tokenizer)
    metadata = _model_metadata(family, scores=scores, extra=metadata)
    requirements = pip_requirements(
        cleaning=cleaning is not None, family=family, extra=extra_pip_requirements
    )
    with tempfile.TemporaryDirectory(prefix="textops-pyfunc-") as tmp:
        artifacts = write_bundle(
            Path(tmp), onnx_model, tokenizer,
            labels=labels, cleaning=cleaning, metadata=metadata, scores=scores,
        )
        options = _model_options(
            artifacts, labels=labels, input_example=input_example,
            requirements=requirements, metadata=metadata,
        )
        with warnings.catch_warnings():
            # MLflow 3.17 compares DataFrame columns with a range while handling the
            # input example, which pandas 3 deprecates; the comparison is MLflow's.
            warnings.filterwarnings("ignore", message="Operation with range is deprecated")
            if run_id is None:
                return _log_to_active_run(name, options)
            return _log_to_run(name, options, run_id=run_id, tracking_uri=tracking_uri, tmp=tmp)


def _model_metadata(
    family: Family, *, scores: str | None, extra: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The model's ``family`` (and a linear model's ``scores``), then the caller's metadata."""
    own: dict[str, Any] = {"family": family, **({"scores": scores} if family == "linear" else {})}
    return own | dict(extra or {})


def _model_options(
    artifacts: Mapping[str, str],
    *,
    labels: Sequence[str],
    input_example: Sequence[str] | None,
    requirements: list[str],
    metadata: Mapping[str, Any],
) -> dict[str, Any]:
    """The keyword arguments of ``mlflow.pyfunc.log_model`` / ``save_model`` for the bundle."""
    import textops

    example = pd.DataFrame({TEXT_COLUMN: list(input_example or ["an example document"])[:5]})
    return {
        "python_model": TextClassifierModel(),
        "artifacts": artifacts,
        "code_paths": [str(Path(textops.__file__).parent)],
        "signature": _signature([str(label) for label in labels]),
        "input_example": example,
        "pip_requirements": requirements,
        "metadata": _flat_metadata(metadata),
    }


def _flat_metadata(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """MLmodel metadata must be YAML-safe: keep JSON-able values, stringify the rest."""
    flat: dict[str, Any] = json.loads(json.dumps(dict(metadata), default=str))
    return flat


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
