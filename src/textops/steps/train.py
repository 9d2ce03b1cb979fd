"""train: the network on the full training set, ONNX with a parity check, the registry gate.

The fit is one task on the step's executor: the runner binds it to the compute
target, so it runs in process or on a Dask worker that offers the target's
resources (``{GPU: 1}``), on the target's device (``auto`` picks CUDA when
present). The exported graph must agree with PyTorch (probabilities within
``atol``, identical labels) or the step fails. It trains on the text form tuning
trained on (the cleaned text, or the raw text when refit's cross-validation
chose it). The registered model scores raw
text with a plain ``mlflow.pyfunc.load_model``; it becomes ``champion`` only if
it beats the current one on ``gate_metric``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import Field

from textops.models.metrics import LabelMetric
from textops.models.network_config import NetworkConfig
from textops.records import (
    CleanedData,
    DatasetRef,
    GateOutcome,
    ModelRef,
    Record,
    TunedConfig,
    ValidationReport,
)
from textops.steps.base import StepContext, StepParams, step
from textops.steps.common import scope_parts

if TYPE_CHECKING:
    from textops.models.training import TrainedNetwork
    from textops.tracking.publish import ModelSubmission


class Params(StepParams):
    """The network (unless tuning chose one), the registry name and the gate."""

    network: NetworkConfig | None = Field(
        None, description="the network to train; unset: the tune step's best, else the default"
    )
    members: int = Field(
        3, ge=1, le=16,
        description="networks of the tuned (or default) config trained from consecutive seeds, "
        "each holding out its own validation fold, and scored as one (mean probability); "
        "a network given above keeps its own",
    )
    model_name: str = "textops-classifier"
    gate_metric: LabelMetric = "f1_macro"
    parity_docs: int = Field(256, ge=1)
    atol: float = Field(1e-4, gt=0)


@step("train", outputs={"model": ModelRef, "gate": GateOutcome}, compute="gpu",
      environment="torch", data="full")
def train(
    ctx: StepContext, params: Params, *, cleaned: CleanedData, best: TunedConfig | None = None,
    contender: ModelRef | None = None, validation: ValidationReport | None = None,
) -> dict[str, Record]:
    """Fit, evaluate on the test set, export ONNX, register, and gate on the champion."""
    from textops.models.onnx_export import export_onnx
    from textops.models.training import fit_network

    fit_part, eval_part = scope_parts(ctx.scope)
    raw = best is not None and best.text == "raw" and params.network is None
    train_frame, test_frame = (
        ctx.catalog.dataset(cleaned.dataset, part) if raw else ctx.catalog.load(cleaned, part=part)
        for part in (fit_part, eval_part)
    )
    config = _network(ctx, params, best)
    ctx.progress.phase("fit")
    network = ctx.executor.submit(  # on a worker, ctx.progress stays silent: said once done
        fit_network, train_frame["text"].to_list(), train_frame["label"].to_list(), config,
        progress=ctx.progress,
    ).result()
    ctx.progress.device(network.device)
    ctx.progress.advance("members", config.members, config.members,
                         note=f"val_accuracy {network.val_accuracy:.4f}")
    test_texts, test_labels = test_frame["text"].to_list(), test_frame["label"].to_list()
    ctx.progress.phase("test evaluation")
    metrics = network.evaluate(test_texts, test_labels)
    confusion = _confusion(network, test_texts, test_labels)
    ctx.progress.phase("ONNX export and parity check")
    exported = export_onnx(network, test_texts, atol=params.atol, min_docs=params.parity_docs)
    ctx.catalog.save_model(ctx.out, family="network", graph=exported.model,
                           inputs=network.tokenizer.to_dict())
    _log_training(ctx, network, config=config, metrics=metrics,
                  export={**exported.summary(), "fit_part": fit_part, "eval_part": eval_part})
    model = ModelRef(
        location=ctx.out.location, device=network.device, metrics=metrics,
        onnx_parity_max_abs_diff=exported.max_abs_diff, labels=network.labels,
        estimator=config.architecture, cleaning=None if raw else cleaned.settings,
        selection={"cleaning": "raw" if raw else "configured"}, confusion=confusion,
    )
    models = [model, *([contender] if contender else [])]
    gate = _publish(ctx, params, cleaned, models, hold=_hold(validation, params))
    _log_confusions(ctx, gate)
    return {"model": gate.models[0], "gate": gate}


def _confusion(network: TrainedNetwork, texts: list[str], labels: list[str]) -> dict[str, Any]:
    from textops.models.metrics import confusion

    predicted = [network.labels[i] for i in network.predict_proba(texts).argmax(axis=1)]
    return confusion([str(label) for label in labels], predicted, labels=network.labels)


def _log_confusions(ctx: StepContext, gate: GateOutcome) -> None:
    """Each model's confusion matrix, by family; the gate's chosen one also as the run's own
    ``confusion_matrix.json`` (where the dashboard looks for the champion's)."""
    for i, model in enumerate(gate.models):
        if model.confusion is None:
            continue
        ctx.tracker.log_dict(model.confusion, f"confusion_matrix_{model.family}.json")
        if i == gate.chosen:
            ctx.tracker.log_dict(model.confusion, "confusion_matrix.json")


def _hold(validation: ValidationReport | None, params: Params) -> str | None:
    """The drift policy's reason to keep the champion, when validation found drift."""
    if validation is None or not validation.holds_promotion:
        return None
    worst = "; ".join(validation.baseline_worst_checks or validation.worst_checks) or (
        "see the validation report")
    return f"validation found drift (on_drift: block): {worst}"


def _network(ctx: StepContext, params: Params, best: TunedConfig | None) -> NetworkConfig:
    """The configured network, else the tuned one, else the default; on the target's device."""
    if params.network is not None:
        config = params.network
    else:
        config = NetworkConfig.model_validate(best.config) if best else NetworkConfig()
        config = config.model_copy(update={"members": params.members})
    return config.model_copy(update={"device": ctx.device, "threads": None})


def _log_training(
    ctx: StepContext, network: TrainedNetwork, *, config: NetworkConfig,
    metrics: dict[str, float],
    export: dict[str, Any],
) -> None:
    """The first member's curves (the others train the same way from other seeds) and figures."""
    for key in ("train_loss", "val_loss", "val_accuracy"):
        ctx.tracker.log_metric_history(key, [getattr(e, key) for e in network.history])
    parts = {key: export.pop(key) for key in ("fit_part", "eval_part")}
    ctx.tracker.log(
        params={"trained_network": config.model_dump_json(), "trained_on": network.device,
                **parts},
        metrics={**{f"test_{k}": v for k, v in metrics.items()}, **export,
                 "train_docs_per_second": network.docs_per_second,
                 "best_epoch": float(network.best_epoch),
                 "val_accuracy_final": network.val_accuracy,
                 "train_seconds": network.train_seconds},
    )


def _publish(
    ctx: StepContext, params: Params, cleaned: CleanedData, models: list[ModelRef], *,
    hold: str | None,
) -> GateOutcome:
    """Register the run's models and let the gate decide on champion (when there is a registry).

    Every model was scored on the same raw test rows: the gate picks the best of
    them and weighs it against the champion on those rows.
    """
    from textops.tracking.publish import GateRequest
    from textops.tracking.registry import fingerprint_test_set

    raw_test = ctx.catalog.dataset(cleaned.dataset, scope_parts(ctx.scope)[1])
    raw_texts, raw_labels = raw_test["text"].to_list(), raw_test["label"].to_list()
    request = GateRequest(
        model_name=params.model_name, gate_metric=params.gate_metric,
        test_set=fingerprint_test_set(raw_texts, raw_labels),
        dataset_version=cleaned.dataset.version,
        reevaluate=_rescorer(raw_texts, raw_labels, models[0].labels, params.gate_metric),
        test_ids=raw_test["id"].to_list(), train_ids_of=lambda label: _train_ids(ctx, label),
        hold=hold, lineage={"dataset": cleaned.dataset.label, "pipeline_run": ctx.run_id},
    )
    submissions = [_submission(ctx, model, example=raw_texts[:3]) for model in models]
    ctx.progress.phase("registration and gate")
    registered = ctx.tracker.publish_models(request, submissions)
    metric = params.gate_metric
    chosen = max(range(len(models)),
                 key=lambda i: (models[i].metrics.get(metric, float("-inf")), -i))
    if registered is not None:
        models = [m.model_copy(update={"registered": r}) for m, r in zip(models, registered,
                                                                          strict=True)]
    return GateOutcome(models=models, chosen=chosen, held=hold)


def _rescorer(
    texts: list[str], labels: list[str], classes: list[str], metric: str
) -> Callable[[Any], float]:
    """Scores a loaded champion (any family) on the raw test rows."""

    def rescore(champion: Any) -> float:
        import pandas as pd

        from textops.models.metrics import classification_metrics

        predicted = champion.predict(pd.DataFrame({"text": texts}))["label"].to_list()
        return classification_metrics(labels, predicted, labels=classes)[metric]

    return rescore


def _submission(ctx: StepContext, model: ModelRef, *, example: list[str]) -> ModelSubmission:
    """A model of this run as the registry takes it: its graph and what feeds it, from the store."""
    from textops.models.tfidf_state import TfidfFeaturizer
    from textops.models.tokenizer import Tokenizer
    from textops.tracking.publish import ModelSubmission

    graph, state = ctx.catalog.model(model)
    feeder = TfidfFeaturizer.from_dict(state) if model.family == "linear" else (
        Tokenizer.from_dict(state))
    return ModelSubmission(
        onnx_model=graph, inputs=feeder, labels=model.labels, cleaning=model.cleaning,
        metrics=model.metrics, family=model.family, scores=model.selection.get("scores"),
        input_example=example, stored_at=ctx.catalog.model_file(model),
    )


def _train_ids(ctx: StepContext, dataset_label: str) -> set[str] | None:
    """The ids a model registered from ``name@version`` trained on (this step's fit part)."""
    from textops.errors import StoreError

    name, _, version = dataset_label.partition("@")
    try:
        ids = ctx.catalog.dataset(DatasetRef(name=name, version=version), scope_parts(ctx.scope)[0],
                                  columns=["id"])
    except StoreError:
        return None  # a version no longer in this store: which rows it trained on is unknown
    return set(ids["id"].to_list())
