"""Before anything runs: which steps run, reuse or skip, and whether their environments hold."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from textops.config.schema import PipelineConfig
from textops.envs.check import missing_requirements, read_environment
from textops.errors import ConfigError, EnvironmentError_
from textops.pipeline.graph import Graph


class Mode(Enum):
    """What the runner does with one step."""

    RUN = "run"  # run, or reuse stored outputs when its cache key is unchanged
    FORCE = "force"  # run even when outputs are stored
    CACHED_ONLY = "cached-only"  # must reuse stored outputs (``--only``'s upstream)
    SKIP = "skip"  # not part of this run


@dataclass(frozen=True)
class RunOptions:
    only: str | None = None
    from_step: str | None = None
    force: bool = False


def plan(graph: Graph, options: RunOptions) -> dict[str, Mode]:
    """The mode of every step, from ``--only``, ``--from`` and ``--force``."""
    names = [n.name for n in graph.nodes]
    if options.only and options.from_step:
        raise ConfigError("--only and --from cannot be combined", hint="use one of them")
    if options.only:
        graph.node(options.only)
        needed = set(graph.upstream_of(options.only))
        only = Mode.FORCE if options.force else Mode.RUN
        return {
            n: only if n == options.only else Mode.CACHED_ONLY if n in needed else Mode.SKIP
            for n in names
        }
    if options.from_step:
        graph.node(options.from_step)
        rerun = set(graph.downstream_of(options.from_step))
        return {n: Mode.FORCE if n in rerun else Mode.RUN for n in names}
    return {n: Mode.FORCE if options.force else Mode.RUN for n in names}


def check_environments(
    config: PipelineConfig, graph: Graph, modes: dict[str, Mode]
) -> dict[str, str]:
    """Each step's environment file hash; in ``current`` mode, refuse unmet requirements."""
    hashes: dict[str, str] = {}
    for node in graph.nodes:
        env = read_environment(node.environment, config.environments.files[node.environment])
        hashes[node.name] = env.content_hash
        mode = node.config.environment_mode or config.environments.mode
        if mode == "current" and modes[node.name] in (Mode.RUN, Mode.FORCE):
            missing = missing_requirements(env)
            if missing:
                raise EnvironmentError_(
                    f"step '{node.name}' needs environment '{node.environment}' ({env.path}), "
                    f"which this interpreter does not satisfy: {'; '.join(missing)}",
                    hint="pip install the packages above, or --set environments.mode=off",
                )
    return hashes


def build_isolated(
    config: PipelineConfig, graph: Graph, modes: dict[str, Mode]
) -> dict[str, Path]:
    """The interpreter of each step that runs isolated, its environment built or reused."""
    from textops.envs.isolated import build, cache_folder

    cache = cache_folder(config.environments.cache)
    interpreters: dict[str, Path] = {}
    for node in graph.nodes:
        mode = node.config.environment_mode or config.environments.mode
        if mode != "isolated" or modes[node.name] not in (Mode.RUN, Mode.FORCE):
            continue
        env = read_environment(node.environment, config.environments.files[node.environment])
        interpreters[node.name] = build(env, cache=cache).python
    return interpreters
