"""tune: Optuna over the network's search space, trials in parallel on the executor.

The network trains on the text form the data chose: with ``text: follow`` (the
default) and a ``contender`` from ``refit``, the form that won refit's
cross-validation on the full training set (the cleaned text, or the raw text
when cleaning removed what carries the class); ``cleaned`` or ``raw`` fix it.

One study, shared by every worker: an Optuna journal file in the store (one
machine, or a store folder every machine mounts), or the RDB URL in ``storage``
(PostgreSQL) for a cluster; SQLite is refused for trials on several workers.
The study is named after the dataset version, the cleaning, the step's
parameters and the code version of this step, so re-running after a crash
resumes it (only the missing trials run, a killed trial with its own seed
again), and a change to the training code starts a new study. A forced run
(``--force``, ``--from``) starts the next generation of the study
(``<name>-g2``...) instead of resuming: it gives the same answer as the first,
from nothing. Workers never talk to MLflow: the driver logs one child run per
finished trial from the study afterwards.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from pydantic import Field

from textops.errors import ConfigError
from textops.models.network_config import NetworkConfig
from textops.records import CleanedData, ModelRef, Record, TunedConfig
from textops.steps.base import StepContext, StepParams, step
from textops.steps.common import scope_parts
from textops.tracking.base import redact
from textops.tuning.settings import TuningConfig
from textops.tuning.space import SearchSpace
from textops.tuning.study import TuningResult


class Params(StepParams):
    """The base network, the search space over it, and how the study runs."""

    network: NetworkConfig = NetworkConfig()
    space: SearchSpace = SearchSpace()
    tuning: TuningConfig = TuningConfig()
    storage: str | None = Field(
        None, description="an RDB URL shared by every worker; unset: a journal file in the store"
    )
    text: Literal["follow", "cleaned", "raw"] = Field(
        "follow", description="follow: the cleaning refit's cross-validation chose (cleaned "
        "without a refit step); cleaned: the clean step's text; raw: the text as ingested",
    )


@step("tune", outputs={"best": TunedConfig}, compute="cluster", environment="torch",
      data="subset")
def tune(
    ctx: StepContext, params: Params, *, cleaned: CleanedData, contender: ModelRef | None = None
) -> dict[str, Record]:
    """About 100 trials on the train subset; poor trials are pruned early."""
    import optuna

    from textops.tuning.study import tune as run_study

    optuna.logging.set_verbosity(optuna.logging.WARNING)  # the run's table says how it went
    fit_part, _ = scope_parts(ctx.scope)
    text = chosen_text(params.text, contender)
    train = (ctx.catalog.load(cleaned, part=fit_part) if text == "cleaned"
             else ctx.catalog.dataset(cleaned.dataset, fit_part))
    study_name = _generation(ctx, params, _study_name(ctx, params, cleaned, f"{fit_part}-{text}"))
    storage = params.storage or _journal(ctx, study_name)
    result = run_study(
        train["text"].to_list(), train["label"].to_list(), storage=storage,
        study_name=study_name, executor=ctx.executor,
        base=params.network.model_copy(update={"device": ctx.device}),
        space=params.space, settings=params.tuning, progress=ctx.progress,
    )
    _record(ctx, params, result, cleaned=cleaned, study_name=study_name)
    ctx.tracker.log(
        params={"study": study_name, "study_storage": redact(storage), "fit_part": fit_part,
                "text_chosen": text},
        metrics={f"best_{params.tuning.objective}": result.best_value,
                 "tuning_wall_seconds": result.wall_seconds,
                 "validation_docs": float(result.validation_docs),
                 "val_fraction": result.val_fraction,
                 **{f"trials_{state.lower()}": float(n) for state, n in result.counts().items()}},
        tags={"textops.best_trial": str(result.best_trial)},
    )
    return {"best": TunedConfig(
        config=result.best_config.model_dump(mode="json"), params=result.best_params,
        value=result.best_value, trial=result.best_trial, study=study_name,
        trials=result.counts(), validation_docs=result.validation_docs,
        val_fraction=result.val_fraction, text=text,
    )}


def chosen_text(setting: str, contender: ModelRef | None) -> Literal["cleaned", "raw"]:
    """The text the network trains on: as set, or as refit's cross-validation chose."""
    if setting == "raw" or (setting == "follow" and contender is not None
                            and contender.selection.get("cleaning") == "raw"):
        return "raw"
    return "cleaned"


