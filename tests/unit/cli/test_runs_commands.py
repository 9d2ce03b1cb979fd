"""`textops runs list/show`, `config show` and `steps`, over a small pipeline's store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner, Result

from textops import api, cli
from textops.errors import ConfigError, StoreError


@pytest.fixture
def project(tmp_path: Path) -> Path:
    counter = tmp_path / "counts"
    counter.mkdir()
    config = tmp_path / "textops.yaml"
    config.write_text(yaml.safe_dump({
        "store": {"url": str(tmp_path / "store")},
        "environments": {"mode": "off"},
        "tracking": {"enabled": False},
        "steps": [
            {"name": "a", "uses": "support.pipeline_steps:source",
             "params": {"value": 3, "counter": str(counter)}},
            {"name": "b", "uses": "support.pipeline_steps:double", "inputs": {"x": "a.value"},
             "params": {"counter": str(counter)}},
        ],
    }))
    return config


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli.app, list(args), env={"COLUMNS": "200"})


def test_runs_list_and_show(project: Path) -> None:
    first = api.run(project)
    second = api.run(project)
    listing = invoke("runs", "list", "-c", str(project))
    assert listing.exit_code == 0, listing.output
    assert listing.output.index(first.run_id) < listing.output.index(second.run_id)
    shown = invoke("runs", "show", "-c", str(project), "--json")
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.output)
    assert data["run_id"] == second.run_id
    assert [(s["name"], s["cache_hit"]) for s in data["steps"]] == [("a", True), ("b", True)]
    text = invoke("runs", "show", first.run_id[:18], "-c", str(project)).output
    assert f"run {first.run_id}: completed" in text and "hit" not in text
    missing = invoke("runs", "show", "nope", "-c", str(project))
    assert isinstance(missing.exception, StoreError)
    assert "matches no run" in str(missing.exception)


def test_config_show_prints_every_steps_parameters(project: Path) -> None:
    result = invoke("config", "show", "-c", str(project), "-s", "steps.a.params.value=5")
    assert result.exit_code == 0, result.output
    steps = {step["name"]: step for step in yaml.safe_load(result.output)["steps"]}
    assert steps["a"]["params"]["value"] == 5
    assert steps["b"]["params"]["fail_flag"] is None  # the kind's default, not written
    assert steps["b"]["compute"] == "local"


def test_steps_lists_kinds_and_one_kinds_parameters() -> None:
    kinds = json.loads(invoke("steps", "--json").output)
    assert {"ingest", "validate", "train"} <= {k["kind"] for k in kinds}
    params = {p["name"]: p for p in json.loads(invoke("steps", "validate", "--json").output)}
    assert params["on_drift"]["default"] == "block"
    assert "Literal" in params["on_drift"]["type"]
    assert params["bootstrap_baseline"]["description"]
    wrong = invoke("steps", "valdate")
    assert isinstance(wrong.exception, ConfigError)
    assert "did you mean 'validate'" in str(wrong.exception)


def test_an_unknown_step_parameter_in_the_file_gets_a_suggestion(project: Path) -> None:
    raw = yaml.safe_load(project.read_text())
    raw["steps"][1]["params"]["fail_flg"] = "x"
    project.write_text(yaml.safe_dump(raw))
    with pytest.raises(ConfigError, match="unknown key 'fail_flg' \\(did you mean 'fail_flag'"):
        api.graph(project)
