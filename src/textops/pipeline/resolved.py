"""The resolved definition: the config with every step's parameters as the step sees them.

What ``textops config show`` prints and what every run keeps (``run.json`` and
an MLflow artifact): defaults and ``--set`` overrides applied, each step's
parameters complete (its kind's defaults included), its compute, environment
and data scope resolved, and passwords in URLs replaced by ``***``.
"""

from __future__ import annotations

from typing import Any

from textops.config.schema import PipelineConfig
from textops.pipeline.graph import Graph, build_graph
from textops.tracking.base import redact


def resolved_definition(config: PipelineConfig, graph: Graph | None = None) -> dict[str, Any]:
    """``config`` as JSON-able data, its steps' parameters complete; ``graph`` if built already."""
    nodes = {node.name: node for node in (graph or build_graph(config)).nodes}
    data = config.model_dump(mode="json")
    for step in data["steps"]:
        node = nodes[step["name"]]
        step.update(
            params=node.params.model_dump(mode="json"), compute=node.compute,
            environment=node.environment, data=node.data,
        )
    return dict(_redacted(data))


def _redacted(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _redacted(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_redacted(item) for item in value]
    return redact(value)
