"""train: the network on the full training set, ONNX with a parity check, the registry gate.

The fit runs where the step's compute target says: in process on its device
(``auto`` picks CUDA when present), or as one task on a Dask worker that offers
the target's resources (``{GPU: 1}``). The exported graph must agree with
PyTorch (probabilities within ``atol``, identical labels) or the step fails.
The registered model scores raw text with a plain ``mlflow.pyfunc.load_model``;
it becomes ``champion`` only if it beats the current one on ``gate_metric``.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from textops.models.training import NetworkConfig
from textops.pipeline.step import StepContext, StepParams, step
from textops.steps.common import read_cleaned, scope_parts


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
    gate_metric: str = "f1_macro"
    parity_docs: int = Field(256, ge=1)
    atol: float = Field(1e-4, gt=0)


@step("train", params=Params, inputs=("cleaned",), outputs=("model",), compute="gpu",
      environment="torch", data="full", optional_inputs=("best",))
def train(ctx: StepContext) -> dict[str, Any]:
    """Fit, evaluate on the test set, export ONNX, register, and gate on the champion."""
    from textops.models.onnx_export import export_onnx
    from textops.models.training import fit_network

    cleaned = ctx.inputs["cleaned"]
    fit_part, eval_part = scope_parts(ctx.scope)
    train_frame = read_cleaned(ctx.store, cleaned, fit_part)
    test_frame = read_cleaned(ctx.store, cleaned, eval_part)
    config = _network(ctx)
    texts, labels = train_frame["text"].to_list(), train_frame["label"].to_list()
    if ctx.compute.kind == "dask":
        future = ctx.executor.submit(fit_network, texts, labels, config,
                                     resources=ctx.compute.resources or None)
        network = future.result()
    else:
        network = fit_network(texts, labels, config)
    test_texts, test_labels = test_frame["text"].to_list(), test_frame["label"].to_list()
    metrics = network.evaluate(test_texts, test_labels)
    exported = export_onnx(
        network, test_texts, atol=ctx.params.atol, min_docs=ctx.params.parity_docs
    )
    ctx.out.write_bytes("model.onnx", exported.model)
    ctx.out.write_json("tokenizer.json", network.tokenizer.to_dict())
    # the curves of the first member; the others train the same way from other seeds
    history = {
        "train_loss": [e.train_loss for e in network.history],
        "val_loss": [e.val_loss for e in network.history],
        "val_accuracy": [e.val_accuracy for e in network.history],
    }
    for key, values in history.items():
        ctx.tracker.log_metric_history(key, values)
    ctx.tracker.log(
        params={"trained_network": config.model_dump_json(), "trained_on": network.device,
                "fit_part": fit_part, "eval_part": eval_part},
        metrics={**{f"test_{k}": v for k, v in metrics.items()}, **exported.summary(),
                 "train_docs_per_second": network.docs_per_second,
                 "best_epoch": float(network.best_epoch),
                 "val_accuracy_final": network.val_accuracy,
                 "train_seconds": network.train_seconds},
    )
    model = {
        "location": ctx.out.location, "device": network.device, "metrics": metrics,
        "onnx_parity_max_abs_diff": exported.max_abs_diff, "labels": network.labels,
        "registered": None,
    }
    if ctx.tracker.enabled:
        model["registered"] = _register(ctx, network, exported.model, metrics, test_frame)
    return {"model": model}


def _network(ctx: StepContext) -> NetworkConfig:
    best = ctx.inputs.get("best")
    if ctx.params.network is not None:
        config = ctx.params.network
    else:
        config = NetworkConfig.model_validate(best["config"]) if best else NetworkConfig()
        config = config.model_copy(update={"members": ctx.params.members})
    return config.model_copy(update={"device": ctx.compute.device, "threads": None})


def _register(ctx: StepContext, network: Any, onnx_model: bytes, metrics: dict[str, float],
              test_frame: Any) -> dict[str, Any]:
    """Log the pyfunc model, register a version and let the gate decide on champion."""
    import pandas as pd

    from textops.models.metrics import classification_metrics
    from textops.models.pyfunc import log_pyfunc_model
    from textops.tracking.registry import ModelRegistry, fingerprint_test_set

    cleaned = ctx.inputs["cleaned"]
    dataset = cleaned["dataset"]
    raw_test = ctx.datasets.load(dataset, scope_parts(ctx.scope)[1])
    lineage = {"dataset": f"{dataset['name']}@{dataset['version']}", "pipeline_run": ctx.run_id,
               "mlflow_run": str(ctx.tracker.run_id or "")}
    uri = log_pyfunc_model(
        onnx_model, network.tokenizer, labels=network.labels, cleaning=cleaned["settings"],
        metadata={**lineage, "metrics": metrics}, input_example=raw_test["text"].head(3).to_list(),
        run_id=ctx.tracker.run_id, tracking_uri=ctx.tracker.tracking_uri,
    )
    registry = ModelRegistry(ctx.tracker.tracking_uri or "")
    test_set = fingerprint_test_set(test_frame["text"].to_list(), test_frame["label"].to_list())
    version = registry.register(
        uri, ctx.params.model_name, metrics=metrics, test_set=test_set,
        dataset_version=dataset["version"], tags=lineage,
    )
    raw_texts, raw_labels = raw_test["text"].to_list(), raw_test["label"].to_list()

    def reevaluate(champion: Any) -> float:
        scored = champion.predict(pd.DataFrame({"text": raw_texts}))
        figures = classification_metrics(raw_labels, scored["label"].to_list(),
                                         labels=network.labels)
        return figures[ctx.params.gate_metric]

    decision = registry.promote_if_better(
        ctx.params.model_name, version.version, metric=ctx.params.gate_metric,
        reevaluate=reevaluate,
    )
    ctx.tracker.log(tags={"textops.model_version": str(version.version),
                          "textops.promoted": str(decision.promoted).lower(),
                          "textops.gate_reason": decision.reason[:5000]})
    return {"name": ctx.params.model_name, "version": version.version, "uri": version.uri,
            "promoted": decision.promoted, "reason": decision.reason}
