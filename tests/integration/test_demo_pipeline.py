"""`textops demo` then `textops run`, end to end, as a user runs them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from support.project import keep_steps


def textops(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "textops.cli", *args], cwd=cwd, capture_output=True, text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result


@pytest.mark.slow
def test_demo_then_run_records_store_and_mlflow(tmp_path: Path) -> None:
    keep_steps(tmp_path, "ingest")  # the whole pipeline: test_full_pipeline.py
    textops(tmp_path, "demo")
    assert (tmp_path / "landing" / "drop1.csv").is_file()
    textops(tmp_path, "run")
    store = tmp_path / ".textops"
    (version,) = [p.name for p in (store / "datasets" / "demo").iterdir()]
    manifest = json.loads((store / "datasets" / "demo" / version / "manifest.json").read_text())
    assert manifest["parts"]["train"]["rows"] + manifest["parts"]["test"]["rows"] == 3000
    assert manifest["source"]["files"][0]["path"] == "drop1.csv"
    assert manifest["parent"] is None

    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{store / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("textops")
    runs = client.search_runs([experiment.experiment_id])
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    children = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
    assert len(parents) == 1 and parents[0].info.status == "FINISHED"
    ingest = next(r for r in children if r.info.run_name == "ingest")
    assert ingest.data.tags["mlflow.parentRunId"] == parents[0].info.run_id
    assert ingest.data.tags["textops.dataset"] == f"demo@{version}"
    assert ingest.data.tags["textops.cache_hit"] == "false"
    assert "runner_overhead_seconds" in ingest.data.metrics

    # the same data again: a cache hit and no new version
    textops(tmp_path, "run")
    assert [p.name for p in (store / "datasets" / "demo").iterdir()] == [version]

    # drop 2 lands: a new version that records its parent
    shutil.move(tmp_path / "demo-drops" / "drop2.parquet", tmp_path / "landing" / "drop2.parquet")
    textops(tmp_path, "run")
    textops(tmp_path, "datasets", "list")  # the table renders every verdict and drift status
    listing = textops(tmp_path, "datasets", "list", "--json").stdout
    assert version in listing
    latest = json.loads(textops(tmp_path, "datasets", "show", "latest").stdout)
    assert latest["parent"] == version and latest["sequence"] == 2
    assert latest["parts"]["train"]["rows"] + latest["parts"]["test"]["rows"] == 6000

    runs_table = pd.read_parquet(store / "reporting" / "runs")
    assert len(runs_table["run_id"].unique()) == 3
    assert set(runs_table["status"]) == {"completed", "cached"}


def test_graph_and_init(tmp_path: Path) -> None:
    textops(tmp_path, "init")
    assert (tmp_path / "textops.yaml").is_file()
    assert (tmp_path / "environments" / "torch.yml").is_file()
    graph = json.loads(textops(tmp_path, "graph", "--json").stdout)
    assert graph[0]["step"] == "ingest" and graph[0]["environment"] == "data"
