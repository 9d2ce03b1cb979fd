"""The MLflow pyfunc model: logged with its bundle, loaded plainly, scoring raw text.

MLflow 3.17's SQLite store configures SQLAlchemy mappers with a ``noload``
strategy that SQLAlchemy 2 deprecates; the warning is raised inside MLflow on
every new store and is not ours to fix, so it is filtered here by its message.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from support.corpora import FEW_COMMON_WORDS, TOPIC_WORDS, topic_corpus
from textops.errors import TrackingError

pytestmark = pytest.mark.filterwarnings(
    "ignore:The ``noload`` loader strategy is deprecated:DeprecationWarning"
)

def make_corpus(n_per_class: int = 30, seed: int = 0) -> tuple[list[str], list[str]]:
    topics = {label: TOPIC_WORDS[label] for label in ("sport", "tech")}
    texts, labels = topic_corpus(
        topics, common=FEW_COMMON_WORDS, n_per_class=n_per_class, seed=seed, own=0.5,
        length=(4, 12),
    )
    return [text.capitalize() + "!" for text in texts], labels  # raw: case and punctuation


@pytest.fixture(scope="module")
def bundle() -> dict[str, Any]:
    """A tiny trained network, its ONNX export and the cleaning settings it was trained with."""
    from textops.models.onnx_export import export_onnx
    from textops.models.training import NetworkConfig, fit_network
    from textops.text.cleaning import TextCleaner

    cleaner = TextCleaner().fit()
    texts, labels = make_corpus()
    cleaned = [str(t) for t in cleaner.transform(texts)]
    config = NetworkConfig(
        epochs=3, batch_size=8, buckets=64, min_count=1, embedding_dim=8, learning_rate=0.05
    )
    network = fit_network(cleaned, labels, config)
    return {
        "network": network,
        "onnx": export_onnx(network, cleaned).model,
        "cleaning": cleaner.get_params(),
        "texts": texts,
    }


@pytest.fixture
def tracking(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A SQLite tracking store in tmp_path; MLFLOW_TRACKING_URI points plain MLflow calls at it."""
    from mlflow import MlflowClient

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    client = MlflowClient(tracking_uri=uri)
    experiment = client.create_experiment("test", artifact_location=str(tmp_path / "artifacts"))
    return {"uri": uri, "experiment": experiment}


def log(bundle: dict[str, Any], **options: Any) -> str:
    from textops.models.pyfunc import log_pyfunc_model

    network = bundle["network"]
    return log_pyfunc_model(
        bundle["onnx"],
        network.tokenizer,
        labels=network.labels,
        cleaning=bundle["cleaning"],
        metadata={"metrics": {"accuracy": 0.9}, "dataset_version": "v1"},
        input_example=bundle["texts"][:2],
        **options,
    )


def test_a_plain_pyfunc_load_scores_raw_text(
    bundle: dict[str, Any], tracking: dict[str, str]
) -> None:
    import mlflow
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=tracking["uri"])
    run_id = client.create_run(tracking["experiment"]).info.run_id
    uri = log(bundle, run_id=run_id, tracking_uri=tracking["uri"])
    assert uri.startswith("models:/m-")
    assert [o.model_id for o in client.get_run(run_id).outputs.model_outputs] == [uri[8:]]

    raw = ["GOAL!!! The team won the MATCH.", "Python code on the cloud server", ""]
    scores = mlflow.pyfunc.load_model(uri).predict(pd.DataFrame({"text": raw}))
    network = bundle["network"]
    labels = network.labels
    assert list(scores.columns) == ["label", "probability"] + [f"proba_{x}" for x in labels]
    assert list(scores["label"][:2]) == ["sport", "tech"]
    probabilities = scores[[f"proba_{x}" for x in labels]].to_numpy()
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    # the model cleaned the text exactly as training did
    from textops.text.cleaning import TextCleaner

    cleaned = [str(t) for t in TextCleaner(**bundle["cleaning"]).fit().transform(raw)]
    np.testing.assert_allclose(probabilities, network.predict_proba(cleaned), atol=1e-5)


def test_logs_to_the_active_run_and_records_metadata(
    bundle: dict[str, Any], tracking: dict[str, str]
) -> None:
    import mlflow

    with mlflow.start_run(experiment_id=tracking["experiment"]) as run:
        uri = log(bundle)
    info = mlflow.models.get_model_info(uri)
    assert info.run_id == run.info.run_id
    assert info.metadata == {"metrics": {"accuracy": 0.9}, "dataset_version": "v1"}
    assert info.signature.inputs.input_names() == ["text"]
    model = mlflow.pyfunc.load_model(uri)
    with pytest.raises(Exception, match="text"):
        model.predict(pd.DataFrame({"body": ["goal"]}))


def test_logging_without_an_active_run_is_refused(bundle: dict[str, Any]) -> None:
    with pytest.raises(TrackingError, match="needs an active MLflow run"):
        log(bundle)


def test_read_bundle_gives_the_serving_side_the_same_classifier(
    bundle: dict[str, Any], tmp_path: Path
) -> None:
    from textops.models.pyfunc import _write_artifacts, read_bundle

    network = bundle["network"]
    paths = _write_artifacts(
        tmp_path, bundle["onnx"], network.tokenizer, labels=network.labels,
        cleaning=bundle["cleaning"], metadata={"k": 1},
    )
    read = read_bundle(Path(paths["onnx"]), Path(paths["tokenizer"]), Path(paths["bundle"]))
    assert read.labels == network.labels
    assert read.cleaning == json.loads(json.dumps(bundle["cleaning"]))  # stored as JSON
    texts = ["goal match", "cloud code"]
    np.testing.assert_allclose(
        read.classifier().predict_proba(texts), network.predict_proba(texts), atol=1e-5
    )
