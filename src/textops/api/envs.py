"""The environments of a definition: which exist, whether each is built and current, build them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from textops.api import _load
from textops.errors import ConfigError

__all__ = ["EnvironmentStatus", "build_environments", "environment_status"]


@dataclass(frozen=True)
class EnvironmentStatus:
    """One environment file: its isolated build, and whether this interpreter satisfies it."""

    name: str
    file: Path
    content_hash: str
    folder: Path
    is_built: bool  # an isolated environment for the file's current content exists
    missing: tuple[str, ...]  # what the running interpreter lacks (``current`` mode)
    seconds: float = 0.0  # time to build (or find) it, for ``build``
    reused: bool = False


def environment_status(
    path: str | Path | None = None, overrides: Sequence[str] = (), *, name: str | None = None
) -> list[EnvironmentStatus]:
    """Every environment file of the definition (or ``name``), checked without building."""
    from textops.envs.check import missing_requirements, read_environment
    from textops.envs.isolated import cache_folder, environment_folder

    config = _load(path, overrides)
    cache = cache_folder(config.environments.cache)
    rows = []
    for env_name in _names(config.environments.files, name):
        env = read_environment(env_name, config.environments.files[env_name])
        folder = environment_folder(env, cache=cache)
        rows.append(EnvironmentStatus(
            env_name, env.path, env.content_hash, folder,
            (folder / ".textops-ready").is_file(), tuple(missing_requirements(env)),
        ))
    return rows


def build_environments(
    path: str | Path | None = None, overrides: Sequence[str] = (), *, name: str | None = None,
    rebuild: bool = False,
) -> list[EnvironmentStatus]:
    """Build (or with ``rebuild``, build again) the isolated environment of each file."""
    from textops.envs.check import missing_requirements, read_environment
    from textops.envs.isolated import build, cache_folder

    config = _load(path, overrides)
    cache = cache_folder(config.environments.cache)
    rows = []
    for env_name in _names(config.environments.files, name):
        env = read_environment(env_name, config.environments.files[env_name])
        built = build(env, cache=cache, rebuild=rebuild)
        rows.append(EnvironmentStatus(
            env_name, env.path, env.content_hash, built.folder, True,
            tuple(missing_requirements(env)), built.seconds, built.reused,
        ))
    return rows


def _names(files: dict[str, str], name: str | None) -> list[str]:
    if name is None:
        return sorted(files)
    if name not in files:
        raise ConfigError(
            f"there is no environment '{name}'",
            hint=f"use one of {', '.join(sorted(files))} (environments.files)",
        )
    return [name]
