from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from support.pipeline_steps import calls
from textops.config.loader import validate_config
from textops.errors import StepError, TextopsError
from textops.execution.runner import RunOptions, run_pipeline
from textops.store import Store
from textops.store.reporting import ReportingTables
from textops.tracking.memory import MemoryTracker


def chain(tmp_path: Path, *, value: int = 3, fail_flag: Path | None = None) -> Any:
    counter = tmp_path / "counts"
    counter.mkdir(exist_ok=True)
    steps: list[dict[str, Any]] = [
        {"name": "a", "uses": "support.pipeline_steps:source",
         "params": {"value": value, "counter": str(counter)}},
        {"name": "b", "uses": "support.pipeline_steps:double", "inputs": {"x": "a.value"},
         "params": {"counter": str(counter), "fail_flag": str(fail_flag) if fail_flag else None}},
        {"name": "c", "uses": "support.pipeline_steps:double", "inputs": {"x": "b.value"},
         "params": {"counter": str(counter)}},
    ]
    raw = {
        "store": {"url": str(tmp_path / "store")},
        "environments": {"mode": "off"},
        "steps": steps,
    }
    return validate_config(raw), counter


def test_runs_in_dependency_order_and_passes_outputs(tmp_path: Path) -> None:
    config, counter = chain(tmp_path)
    record = run_pipeline(config, backend=None)
    assert [s.status for s in record.steps] == ["completed"] * 3
    assert record.step("c").outputs["value"]["value"] == 12
    assert (calls(counter, "a"), calls(counter, "b"), calls(counter, "c")) == (1, 1, 1)


def test_unchanged_key_is_a_cache_hit(tmp_path: Path) -> None:
    config, counter = chain(tmp_path)
    run_pipeline(config, backend=None)
    record = run_pipeline(config, backend=None)
    assert [s.cache_hit for s in record.steps] == [True, True, True]
    assert calls(counter, "c") == 1
    assert record.step("c").outputs["value"]["value"] == 12


def test_changed_parameter_misses_the_cache_downstream(tmp_path: Path) -> None:
    config, counter = chain(tmp_path, value=3)
    run_pipeline(config, backend=None)
    changed, _ = chain(tmp_path, value=4)
    record = run_pipeline(changed, backend=None)
    assert [s.cache_hit for s in record.steps] == [False, False, False]
    assert record.step("c").outputs["value"]["value"] == 16


def test_resume_after_a_failed_step(tmp_path: Path) -> None:
    flag = tmp_path / "fail"
    flag.touch()
    config, counter = chain(tmp_path, fail_flag=flag)
    with pytest.raises(StepError, match="step 'b' failed: RuntimeError: asked to fail"):
        run_pipeline(config, backend=None)
    flag.unlink()
    record = run_pipeline(config, backend=None)
    assert [s.status for s in record.steps] == ["cached", "completed", "completed"]
    assert calls(counter, "a") == 1
    assert calls(counter, "b") == 2


def test_failed_run_is_recorded(tmp_path: Path) -> None:
    flag = tmp_path / "fail"
    flag.touch()
    config, _ = chain(tmp_path, fail_flag=flag)
    with pytest.raises(StepError):
        run_pipeline(config, backend=None)
    store = Store(config.store.url)
    run_dirs = [d for d in store.listdir("runs") if d != "_cache"]
    record = store.read_json("runs", run_dirs[0], "run.json")
    assert record["status"] == "failed"
    assert [s["status"] for s in record["steps"]] == ["completed", "failed", "pending"]


def test_only_reuses_upstream_and_runs_one_step(tmp_path: Path) -> None:
    config, counter = chain(tmp_path)
    run_pipeline(config, backend=None)
    record = run_pipeline(config, RunOptions(only="b", force=True), backend=None)
    assert [s.status for s in record.steps] == ["cached", "completed", "skipped"]
    assert (calls(counter, "a"), calls(counter, "b"), calls(counter, "c")) == (1, 2, 1)


