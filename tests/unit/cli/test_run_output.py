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


def test_json_puts_the_summary_alone_on_stdout(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from textops.execution.records import StepRecord as Step

    record = RunRecord("r1", "2026-01-01T00:00:00", "abc", {}, status="completed",
                       dataset={"name": "demo", "version": "v1"})
    record.steps = [Step("checks", "validate", status="completed",
                         outputs={"report": _report("ok")})]

    def fake_run(*args: Any, on_event: Any, on_record: Any, **kwargs: Any) -> RunRecord:
        from textops.progress import StepFinished, StepStarted

        on_record(record)
        on_event(StepStarted("checks", "validate", "local"))
        on_event(StepFinished("checks", "completed", cache_hit=False, wall_seconds=0.1))
        return record

    monkeypatch.setattr(api, "run", fake_run)
    monkeypatch.setenv("CI", "true")  # plain progress lines, which must go to stderr
    monkeypatch.setattr(sys, "argv", ["textops", "run", "--json"])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == 0
    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert summary["dataset"] == {"name": "demo", "version": "v1", "accepted": True,
                                  "refusal": None}
    assert summary["drift"]["status"] == "ok" and summary["steps"][0]["name"] == "checks"
    assert "checks: done" in captured.err  # the progress lines, on stderr


def test_a_failed_run_is_summarised_before_its_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from textops.errors import ValidationError

    record = RunRecord("r1", "2026-01-01T00:00:00", "abc", {}, status="failed",
                       dataset={"name": "demo", "version": "v3"})
    record.steps = [StepRecord("ingest", "ingest", status="completed"),
                    StepRecord("checks", "validate", status="failed", error="refused")]

    def fake_run(*args: Any, on_record: Any, **kwargs: Any) -> RunRecord:
        on_record(record)
        raise ValidationError("refused", hint="fix the data")

    monkeypatch.setattr(api, "run", fake_run)
    monkeypatch.setattr(sys, "argv", ["textops", "run"])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == ValidationError.exit_code
    captured = capsys.readouterr()
    assert "dataset: demo@v3" in captured.out and "error: refused" in captured.err
    assert "textops serve" not in captured.out
