"""The demo story through validation: drop 1 ok, drop 2 drifts, drop 3 is refused."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from support.project import keep_steps
from textops import api, cli
from textops.errors import StoreError, ValidationError

OFF = ["tracking.enabled=false"]


def report(record: object, store: Path) -> dict:
    location = next(s for s in record.steps if s.name == "validate").outputs["report"]["location"]
    return json.loads((store / location / "report.json").read_text())


@pytest.mark.slow
def test_drops_give_ok_then_drift_then_refusal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    keep_steps(tmp_path, "ingest", "profile", "validate", "clean")
    api.write_demo("landing", "later", rows=2000)
    store = tmp_path / ".textops"

    first = api.run(None, OFF)
    assert (store / "baseline" / "profile.yaml").is_file()  # bootstrapped from drop 1
    result = report(first, store)
    # clean data passes: nothing fails (a warn can come from chance: KS D=0.100 on 381 test rows)
    assert result["status"] in ("ok", "insufficient", "warn")
    assert result["baseline_bootstrapped"] is True and not result["findings"]
    assert (store / first.step("validate").outputs["report"]["location"] / "train.html").is_file()

    shutil.move("later/drop2.parquet", "landing/drop2.parquet")
    second = api.run(None, OFF)
    drift = report(second, store)
    assert drift["status"] == drift["drift_status"] == "fail" and not drift["findings"]
    moved = {(d["check"], d["status"]) for d in drift["drift"] if d["dataset"] == "train"}
    assert ("class_balance", "fail") in moved
    assert any(c == "sentiment" and s != "ok" for c, s in moved)
    assert second.step("clean").status == "completed"  # drift never stops the pipeline
    assert second.step("validate").outputs["report"]["worst_checks"][0].startswith(
        "train.class_balance.chi_square p="
    )

    shutil.move("later/drop3.jsonl", "landing/drop3.jsonl")
    with pytest.raises(ValidationError) as refused:
        api.run(None, OFF)
    message = str(refused.value)
    for check in ("null_text", "empty_text", "unknown_label", "english_share"):
        assert f"[{check}]" in message
    assert "drop3.jsonl:" in message  # offending row ids point into the file
    rows = pd.read_parquet(store / "reporting" / "validation")
    assert set(rows["check_name"]) >= {"null_text", "unknown_label", "english_share"}
    assert set(pd.read_parquet(store / "reporting" / "profiles")["version"]) == {
        m["version"] for m in api.list_datasets(None, OFF)
    }  # every version profiled, the refused one too


def _textops(*args: str) -> str:
    result = CliRunner().invoke(cli.app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _drift_by_drop(folder: Path, rows: int, *, on_drift: str = "block") -> list[tuple[str, str]]:
    """(drift status, console verdict) of demo drops 1 and 2 run by the CLI up to validate."""
    keep_steps(folder, "ingest", "profile", "validate")
    _textops("demo", "--rows", str(rows))
    policy = ["--set", f"steps.validate.params.on_drift={on_drift}"]
    outcomes = []
    for drop in (None, "drop2.parquet"):
        if drop:
            shutil.move(f"demo-drops/{drop}", f"landing/{drop}")
        output = _textops("--set", "tracking.enabled=false", *policy, "run")
        verdict = next(line for line in output.splitlines() if line.startswith("validation: "))
        outcomes.append((verdict.split()[2].rstrip(":"), verdict))
    return outcomes


def test_drop_1_passes_and_drop_2_fails_at_300_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (clean, _), (drifted, verdict) = _drift_by_drop(tmp_path, 300)
    assert clean in ("ok", "insufficient", "warn")  # the 12-row test subset cannot judge
    assert drifted == "fail"
    assert verdict.startswith(
        "validation: drift fail (policy block: this version's model cannot become champion): "
        "train.class_balance.chi_square p="
    )


@pytest.mark.slow
@pytest.mark.parametrize("rows", [500, 1000, 3000])
def test_drop_1_passes_and_drop_2_fails_at_any_size(
    rows: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (clean, _), (drifted, verdict) = _drift_by_drop(tmp_path, rows, on_drift="warn")
    assert clean in ("ok", "insufficient", "warn") and drifted == "fail"
    assert "(policy warn: this version's model may still become champion)" in verdict


def test_baseline_init_and_show(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    keep_steps(tmp_path, "ingest", "profile", "validate", "clean")
    with pytest.raises(StoreError, match="no baseline profile yet"):
        api.baseline_show(None, OFF)
    api.write_demo("landing", "later", rows=400)
    api.run(None, OFF)
    text, digest = api.baseline_show(None, OFF)
    assert "classes:" in text and len(digest) == 64
    with pytest.raises(StoreError, match="already exists"):
        api.baseline_init("latest", None, OFF)
    made = api.baseline_init("1", None, OFF, force=True)
    assert made["dataset"]["version"] == api.list_datasets(None, OFF)[0]["version"]


def test_edited_baseline_reruns_validation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    keep_steps(tmp_path, "ingest", "profile", "validate", "clean")
    api.write_demo("landing", "later", rows=400)
    api.run(None, OFF)
    path = tmp_path / ".textops" / "baseline" / "profile.yaml"
    import yaml

    edited = yaml.safe_load(path.read_text())
    edited["classes"]["allowed"].remove("technical")  # a class people removed by hand
    del edited["classes"]["expected_shares"]["technical"]
    path.write_text(yaml.safe_dump(edited))
    with pytest.raises(ValidationError, match="unknown_label"):
        api.run(None, OFF)


def test_a_refused_first_drop_never_becomes_the_baseline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    keep_steps(tmp_path, "ingest", "profile", "validate")
    api.write_demo("later", "later", rows=600)
    Path("landing").mkdir(exist_ok=True)
    shutil.move("later/drop3.jsonl", "landing/drop3.jsonl")
    with pytest.raises(ValidationError, match="null_text"):
        api.run(None, OFF)
    assert not (tmp_path / ".textops" / "baseline" / "profile.yaml").exists()
