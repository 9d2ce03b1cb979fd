"""The fair gate: never compare on rows the champion trained on; the drift hold."""

from __future__ import annotations

from pathlib import Path

import pytest

from textops.tracking.gate import Fairness, ModelVersionInfo, decide
from textops.tracking.registry import ModelRegistry

CHAMPION_TAGS = {"textops.metric.accuracy": "0.9", "textops.test_set": "old",
                 "dataset": "demo@v1"}
CANDIDATE_TAGS = {"textops.metric.accuracy": "0.8", "textops.test_set": "new",
                  "dataset": "demo@v2"}
TRAINED_ON = {"demo@v1": {"a", "b", "c"}}


def info(version: int, tags: dict[str, str]) -> ModelVersionInfo:
    return ModelVersionInfo(name="m", version=version, source="models:/m-x", run_id=None,
                            status="READY", aliases=(), tags=tags, created_ms=0)


def fairness(test_ids: set[str], *, hold: str | None = None) -> Fairness:
    def overlap(champion: ModelVersionInfo) -> int | None:
        trained = TRAINED_ON.get(champion.tags.get("dataset", ""))
        return None if trained is None else len(test_ids & trained)

    return Fairness(test_rows=len(test_ids), overlap=overlap, hold=hold)


def test_rows_the_champion_trained_on_stop_the_comparison() -> None:
    decision = decide(info(2, CANDIDATE_TAGS), info(1, CHAMPION_TAGS), metric="accuracy",
                      reevaluate=lambda _champion: 0.1, fairness=fairness({"b", "x", "y"}))
    assert not decision.promoted
    assert (decision.test_rows, decision.overlap_with_champion_train) == (3, 1)
    assert "1 of the candidate's 3 test rows were in champion v1's training set" in decision.reason


def test_without_overlap_the_champion_is_scored_on_the_candidates_rows() -> None:
    decision = decide(info(2, CANDIDATE_TAGS), info(1, CHAMPION_TAGS), metric="accuracy",
                      reevaluate=lambda _champion: 0.7, fairness=fairness({"x", "y"}))
    assert decision.promoted and decision.reevaluated
    assert (decision.candidate_value, decision.champion_value) == (0.8, 0.7)
    assert decision.overlap_with_champion_train == 0
    tags = decision.tags()
    assert tags["textops.gate.test_rows"] == "2"
    assert tags["textops.gate.overlap_with_champion_train"] == "0"
    assert tags["textops.gate.champion_value"] == "0.7"


def test_a_champion_whose_training_rows_are_unknown_is_not_compared() -> None:
    stranger = info(1, {**CHAMPION_TAGS, "dataset": "elsewhere@v9"})
    decision = decide(info(2, CANDIDATE_TAGS), stranger, metric="accuracy",
                      reevaluate=lambda _champion: 0.1, fairness=fairness({"x"}))
    assert not decision.promoted and "rows champion v1 trained on are unknown" in decision.reason


@pytest.mark.parametrize("champion", [None, info(1, CHAMPION_TAGS)])
def test_a_hold_keeps_the_champion_whatever_the_figures(champion: ModelVersionInfo | None) -> None:
    decision = decide(info(2, CANDIDATE_TAGS), champion, metric="accuracy",
                      reevaluate=lambda _champion: 0.1,
                      fairness=fairness({"x"}, hold="drift fail: train.class_balance"))
    assert not decision.promoted
    assert decision.reason == "held back: drift fail: train.class_balance"


def test_the_registry_records_the_figures_it_compared(tmp_path: Path) -> None:
    registry = ModelRegistry(f"sqlite:///{tmp_path / 'mlflow.db'}")
    uri = (tmp_path / "model").as_uri()  # never loaded: the overlap stops the gate first
    first = registry.register(uri, "gate", metrics={"accuracy": 0.9}, test_set="t1",
                              tags={"dataset": "demo@v1"})
    registry.promote_if_better("gate", first.version, metric="accuracy")
    second = registry.register(uri, "gate", metrics={"accuracy": 0.95}, test_set="t2",
                               tags={"dataset": "demo@v2"})
    decision = registry.promote_if_better(
        "gate", second.version, metric="accuracy", reevaluate=lambda _model: 0.5,
        fairness=fairness({"a", "z"}),
    )
    assert not decision.promoted
    tags = registry.get("gate", second.version).tags
    assert tags["textops.gate.overlap_with_champion_train"] == "1"
    assert tags["textops.gate.test_rows"] == "2"
    assert registry.challenger("gate").version == second.version  # type: ignore[union-attr]
