"""The whole default pipeline on the demo data, tracked in SQLite MLflow, sweep and tuning
on Dask."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from textops import api

FAST = [
    "steps.tune.params.tuning.n_trials=8",
    "steps.tune.params.space.epochs={type: int, low: 2, high: 4}",
    "steps.tune.params.space.architecture={type: categorical, choices: [fasttext]}",
]


@pytest.mark.slow
@pytest.mark.dask
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_default_pipeline_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    api.write_demo("landing", "later", rows=1500)
    record = api.run(None, FAST)
    assert [s.name for s in record.steps] == [
        "ingest",
        "profile",
        "validate",
        "clean",
        "sweep",
        "tune",
        "train",
    ]
    assert {s.status for s in record.steps} == {"completed"}

    from mlflow.tracking import MlflowClient

    store = tmp_path / ".textops"
    client = MlflowClient(tracking_uri=f"sqlite:///{store / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("textops")
    runs = client.search_runs([experiment.experiment_id], max_results=1000)
    by_parent: dict[str, list] = {}
    for run in runs:
        by_parent.setdefault(run.data.tags.get("mlflow.parentRunId", ""), []).append(run)
    steps = {r.info.run_name: r for r in by_parent[record.mlflow_run_id]}
    assert set(steps) == {"ingest", "profile", "validate", "clean", "sweep", "tune", "train"}
    candidates = by_parent[steps["sweep"].info.run_id]
    assert len(candidates) == 15
    ridge = next(r for r in candidates if r.info.run_name == "ridge")
    assert ridge.data.metrics["accuracy"] > 0.5
    artifacts = {a.path for a in client.list_artifacts(ridge.info.run_id)}
    assert {"confusion_matrix.json", "model"} <= artifacts
    trials = by_parent[steps["tune"].info.run_id]
    assert len(trials) == 8

    board = pd.read_parquet(store / "reporting" / "sweep")
    assert board["status"].eq("ok").sum() >= 14
    assert len(pd.read_parquet(store / "reporting" / "trials")) == 8

    model = record.step("train").outputs["model"]
    assert model["metrics"]["accuracy"] > 0.5  # five classes: chance is 0.2
    assert model["onnx_parity_max_abs_diff"] < 1e-4
    assert model["registered"]["promoted"] is True
    versions = api.list_models()
    assert versions[0].aliases == ("champion",)

    import mlflow.pyfunc

    loaded = mlflow.pyfunc.load_model(
        client.get_model_version_download_uri("textops-classifier", "1")
    )
    scored = loaded.predict(
        pd.DataFrame({"text": ["My parcel never arrived, the courier lost it!"]})
    )
    assert scored["label"][0] in {"billing", "delivery", "technical", "account", "product"}

    # a deliberately worse network is registered but not promoted
    worse = api.run(
        None,
        [
            *FAST,
            "steps.train.params.network.epochs=1",
            "steps.train.params.network.learning_rate=0.00001",
        ],
    )
    registered = worse.step("train").outputs["model"]["registered"]
    assert registered["version"] == 2 and registered["promoted"] is False
    assert "champion" in api.list_models()[0].aliases
    assert "challenger" in api.list_models()[1].aliases
