"""The step graph: wiring by outputs, topological order, lint and a printable view."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError as PydanticValidationError

from textops.config.schema import PipelineConfig, StepConfig
from textops.errors import ConfigError
from textops.pipeline.registry import resolve
from textops.pipeline.step import StepSpec


@dataclass(frozen=True)
class Node:
    """A step of the graph, its kind resolved and its parameters validated."""

    config: StepConfig
    spec: StepSpec
    params: Any
    upstream: tuple[str, ...]
    compute: str
    environment: str
    data: str

    @property
    def name(self) -> str:
        return self.config.name


@dataclass(frozen=True)
class Graph:
    nodes: tuple[Node, ...]  # in execution order

    def node(self, name: str) -> Node:
        for node in self.nodes:
            if node.name == name:
                return node
        raise ConfigError(
            f"there is no step '{name}' in the pipeline",
            hint=f"steps are: {', '.join(n.name for n in self.nodes)}",
        )

    def downstream_of(self, name: str) -> list[str]:
        """``name`` and every step that depends on it, in execution order."""
        reached = {name}
        for node in self.nodes:
            if any(up in reached for up in node.upstream):
                reached.add(node.name)
        return [node.name for node in self.nodes if node.name in reached]

    def upstream_of(self, name: str) -> list[str]:
        """Every step ``name`` depends on, transitively, in execution order."""
        needed: set[str] = set()
        frontier = list(self.node(name).upstream)
        while frontier:
            current = frontier.pop()
            if current not in needed:
                needed.add(current)
                frontier.extend(self.node(current).upstream)
        return [node.name for node in self.nodes if node.name in needed]


def build_graph(config: PipelineConfig) -> Graph:
    """Resolve, validate and order the steps; every problem is a :class:`ConfigError`."""
    if not config.steps:
        raise ConfigError("the pipeline has no steps", hint="add steps or remove 'steps:' to use the default")
    by_name = {step.name: step for step in config.steps}
    nodes: dict[str, Node] = {}
    for step in config.steps:
        spec = resolve(step.uses)
        try:
            params = spec.params.model_validate(step.params)
        except PydanticValidationError as exc:
            details = "; ".join(
                f"'{'.'.join(map(str, e['loc']))}': {e['msg']}" for e in exc.errors()
            )
            raise ConfigError(f"steps '{step.name}' ({step.uses}) params: {details}") from None
        if spec.check is not None:
            try:
                spec.check(params)
            except ConfigError as exc:
                raise ConfigError(
                    f"steps '{step.name}' ({step.uses}) params: {exc.message}", hint=exc.hint
                ) from None
        missing = [name for name in spec.inputs if name not in step.inputs]
        if missing:
            raise ConfigError(
                f"step '{step.name}' ({step.uses}) needs the inputs {', '.join(missing)}",
                hint=f"wire them, e.g. inputs: {{{missing[0]}: <step>.<output>}}",
            )
        unknown = [k for k in step.inputs if k not in (*spec.inputs, *spec.optional_inputs)]
        if unknown:
            known = ", ".join((*spec.inputs, *spec.optional_inputs)) or "(none)"
            raise ConfigError(
                f"step '{step.name}' ({step.uses}) has no input named {', '.join(unknown)}",
                hint=f"its inputs are: {known}",
            )
        upstream = []
        for key, ref in step.inputs.items():
            source, output = ref.split(".")
            if source not in by_name:
                raise ConfigError(f"step '{step.name}': input '{key}' refers to unknown step '{source}'")
            source_spec = resolve(by_name[source].uses)
            if output not in source_spec.outputs:
                raise ConfigError(
                    f"step '{step.name}': input '{key}' refers to '{ref}', but '{source}' "
                    f"has the outputs {', '.join(source_spec.outputs) or '(none)'}"
                )
            upstream.append(source)
        environment = step.environment or spec.environment
        if environment not in config.environments.files:
            raise ConfigError(
                f"step '{step.name}' ({step.uses}) needs environment '{environment}', "
                "which environments.files does not define",
                hint=f"add environments.files.{environment}: environments/{environment}.yml",
            )
        nodes[step.name] = Node(
            config=step,
            spec=spec,
            params=params,
            upstream=tuple(dict.fromkeys(upstream)),
            compute=step.compute or (spec.compute if spec.compute in config.compute else "local"),
            environment=environment,
            data=step.data or spec.data,
        )
    return Graph(nodes=tuple(nodes[name] for name in _topological_order(nodes)))


def _topological_order(nodes: dict[str, Node]) -> list[str]:
    order: list[str] = []
    state: dict[str, str] = {}

    def visit(name: str, path: list[str]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "active":
            cycle = " -> ".join([*path[path.index(name):], name])
            raise ConfigError(f"the step graph has a cycle: {cycle}")
        state[name] = "active"
        for up in nodes[name].upstream:
            visit(up, [*path, name])
        state[name] = "done"
        order.append(name)

    for name in nodes:  # keeps the YAML order where dependencies allow
        visit(name, [])
    return order


def describe(graph: Graph) -> list[dict[str, str]]:
    """One plain row per step, for ``textops graph`` and the docs."""
    return [
        {
            "step": node.name,
            "uses": node.config.uses,
            "after": ", ".join(node.upstream) or "-",
            "inputs": ", ".join(f"{k}={v}" for k, v in node.config.inputs.items()) or "-",
            "compute": node.compute,
            "environment": node.environment,
            "data": node.data,
            "description": node.spec.description,
        }
        for node in graph.nodes
    ]