def _study_name(ctx: StepContext, params: Params, cleaned: CleanedData, fit_part: str) -> str:
    """The study resumes only for the very same text, settings, device and code."""
    key = hashlib.sha256(json.dumps(
        [cleaned.dataset.model_dump(), cleaned.settings, fit_part,
         params.model_dump(mode="json"), ctx.device, ctx.code_version],
        sort_keys=True,
    ).encode()).hexdigest()[:10]
    return f"{cleaned.dataset.name}-{cleaned.dataset.version}-{key}"


def _generation(ctx: StepContext, params: Params, base: str) -> str:
    """The latest generation of the study to resume, or a new one for a forced run."""
    import optuna

    from textops.tuning.study import study_generation
    from textops.tuning.trial import open_storage

    if params.storage:
        existing = optuna.get_all_study_names(open_storage(params.storage))
    else:
        existing = [name.removesuffix(".journal") for name in ctx.catalog.store.listdir("tuning")
                    if name.endswith(".journal")]
    return study_generation(base, existing, is_fresh=ctx.is_forced)


def _journal(ctx: StepContext, study_name: str) -> str:
    """The journal file in the store: only for a store that is a folder.

    Workers on other machines use it when they mount the store at the same
    path; one that cannot see it fails its trial saying so.
    """
    journal = ctx.catalog.tuning_journal(study_name)
    if journal is None:
        raise ConfigError(
            "the tune step's Optuna journal needs a store that is a folder (local, or "
            f"mounted at the same path on every worker); store '{ctx.catalog.store.url}' "
            "is not one",
            hint="set steps.tune.params.storage to a database URL every worker can reach "
            "(e.g. postgresql://user@host/optuna)",
        )
    return journal


def _record(
    ctx: StepContext, params: Params, result: TuningResult, *, cleaned: CleanedData,
    study_name: str,
) -> None:
    """One child run per trial, and the trials and their epochs as reporting rows."""
    from textops.tuning.study import epoch_rows

    trials = result.trials
    for row in trials.itertuples(index=False):
        _log_trial(ctx, params, row)
    context = {"study": study_name, "dataset_name": cleaned.dataset.name,
               "dataset_version": cleaned.dataset.version}
    table = trials.assign(params=trials["params"].map(lambda p: json.dumps(p, sort_keys=True)),
                          **context)
    ctx.report("trials", table)
    ctx.report("trial_epochs", epoch_rows(trials).assign(**context))
    ctx.out.write_parquet("trials.parquet", table)


def _log_trial(ctx: StepContext, params: Params, row: Any) -> None:
    import pandas as pd

    objective = params.tuning.objective
    metrics: dict[str, float] = {} if pd.isna(row.value) else {objective: float(row.value)}
    if pd.notna(row.duration_s):
        metrics["duration_seconds"] = float(row.duration_s)
    tags = {"textops.trial": str(row.number), "textops.trial_state": row.state}
    if isinstance(row.error, str) and row.error:
        tags["textops.error"] = row.error[:5000]
    if isinstance(row.pruned_reason, str) and row.pruned_reason:
        tags["textops.pruned_reason"] = row.pruned_reason[:5000]
    start = row.datetime_start if pd.notna(row.datetime_start) else None
    end = row.datetime_complete if pd.notna(row.datetime_complete) else None
    ctx.tracker.child(
        f"trial-{row.number:03d}", params=row.params, metrics=metrics, tags=tags,
        histories={objective: list(row.val_metric), "train_loss": list(row.train_loss)},
        status="FAILED" if row.state == "FAIL" else "FINISHED",
        start_time_ms=int(start.timestamp() * 1000) if start is not None else None,
        end_time_ms=int(end.timestamp() * 1000) if end is not None else None,
    )