def test_only_without_cached_upstream_says_what_to_do(tmp_path: Path) -> None:
    config, _ = chain(tmp_path)
    with pytest.raises(StepError, match="has no stored outputs.*--only c"):
        run_pipeline(config, RunOptions(only="c"), backend=None)


def test_from_reruns_the_step_and_everything_after(tmp_path: Path) -> None:
    config, counter = chain(tmp_path)
    run_pipeline(config, backend=None)
    record = run_pipeline(config, RunOptions(from_step="b"), backend=None)
    assert [s.status for s in record.steps] == ["cached", "completed", "completed"]
    assert (calls(counter, "a"), calls(counter, "b"), calls(counter, "c")) == (1, 2, 2)


def test_force_reruns_everything(tmp_path: Path) -> None:
    config, counter = chain(tmp_path)
    run_pipeline(config, backend=None)
    run_pipeline(config, RunOptions(force=True), backend=None)
    assert (calls(counter, "a"), calls(counter, "b"), calls(counter, "c")) == (2, 2, 2)


def test_unknown_step_name_in_options(tmp_path: Path) -> None:
    config, _ = chain(tmp_path)
    with pytest.raises(TextopsError, match="there is no step 'nope'"):
        run_pipeline(config, RunOptions(only="nope"), backend=None)


def test_records_timings_reports_and_runs_table(tmp_path: Path) -> None:
    config, _ = chain(tmp_path)
    record = run_pipeline(config, backend=None)
    for step in record.steps:
        assert step.wall_seconds >= step.step_seconds >= 0
        assert step.overhead_seconds >= 0
    tables = ReportingTables(Store(config.store.url))
    runs = tables.read("runs")
    assert list(runs["step"]) == ["a", "b", "c"]
    assert set(runs["status"]) == {"completed"}
    doubles = tables.read("doubles")
    assert sorted(doubles["value"]) == [6, 12]
    assert set(doubles["run_id"]) == {record.run_id}


def test_tracking_tree_parent_and_step_children(tmp_path: Path) -> None:
    config, _ = chain(tmp_path)
    backend = MemoryTracker()
    record = run_pipeline(config, backend=backend)
    parent = backend.runs[record.mlflow_run_id]
    assert parent.status == "FINISHED"
    children = backend.children(parent.run_id)
    assert [c.name for c in children] == ["a", "b", "c"]
    b = next(c for c in children if c.name == "b")
    assert b.metrics["doubled"] == 6
    assert b.tags["textops.cache_hit"] == "false"
    assert "wall_seconds" in b.metrics and "runner_overhead_seconds" in b.metrics
    assert b.params["counter"]
    again = run_pipeline(config, backend=backend)
    cached = backend.children(again.mlflow_run_id)
    assert {c.tags["textops.cache_hit"] for c in cached} == {"true"}


def test_data_scope_is_part_of_the_cache_key(tmp_path: Path) -> None:
    config, counter = chain(tmp_path)
    run_pipeline(config, backend=None)
    raw = config.model_dump()
    raw["steps"][2]["data"] = "subset"
    record = run_pipeline(validate_config(raw), backend=None)
    assert [s.cache_hit for s in record.steps] == [True, True, False]


def test_unknown_input_name_is_refused(tmp_path: Path) -> None:
    config, _ = chain(tmp_path)
    raw = config.model_dump()
    raw["steps"][1]["inputs"]["bestt"] = "a.value"
    from textops.errors import ConfigError

    with pytest.raises(ConfigError, match="has no input named bestt"):
        run_pipeline(validate_config(raw), backend=None)


def test_step_params_are_logged_without_passwords() -> None:
    from textops.tracking.base import redact

    assert (
        redact("postgresql://user:s3cret@db:5432/optuna") == "postgresql://user:***@db:5432/optuna"
    )
    assert redact("sqlite:///tmp/x.db") == "sqlite:///tmp/x.db"
    assert redact(3) == 3


