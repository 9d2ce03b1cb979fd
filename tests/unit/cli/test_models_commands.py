"""`textops models promote` and `models history`, on a SQLite registry in tmp_path.

MLflow 3.17's SQLite store configures SQLAlchemy mappers with a deprecated
``noload`` strategy; the warning is MLflow's own, filtered here by its message.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner, Result

from textops import api, cli
from textops.errors import ConfigError
from textops.tracking.registry import ModelRegistry

pytestmark = pytest.mark.filterwarnings(
    "ignore:The ``noload`` loader strategy is deprecated:DeprecationWarning"
)

@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A textops.yaml with its own SQLite registry (one per module: its schema takes seconds)."""
    folder = tmp_path_factory.mktemp("models")
    config = folder / "textops.yaml"
    config.write_text(yaml.safe_dump({
        "store": {"url": str(folder / "store")},
        "tracking": {"uri": f"sqlite:///{folder / 'mlflow.db'}"},
        "steps": [{"name": "train", "uses": "train", "params": {"gate_metric": "accuracy"}}],
    }))
    (folder / "model").mkdir()
    return config


@pytest.fixture
def name(project: Path, request: pytest.FixtureRequest) -> str:
    """This test's own model: v1 (network, champion, 0.80) and v2 (sklearn, challenger, 0.75)."""
    name = str(request.node.name)
    registry = ModelRegistry(api.config(project).tracking.uri or "")
    for value, family in ((0.80, "network"), (0.75, "sklearn")):
        version = registry.register(
            str(project.parent / "model"), name,
            metrics={"accuracy": value, "f1_macro": value - 0.1},
            test_set="t1", dataset_version="ds-1", tags={"textops.family": family},
        )
        registry.promote_if_better(name, version.version, metric="accuracy")
    return name


def invoke(config: Path, *args: str) -> Result:
    return CliRunner().invoke(cli.app, ["--config", str(config), *args], env={"COLUMNS": "250"})


def test_promote_needs_a_reason(project: Path, name: str) -> None:
    missing = invoke(project, "models", "promote", "2", "--name", name)
    assert missing.exit_code == 2
    assert "Missing option '--reason'" in missing.output
    blank = invoke(project, "models", "promote", "2", "--name", name, "--reason", "  ")
    # the API's one-line refusal (textops.cli.main prints it and exits 2)
    assert isinstance(blank.exception, ConfigError)
    assert "needs a reason" in str(blank.exception)
    with pytest.raises(ConfigError, match="needs a reason"):
        api.promote_model(2, name, project, reason="")
    assert [e.event for e in api.models_history(name, project)][-1] == "challenger"  # unchanged


def test_promote_by_hand_appends_to_the_history(project: Path, name: str) -> None:
    reason = "v1 mislabels urgent mail"
    result = invoke(project, "models", "promote", "2", "--name", name, "--reason", reason)
    assert result.exit_code == 0, result.output
    assert f"{name} version 2 is now champion" in result.output
    api.promote_model(1, name, project, reason="rolled back", metric="f1_macro")

    events = api.models_history(name, project)
    moves = [(e.event, e.version, e.by, e.reason) for e in events if e.event != "registered"]
    assert moves == [
        ("promoted", 1, "gate", "no champion yet"),
        ("challenger", 2, "gate", "accuracy 0.75 does not beat champion v1's 0.8"),
        ("promoted", 2, "hand", "v1 mislabels urgent mail"),
        ("demoted", 1, "hand", "v1 mislabels urgent mail"),
        ("promoted", 1, "hand", "rolled back"),
        ("demoted", 2, "hand", "rolled back"),
    ]
    by_hand = events[4]
    assert (by_hand.metric, by_hand.candidate, by_hand.champion) == ("accuracy", 0.75, 0.80)
    assert by_hand.family == "sklearn" and by_hand.user  # who, where the system can say
    assert events[-1].metric == "f1_macro"  # --metric given instead of the gate's


def test_history_lists_every_event_as_a_table_and_as_json(project: Path, name: str) -> None:
    api.promote_model(2, name, project, reason="by hand")
    table = invoke(project, "models", "history", "--name", name)
    assert table.exit_code == 0, table.output
    lines = table.output.splitlines()
    challenger = next(line for line in lines if "challenger" in line)
    for cell in ("sklearn", "gate", "accuracy v2 0.75 vs v1 0.8", "does not beat"):
        assert cell in challenger
    assert any("promoted" in line and "hand" in line and "by hand" in line for line in lines)
    assert any("accuracy v1 0.8 (no champion)" in line for line in lines)

    as_json = invoke(project, "models", "history", "--name", name, "--json")
    events = json.loads(as_json.output)
    assert [e["event"] for e in events] == [
        "registered", "promoted", "registered", "challenger", "promoted", "demoted",
    ]
    assert events[3]["champion_version"] == 1 and events[4]["by"] == "hand"


def test_history_of_an_unknown_model_names_it(project: Path) -> None:
    result = invoke(project, "models", "history", "--name", "nope")
    assert result.exit_code != 0
    assert "read the history of model 'nope'" in str(result.exception)
