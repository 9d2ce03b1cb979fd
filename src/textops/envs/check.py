"""Check that the running interpreter satisfies a conda-format environment file.

Only ``python`` and the ``pip:`` section are checked: those are what a step
imports. Conda-level packages other than python are reported as not checked.
"""

from __future__ import annotations

import hashlib
import re
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import yaml

from textops.errors import ConfigError

PACKAGED = Path(__file__).parent / "files"


@dataclass(frozen=True)
class EnvironmentFile:
    name: str
    path: Path
    python: str | None
    requirements: tuple[str, ...]
    unchecked: tuple[str, ...] = field(default=())

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()[:16]


def resolve_path(location: str) -> Path:
    """The file at ``location``, or the packaged default of the same file name."""
    path = Path(location)
    if path.is_file():
        return path
    packaged = PACKAGED / path.name
    if packaged.is_file():
        return packaged
    raise ConfigError(
        f"environment file '{location}' does not exist",
        hint="run 'textops init' to write the default environment files, or fix environments.files",
    )


def read_environment(name: str, location: str) -> EnvironmentFile:
    path = resolve_path(location)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(
            f"environment file '{path}' is not valid YAML{where}: "
            f"{getattr(exc, 'problem', None) or exc}",
            hint="fix the syntax at that position ('textops init' writes valid examples)",
        ) from None
    python: str | None = None
    requirements: list[str] = []
    unchecked: list[str] = []
    for entry in data.get("dependencies", []) or []:
        if isinstance(entry, dict):
            requirements.extend(str(r) for r in entry.get("pip", []) or [])
        elif match := re.fullmatch(r"python\s*([<>=!~].*)?", str(entry).strip()):
            python = (match.group(1) or "").strip() or None
        elif str(entry) != "pip":
            unchecked.append(str(entry))
    return EnvironmentFile(name, path, python, tuple(requirements), tuple(unchecked))


def missing_requirements(env: EnvironmentFile) -> list[str]:
    """What the running interpreter lacks, one readable line each (empty: satisfied)."""
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.specifiers import SpecifierSet

    problems: list[str] = []
    if env.python:
        # conda: "=3.11" and "3.11" mean 3.11.*; ">=3.11" is a pip specifier already
        bare = env.python.removeprefix("=") if not env.python.startswith("==") else env.python
        spec = bare if bare[0] in "<>=!~" else f"=={bare}.*"
        running = ".".join(map(str, sys.version_info[:3]))
        if running not in SpecifierSet(spec):
            problems.append(f"python{env.python} (running {running})")
    for line in env.requirements:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            problems.append(f"{line} (not a valid requirement)")
            continue
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue  # meant for another platform
        try:
            installed = metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            problems.append(f"{line} (not installed)")
            continue
        if requirement.specifier and not requirement.specifier.contains(
            installed, prereleases=True
        ):
            problems.append(f"{line} (installed {installed})")
    return problems
