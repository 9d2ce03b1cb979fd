"""What ``textops run`` prints after the run: the step table and validation's drift verdict."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from textops import api, cli
from textops.execution.records import RunRecord, StepRecord

WORST = ["train.class_balance.chi_square p=1.6e-21", "test.sentiment.ks D=0.266 vs train"]


def _run_output(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], report: dict[str, Any]
) -> str:
    record = RunRecord("r1", "2026-01-01T00:00:00", "abc", {}, status="completed")
    record.steps = [
        StepRecord("ingest", "ingest", status="completed"),
        StepRecord("checks", "validate", status="cached", outputs={"report": report}),
    ]
    monkeypatch.setattr(api, "run", lambda *args, **kwargs: record)
    monkeypatch.setattr(sys, "argv", ["textops", "run"])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == 0
    return capsys.readouterr().out


def _report(drift_status: str, **fields: Any) -> dict[str, Any]:
    return {
        "location": "runs/x/validate",
        "status": drift_status,
        "baseline_sha256": "0" * 64,
        "drift_status": drift_status,
        "on_drift": "block",
        "worst_checks": [],
        "insufficient_checks": 0,
        **fields,
    }


@pytest.mark.parametrize(
    ("on_drift", "effect"),
    [
        ("block", "policy block: this version's model cannot become champion"),
        ("warn", "policy warn: this version's model may still become champion"),
        ("ignore", "policy ignore"),
    ],
)
def test_a_drift_fail_names_the_policy_and_the_worst_checks(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    on_drift: str,
    effect: str,
) -> None:
    out = _run_output(monkeypatch, capsys, _report("fail", on_drift=on_drift, worst_checks=WORST))
    line = next(line for line in out.splitlines() if line.startswith("validation:"))
    assert line == f"validation: drift fail ({effect}): {'; '.join(WORST)}"


def test_ok_is_stated_too_and_untested_checks_are_counted(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _run_output(monkeypatch, capsys, _report("ok"))
    assert "validation: drift ok\n" in out
    out = _run_output(monkeypatch, capsys, _report("insufficient", insufficient_checks=12))
    assert "validation: drift insufficient\n  12 drift tests had too few rows to judge" in out
    assert out.index("validation:") > out.index("checks")  # after the step table


def test_a_record_from_before_the_drift_policy_still_prints(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    old = {"location": "runs/x/validate", "status": "warn", "baseline_sha256": "0" * 64}
    assert "validation: drift warn\n" in _run_output(monkeypatch, capsys, old)
