"""Tuning the network with Optuna: one shared study, trials fanned out through an Executor.

The driver creates (or reopens) the study in a storage every worker can reach,
ships the data once with ``executor.scatter`` and submits one task per trial;
each asks for the resources the executor is bound to (its compute target's).
Each task opens the study by name, samples with a seeded TPE sampler
(``constant_liar`` keeps parallel trials apart), trains with a per-epoch
callback that reports the validation accuracy (or log-loss: ``objective``)
and asks the pruner whether to stop, and records the outcome. A trial that
raises is marked FAIL by Optuna (``catch=(Exception,)``) with the error in its
``error`` attribute, and the study goes on. Workers need no MLflow: the driver
reads the finished study back as a DataFrame, from which the step logs one
child run per trial.

Every trial is judged on the same held-out share of the tuning data, and on
enough of it: :func:`validation_share` raises the base config's ``val_fraction``
until it holds ``TuningConfig``'s minimum of documents (up to
``max_val_fraction``) or refuses to tune, naming the settings that give more.
A trial whose model would pass ``max_model_mb`` (checked for the members the
final model trains, ``final_members``) is pruned before it trains, the size in
its ``pruned_reason``.

Storage: a path is an Optuna journal file (one machine, many processes); a URL
with a scheme (``postgresql://...``, ``sqlite:///...``) is an RDB storage
(many machines). Re-running :func:`tune` with the same study name resumes it:
only the missing trials run.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from textops.errors import ConfigError, ModelError, WorkerLostError
from textops.models.network_config import ModelSizeError, NetworkConfig
from textops.models.training import validation_size
from textops.models.training_loop import EpochResult
from textops.tuning.space import SearchSpace, apply_params, suggest

if TYPE_CHECKING:
    import optuna
    import pandas as pd

    from textops.compute.base import Executor

FINISHED_STATES = ("COMPLETE", "PRUNED", "FAIL")
TRIAL_COLUMNS = (
    "number",
    "state",
    "value",
    "params",
    "duration_s",
    "datetime_start",
    "datetime_complete",
    "val_metric",
    "train_loss",
    "best_epoch",
    "validation_docs",
    "pruned_reason",
    "error",
)


class TuningConfig(BaseModel):
    """How the study runs: budget, sampler, pruner, parallelism."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    n_trials: int = Field(default=100, ge=1, description="finished trials the study should hold")
    objective: Literal["val_accuracy", "val_loss"] = Field(
        default="val_accuracy",
        description="what judges a trial (and its epochs, for the pruner): the kept epoch's "
        "validation accuracy, maximised, or its validation log-loss, minimised",
    )
    seed: int = Field(default=0, description="seeds the TPE sampler (each task offsets it)")
    startup_trials: int = Field(default=10, ge=0, description="random trials before TPE takes over")
    pruner: Literal["median", "successive_halving", "none"] = "median"
    pruner_startup_trials: int = Field(default=5, ge=0, description="median: trials before pruning")
    pruner_warmup_epochs: int = Field(default=1, ge=0, description="median: epochs never pruned")
    threads_per_trial: int = Field(default=1, ge=1, description="torch CPU threads in each trial")
    min_validation_docs: int = Field(
        default=200,
        ge=1,
        description="judge trials on at least this many validation documents (or "
        "min_validation_docs_per_class per class, whichever is more): the base network's "
        "val_fraction is raised to reach it, up to max_val_fraction, else tuning refuses",
    )
    min_validation_docs_per_class: int = Field(
        default=5, ge=0, description="see min_validation_docs"
    )
    max_val_fraction: float = Field(
        default=0.5,
        gt=0.0,
        lt=1.0,
        description="the largest validation share tuning may raise val_fraction to",
    )
    final_members: int = Field(
        default=3,
        ge=1,
        le=16,
        description="members the final model trains (the train step's 'members'): a trial "
        "is pruned when that many members would pass the network's max_model_mb",
    )
    resources: dict[str, float] = Field(
        default_factory=dict,
        description="deprecated: set compute.<target>.resources instead; "
        "still pins every trial when given",
    )

    @field_validator("resources")
    @classmethod
    def _resources_moved(cls, value: dict[str, float]) -> dict[str, float]:
        if value:
            warnings.warn(
                f"tuning.resources ({value}) is deprecated: give the tune step a compute "
                "target of its own that asks for them (compute.<target>.resources), e.g. "
                "compute.tune_gpu: {kind: dask, resources: {GPU: 1}} and steps.tune.compute: "
                "tune_gpu (the shared 'cluster' target would pin the sweep's candidates too); "
                "tuning.resources still applies",
                FutureWarning,
                stacklevel=2,
            )
        return value

    def min_validation(self, n_classes: int) -> int:
        """Validation documents a trial needs for ``n_classes`` classes."""
        return max(self.min_validation_docs, self.min_validation_docs_per_class * n_classes)


