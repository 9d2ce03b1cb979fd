"""The model registry and the champion gate, on a SQLite tracking store in tmp_path.

MLflow 3.17's SQLite store configures SQLAlchemy mappers with a ``noload``
strategy that SQLAlchemy 2 deprecates; the warning is raised inside MLflow on
every new store and is not ours to fix, so it is filtered here by its message.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from textops.errors import TrackingError
from textops.tracking.gate import ModelVersionInfo, decide
from textops.tracking.registry import (
    CHALLENGER,
    CHAMPION,
    ModelRegistry,
    fingerprint_test_set,
)

pytestmark = pytest.mark.filterwarnings(
    "ignore:The ``noload`` loader strategy is deprecated:DeprecationWarning"
)

NAME = "textops-network"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("registry")


@pytest.fixture(scope="module")
def registry(store: Path) -> ModelRegistry:
    """One SQLite store for the module (creating its schema takes seconds)."""
    return ModelRegistry(f"sqlite:///{store / 'mlflow.db'}")


@pytest.fixture
def name(request: pytest.FixtureRequest) -> str:
    """A registered-model name of this test's own, so tests sharing the store stay apart."""
    return request.node.name.replace("[", "-").replace("]", "")


@pytest.fixture(scope="module")
def logged_model(registry: ModelRegistry, store: Path) -> Callable[[], str]:
    """Logs a real (tiny) pyfunc model to a fresh run; returns its models:/ URI."""
    from textops.models.onnx_export import export_onnx
    from textops.models.training import NetworkConfig, fit_network
    from textops.tracking.pyfunc import log_pyfunc_model

    texts = ["goal match team", "cloud code server", "team win goal", "code python data"] * 5
    labels = ["sport", "tech", "sport", "tech"] * 5
    config = NetworkConfig(epochs=2, batch_size=4, buckets=32, min_count=1, embedding_dim=4)
    network = fit_network(texts, labels, config)
    onnx_model = export_onnx(network, texts).model
    experiment = registry.client.create_experiment("t", artifact_location=str(store / "art"))

    def log() -> str:
        run_id = registry.client.create_run(experiment).info.run_id
        return log_pyfunc_model(
            onnx_model, network.tokenizer, labels=network.labels,
            run_id=run_id, tracking_uri=registry.tracking_uri,
        )

    return log


def test_register_records_metrics_lineage_and_run(
    registry: ModelRegistry, logged_model: Callable[[], str], name: str
) -> None:
    uri = logged_model()
    version = registry.register(
        uri, name, metrics={"accuracy": 0.8, "f1_macro": 0.75}, test_set="abc",
        dataset_version="ds-1", tags={"architecture": "fasttext"},
    )
    assert version.version == 1 and version.status == "READY"
    assert version.metrics == {"accuracy": 0.8, "f1_macro": 0.75}
    assert version.test_set == "abc" and version.dataset_version == "ds-1"
    assert version.tags["architecture"] == "fasttext"
    assert version.run_id is not None and uri.removeprefix("models:/") in version.source
    second = registry.register(uri, name, metrics={"accuracy": 0.7}, test_set="abc")
    assert [v.version for v in registry.versions(name)] == [1, second.version] == [1, 2]
    assert registry.versions("no-such-model") == []


def test_gate_promotes_the_first_then_only_a_strictly_better_model(
    registry: ModelRegistry, logged_model: Callable[[], str], name: str
) -> None:
    uri = logged_model()
    assert registry.champion(name) is None
    first = registry.register(uri, name, metrics={"accuracy": 0.80}, test_set="t1")
    decision = registry.promote_if_better(name, first.version)
    assert decision.promoted and decision.reason == "no champion yet"
    assert registry.champion(name).version == first.version  # type: ignore[union-attr]

    worse = registry.register(uri, name, metrics={"accuracy": 0.75}, test_set="t1")
    decision = registry.promote_if_better(name, worse.version)
    assert not decision.promoted and decision.champion_value == 0.80
    assert "does not beat champion v1" in decision.reason
    assert registry.champion(name).version == first.version  # type: ignore[union-attr]
    assert registry.challenger(name).version == worse.version  # type: ignore[union-attr]
    assert registry.get(name, worse.version).tags["textops.gate"] == "rejected"

    tie = registry.register(uri, name, metrics={"accuracy": 0.80}, test_set="t1")
    assert not registry.promote_if_better(name, tie.version).promoted  # strictly better only

    better = registry.register(uri, name, metrics={"accuracy": 0.85}, test_set="t1")
    decision = registry.promote_if_better(name, better.version)
    assert decision.promoted
    champion = registry.champion(name)
    assert champion is not None and champion.version == better.version
    assert CHAMPION in champion.aliases and champion.tags["textops.gate"] == "promoted"


def test_a_champion_from_another_test_set_is_reevaluated_or_not_compared(
    registry: ModelRegistry, logged_model: Callable[[], str], name: str
) -> None:
    uri = logged_model()
    old = registry.register(uri, name, metrics={"accuracy": 0.95}, test_set="old-test")
    registry.set_champion(name, old.version)
    new = registry.register(uri, name, metrics={"accuracy": 0.90}, test_set="new-test")

    decision = registry.promote_if_better(name, new.version)
    assert not decision.promoted and decision.reason.startswith("not comparable")
    assert registry.challenger(name).version == new.version  # type: ignore[union-attr]

    scored: list[Any] = []

    def reevaluate(model: Any) -> float:
        import pandas as pd

        scored.append(model.predict(pd.DataFrame({"text": ["goal match"]})))
        return 0.85  # the old champion on the new test set

    decision = registry.promote_if_better(name, new.version, reevaluate=reevaluate)
    assert decision.promoted and decision.reevaluated and decision.champion_value == 0.85
    assert len(scored) == 1 and scored[0]["label"][0] in {"sport", "tech"}
    assert registry.champion(name).version == new.version  # type: ignore[union-attr]
    assert registry.challenger(name) is None  # it was the challenger; now champion


