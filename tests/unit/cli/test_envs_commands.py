"""`textops envs list | check | build`."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner, Result

from textops.cli import app
from textops.errors import ConfigError, EnvironmentError_


def invoke(config: Path, *args: str) -> Result:
    return CliRunner().invoke(app, ["--config", str(config), "envs", *args])


@pytest.fixture
def config(tmp_path: Path) -> Path:
    (tmp_path / "small.yml").write_text("dependencies:\n  - pip:\n      - packaging>=20\n")
    (tmp_path / "needy.yml").write_text("dependencies:\n  - pip:\n      - packaging>=999\n")
    path = tmp_path / "textops.yaml"
    path.write_text(yaml.safe_dump({"environments": {
        "files": {"small": str(tmp_path / "small.yml"), "needy": str(tmp_path / "needy.yml")},
        "cache": str(tmp_path / "envs"),
    }, "steps": [{"name": "ingest", "uses": "ingest", "environment": "small"}]}))
    return path


def test_check_names_what_this_interpreter_lacks(config: Path) -> None:
    result = invoke(config, "check")
    assert isinstance(result.exception, EnvironmentError_), result.output
    assert "small: ok" in result.output and "needy: missing packaging>=999" in result.output
    assert invoke(config, "check", "small").exit_code == 0


@pytest.mark.slow
def test_build_then_list_shows_it_built_and_a_second_build_reuses_it(config: Path) -> None:
    assert "not built" in invoke(config, "list").output
    first = invoke(config, "build", "small")
    assert first.exit_code == 0 and "small: built in" in first.output, first.output
    again = invoke(config, "build", "small")
    assert "small: reused in 0.0" in again.output
    listing = invoke(config, "list").output
    assert listing.count("not built") == 1  # needy still is not
    unknown = invoke(config, "build", "nope")
    assert isinstance(unknown.exception, ConfigError)