@dataclass(frozen=True)
class TrialTask:
    """Everything one worker task needs, as plain picklable data."""

    storage: str
    study_name: str
    base: dict[str, Any]
    space: dict[str, Any]
    settings: dict[str, Any]
    task_index: int


@dataclass(frozen=True)
class TuningResult:
    """The finished study: every trial, and the winner."""

    study_name: str
    storage: str
    trials: pd.DataFrame
    best_params: dict[str, Any]
    best_value: float
    best_trial: int
    best_config: NetworkConfig
    wall_seconds: float
    validation_docs: int  # documents every trial was judged on
    val_fraction: float  # the share of the tuning data that makes them (maybe raised)

    def counts(self) -> dict[str, int]:
        """Trials per state (COMPLETE, PRUNED, FAIL)."""
        return {str(k): int(v) for k, v in self.trials["state"].value_counts().items()}


def open_storage(storage: str) -> optuna.storages.BaseStorage:
    """A journal file for a path, an RDB storage for a URL."""
    import optuna
    from optuna.storages.journal import JournalFileBackend

    if "://" in storage and not storage.startswith("file://"):
        return optuna.storages.RDBStorage(storage)
    path = Path(storage.removeprefix("file://"))
    path.parent.mkdir(parents=True, exist_ok=True)
    return optuna.storages.JournalStorage(JournalFileBackend(str(path)))


def tune(
    texts: Sequence[str],
    labels: Sequence[Any],
    *,
    storage: str,
    study_name: str,
    executor: Executor,
    base: NetworkConfig | None = None,
    space: SearchSpace | None = None,
    settings: TuningConfig | None = None,
) -> TuningResult:
    """Run the study until it holds ``settings.n_trials`` finished trials; see the module doc."""
    import optuna

    settings = settings or TuningConfig()
    # each trial keeps (and the best config later trains to) the epoch the objective favours
    base = (base or NetworkConfig()).model_copy(update={"monitor": settings.objective})
    share = validation_share(
        len(texts), len({str(label) for label in labels}), base.val_fraction, settings=settings
    )
    space = space or SearchSpace()
    start = time.perf_counter()
    study = _open_study(study_name, storage, settings)
    missing = settings.n_trials - sum(t.state.name in FINISHED_STATES for t in study.trials)
    if missing > 0:
        tasks = _trial_tasks(
            base.model_copy(update={"val_fraction": share}),
            space,
            settings,
            storage=storage,
            study_name=study_name,
            first_index=len(study.trials),
            count=missing,
        )
        # None: the executor's own, i.e. its compute target's resources
        _run_trial_tasks(tasks, texts, labels, executor, resources=settings.resources or None)
    study = optuna.load_study(study_name=study_name, storage=open_storage(storage))
    # the best config keeps the base's own val_fraction: the final fit needs no larger share
    return _result(
        study,
        base,
        storage=storage,
        seconds=time.perf_counter() - start,
        validation=(validation_size(len(texts), share), share),
    )


def validation_share(
    n_docs: int, n_classes: int, val_fraction: float, *, settings: TuningConfig
) -> float:
    """The validation share trials hold out: ``val_fraction``, or the least share that
    holds ``settings.min_validation(n_classes)`` documents, up to ``max_val_fraction``.

    Raises :class:`~textops.errors.ConfigError` when even that share is too few.
    """
    needed = settings.min_validation(n_classes)
    if validation_size(n_docs, val_fraction) >= needed:
        return val_fraction
    share = needed / n_docs
    if validation_size(n_docs, share) < needed:  # rounding fell short
        share = (needed + 0.5) / n_docs
    if share <= settings.max_val_fraction and validation_size(n_docs, share) >= needed:
        return share
    most = validation_size(n_docs, settings.max_val_fraction)
    raise ConfigError(
        f"tuning would judge trials on {validation_size(n_docs, val_fraction)} validation "
        f"documents ({n_docs} tuning documents x val_fraction {val_fraction:g}; at most {most} "
        f"at max_val_fraction {settings.max_val_fraction:g}), fewer than the {needed} it "
        f"needs (min_validation_docs {settings.min_validation_docs}, or "
        f"{settings.min_validation_docs_per_class} per class x {n_classes} classes).",
        hint="tune on more documents (a larger data.split.subset_fraction, or "
        "steps.tune.data: full), or lower steps.tune.params.tuning.min_validation_docs "
        "(and min_validation_docs_per_class)",
    )


