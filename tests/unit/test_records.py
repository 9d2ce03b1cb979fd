"""What the records derive from their fields."""

from __future__ import annotations

import pytest

from textops.records import ValidationReport


@pytest.mark.parametrize(
    ("on_drift", "overall", "baseline", "holds"),
    [
        ("block", "fail", "fail", True),
        ("block", "fail", "ok", False),  # train/test skew within the version: no drift
        ("warn", "fail", "fail", False),
        ("block", "fail", None, True),  # a report from before the split was recorded
        ("block", "warn", "warn", False),
    ],
)
def test_only_drift_from_the_baseline_holds_promotion_under_block(
    on_drift: str, overall: str, baseline: str | None, holds: bool
) -> None:
    report = ValidationReport.model_validate({
        "location": "runs/r/validate", "status": overall, "baseline_sha256": "x",
        "drift_status": overall, "on_drift": on_drift, "baseline_drift_status": baseline,
    })
    assert report.holds_promotion is holds
