"""``textops report``: the dashboard of a store, built from the store alone.

Reads the ``reporting/`` tables and, when tracking is on, the registry's audit
trail (which it also copies into ``reporting/models`` so BI tools see it); no
server is started and nothing is fetched from the network.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textops.errors import TextopsError

if TYPE_CHECKING:
    from textops.config.schema import PipelineConfig
    from textops.dashboard.data import ModelsView
    from textops.store.store import Store

DASHBOARD = ("reports", "dashboard.html")


@dataclass(frozen=True)
class ReportResult:
    """Where the dashboard was written, how big it is, what it covers, how long it took."""

    location: str
    local_path: Path | None
    bytes: int
    runs: int
    seconds: float


def build_report(
    path: str | Path | None = None,
    overrides: Sequence[str] = (),
    *,
    out: str | Path | None = None,
) -> ReportResult:
    """Build the dashboard; write it to ``out`` or to ``reports/dashboard.html`` in the store."""
    from textops.api import _config_and_store
    from textops.dashboard.data import DashboardData, load_tables
    from textops.dashboard.page import render

    started = time.perf_counter()
    resolved, store = _config_and_store(path, overrides)
    data = DashboardData(store_url=store.url, tables=load_tables(store))
    if resolved.tracking.enabled:
        data.models = models_view(resolved, store)
    else:
        data.notes.append("Tracking is off in this definition: the registry was not read.")
    page = render(data).encode("utf-8")
    local: Path | None
    if out is not None:
        target = Path(out)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(page)
        location, local = str(target), target
    else:
        store.write_bytes(page, *DASHBOARD)
        location = store.path(*DASHBOARD)
        local = store.local_path(*DASHBOARD) if store.is_local else None
    return ReportResult(location=location, local_path=local, bytes=len(page),
                        runs=len(data.run_ids), seconds=time.perf_counter() - started)


def model_name(resolved: PipelineConfig) -> str:
    """The registered model the train step publishes to (its default when none sets one)."""
    from textops.steps.train import Params

    for step in resolved.steps:
        if step.uses == "train" and "model_name" in step.params:
            return str(step.params["model_name"])
    return str(Params.model_fields["model_name"].default)


def models_view(resolved: PipelineConfig, store: Store) -> ModelsView:
    """The registry's trail of the pipeline's model, synced into ``reporting/models``."""
    import pandas as pd

    from textops.api import _registry
    from textops.dashboard.data import ModelsView, events_frame, new_events
    from textops.store.reporting import ReportingTables

    name = model_name(resolved)
    if store.is_local and not resolved.tracking.uri and not store.exists("mlflow.db"):
        return ModelsView(name, pd.DataFrame(), note="no tracking database in this store yet")
    try:
        registry = _registry(resolved, store)
        events = events_frame(registry.history(name), name)
    except TextopsError as exc:
        return ModelsView(name, pd.DataFrame(), note=f"the registry could not be read ({exc})")
    tables = ReportingTables(store)
    tables.append("models", new_events(events, tables.read("models")))
    view = ModelsView(name, events)
    _champion_confusion(registry, name, view)
    return view


def _first_artifact(run_id: str, names: list[str]) -> str:
    """The text of the first of ``names`` the run logged (the last one's error if none)."""
    from mlflow.artifacts import load_text

    for name in names[:-1]:
        try:
            return str(load_text(f"runs:/{run_id}/{name}"))
        except Exception:  # noqa: BLE001, S112 - not logged: try the next name
            continue
    return str(load_text(f"runs:/{run_id}/{names[-1]}"))


def _champion_confusion(registry: Any, name: str, view: ModelsView) -> None:
    """Attach the champion's confusion matrix where its run logged it (by family, or
    ``confusion_matrix.json``)."""
    import json

    try:
        champion = registry.champion(name)
    except TextopsError as exc:
        view.confusion_note = f"The champion could not be read ({exc})."
        return
    if champion is None or not champion.run_id:
        view.confusion_note = "No champion yet: no confusion matrix to show."
        return
    from textops.tracking.audit import FAMILY_TAG

    family = champion.tags.get(FAMILY_TAG)
    # the train step logs one per model family of its run; older runs only the chosen one's
    files = [f"confusion_matrix_{family}.json"] if family else []
    try:
        text = _first_artifact(champion.run_id, [*files, "confusion_matrix.json"])
        view.confusion = json.loads(text)
        view.confusion_title = f"Confusion matrix of the champion, v{champion.version} (test set)"
    except Exception:  # noqa: BLE001 - any artifact store failure only means "not available"
        view.confusion_note = (f"The champion (v{champion.version}) logged no confusion matrix "
                               "in its run.")
