"""The store's HTML pages open offline: one plotly.js in assets/, an index per dataset version."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from textops.store.assets import ensure_plotly_js, plotly_version
from textops.store.outputs import StepOutputs
from textops.store.reporting import ReportingTables
from textops.store.reports import part_statuses, write_version_index
from textops.store.store import Store


def test_one_copy_of_plotly_js_linked_relatively_from_a_step_folder(tmp_path: Path) -> None:
    store = Store(str(tmp_path))
    src = StepOutputs(store, "r1", "validate").plotly_src()
    assert src == f"../../../assets/plotly-{plotly_version()}.min.js"
    written = tmp_path / "assets" / f"plotly-{plotly_version()}.min.js"
    assert written.stat().st_size > 1_000_000 and b"plotly" in written.read_bytes()[:2000]
    stamp = written.stat().st_mtime_ns
    assert ensure_plotly_js(store) == f"assets/{written.name}"
    assert written.stat().st_mtime_ns == stamp  # written once, never again
    assert (tmp_path / "runs" / "r1" / "validate" / src).resolve() == written.resolve()


def test_part_statuses_take_the_worst_of_drift_and_errors() -> None:
    report = {
        "drift": [{"dataset": "train", "status": "ok"}, {"dataset": "train", "status": "warn"},
                  {"dataset": "test", "status": "insufficient"}],
        "findings": [{"dataset": "test_subset"}],
    }
    assert part_statuses(report) == {"train": "warn", "test": "insufficient",
                                     "test_subset": "error"}


def _run(store: Store, run_id: str, status: str, version: str = "v1") -> None:
    ReportingTables(store).append("runs", pd.DataFrame([{
        "run_id": run_id, "run_status": status, "dataset_name": "demo",
        "dataset_version": version, "step": "validate",
    }]))


def test_index_links_every_page_of_the_version_with_its_status(tmp_path: Path) -> None:
    store = Store(str(tmp_path))
    folder = tmp_path / "runs" / "r1" / "validate"
    folder.mkdir(parents=True)
    (folder / "train.html").write_text("<html></html>")
    (folder / "report.json").write_text(json.dumps(
        {"drift": [{"dataset": "train", "status": "fail"}], "findings": []}))
    _run(store, "r1", "completed")
    _run(store, "r2", "completed")  # every step reused: no folder of its own
    _run(store, "r3", "failed", version="v2")  # another version: not listed
    path = write_version_index(store, "demo", "v1")
    assert path == "reports/demo/v1/index.html"
    page = (tmp_path / path).read_text()
    assert 'href="../../../runs/r1/validate/train.html"' in page
    assert ">fail</span>" in page and ">completed</span>" in page
    assert "r2" not in page and "r3" not in page
    assert (tmp_path / "reports" / "demo" / "v1" / "../../../runs/r1/validate/train.html").is_file()
