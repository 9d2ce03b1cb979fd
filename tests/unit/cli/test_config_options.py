"""``--config/-c`` and ``--set/-s`` after the command as well as before it, for every command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pytest
import typer
from typer.main import get_command
from typer.testing import CliRunner

from textops import api, cli
from textops.cli.common import _state, add_config_options, config_args
from textops.errors import ConfigError


def _commands(group: Any, path: str = "") -> list[tuple[str, Any]]:
    """Every leaf command of Typer's click tree, with its full name."""
    found: list[tuple[str, Any]] = []
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            found.extend(_commands(command, f"{path}{name} "))
        else:
            found.append((f"{path}{name}", command))
    return found


def test_every_command_takes_the_pair() -> None:
    commands = _commands(get_command(cli.app))
    assert len(commands) > 8
    for name, command in commands:
        flags = {flag for param in command.params for flag in param.opts}
        assert {"--config", "-c", "--set", "-s"} <= flags, name


def _captured(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    def fake_graph(path: Any, overrides: Any) -> list[dict[str, str]]:
        seen.update(path=path, overrides=list(overrides))
        return []

    monkeypatch.setattr(api, "graph", fake_graph)
    return seen


def test_set_after_the_command_adds_to_those_before_it(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _captured(monkeypatch)
    result = CliRunner().invoke(
        cli.app, ["-s", "a=1", "graph", "--set", "b=2", "-s", "a=3", "-c", "x.yaml"]
    )
    assert result.exit_code == 0, result.output
    assert seen == {"path": Path("x.yaml"), "overrides": ["a=1", "b=2", "a=3"]}


def test_without_options_after_the_command_the_global_ones_stand(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen = _captured(monkeypatch)
    result = CliRunner().invoke(cli.app, ["--config", "y.yaml", "-s", "a=1", "graph"])
    assert result.exit_code == 0, result.output
    assert seen == {"path": Path("y.yaml"), "overrides": ["a=1"]}


def test_two_different_configs_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    _captured(monkeypatch)
    result = CliRunner().invoke(cli.app, ["-c", "a.yaml", "graph", "-c", "b.yaml"])
    assert isinstance(result.exception, ConfigError)
    assert "--config is given twice" in str(result.exception)


def test_a_command_with_its_own_short_flag_keeps_it() -> None:
    group = typer.Typer()
    seen: dict[str, Any] = {}

    @group.command()
    def watch(
        settle: Annotated[float, typer.Option("--settle", "-s")] = 1.0,
        flag: bool = False,
    ) -> None:
        seen.update(settle=settle, args=config_args())

    @group.callback()
    def root() -> None:
        """As ``textops``'s own callback: each invocation starts with no options."""
        _state.update(config=None, overrides=[])

    add_config_options(group)
    add_config_options(group)  # once only: a second call changes nothing
    result = CliRunner().invoke(group, ["watch", "-s", "5", "--config", "z.yaml"])
    assert result.exit_code == 0, result.output
    assert seen["settle"] == 5.0 and seen["args"][0] == Path("z.yaml")
    result = CliRunner().invoke(group, ["watch", "--set", "k=v"])
    assert result.exit_code == 0, result.output
    assert seen["args"][1][-1] == "k=v"
