"""The child side of an isolated step: ``python -m textops.execution.isolated_main FOLDER``.

Reads ``FOLDER/request.json`` (see :mod:`textops.execution.isolated`), runs the
step against the store with the environment's packages, and writes
``FOLDER/response.json``: the typed output records, the reporting rows (as
Parquet files beside it) and the task log; or the error's type, message and
hint. The exit status is 0, or the error's exit code.
"""

from __future__ import annotations

import functools
import json
import os
import socket
import sys
from pathlib import Path
from typing import Any

from textops.errors import TextopsError


def main(folder: Path) -> int:
    request = json.loads((folder / "request.json").read_text())
    try:
        response = _run(request, folder)
        code = 0
    except BaseException as exc:  # noqa: BLE001 - every error goes back to the driver
        response = {"error": {
            "type": type(exc).__name__, "message": getattr(exc, "message", str(exc)),
            "hint": getattr(exc, "hint", None), "textops": isinstance(exc, TextopsError),
        }}
        code = exc.exit_code if isinstance(exc, TextopsError) else 1
    (folder / "response.json").write_text(json.dumps(response))
    return code


def _run(request: dict[str, Any], folder: Path) -> dict[str, Any]:
    from textops.compute.targets import ExecutorPool, make_executor
    from textops.config.schema import PipelineConfig
    from textops.execution.backend import LazyBackend
    from textops.execution.context import RunContext
    from textops.execution.isolated import as_typed, from_typed
    from textops.pipeline.graph import build_graph
    from textops.store.catalog import Catalog
    from textops.store.outputs import StepOutputs
    from textops.store.store import Store
    from textops.tracking.base import StepTracker

    config = PipelineConfig.model_validate(request["config"])
    node = build_graph(config).node(request["step"])
    store = Store(config.store.url)
    out = StepOutputs(store, request["run_id"], node.name)
    tracked = request["tracking_run_id"]
    backend = LazyBackend(config, store) if tracked else None
    tracker = StepTracker(backend, name=node.name, ensure_parent=lambda: None, keep=out.write_bytes)
    if tracked:
        tracker.adopt(tracked)
    staging = store.fs.unstrip_protocol(store.path("runs", "_staged", request["run_id"]))
    pool = ExecutorPool(config.compute, factory=functools.partial(make_executor, staging=staging))
    ctx = RunContext(
        name=node.name, run_id=request["run_id"], scope=node.data,
        device=config.compute[node.compute].device, code_version=request["code_version"],
        out=out, catalog=Catalog(store), tracker=tracker, executor=pool.get(node.compute),
    )
    inputs = {key: from_typed(data) for key, data in request["inputs"].items()}
    try:
        outputs = node.spec.fn(ctx, node.params, **inputs)
        tasks = [task.to_json() for task in pool.get(node.compute).take_tasks()]
    finally:
        pool.close()
    reports = []
    for index, (table, rows) in enumerate(ctx.reports):
        rows.to_parquet(folder / f"report-{index}.parquet")
        reports.append((table, f"report-{index}.parquet"))
    return {"outputs": {name: as_typed(record) for name, record in outputs.items()},
            "reports": reports, "tasks": tasks, "written": out.written,
            "host": f"{socket.gethostname()}:{os.getpid()}", "python": sys.executable}


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
