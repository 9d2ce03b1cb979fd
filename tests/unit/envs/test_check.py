from __future__ import annotations

from pathlib import Path

import pytest

from textops.config.loader import validate_config
from textops.envs.check import missing_requirements, read_environment, resolve_path
from textops.errors import ConfigError, EnvironmentError_
from textops.execution.runner import run_pipeline


def write_env(tmp_path: Path, *pip: str, python: str = "python>=3.11") -> Path:
    lines = "\n".join(f"      - {p}" for p in pip)
    path = tmp_path / "env.yml"
    path.write_text(f"name: t\ndependencies:\n  - {python}\n  - pip\n  - pip:\n{lines}\n")
    return path


def test_satisfied_environment(tmp_path: Path) -> None:
    env = read_environment("t", str(write_env(tmp_path, "numpy>=1.0", "pyyaml")))
    assert missing_requirements(env) == []


def test_missing_and_too_old_packages_are_named(tmp_path: Path) -> None:
    env = read_environment("t", str(write_env(tmp_path, "numpy>=999", "surely-not-installed-pkg")))
    problems = missing_requirements(env)
    assert problems[0].startswith("numpy>=999 (installed ")
    assert problems[1] == "surely-not-installed-pkg (not installed)"


def test_python_version_is_checked(tmp_path: Path) -> None:
    env = read_environment("t", str(write_env(tmp_path, python="python=2.7")))
    assert missing_requirements(env)[0].startswith("python=2.7 (running 3.")


def test_packaged_default_is_used_when_the_project_has_none(tmp_path: Path) -> None:
    assert resolve_path(str(tmp_path / "environments" / "torch.yml")).name == "torch.yml"
    with pytest.raises(ConfigError, match="does not exist"):
        resolve_path(str(tmp_path / "nope.yml"))


def test_runner_refuses_a_step_whose_environment_is_not_satisfied(tmp_path: Path) -> None:
    path = write_env(tmp_path, "surely-not-installed-pkg>=1")
    config = validate_config({
        "store": {"url": str(tmp_path / "store")},
        "environments": {"files": {"data": str(path)}},
        "steps": [{"name": "ingest", "uses": "ingest"}],
    })
    with pytest.raises(
        EnvironmentError_,
        match="step 'ingest' needs environment 'data'"
        ".*surely-not-installed-pkg>=1 \\(not installed\\)",
    ):
        run_pipeline(config, backend=None)
    assert not (tmp_path / "store").exists()
