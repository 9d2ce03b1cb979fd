"""What the dashboard shows, read from the store: reporting tables and the registry's history.

Everything comes from the store's ``reporting/`` tables and, when tracking is
on, the MLflow registry's audit trail; nothing is recomputed from raw data.
The registry is optional: without it the models section says why it is empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from textops.store.reporting import ReportingTables

if TYPE_CHECKING:
    import pandas as pd

    from textops.store.store import Store

#: the tables the dashboard reads (monitoring: written by ``textops monitor`` when it exists)
TABLES = ("runs", "profile_summary", "drift", "validation", "sweep", "trials", "refit",
          "models", "monitoring")


@dataclass
class ModelsView:
    """The registry's audit trail as rows (one per event), or why there is none."""

    model_name: str
    events: pd.DataFrame
    note: str = ""
    #: the champion's confusion matrix (``labels``, ``matrix``) where its run logged one
    confusion: dict[str, Any] | None = None
    confusion_title: str = ""
    confusion_note: str = ""


@dataclass
class DashboardData:
    store_url: str
    tables: dict[str, pd.DataFrame]
    models: ModelsView | None = None
    notes: list[str] = field(default_factory=list)

    def table(self, name: str) -> pd.DataFrame:
        import pandas as pd

        return self.tables.get(name, pd.DataFrame())

    @property
    def run_ids(self) -> list[str]:
        runs = self.table("runs")
        return sorted(set(runs["run_id"])) if "run_id" in runs.columns else []


def load_tables(store: Store) -> dict[str, pd.DataFrame]:
    """Every table the dashboard reads; a missing one is an empty frame."""
    tables = ReportingTables(store)
    present = set(tables.tables())
    return {name: tables.read(name) for name in TABLES if name in present}


def events_frame(events: list[Any], model_name: str) -> pd.DataFrame:
    """Audit events (``AuditEvent``) as tidy rows of the ``models`` table."""
    import pandas as pd

    rows = []
    for event in events:
        row = event.as_dict()
        row["by_whom"] = row.pop("by")
        row["model_version"] = row.pop("version")
        rows.append({"model_name": model_name, **row})
    frame = pd.DataFrame(rows, columns=MODELS_COLUMNS)
    frame["time"] = pd.to_datetime(frame["time"], utc=True)
    # one type per column in every file, whichever fields these events happen to set
    integers = ["sequence", "model_version", "candidate_version", "champion_version",
                "test_rows", "overlap_with_champion_train"]
    texts = ["model_name", "event", "family", "by_whom", "reason", "metric", "user"]
    return frame.astype({**dict.fromkeys(integers, "Int64"), **dict.fromkeys(texts, "string"),
                         "candidate": "float64", "champion": "float64"})


#: the ``models`` reporting table: one row per registration or alias move
MODELS_COLUMNS = [
    "model_name", "sequence", "time", "event", "model_version", "family", "by_whom", "reason",
    "metric", "candidate_version", "candidate", "champion_version", "champion", "test_rows",
    "overlap_with_champion_train", "user",
]


def new_events(events: pd.DataFrame, recorded: pd.DataFrame) -> pd.DataFrame:
    """The events not yet in the ``models`` table (keyed by model name and sequence)."""
    if recorded.empty or events.empty:
        return events
    seen = set(zip(recorded["model_name"], recorded["sequence"], strict=True))
    keep = [(m, s) not in seen for m, s in zip(events["model_name"], events["sequence"],
                                                 strict=True)]
    return events[keep]
