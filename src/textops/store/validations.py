"""Whether validation refused a dataset version, read from the run records in the store.

A refusal is a validate step that found hard errors: its findings are in
``reporting/validation`` (one row per error, ``status`` ``error``, with the
run's ``run_id``). A version can be validated again after the baseline is
edited, so the latest validation decides: a later validate step that completed
(``reporting/runs``, kind ``validate``) for the same version lifts the refusal.
Run ids start with their UTC start time, so they sort in time order.

:func:`standings` gives every version's verdict (accepted, refused, or never
validated) with the worst drift status of its latest validation
(``reporting/drift``), reading each table once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textops.store.reporting import ReportingTables

if TYPE_CHECKING:
    from collections.abc import Sequence

    import pandas as pd

    from textops.store.store import Store

#: drift statuses, mildest first (as ``textops.quality.drift.STATUSES``)
DRIFT_STATUSES = ("ok", "insufficient", "warn", "fail")
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
    refused = _refusals(tables.read("validation"), dataset).get(version, {})
    passed = _accepting_runs(tables.read("runs"), dataset).get(version, [])
    return _standing_refusal(dataset, version, refused=refused, passed=passed)


@dataclass(frozen=True)
class Standing:
    """What validation last said of one version: its verdict and its drift."""

    version: str
    verdict: str  # accepted, refused, or unvalidated (no validate step finished on it)
    drift_status: str | None  # the worst drift status of its latest validation; None if none
    refusal: Refusal | None

    @property
    def is_refused(self) -> bool:
        return self.verdict == "refused"


def standings(store: Store, dataset: str, versions: Sequence[str]) -> dict[str, Standing]:
    """Each of ``versions``' standing, from one read of the reporting tables."""
    tables = ReportingTables(store)
    refused = _refusals(tables.read("validation"), dataset)
    passed = _accepting_runs(tables.read("runs"), dataset)
    drift = _drift_status(tables.read("drift"), dataset)
    found = {}
    for version in versions:
        refusal = _standing_refusal(dataset, version, refused=refused.get(version, {}),
                                    passed=passed.get(version, []))
        verdict = ("refused" if refusal is not None
                   else "accepted" if passed.get(version) else "unvalidated")
        found[version] = Standing(version, verdict, drift.get(version), refusal)
    return found


def _standing_refusal(
    dataset: str, version: str, *, refused: dict[str, tuple[str, ...]], passed: list[str]
) -> Refusal | None:
    """The latest refusal, unless a validation that passed came after it."""
    if not refused:
        return None
    last = max(refused)
    if passed and max(passed) > last:
        return None
    return Refusal(dataset=dataset, version=version, run_id=last, errors=refused[last])


def _refusals(rows: pd.DataFrame, dataset: str) -> dict[str, dict[str, tuple[str, ...]]]:
    """version -> run_id -> the errors it found, for every validation that refused a version."""
    if rows.empty or "run_id" not in rows.columns:
        return {}
    rows = rows[(rows["dataset_name"] == dataset) & (rows["status"] == "error")]
    found: dict[str, dict[str, tuple[str, ...]]] = {}
    for (version, run_id), group in rows.groupby(["version", "run_id"]):
        found.setdefault(str(version), {})[str(run_id)] = tuple(
            f"{r['dataset']}: {r['check_name']}" for _, r in group.iterrows()
        )
    return found


def _accepting_runs(rows: pd.DataFrame, dataset: str) -> dict[str, list[str]]:
    """version -> the runs whose validate step passed it."""
    if rows.empty:
        return {}
    rows = rows[
        (rows["kind"] == "validate") & rows["status"].isin(_ACCEPTED)
        & (rows["dataset_name"] == dataset)
    ]
    found: dict[str, list[str]] = {}
    for version, run_id in zip(rows["dataset_version"], rows["run_id"], strict=True):
        found.setdefault(str(version), []).append(str(run_id))
    return found


def _drift_status(rows: pd.DataFrame, dataset: str) -> dict[str, str]:
    """version -> the worst drift status its latest validation found."""
    if rows.empty or not {"run_id", "dataset_name"} <= set(rows.columns):
        return {}
    rows = rows[rows["dataset_name"] == dataset]
    rows = rows[rows["run_id"] == rows.groupby("version")["run_id"].transform("max")]
    return {
        str(version): max(group["status"], key=_severity)
        for version, group in rows.groupby("version")
    }


def _severity(status: str) -> int:
    return DRIFT_STATUSES.index(status) if status in DRIFT_STATUSES else -1