def _open_study(study_name: str, storage: str, settings: TuningConfig) -> optuna.Study:
    """Create the study, or reopen it to resume, with its abandoned trials failed."""
    import optuna

    study = optuna.create_study(
        study_name=study_name,
        storage=open_storage(storage),
        direction="maximize" if settings.objective == "val_accuracy" else "minimize",
        load_if_exists=True,
    )
    _fail_abandoned(study)
    return study


def _trial_tasks(
    base: NetworkConfig,
    space: SearchSpace,
    settings: TuningConfig,
    *,
    storage: str,
    study_name: str,
    first_index: int,
    count: int,
) -> list[TrialTask]:
    """``count`` worker tasks as plain data, numbered from ``first_index``."""
    return [
        TrialTask(
            storage=storage,
            study_name=study_name,
            base=base.model_dump(mode="json"),
            space=space.model_dump(mode="json"),
            # the workers need no resources (and must not warn they are deprecated)
            settings=settings.model_dump(mode="json", exclude={"resources"}),
            task_index=first_index + i,
        )
        for i in range(count)
    ]


def _run_trial_tasks(
    tasks: Sequence[TrialTask],
    texts: Sequence[str],
    labels: Sequence[Any],
    executor: Executor,
    *,
    resources: dict[str, float] | None,
) -> None:
    """Ship the data once and run every task; lost tasks are tolerated unless all are."""
    data = executor.scatter((list(texts), [str(label) for label in labels]))
    futures = [executor.submit(run_trial_task, task, data, resources=resources) for task in tasks]
    errors = []
    for future in executor.as_completed(futures):
        try:
            future.result()
        except Exception as exc:  # noqa: BLE001 - a lost task must not sink the study
            errors.append(exc)
    if errors and len(errors) == len(futures):
        if all(isinstance(error, WorkerLostError) for error in errors):
            raise errors[0]  # its fix names the workers' memory limit
        raise ModelError(
            f"every tuning task failed ({len(errors)}); the first error: {errors[0]!r}",
            hint="check that the workers can import textops and reach the study storage",
        ) from errors[0]


def _fail_abandoned(study: optuna.Study) -> None:
    """Trials left RUNNING by an earlier, interrupted run can never finish: fail them."""
    import optuna

    for trial in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        study.tell(trial.number, state=optuna.trial.TrialState.FAIL)


def _sampler(settings: TuningConfig, task_index: int) -> optuna.samplers.BaseSampler:
    import optuna

    return optuna.samplers.TPESampler(
        seed=settings.seed + task_index,
        n_startup_trials=settings.startup_trials,
        constant_liar=True,
    )


def _pruner(settings: TuningConfig) -> optuna.pruners.BasePruner:
    import optuna

    if settings.pruner == "median":
        return optuna.pruners.MedianPruner(
            n_startup_trials=settings.pruner_startup_trials,
            n_warmup_steps=settings.pruner_warmup_epochs,
        )
    if settings.pruner == "successive_halving":
        return optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3)
    return optuna.pruners.NopPruner()


def run_trial_task(task: TrialTask, data: tuple[list[str], list[str]]) -> int:
    """One worker task: open the study, run one trial, return its number."""
    import optuna
    import torch

    settings = TuningConfig.model_validate(task.settings)
    base = NetworkConfig.model_validate(task.base)
    space = SearchSpace.model_validate(task.space)
    texts, labels = data
    optuna_logger = logging.getLogger("optuna")
    previous_level, previous_threads = optuna_logger.level, torch.get_num_threads()
    optuna_logger.setLevel(logging.WARNING)  # one INFO line per trial would flood the driver
    torch.set_num_threads(settings.threads_per_trial)
    numbers: list[int] = []
    try:
        study = optuna.load_study(
            study_name=task.study_name,
            storage=open_storage(task.storage),
            sampler=_sampler(settings, task.task_index),
            pruner=_pruner(settings),
        )

        def objective(trial: optuna.Trial) -> float:
            numbers.append(trial.number)
            return _objective(
                trial, texts, labels, base=base, space=space, bound_members=settings.final_members
            )

        study.optimize(objective, n_trials=1, catch=(Exception,))
    finally:
        torch.set_num_threads(previous_threads)
        optuna_logger.setLevel(previous_level)
    return numbers[0] if numbers else -1


