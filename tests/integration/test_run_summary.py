"""The end-of-run summary and ``textops run --json`` through the demo story.

Drop 1 is accepted and makes the first champion; drop 2 drifts (its models are
held back as challengers, the drift named); drop 3 is refused by validation,
and its summary still says so, before the error.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from textops import api, cli
from textops.errors import ValidationError

FAST = [
    "steps.tune.params.tuning.n_trials=2",
    "steps.tune.params.space.epochs={type: int, low: 2, high: 2}",
    "steps.tune.params.space.architecture={type: categorical, choices: [fasttext]}",
    "steps.tune.params.tuning.min_validation_docs=40",
    "steps.train.params.members=1",
]


def _run_json() -> tuple[dict[str, Any], Any]:
    args = ["run", "--json", *(part for o in FAST for part in ("--set", o))]
    result = CliRunner().invoke(cli.app, args, env={"COLUMNS": "200"})
    return json.loads(result.stdout), result


@pytest.mark.slow
@pytest.mark.dask
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_the_summary_tells_the_demo_story(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    api.write_demo("landing", "later", rows=1200)
    first, result = _run_json()
    assert result.exit_code == 0, result.output
    assert first["dataset"]["accepted"] is True and first["status"] == "completed"
    assert len(first["sweep_top"]) == 3 and first["sweep_top"][0]["rank"] == 1
    assert first["tuning"]["validation_docs"] >= 40
    assert [m["role"] for m in first["models"]].count("champion") == 1
    assert any(p.endswith("train.html") for p in first["reports"])
    assert any(p.endswith("report.json") for p in first["reports"])
    assert first["next_commands"][0].startswith("mlflow ui --backend-store-uri sqlite:///")
    assert "textops serve" in first["next_commands"]

    shutil.move(tmp_path / "later" / "drop2.parquet", tmp_path / "landing" / "drop2.parquet")
    second, result = _run_json()
    assert result.exit_code == 0, result.output
    assert second["drift"]["status"] == "fail" and second["drift"]["worst_checks"]
    assert {m["role"] for m in second["models"]} == {"challenger"}
    assert second["held"] and "validation found drift" in second["held"]

    shutil.move(tmp_path / "later" / "drop3.jsonl", tmp_path / "landing" / "drop3.jsonl")
    third, result = _run_json()
    assert isinstance(result.exception, ValidationError)
    assert third["dataset"]["accepted"] is False and "hard error" in third["dataset"]["refusal"]
    assert third["status"] == "failed" and third["error"].startswith("validate:")
    assert "textops serve" not in third["next_commands"]

    # the same facts as text: the cached drop-3 story, told under the step table
    text = CliRunner().invoke(cli.app, ["run", *(p for o in FAST for p in ("-s", o))])
    assert isinstance(text.exception, ValidationError)
    assert f"dataset: demo@{third['dataset']['version']} refused" in text.stdout
    assert "validation: drift" in text.stdout and "next:" in text.stdout
