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
    # 1,500 demo rows leave ~240 in the tuning subset: judge trials on 40 documents here
    "steps.tune.params.tuning.min_validation_docs=40",
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
        "refit",
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
    assert set(steps) == {"ingest", "profile", "validate", "clean", "sweep", "refit", "tune",
                          "train"}
    candidates = by_parent[steps["sweep"].info.run_id]
    assert len(candidates) == 15
    ridge = next(r for r in candidates if r.info.run_name == "ridge")
    assert ridge.data.metrics["accuracy"] > 0.5
    artifacts = {a.path for a in client.list_artifacts(ridge.info.run_id)}
    assert {"confusion_matrix.json", "model"} <= artifacts
    logged = {a.path for a in client.list_artifacts(steps["train"].info.run_id)}
    assert {"confusion_matrix.json", "confusion_matrix_network.json",
            "confusion_matrix_linear.json"} <= logged
    trials = by_parent[steps["tune"].info.run_id]
    assert len(trials) == 8

    board = pd.read_parquet(store / "reporting" / "sweep")
    assert board["status"].eq("ok").sum() >= 14
    assert len(pd.read_parquet(store / "reporting" / "trials")) == 8

    model = record.step("train").outputs["model"]
    assert model["family"] == "network"
    assert model["metrics"]["accuracy"] > 0.5  # five classes: chance is 0.2
    assert model["onnx_parity_max_abs_diff"] < 1e-4
    gate = record.step("train").outputs["gate"]
    assert [m["family"] for m in gate["models"]] == ["network", "linear"]
    promoted = [m for m in gate["models"] if m["registered"]["promoted"]]
    assert promoted == [gate["models"][gate["chosen"]]]  # the better of the two, no champion yet
    set_aside = gate["models"][1 - gate["chosen"]]["registered"]
    assert "of the same run on the same" in set_aside["reason"]
    versions = api.list_models()
    assert [v.aliases for v in versions].count(("champion",)) == 1
    champion = next(v for v in versions if "champion" in v.aliases)
    assert champion.version == promoted[0]["registered"]["version"]

    import mlflow.pyfunc

    for version in (1, 2):  # either family scores raw text through the same call
        loaded = mlflow.pyfunc.load_model(
            client.get_model_version_download_uri("textops-classifier", str(version))
        )
        scored = loaded.predict({"text": ["My parcel never arrived, the courier lost it!"]})
        assert scored["label"][0] in {"billing", "delivery", "technical", "account", "product"}

    # a deliberately worse network: registered, not promoted; the refitted model is reused
    worse = api.run(
        None,
        [
            *FAST,
            "steps.train.params.network.epochs=1",
            "steps.train.params.network.learning_rate=0.00001",
        ],
    )
    assert worse.step("refit").cache_hit
    again = worse.step("train").outputs["gate"]
    refitted = gate["models"][1]["registered"]["version"]
    # the same refitted model is not registered again: its version takes part as it is
    assert [m["registered"]["version"] for m in again["models"]] == [3, refitted]
    assert not again["models"][0]["registered"]["promoted"]
    assert next(v for v in api.list_models() if "champion" in v.aliases).version == champion.version
    history = api.models_history()
    assert {"registered", "promoted", "challenger"} <= {event.event for event in history}
    # the heavier steps' reporting tables keep the columns docs/reporting.md pins
    from support.reporting_docs import documented_columns
    from textops.store.reporting import ReportingTables
    from textops.store.store import Store

    tables = ReportingTables(Store(str(store)))
    for table in ("sweep", "refit", "trials", "trial_epochs", "runs", "drift", "profiles"):
        assert list(tables.read(table).columns) == documented_columns(table), table
