"""What each run keeps of itself: its resolved definition, its dataset input, its timings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from textops.config.loader import validate_config
from textops.execution.runner import DEFINITION_ARTIFACT, run_pipeline
from textops.store import Store
from textops.tracking.memory import MemoryTracker


def _config(tmp_path: Path) -> Any:
    counter = tmp_path / "counts"
    counter.mkdir(exist_ok=True)
    return validate_config({
        "store": {"url": str(tmp_path / "store")},
        "environments": {"mode": "off"},
        "steps": [
            {"name": "a", "uses": "support.pipeline_steps:dataset",
             "params": {"value": 2, "counter": str(counter)}},
            {"name": "b", "uses": "support.pipeline_steps:source",
             "params": {"counter": str(counter)}},
        ],
    })


def test_the_resolved_definition_is_kept_in_run_json_and_beside_the_parent_run(
    tmp_path: Path,
) -> None:
    backend = MemoryTracker()
    record = run_pipeline(_config(tmp_path), backend=backend)
    stored = Store(str(tmp_path / "store")).read_json("runs", record.run_id, "run.json")
    steps = {step["name"]: step for step in stored["definition"]["steps"]}
    assert steps["b"]["params"] == {"value": 1, "counter": str(tmp_path / "counts")}  # defaults
    assert steps["b"]["compute"] == "local" and "environment" in steps["b"]
    artifact = backend.runs[record.mlflow_run_id or ""].artifacts[DEFINITION_ARTIFACT]
    assert yaml.safe_load(artifact) == stored["definition"]


def test_passwords_in_urls_are_not_kept(tmp_path: Path) -> None:
    config = _config(tmp_path)
    config.tracking.uri = "postgresql://user:secret@db/mlflow"
    record = run_pipeline(config, backend=None)
    assert record.definition is not None
    assert record.definition["tracking"]["uri"] == "postgresql://user:***@db/mlflow"


def test_the_dataset_version_is_the_parent_runs_input(tmp_path: Path) -> None:
    backend = MemoryTracker()
    record = run_pipeline(_config(tmp_path), backend=backend)
    (logged,) = backend.runs[record.mlflow_run_id or ""].inputs
    assert logged["name"] == "toy" and logged["digest"] == "v2"
    assert logged["context"] == "training"
    assert logged["source"] == str(tmp_path / "store" / "datasets" / "toy" / "v2")


@pytest.mark.parametrize("cached", [False, True])
def test_step_timings_are_logged_with_their_real_values(tmp_path: Path, cached: bool) -> None:
    backend = MemoryTracker()
    config = _config(tmp_path)
    record = run_pipeline(config, backend=backend)
    if cached:
        record = run_pipeline(config, backend=backend)
    assert record.step("b").cache_hit is cached  # 'a' names a version the store lacks: reruns
    for step in record.steps:
        (run,) = [r for r in backend.children(record.mlflow_run_id) if r.name == step.name]
        assert run.metrics["wall_seconds"] == step.wall_seconds > 0
        assert run.metrics["runner_overhead_seconds"] == step.overhead_seconds
    parent = backend.runs[record.mlflow_run_id or ""]
    assert parent.metrics["wall_seconds"] == sum(s.wall_seconds for s in record.steps) > 0
