"""Publishing trained models: log each as a pyfunc model, register it, and run the gate once.

The train step hands over its network and, when the pipeline refits the
sweep's best, that model too, each as a :class:`ModelSubmission`, with one
:class:`GateRequest` for what they share: the test rows both were scored on,
how to tell which rows a champion trained on, and the drift policy's hold.
Both are registered; the better of them on those rows (the network on a tie)
goes to the gate against the champion, and the other is set aside as
challenger with the figures that decided it. Whether there is a registry at
all is the tracker's business (a null tracker publishes nothing).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from textops.records import Registration
from textops.tracking.audit import FAMILY_TAG
from textops.tracking.gate import Fairness, GateDecision, ModelVersionInfo
from textops.tracking.registry import ModelRegistry

if TYPE_CHECKING:
    from textops.models.tfidf_state import TfidfFeaturizer
    from textops.models.tokenizer import Tokenizer
    from textops.tracking.base import StepTracker


@dataclass(frozen=True)
class ModelSubmission:
    """One trained model: its graph, what feeds it, and its figures on the gate's test rows."""

    onnx_model: bytes
    inputs: Tokenizer | TfidfFeaturizer
    labels: Sequence[str]
    cleaning: Mapping[str, Any] | None
    metrics: Mapping[str, float]
    family: str = "network"
    scores: str | None = None  # a linear model's kind of scores (see models.linear_export)
    input_example: Sequence[str] = ()


@dataclass(frozen=True)
class GateRequest:
    """What the submissions share: the registry name, the test rows, the gate's rules."""

    model_name: str
    gate_metric: str
    test_set: str  # fingerprint of the rows the metrics were measured on
    dataset_version: str
    #: scores a loaded champion on these test rows, when they differ from its own
    reevaluate: Callable[[Any], float]
    #: ids of the rows the metrics were measured on
    test_ids: Sequence[str] = ()
    #: the ids a model trained on, given its dataset version ("name@version"); None: unknown
    train_ids_of: Callable[[str], set[str] | None] = lambda _dataset: None
    #: a reason to keep the current champion whatever the figures (the drift policy)
    hold: str | None = None
    lineage: Mapping[str, str] = field(default_factory=dict)

    def fairness(self) -> Fairness:
        """Count the test rows a champion trained on, from the dataset version it names."""
        test_ids = set(self.test_ids)

        def overlap(champion: ModelVersionInfo) -> int | None:
            trained_on = champion.tags.get("dataset")
            train_ids = self.train_ids_of(trained_on) if trained_on else None
            return None if train_ids is None else len(test_ids & train_ids)

        return Fairness(test_rows=len(test_ids), overlap=overlap, hold=self.hold)


def publish_models(
    tracker: StepTracker, request: GateRequest, submissions: Sequence[ModelSubmission]
) -> list[Registration]:
    """Register every submission, gate the best of them, set the others aside."""
    registry = ModelRegistry(tracker.tracking_uri or "")
    versions = [_register(tracker, registry, request, s) for s in submissions]
    metric = request.gate_metric
    best = max(range(len(submissions)),
               key=lambda i: (submissions[i].metrics.get(metric, float("-inf")), -i))
    decisions: dict[int, GateDecision] = {best: registry.promote_if_better(
        request.model_name, versions[best].version, metric=metric,
        reevaluate=request.reevaluate, fairness=request.fairness(),
    )}
    for i, submission in enumerate(submissions):
        if i != best:
            decisions[i] = _set_aside(registry, request, (versions[i], submission),
                                      winner=(versions[best], submissions[best]))
    winner = decisions[best]
    tracker.log(tags={"textops.model_version": str(versions[best].version),
                      "textops.model_family": submissions[best].family,
                      "textops.promoted": str(winner.promoted).lower(),
                      "textops.gate_reason": winner.reason[:5000]})
    return [_registration(request, versions[i], decisions[i]) for i in range(len(submissions))]


def _register(
    tracker: StepTracker, registry: ModelRegistry, request: GateRequest,
    submission: ModelSubmission,
) -> ModelVersionInfo:
    from textops.tracking.pyfunc import log_pyfunc_model

    lineage = {**request.lineage, "mlflow_run": str(tracker.run_id or ""),
               FAMILY_TAG: submission.family}
    uri = log_pyfunc_model(
        submission.onnx_model, submission.inputs, labels=submission.labels,
        cleaning=submission.cleaning, scores=submission.scores,
        metadata={**lineage, "metrics": dict(submission.metrics)},
        input_example=list(submission.input_example), run_id=tracker.run_id,
        tracking_uri=tracker.tracking_uri,
    )
    return registry.register(
        uri, request.model_name, metrics=submission.metrics, test_set=request.test_set,
        dataset_version=request.dataset_version, tags=lineage,
    )


def _set_aside(
    registry: ModelRegistry, request: GateRequest,
    loser: tuple[ModelVersionInfo, ModelSubmission],
    *, winner: tuple[ModelVersionInfo, ModelSubmission],
) -> GateDecision:
    """The weaker of this run's models: challenger, with the figures on the same rows."""
    metric = request.gate_metric
    value = loser[1].metrics.get(metric, float("nan"))
    rival = winner[1].metrics.get(metric, float("nan"))
    reason = (
        f"{metric} {value:.6g} does not beat v{winner[0].version} ({winner[1].family}, "
        f"{rival:.6g}) of the same run on the same {len(request.test_ids)} test rows"
    )
    return registry.set_aside(
        request.model_name, loser[0].version, reason=reason, metric=metric,
        rival_version=winner[0].version, rival_value=rival, test_rows=len(request.test_ids),
    )


def _registration(
    request: GateRequest, version: ModelVersionInfo, decision: GateDecision
) -> Registration:
    return Registration(
        name=request.model_name, version=version.version, uri=version.uri,
        promoted=decision.promoted, reason=decision.reason, metric=decision.metric,
        candidate_value=decision.candidate_value, champion_version=decision.champion_version,
        champion_value=decision.champion_value, test_rows=decision.test_rows,
        overlap_with_champion_train=decision.overlap_with_champion_train,
    )
