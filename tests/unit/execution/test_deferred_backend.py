"""A run whose every step is a cache hit never opens tracking; the first step that runs does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from support.pipeline_steps import calls
from textops.config.loader import validate_config
from textops.execution.backend import DeferredBackend
from textops.execution.runner import run_pipeline
from textops.store import Store
from textops.store.reporting import ReportingTables
from textops.tracking.memory import MemoryTracker

ROOT = Path(__file__).resolve().parents[3]


def _config(tmp_path: Path, *, value: int = 1, tracking: bool = False) -> Any:
    counter = tmp_path / "counts"
    counter.mkdir(exist_ok=True)
    return validate_config({
        "store": {"url": str(tmp_path / "store")},
        "environments": {"mode": "off"},
        "tracking": {"enabled": tracking},
        "steps": [
            {"name": "board", "uses": "support.file_steps:board",
             "params": {"counter": str(counter)}},
            {"name": "b", "uses": "support.pipeline_steps:source",
             "params": {"value": value, "counter": str(counter)}},
        ],
    })


def test_held_calls_are_made_in_order_once_started() -> None:
    inner = MemoryTracker()
    backend = DeferredBackend(inner)
    parent = backend.create_run("pipeline")
    child = backend.create_run("step", parent_id=parent)
    backend.log_batch(child, metrics={"wall_seconds": 1.5}, tags={"k": "v"})
    backend.log_artifact_bytes(parent, b"definition", "textops.resolved.yaml")
    assert inner.runs == {} and backend.real_id(parent) is None
    backend.start()
    real_parent, real_child = backend.real_id(parent), backend.real_id(child)
    assert real_parent is not None and real_child is not None
    assert inner.runs[real_child].parent_id == real_parent
    assert inner.runs[real_child].metrics == {"wall_seconds": 1.5}
    assert inner.runs[real_parent].artifacts == {"textops.resolved.yaml": b"definition"}
    backend.end_run(child, "FINISHED")  # after the start: straight through, id translated
    assert inner.runs[real_child].status == "FINISHED"
    late = backend.create_run("later", parent_id=parent)
    assert inner.runs[late].parent_id == real_parent and backend.real_id(late) == late


def test_an_all_cached_run_tracks_nothing_and_still_keeps_its_record(tmp_path: Path) -> None:
    config = _config(tmp_path)
    first = DeferredBackend(MemoryTracker())
    made = run_pipeline(config, backend=first)
    assert first.is_started and made.mlflow_run_id is not None
    assert all(step.mlflow_run_id for step in made.steps)

    inner = MemoryTracker()
    again = run_pipeline(config, backend=DeferredBackend(inner))
    assert [s.cache_hit for s in again.steps] == [True, True]
    assert inner.runs == {}
    assert again.mlflow_run_id is None and again.tracking_uri is None
    assert all(step.mlflow_run_id is None for step in again.steps)
    store = Store(str(tmp_path / "store"))
    stored = store.read_json("runs", again.run_id, "run.json")
    assert stored["mlflow_run_id"] is None and stored["status"] == "completed"
    rows = ReportingTables(store).read("runs")
    assert rows[rows["run_id"] == again.run_id]["cache_hit"].tolist() == [True, True]


def test_a_step_that_runs_opens_tracking_with_the_cached_steps_before_it(
    tmp_path: Path,
) -> None:
    run_pipeline(_config(tmp_path), backend=None)
    inner = MemoryTracker()
    record = run_pipeline(_config(tmp_path, value=2), backend=DeferredBackend(inner))
    assert record.step("board").cache_hit and not record.step("b").cache_hit
    assert calls(tmp_path / "counts", "board") == 1
    parent = inner.runs[record.mlflow_run_id or ""]
    names = {run.name: run for run in inner.children(parent.run_id)}
    assert set(names) == {"board", "b"}
    assert names["board"].tags["textops.cache_hit"] == "true"
    assert names["board"].metrics["wall_seconds"] == record.step("board").wall_seconds
    assert record.step("board").mlflow_run_id == names["board"].run_id


@pytest.mark.slow
def test_a_cached_run_with_mlflow_configured_never_imports_it(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from textops.execution.runner import run_pipeline\n"
        "from textops.config.loader import validate_config\n"
        "from unit.execution.test_deferred_backend import _config\n"
        f"config = _config(__import__('pathlib').Path({str(tmp_path)!r}), tracking=True)\n"
        "record = run_pipeline(config)\n"
        "print(record.tracking_uri is not None, 'mlflow' in sys.modules)\n"
    )
    env = {"PYTHONPATH": f"{ROOT / 'src'}:{ROOT / 'tests'}", "PATH": "/usr/bin:/bin"}
    outputs = [
        subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                       env=env, cwd=tmp_path, check=True, timeout=300).stdout.split()
        for _ in range(2)
    ]
    assert outputs == [["True", "True"], ["False", "False"]]
