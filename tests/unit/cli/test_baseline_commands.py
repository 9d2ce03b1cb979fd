"""`textops baseline init --from` a version validation refused: refused, unless --force."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.project import OFF, invoke, validated_demo
from textops import api
from textops.errors import ValidationError


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Demo drop 1 validated (version 1, ok), then drop 3 refused (version 2)."""
    return validated_demo(tmp_path_factory.mktemp("baseline"), "drop3")


def test_a_refused_version_is_refused(project: Path) -> None:
    before = (project.parent / ".textops" / "baseline" / "profile.yaml").read_text()
    result = invoke(project, "baseline", "init", "--from", "2")
    assert isinstance(result.exception, ValidationError)
    message = str(result.exception)
    assert "validation refused dataset 'demo' version" in message
    assert "null_text" in message and "pass --force" in message
    assert (project.parent / ".textops" / "baseline" / "profile.yaml").read_text() == before


def test_forced_it_is_written_and_says_so(project: Path) -> None:
    result = invoke(project, "baseline", "init", "--from", "2", "--force")
    assert result.exit_code == 0, result.output
    assert "forced: validation refused" in result.output
    text, _ = api.baseline_show(project, OFF)
    first = text.splitlines()[0]
    assert first.startswith("# FORCED with --force: validation refused dataset 'demo' version")
    assert "hard error(s)" in first and "null_text" in first

    made = api.baseline_init("2", project, OFF, force=True)
    assert made["forced"] is True and "null_text" in made["refusal"]


def test_a_version_that_passed_is_not_forced(project: Path) -> None:
    made = api.baseline_init("1", project, OFF, force=True)  # force: replace the one there
    assert made["forced"] is False and made["refusal"] is None
    text, _ = api.baseline_show(project, OFF)
    assert "FORCED" not in text