def test_history_has_every_registration_gate_decision_and_demotion(
    registry: ModelRegistry, logged_model: Callable[[], str], name: str
) -> None:
    uri = logged_model()
    first = registry.register(uri, name, metrics={"accuracy": 0.80}, test_set="t1",
                              dataset_version="ds-1", tags={"textops.family": "sklearn"})
    registry.promote_if_better(name, first.version)
    worse = registry.register(uri, name, metrics={"accuracy": 0.75}, test_set="t1")
    registry.promote_if_better(name, worse.version)
    better = registry.register(uri, name, metrics={"accuracy": 0.85}, test_set="t1")
    registry.promote_if_better(name, better.version)

    history = registry.history(name)
    assert [(e.event, e.version, e.by) for e in history] == [
        ("registered", 1, "gate"), ("promoted", 1, "gate"),
        ("registered", 2, "gate"), ("challenger", 2, "gate"),
        ("registered", 3, "gate"), ("promoted", 3, "gate"), ("demoted", 1, "gate"),
    ]
    assert [e.sequence for e in history] == list(range(1, 8))
    assert history[0].family == "sklearn" and history[2].family == "network"
    assert history[0].reason == "dataset ds-1, test set t1"
    rejected = history[3]
    assert (rejected.metric, rejected.candidate, rejected.champion) == ("accuracy", 0.75, 0.80)
    assert rejected.champion_version == 1 and "does not beat" in rejected.reason
    demoted = history[6]
    assert (demoted.candidate_version, demoted.champion_version) == (3, 1)
    assert (demoted.candidate, demoted.champion) == (0.85, 0.80)


def test_a_hand_promotion_appends_its_reason_and_keeps_the_gates(
    registry: ModelRegistry, logged_model: Callable[[], str], name: str
) -> None:
    uri = logged_model()
    for value in (0.80, 0.70):
        version = registry.register(uri, name, metrics={"accuracy": value}, test_set="t1")
        registry.promote_if_better(name, version.version)
    gate_reason = registry.get(name, 2).tags["textops.gate_reason"]

    events = registry.promote(name, 2, reason="v1 mislabels urgent mail", metric="accuracy",
                              user="ann")
    registry.promote(name, 1, reason="rolled back: v2 slower")

    assert registry.champion(name).version == 1  # type: ignore[union-attr]
    assert registry.challenger(name) is None  # v2 left it when promoted
    assert [(e.event, e.version) for e in events] == [("promoted", 2), ("demoted", 1)]
    history = registry.history(name)
    reasons = [(e.event, e.version, e.by, e.reason) for e in history if e.event != "registered"]
    assert reasons == [
        ("promoted", 1, "gate", "no champion yet"),
        ("challenger", 2, "gate", gate_reason),
        ("promoted", 2, "hand", "v1 mislabels urgent mail"),
        ("demoted", 1, "hand", "v1 mislabels urgent mail"),
        ("promoted", 1, "hand", "rolled back: v2 slower"),
        ("demoted", 2, "hand", "rolled back: v2 slower"),
    ]
    by_hand = history[4]
    assert (by_hand.user, by_hand.candidate, by_hand.champion) == ("ann", 0.70, 0.80)
    assert history[-1].metric is None  # no metric given: no figures
    # the version's own tag shows its latest reason only; the history keeps the rest
    assert registry.get(name, 2).tags["textops.gate_reason"] == "v1 mislabels urgent mail"


def test_history_of_an_unknown_model_is_a_tracking_error(registry: ModelRegistry) -> None:
    with pytest.raises(TrackingError, match="MLflow refused to read the history of model 'nope'"):
        registry.history("nope")


def test_gate_needs_the_metric_on_the_candidate() -> None:
    candidate = _info(version=2, tags={"textops.metric.f1_macro": "0.5"})
    with pytest.raises(TrackingError, match="has no recorded 'accuracy'"):
        decide(candidate, None, metric="accuracy")


def test_decide_is_pure_and_compares_on_the_same_test_set() -> None:
    champion = _info(version=1, tags={"textops.metric.accuracy": "0.7", "textops.test_set": "t"})
    candidate = _info(version=2, tags={"textops.metric.accuracy": "0.71", "textops.test_set": "t"})
    decision = decide(candidate, champion, metric="accuracy")
    assert decision.promoted and not decision.reevaluated
    assert (decision.candidate_value, decision.champion_value) == (0.71, 0.7)


def test_fingerprint_depends_on_texts_labels_and_order() -> None:
    base = fingerprint_test_set(["a", "b"], ["x", "y"])
    assert base == fingerprint_test_set(["a", "b"], ["x", "y"])
    assert base != fingerprint_test_set(["b", "a"], ["y", "x"])
    assert base != fingerprint_test_set(["a", "b"], ["x", "x"])


def test_mlflow_refusals_become_tracking_errors(registry: ModelRegistry) -> None:
    with pytest.raises(TrackingError, match="MLflow refused to read version 3 of model 'nope'"):
        registry.get("nope", 3)
    assert CHALLENGER == "challenger"


def _info(*, version: int, tags: dict[str, str]) -> ModelVersionInfo:
    return ModelVersionInfo(
        name=NAME, version=version, source="models:/m-x", run_id=None, status="READY",
        aliases=(), tags=tags, created_ms=0,
    )
