"""The step graph: wiring by outputs, topological order, lint and a printable view."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from textops.config.errors import config_error
from textops.config.schema import PipelineConfig, StepConfig
from textops.errors import ConfigError, did_you_mean
from textops.pipeline.registry import resolve
from textops.steps.base import DataScope, StepSpec


@dataclass(frozen=True)
class Node:
    """A step of the graph, its kind resolved and its parameters validated."""

    config: StepConfig
    spec: StepSpec
    params: BaseModel
    upstream: tuple[str, ...]
    compute: str
    environment: str
    data: DataScope

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
        names = [node.name for node in self.nodes]
        raise ConfigError(
            f"there is no step '{name}' in the pipeline{did_you_mean(name, names)}",
            hint=f"steps are: {', '.join(names)}",
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
        raise ConfigError(
            "the pipeline has no steps", hint="add steps or remove 'steps:' to use the default"
        )
    specs = {step.name: resolve(step.uses) for step in config.steps}
    nodes: dict[str, Node] = {}
    for step in config.steps:
        spec = specs[step.name]
        environment = step.environment or spec.environment
        if environment not in config.environments.files:
            raise ConfigError(
                f"step '{step.name}' ({step.uses}) needs environment '{environment}', "
                "which environments.files does not define",
                hint=f"add environments.files.{environment}: environments/{environment}.yml",
            )
        params = _params(step, spec, config)
        upstream = _check_inputs(step, spec, specs)
        nodes[step.name] = Node(
            config=step,
            spec=spec,
            params=params,
            upstream=tuple(dict.fromkeys(upstream)),
            compute=_compute_target(step, spec, config),
            environment=environment,
            data=step.data or spec.data,
        )
    return Graph(nodes=tuple(nodes[name] for name in _topological_order(nodes)))


def _compute_target(step: StepConfig, spec: StepSpec, config: PipelineConfig) -> str:
    """The step's own target, else its kind's if the definition has it, else ``local``."""
    if step.compute:
        return step.compute  # the schema checked that it exists
    wanted = list(dict.fromkeys((spec.compute, "local")))
    for name in wanted:
        if name in config.compute:
            return name
    listed = ", ".join(sorted(config.compute)) or "(none)"
    raise ConfigError(
        f"step '{step.name}' ({step.uses}) names no compute target and the defaults "
        f"({' or '.join(repr(n) for n in wanted)}) are not in the compute section "
        f"(it defines {listed})",
        hint=f"set steps.{step.name}.compute to one of {listed}, or add "
        "'local: {kind: local}' under compute",
    )


def _params(step: StepConfig, spec: StepSpec, config: PipelineConfig) -> BaseModel:
    """The step's validated parameters (or the definition's section the step takes them from)."""
    where = f"steps '{step.name}' ({step.uses}) params"
    if spec.params_from is not None:
        if step.params:
            raise ConfigError(
                f"{where}: step kind '{spec.kind}' takes no params of its own",
                hint=f"set them in the '{spec.params_from}:' section of the definition",
            )
        section = getattr(config, spec.params_from)
        return spec.params.model_validate(section.model_dump())
    try:
        params = spec.params.model_validate(step.params)
    except PydanticValidationError as exc:
        raise config_error(
            exc, model=spec.params, where=f"steps.{step.name}.params", data=step.params
        ) from None
    if spec.check is not None:
        try:
            spec.check(params)
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc.message}", hint=exc.hint) from None
    return params


def _check_inputs(step: StepConfig, spec: StepSpec, specs: dict[str, StepSpec]) -> list[str]:
    """Every required input wired, no unknown one, each to an output of the right type."""
    name = f"step '{step.name}' ({step.uses})"
    missing = [key for key in spec.required_inputs if key not in step.inputs]
    if missing:
        raise ConfigError(
            f"{name} needs the inputs {', '.join(missing)}",
            hint=f"wire them, e.g. inputs: {{{missing[0]}: <step>.<output>}}",
        )
    unknown = [key for key in step.inputs if key not in spec.inputs]
    if unknown:
        raise ConfigError(
            f"{name} has no input named {', '.join(unknown)}"
            + did_you_mean(unknown[0], spec.inputs),
            hint=f"its inputs are: {', '.join(spec.inputs) or '(none)'}",
        )
    return [
        _check_wire(step, key, ref, expected=spec.inputs[key], specs=specs)
        for key, ref in step.inputs.items()
    ]


def _check_wire(
    step: StepConfig, key: str, ref: str, *, expected: type, specs: dict[str, StepSpec]
) -> str:
    """The upstream step of one wired input, after checking the output exists with that type."""
    source, output = ref.split(".")
    if source not in specs:
        raise ConfigError(
            f"step '{step.name}': input '{key}' refers to unknown step '{source}'",
            hint=f"steps are: {', '.join(specs)}",
        )
    outputs = specs[source].outputs
    if output not in outputs:
        raise ConfigError(
            f"step '{step.name}': input '{key}' refers to '{ref}', but '{source}' "
            f"has the outputs {', '.join(outputs) or '(none)'}",
            hint=f"wire '{key}' to one of {', '.join(f'{source}.{o}' for o in outputs)}",
        )
    given = outputs[output]
    if not issubclass(given, expected):
        raise ConfigError(
            f"step '{step.name}': input '{key}' takes a {expected.__name__}, but '{ref}' "
            f"is a {given.__name__}",
            hint=f"wire '{key}' to an output that is a {expected.__name__}",
        )
    return source


def _topological_order(nodes: dict[str, Node]) -> list[str]:
    order: list[str] = []
    state: dict[str, str] = {}

    def visit(name: str, path: list[str]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "active":
            cycle = " -> ".join([*path[path.index(name) :], name])
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
