"""Running one step in its own environment: a subprocess with that environment's interpreter.

The driver writes a request (the resolved definition, the step's name, its
input records with their types, the tracking run to log into) to a temporary
folder and starts ``<env python> -m textops.execution.isolated_main``. The
child rebuilds the graph, runs the step against the same store, and writes back
its output records (typed), its reporting rows and its task log. Inputs and
outputs are records pointing into the store, so no data crosses the pipe. The
child's output streams to this console as it runs; its error comes back as the
same kind of error (type, message, hint) as if the step had run in process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textops import errors, records
from textops.errors import StepError, TextopsError
from textops.records import Record

if TYPE_CHECKING:
    from textops.config.schema import PipelineConfig
    from textops.execution.context import RunContext
    from textops.pipeline.graph import Node

__all__ = ["as_typed", "from_typed", "run_isolated"]


def as_typed(record: Record) -> dict[str, Any]:
    """A record as JSON that says its type."""
    return {"type": type(record).__name__, "record": record.model_dump(mode="json")}


def from_typed(data: dict[str, Any]) -> Record:
    """The record :func:`as_typed` wrote, validated as its type."""
    kind = getattr(records, str(data["type"]), None)
    if not (isinstance(kind, type) and issubclass(kind, Record)):
        raise StepError(f"an isolated step returned an unknown record type {data['type']!r}")
    return kind.model_validate(data["record"])


def run_isolated(
    node: Node, ctx: RunContext, inputs: dict[str, Record], *, python: Path,
    config: PipelineConfig,
) -> tuple[dict[str, Record], dict[str, Any]]:
    """Run ``node`` with ``python``: its outputs and where it ran (task log, host, python),
    or its error raised here."""
    import pandas as pd

    with tempfile.TemporaryDirectory(prefix="textops-isolated-") as folder:
        request = {
            "config": config.model_dump(mode="json"), "step": node.name, "run_id": ctx.run_id,
            "code_version": ctx.code_version,
            "inputs": {key: as_typed(record) for key, record in inputs.items()},
            "tracking_run_id": ctx.tracker.run_id if ctx.tracker.enabled else None,
        }
        (Path(folder) / "request.json").write_text(json.dumps(request))
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        process = subprocess.run(  # streams inherited: the step's logs reach the console
            [str(python), "-m", "textops.execution.isolated_main", folder], env=env, check=False,
        )
        response_path = Path(folder) / "response.json"
        if not response_path.is_file():
            raise StepError(
                f"step '{node.name}' died in its isolated environment ({python}) with exit "
                f"status {process.returncode} and no answer",
                hint="see its output above; run 'textops envs check' to test the environment",
            )
        response = json.loads(response_path.read_text())
        if "error" in response:
            raise _error(node, response["error"])
        for table, name in response["reports"]:
            ctx.report(table, pd.read_parquet(Path(folder) / name))
    ctx.out.written.extend(response["written"])
    outputs = {name: from_typed(data) for name, data in response["outputs"].items()}
    return outputs, {"tasks": response["tasks"], "host": response["host"],
                     "python": response["python"]}


def _error(node: Node, error: dict[str, Any]) -> BaseException:
    """The child's error as the same class when it is one of textops', else a StepError."""
    kind = getattr(errors, str(error["type"]), None)
    if isinstance(kind, type) and issubclass(kind, TextopsError) and error.get("textops"):
        try:
            return kind(error["message"], hint=error.get("hint"))
        except TypeError:  # a subclass with other required arguments (WorkerLostError)
            pass
    return StepError(
        f"step '{node.name}' failed in its isolated environment: {error['type']}: "
        f"{error['message']}", hint=error.get("hint"),
    )


def python_of(folder: Path) -> Path:
    """The interpreter of an environment folder."""
    return folder / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
