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
    lineage: Mapping[str, str] = field(default_factory=dict)
    input_example: Sequence[str] = ()


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
        reevaluate=submission.reevaluate,
    )
    tracker.log(tags={"textops.model_version": str(version.version),
                      "textops.promoted": str(decision.promoted).lower(),
                      "textops.gate_reason": decision.reason[:5000]})
    return Registration(name=submission.model_name, version=version.version, uri=version.uri,
                        promoted=decision.promoted, reason=decision.reason)