def _objective(
    trial: optuna.Trial,
    texts: list[str],
    labels: list[str],
    *,
    base: NetworkConfig,
    space: SearchSpace,
    bound_members: int,
) -> float:
    import optuna

    from textops.models.training import fit_network

    objective = base.monitor  # tune() sets it to the study's objective
    losses: list[float] = []

    def report(epoch: EpochResult) -> None:
        losses.append(epoch.train_loss)
        trial.report(epoch.monitored(objective), epoch.epoch)
        if trial.should_prune():
            reason = f"pruned after epoch {epoch.epoch}: {objective} behind the other trials'"
            trial.set_user_attr("pruned_reason", reason)
            raise optuna.TrialPruned(reason)

    try:
        config = apply_params(base, suggest(trial, space, base))
        trial.set_user_attr("validation_docs", validation_size(len(texts), config.val_fraction))
        network = fit_network(texts, labels, config, callback=report, bound_members=bound_members)
    except optuna.TrialPruned:
        raise
    except ModelSizeError as exc:  # too big to keep: never trained, so pruned, not failed
        trial.set_user_attr("pruned_reason", exc.message)
        raise optuna.TrialPruned(exc.message) from exc
    except Exception as exc:
        trial.set_user_attr("error", f"{type(exc).__name__}: {exc}")
        raise
    finally:
        trial.set_user_attr("train_loss", losses)
    trial.set_user_attr("best_epoch", network.best_epoch)
    trial.set_user_attr("docs_per_second", round(network.docs_per_second, 1))
    return network.history[network.best_epoch - 1].monitored(objective)


def _result(
    study: optuna.Study,
    base: NetworkConfig,
    *,
    storage: str,
    seconds: float,
    validation: tuple[int, float],
) -> TuningResult:
    trials = trials_frame(study)
    complete = trials[trials["state"] == "COMPLETE"]
    if complete.empty:
        errors = trials["error"].dropna().unique().tolist()
        pruned = trials["pruned_reason"].dropna().unique().tolist()
        raise ModelError(
            f"no tuning trial of study '{study.study_name}' completed "
            f"({trials['state'].value_counts().to_dict()}); errors: {errors[:3]}; "
            f"pruned: {pruned[:3]}",
            hint="widen the search space or check the training data; for trials pruned "
            "by size, raise the network's max_model_mb or narrow the space (embedding_dim, "
            "ngram, buckets)",
        )
    best = study.best_trial
    return TuningResult(
        study_name=study.study_name,
        storage=storage,
        trials=trials,
        best_params=dict(best.params),
        best_value=float(best.value if best.value is not None else float("nan")),
        best_trial=best.number,
        best_config=apply_params(base, dict(best.params)),
        wall_seconds=seconds,
        validation_docs=validation[0],
        val_fraction=validation[1],
    )


def trials_frame(study: optuna.Study) -> pd.DataFrame:
    """One row per trial: number, state, value, params, duration, per-epoch figures,
    the validation documents it was judged on, why it was pruned, its error."""
    import pandas as pd

    rows = []
    for trial in study.get_trials(deepcopy=False):
        duration = None
        if trial.datetime_start is not None and trial.datetime_complete is not None:
            duration = (trial.datetime_complete - trial.datetime_start).total_seconds()
        steps = sorted(trial.intermediate_values)
        rows.append(
            {
                "number": trial.number,
                "state": trial.state.name,
                "value": trial.value,
                "params": dict(trial.params),
                "duration_s": duration,
                "datetime_start": trial.datetime_start,
                "datetime_complete": trial.datetime_complete,
                "val_metric": [float(trial.intermediate_values[s]) for s in steps],
                "train_loss": [float(v) for v in trial.user_attrs.get("train_loss", [])],
                "best_epoch": trial.user_attrs.get("best_epoch"),
                "validation_docs": trial.user_attrs.get("validation_docs"),
                "pruned_reason": trial.user_attrs.get("pruned_reason"),
                "error": trial.user_attrs.get("error"),
            }
        )
    columns = list(TRIAL_COLUMNS)
    return pd.DataFrame(rows, columns=columns).sort_values("number", ignore_index=True)


def epoch_rows(trials: pd.DataFrame) -> pd.DataFrame:
    """Tidy per-epoch rows (number, epoch, val_metric, train_loss) for charts and MLflow steps."""
    import pandas as pd

    rows = []
    for record in trials.itertuples(index=False):
        for i, value in enumerate(record.val_metric):
            loss = record.train_loss[i] if i < len(record.train_loss) else None
            rows.append(
                {"number": record.number, "epoch": i + 1, "val_metric": value, "train_loss": loss}
            )
    return pd.DataFrame(rows, columns=["number", "epoch", "val_metric", "train_loss"])
