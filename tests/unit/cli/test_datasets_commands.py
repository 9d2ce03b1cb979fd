"""`textops datasets list` shows each version's verdict and drift; `latest` skips refused ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support.project import invoke, validated_demo
from textops.errors import ValidationError


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Demo drop 1 accepted (version 1), drop 2 drifted (version 2), drop 3 refused (version 3)."""
    return validated_demo(tmp_path_factory.mktemp("datasets"), "drop2", "drop3")


def test_list_shows_each_versions_verdict_and_drift(project: Path) -> None:
    result = invoke(project, "datasets", "list")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if " demo " in line]
    assert [("accepted" in line, "refused" in line) for line in lines] == [
        (True, False), (True, False), (False, True),
    ]
    assert "validation" in result.output and "drift" in result.output

    listed = json.loads(invoke(project, "datasets", "list", "--json").output)
    assert [m["validation"] for m in listed] == ["accepted", "accepted", "refused"]
    assert listed[1]["drift_status"] in ("warn", "fail")  # drop 2 drifted
    assert listed[0]["drift_status"] in ("ok", "insufficient", "warn")
    assert listed[0]["refusal"] is None and "null_text" in listed[2]["refusal"]
    for line, manifest in zip(lines, listed, strict=True):
        assert str(manifest["drift_status"]) in line


def test_latest_is_the_latest_accepted_unless_include_refused(project: Path) -> None:
    shown = json.loads(invoke(project, "datasets", "show", "latest").output)
    assert shown["sequence"] == 2
    everything = invoke(project, "datasets", "show", "latest", "--include-refused")
    assert json.loads(everything.output)["sequence"] == 3
    assert json.loads(invoke(project, "datasets", "show", "3").output)["sequence"] == 3


def test_baseline_from_latest_takes_the_latest_accepted(project: Path) -> None:
    result = invoke(project, "baseline", "init", "--from", "latest", "--force")
    assert result.exit_code == 0, result.output
    assert "forced" not in result.output
    refused = invoke(project, "baseline", "init", "--from", "latest", "--include-refused")
    assert isinstance(refused.exception, ValidationError)
    assert "validation refused dataset 'demo'" in str(refused.exception)
