"""Publishing trained models: log each as a pyfunc model, register it, and run the gate once.

The train step hands over its network and, when the pipeline refits the
sweep's best, that model too, each as a :class:`ModelSubmission`, with one
:class:`GateRequest` for what they share: the test rows both were scored on,
how to tell which rows a champion trained on, and the drift policy's hold.
Both are registered; the better of them on those rows (the network on a tie)
goes to the gate against the champion, and the other is set aside as
challenger with the figures that decided it. Whether there is a registry at
all is the tracker's business (a null tracker publishes nothing).

A submission identical to a version already registered (the same graph,
inputs, labels and cleaning, measured on the same test rows: a ``refit``
served from the cache, say) is not registered again: that version takes part
in the gate as it is, and a loser that is already registered keeps its alias.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textops.records import Registration
from textops.tracking.audit import FAMILY_TAG
from textops.tracking.gate import TEST_SET_TAG, Fairness, GateDecision, ModelVersionInfo
from textops.tracking.registry import ModelRegistry

if TYPE_CHECKING:
    from textops.models.tfidf_state import TfidfFeaturizer
    from textops.models.tokenizer import Tokenizer
    from textops.tracking.base import StepTracker


#: the version tag holding :func:`content_digest`
CONTENT_TAG = "textops.model_sha256"


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
    #: the graph's file in a local store: the registered copy becomes a hard link to it
    stored_at: Path | None = None


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
    known = {info.tags.get(CONTENT_TAG): info for info in registry.versions(request.model_name)
             if info.tags.get(TEST_SET_TAG) == request.test_set}
    reused = [known.get(content_digest(s)) for s in submissions]
    versions = [found or _register(tracker, registry, request, s)
                for found, s in zip(reused, submissions, strict=True)]
    metric = request.gate_metric
    best = max(range(len(submissions)),
               key=lambda i: (submissions[i].metrics.get(metric, float("-inf")), -i))
    decisions: dict[int, GateDecision] = {best: registry.promote_if_better(
        request.model_name, versions[best].version, metric=metric,
        reevaluate=request.reevaluate, fairness=request.fairness(),
    )}
    for i, submission in enumerate(submissions):
        if i != best and reused[i] is not None:
            decisions[i] = _kept(registry, request, versions[i])
        elif i != best:
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
               FAMILY_TAG: submission.family, CONTENT_TAG: content_digest(submission)}
    uri = log_pyfunc_model(
        submission.onnx_model, submission.inputs, labels=submission.labels,
        cleaning=submission.cleaning, scores=submission.scores,
        metadata={**lineage, "metrics": dict(submission.metrics)},
        input_example=list(submission.input_example), run_id=tracker.run_id,
        tracking_uri=tracker.tracking_uri,
    )
    info = registry.register(
        uri, request.model_name, metrics=submission.metrics, test_set=request.test_set,
        dataset_version=request.dataset_version, tags=lineage,
    )
    if submission.stored_at is not None:
        share_graph(info.source, submission.stored_at)
    return info


def share_graph(source: str, stored_at: Path) -> bool:
    """Store a model's bytes once: its logged copy becomes a hard link to the store's file.

    Both are immutable once written, so one inode serves both names; removing
    either keeps the other. Only for a local artifact store on the store's
    filesystem, and only when the bytes are equal; anything else keeps the copy.
    """
    import filecmp
    import os

    folder = Path(source.removeprefix("file://"))
    logged = next(iter(folder.rglob(stored_at.name)), None) if folder.is_dir() else None
    if logged is None or not stored_at.is_file() or os.path.samefile(logged, stored_at):
        return False
    if not filecmp.cmp(logged, stored_at, shallow=False):
        return False
    staged = logged.with_name(f".{logged.name}.link")
    try:
        os.link(stored_at, staged)
    except OSError:  # another filesystem, or links not supported: the copy stays
        return False
    os.replace(staged, logged)
    return True


def content_digest(submission: ModelSubmission) -> str:
    """sha256 of what makes a model score as it does: graph, inputs, labels, cleaning."""
    import hashlib
    import json

    digest = hashlib.sha256(submission.onnx_model)
    described = {"inputs": submission.inputs.to_dict(), "labels": list(submission.labels),
                 "cleaning": submission.cleaning, "scores": submission.scores}
    digest.update(json.dumps(described, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def _kept(
    registry: ModelRegistry, request: GateRequest, version: ModelVersionInfo
) -> GateDecision:
    """A loser already registered: its alias and its history stay as they were."""
    metric = request.gate_metric
    champion = registry.champion(request.model_name)
    is_champion = champion is not None and champion.version == version.version
    return GateDecision(
        promoted=is_champion, metric=metric, candidate_version=version.version,
        candidate_value=version.metrics.get(metric, float("nan")),
        reason=f"identical to v{version.version}, already registered: not registered again",
        test_rows=len(request.test_ids),
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
