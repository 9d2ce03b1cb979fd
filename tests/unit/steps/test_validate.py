"""The validate step called alone: its drift verdict, its policy, and what the record carries."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pydantic
import pytest

from textops.config.schema import DataConfig
from textops.demo import write_demo
from textops.errors import ValidationError
from textops.execution.context import step_context
from textops.records import DatasetRef, ValidationReport
from textops.steps.ingest import ingest
from textops.steps.validate import Params, validate


def _ingest(store: Path, landing: Path) -> DatasetRef:
    dataset = ingest.fn(step_context(store, name="ingest"), DataConfig(source=str(landing)))
    return dataset["dataset"]  # type: ignore[return-value]


def _validate(store: Path, dataset: DatasetRef, **params: object) -> ValidationReport:
    ctx = step_context(store, name="validate")
    outputs = validate.fn(ctx, Params(html_reports=False, **params), dataset=dataset)
    assert outputs["dataset"] == dataset
    return outputs["report"]  # type: ignore[return-value]


@pytest.fixture(scope="module")
def drops(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DatasetRef, DatasetRef, Path]:
    """A store with demo drop 1 (its baseline drawn) and drop 2 ingested, 500 rows each."""
    root = tmp_path_factory.mktemp("drops")
    paths = write_demo(root / "landing", root / "later", rows=500)
    store = root / "store"
    first = _ingest(store, root / "landing")
    assert _validate(store, first).drift_status != "fail"  # draws the baseline
    paths["drop2"].rename(root / "landing" / paths["drop2"].name)
    return store, first, _ingest(store, root / "landing"), paths["drop3"]


def test_a_clean_drop_passes_and_says_which_tests_could_not_judge(drops) -> None:
    store, first, _, _ = drops
    report = _validate(store, first)
    assert report.drift_status in ("ok", "insufficient", "warn")
    assert report.status == report.drift_status and not report.holds_promotion
    assert report.insufficient_checks > 0  # the 20-row test subset
    saved = json.loads((store / report.location / "report.json").read_text())
    assert saved["drift_status"] == report.drift_status
    assert saved["insufficient_checks"] == report.insufficient_checks


@pytest.mark.parametrize(
    ("on_drift", "holds"), [("block", True), ("warn", False), ("ignore", False)]
)
def test_drift_fail_goes_on_under_every_policy_and_block_holds_promotion(
    drops, on_drift: str, holds: bool
) -> None:
    store, _, second, _ = drops
    report = _validate(store, second, on_drift=on_drift)  # returns: the pipeline goes on
    assert (report.status, report.drift_status, report.on_drift) == ("fail", "fail", on_drift)
    assert report.holds_promotion is holds
    assert 0 < len(report.worst_checks) <= 5
    assert report.worst_checks[0].startswith("train.class_balance.chi_square p=")
    assert json.loads((store / report.location / "report.json").read_text())["on_drift"] == on_drift


def test_hard_check_refusals_still_stop_under_every_policy(drops, tmp_path: Path) -> None:
    store, _, _, drop3 = drops
    landing = tmp_path / "landing"
    shutil.copytree(store.parent / "landing", landing)
    shutil.copy(drop3, landing)
    third = _ingest(store, landing)
    for on_drift in ("block", "warn", "ignore"):
        with pytest.raises(ValidationError, match="null_text"):
            _validate(store, third, on_drift=on_drift)


def test_on_drift_takes_only_the_three_policies() -> None:
    with pytest.raises(pydantic.ValidationError, match="'block', 'warn' or 'ignore'"):
        Params(on_drift="blok")  # type: ignore[arg-type]
    assert Params().on_drift == "block"


def test_holds_promotion_only_for_fail_under_block() -> None:
    def report(drift_status: str, on_drift: str) -> ValidationReport:
        return ValidationReport.model_validate(
            {
                "location": "x",
                "status": drift_status,
                "baseline_sha256": "0" * 64,
                "drift_status": drift_status,
                "on_drift": on_drift,
            }
        )

    assert report("fail", "block").holds_promotion
    assert not report("fail", "warn").holds_promotion
    assert not report("warn", "block").holds_promotion
    assert not report("insufficient", "block").holds_promotion
    old = ValidationReport(location="x", status="warn", baseline_sha256="0" * 64)
    assert (old.drift_status, old.on_drift, old.worst_checks) == ("ok", "block", [])