def test_a_damaged_cache_entry_reruns_the_step(tmp_path: Path) -> None:
    config, counter = chain(tmp_path)
    first = run_pipeline(config, backend=None)
    entry = Path(config.store.url) / "runs" / "_cache" / f"{first.step('b').cache_key}.json"
    entry.write_text('{"outputs": {"value": {"value": "not a number"}}}')
    again = run_pipeline(config, backend=None)
    assert again.step("b").status == "completed" and not again.step("b").cache_hit
    assert again.step("a").cache_hit
    assert calls(counter, "b") == 2


def test_a_step_returning_the_wrong_record_type_fails_clearly(tmp_path: Path) -> None:
    config, _ = chain(tmp_path)
    raw = config.model_dump(mode="json")
    raw["steps"][0]["uses"] = "support.pipeline_steps:text"
    raw["steps"] = raw["steps"][:1]
    from support import pipeline_steps

    original = pipeline_steps.text.fn
    object.__setattr__(pipeline_steps.text, "fn", pipeline_steps.source.fn)
    try:
        with pytest.raises(StepError, match="'value' is a Number, not a Text"):
            run_pipeline(validate_config(raw), backend=None)
    finally:
        object.__setattr__(pipeline_steps.text, "fn", original)


def test_the_code_version_is_recorded_per_step(tmp_path: Path) -> None:
    config, _ = chain(tmp_path)
    record = run_pipeline(config, backend=None)
    assert all(step.code_version for step in record.steps)
    saved = Store(config.store.url).read_json("runs", record.run_id, "run.json")
    assert saved["steps"][0]["code_version"] == record.steps[0].code_version


def test_a_candidate_killed_for_memory_names_the_workers_limit_through_the_runner(
    tmp_path: Path,
) -> None:
    import pandas as pd

    from textops.compute.testing import FakeExecutor

    landing = tmp_path / "landing"
    landing.mkdir()
    pd.DataFrame(
        {
            "text": [f"topic {'alpha' if i % 2 else 'beta'} words {i}" for i in range(80)],
            "label": ["a", "b"] * 40,
        }
    ).to_csv(landing / "rows.csv", index=False)
    raw = {
        "store": {"url": str(tmp_path / "store")},
        "tracking": {"enabled": False},
        "environments": {"mode": "off"},
        "data": {"source": str(landing)},
        "steps": [
            {"name": "ingest", "uses": "ingest"},
            {"name": "clean", "uses": "clean", "inputs": {"dataset": "ingest.dataset"}},
            {
                "name": "sweep",
                "uses": "sweep",
                "inputs": {"cleaned": "clean.cleaned"},
                "params": {
                    "save_skops": False,
                    "candidates": [
                        {"name": "ridge", "estimator": "sklearn.linear_model.RidgeClassifier"},
                        {
                            "name": "nearest_centroid",
                            "estimator": "sklearn.neighbors.NearestCentroid",
                        },
                    ],
                },
            },
        ],
    }
    executors: list[FakeExecutor] = []

    def factory(target: Any) -> FakeExecutor:
        executor = FakeExecutor(
            n_workers=2,
            memory_limit=3 * 2**30,
            lose=lambda task: task.name == "fit_candidate" and task.args[0].name == "ridge",
        )
        executors.append(executor)
        return executor

    record = run_pipeline(validate_config(raw), backend=None, executor_factory=factory)
    board = ReportingTables(Store(str(tmp_path / "store"))).read("sweep")
    ridge = board[board["name"] == "ridge"].iloc[0]
    assert ridge["status"] == "failed"
    assert "worker memory limit of 3.0 GiB" in ridge["error"]
    assert record.step("sweep").outputs["leaderboard"]["failed"] == ["ridge"]
    assert record.step("sweep").outputs["leaderboard"]["best"] == "nearest_centroid"
    assert any(s.name == "fit_candidate" for e in executors for s in e.submissions)
