"""Whether validation refused a dataset version, read from the run records in the store.

A refusal is a validate step that found hard errors: its findings are in
``reporting/validation`` (one row per error, ``status`` ``error``, with the
run's ``run_id``). A version can be validated again after the baseline is
edited, so the latest validation decides: a later validate step that completed
(``reporting/runs``, kind ``validate``) for the same version lifts the refusal.
Run ids start with their UTC start time, so they sort in time order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textops.store.reporting import ReportingTables

if TYPE_CHECKING:
    from textops.store.store import Store

#: a validate step with one of these statuses accepted the version (cached: an earlier pass)
_ACCEPTED = ("completed", "cached")


@dataclass(frozen=True)
class Refusal:
    """The latest validation of a version that stopped it, and the errors it found."""

    dataset: str
    version: str
    run_id: str
    errors: tuple[str, ...]  # "<part>: <check>", e.g. "train: empty_text"

    def describe(self) -> str:
        checks = dict.fromkeys(error.split(": ", 1)[-1] for error in self.errors)
        return (
            f"validation refused dataset '{self.dataset}' version {self.version} in run "
            f"{self.run_id}: {len(self.errors)} hard error(s) ({', '.join(checks)})"
        )


def latest_refusal(store: Store, dataset: str, version: str) -> Refusal | None:
    """The refusal standing against ``dataset`` at ``version``; None if it passed or never ran."""
    tables = ReportingTables(store)
    refused = _refusals(tables, dataset, version)
    if not refused:
        return None
    last = max(refused)
    passed = _accepting_runs(tables, dataset, version)
    if passed and max(passed) > last:
        return None
    return Refusal(dataset=dataset, version=version, run_id=last, errors=refused[last])


def _refusals(tables: ReportingTables, dataset: str, version: str) -> dict[str, tuple[str, ...]]:
    """run_id -> the errors it found, for every validation that refused this version."""
    rows = tables.read("validation")
    if rows.empty or "run_id" not in rows.columns:
        return {}
    rows = rows[
        (rows["dataset_name"] == dataset) & (rows["version"] == version)
        & (rows["status"] == "error")
    ]
    return {
        str(run_id): tuple(f"{r['dataset']}: {r['check_name']}" for _, r in group.iterrows())
        for run_id, group in rows.groupby("run_id")
    }


def _accepting_runs(tables: ReportingTables, dataset: str, version: str) -> list[str]:
    """The runs whose validate step passed this version."""
    rows = tables.read("runs")
    if rows.empty:
        return []
    rows = rows[
        (rows["kind"] == "validate") & rows["status"].isin(_ACCEPTED)
        & (rows["dataset_name"] == dataset) & (rows["dataset_version"] == version)
    ]
    return [str(run_id) for run_id in rows["run_id"]]
