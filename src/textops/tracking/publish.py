"""Publishing a trained model: log it as a pyfunc model, register it, and run the gate.

The train step hands over a :class:`ModelSubmission`; whether there is a
registry at all is the tracker's business (a null tracker publishes nothing and
the step's own folder keeps the model files).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from textops.records import Registration
from textops.tracking.registry import Fairness, ModelVersionInfo

if TYPE_CHECKING:
    from textops.models.tokenizer import Tokenizer
    from textops.tracking.base import StepTracker


@dataclass(frozen=True)
class ModelSubmission:
    """Everything the registry and the gate need to know about a trained model."""

    onnx_model: bytes
    tokenizer: Tokenizer
    labels: Sequence[str]
    cleaning: Mapping[str, Any] | None
    metrics: Mapping[str, float]
    test_set: str  # fingerprint of the rows the metrics were measured on
    dataset_version: str
    model_name: str
    gate_metric: str
    #: scores a loaded champion on this model's test rows, when they differ from its own
    reevaluate: Callable[[Any], float]
    #: ids of the rows the metrics were measured on
    test_ids: Sequence[str] = ()
    #: the ids a model trained on, given its dataset version ("name@version"); None: unknown
    train_ids_of: Callable[[str], set[str] | None] = lambda _dataset: None
    #: a reason to keep the current champion whatever the figures (the drift policy)
    hold: str | None = None
    lineage: Mapping[str, str] = field(default_factory=dict)
    input_example: Sequence[str] = ()

    def fairness(self) -> Fairness:
        """Count the test rows a champion trained on, from the dataset version it names."""
        test_ids = set(self.test_ids)

        def overlap(champion: ModelVersionInfo) -> int | None:
            trained_on = champion.tags.get("dataset")
            train_ids = self.train_ids_of(trained_on) if trained_on else None
            return None if train_ids is None else len(test_ids & train_ids)

        return Fairness(test_rows=len(test_ids), overlap=overlap, hold=self.hold)


def publish_model(tracker: StepTracker, submission: ModelSubmission) -> Registration:
    """Log, register and gate ``submission`` in the tracker's run and registry."""
    from textops.tracking.pyfunc import log_pyfunc_model
    from textops.tracking.registry import ModelRegistry

    lineage = {**submission.lineage, "mlflow_run": str(tracker.run_id or "")}
    uri = log_pyfunc_model(
        submission.onnx_model, submission.tokenizer, labels=submission.labels,
        cleaning=submission.cleaning,
        metadata={**lineage, "metrics": dict(submission.metrics)},
        input_example=list(submission.input_example), run_id=tracker.run_id,
        tracking_uri=tracker.tracking_uri,
    )
    registry = ModelRegistry(tracker.tracking_uri or "")
    version = registry.register(
        uri, submission.model_name, metrics=submission.metrics, test_set=submission.test_set,
        dataset_version=submission.dataset_version, tags=lineage,
    )
    decision = registry.promote_if_better(
        submission.model_name, version.version, metric=submission.gate_metric,
        reevaluate=submission.reevaluate, fairness=submission.fairness(),
    )
    tracker.log(tags={"textops.model_version": str(version.version),
                      "textops.promoted": str(decision.promoted).lower(),
                      "textops.gate_reason": decision.reason[:5000]})
    return Registration(
        name=submission.model_name, version=version.version, uri=version.uri,
        promoted=decision.promoted, reason=decision.reason, metric=decision.metric,
        candidate_value=decision.candidate_value, champion_version=decision.champion_version,
        champion_value=decision.champion_value, test_rows=decision.test_rows,
        overlap_with_champion_train=decision.overlap_with_champion_train,
    )
