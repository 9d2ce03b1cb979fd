"""Tuning the network with Optuna: one shared study, trials fanned out through an Executor.

The driver creates (or reopens) the study in a storage every worker can reach,
ships the data once with ``executor.scatter`` and submits one task per trial;
each asks for the resources the executor is bound to (its compute target's).
Each task runs one trial of the shared study (:mod:`textops.tuning.trial`:
sampling, training with pruning, recording the outcome). A trial that
raises is marked FAIL by Optuna (``catch=(Exception,)``) with the error in its
``error`` attribute, and the study goes on. Workers need no MLflow: the driver
reads the finished study back as a DataFrame, from which the step logs one
child run per trial.

Every trial is judged on the same held-out share of the tuning data, and on
enough of it (:func:`~textops.tuning.settings.validation_share`). A trial whose
model would pass ``max_model_mb`` (checked for the members the final model
trains, ``final_members``) is pruned before it trains, the size in its
``pruned_reason``.

Storage (:func:`~textops.tuning.trial.open_storage`): a path is an Optuna
journal file (one machine, many processes); a URL with a scheme
(``postgresql://...``, ``sqlite:///...``) is an RDB storage (many machines).
Re-running :func:`tune` with the same study name resumes it: only the missing
trials run.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textops.errors import ConfigError, ModelError, WorkerLostError
from textops.models.network_config import NetworkConfig
from textops.models.training import validation_size
from textops.tracking.base import redact
from textops.tuning.settings import TuningConfig, validation_share
from textops.tuning.space import SearchSpace, apply_params
from textops.tuning.trial import TrialTask, open_storage, run_trial_task

if TYPE_CHECKING:
    import optuna
    import pandas as pd

    from textops.compute.base import Executor, Scattered

FINISHED_STATES = ("COMPLETE", "PRUNED", "FAIL")
_ROUNDS = 3  # a trial lost with its worker is run again, at most twice
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
    check_parallel_storage(storage, n_workers=executor.n_workers)
    start = time.perf_counter()
    study = _open_study(study_name, storage, settings)
    if settings.n_trials - _finished(study) > 0:
        _run_rounds(
            study, base.model_copy(update={"val_fraction": share}), space, settings,
            storage=storage, executor=executor,
            # shipped once for every round: through the store on a cluster by address
            data=executor.scatter((list(texts), [str(label) for label in labels])),
        )
    study = optuna.load_study(study_name=study_name, storage=open_storage(storage))
    # the best config keeps the base's own val_fraction: the final fit needs no larger share
    return _result(
        study,
        base,
        storage=storage,
        seconds=time.perf_counter() - start,
        validation=(validation_size(len(texts), share), share),
    )


def check_parallel_storage(storage: str, *, n_workers: int) -> None:
    """Refuse SQLite as the storage of trials that run in parallel, saying why."""
    if storage.startswith("sqlite") and n_workers > 1:
        raise ConfigError(
            f"the tuning storage '{redact(storage)}' is SQLite, which cannot serve "
            f"{n_workers} trials at once: it takes one lock on the whole database file for "
            "every write, so parallel trials fail with 'database is locked', and its file "
            "cannot be shared by the processes of several machines",
            hint="set steps.tune.params.storage to a PostgreSQL URL (postgresql://...), "
            "leave it unset for the journal in the store, or tune on one worker",
        )


def _finished(study: optuna.Study) -> int:
    """Trials that count towards ``n_trials``: finished, and not lost with their worker."""
    return sum(
        t.state.name in FINISHED_STATES and not t.user_attrs.get("worker_lost")
        for t in study.get_trials(deepcopy=False)
    )


def _run_rounds(
    study: optuna.Study,
    base: NetworkConfig,
    space: SearchSpace,
    settings: TuningConfig,
    *,
    storage: str,
    executor: Executor,
    data: Scattered[Any],
) -> None:
    """Run the missing trials; a trial lost with its worker is failed and run again."""
    for _ in range(_ROUNDS):
        missing = settings.n_trials - _finished(study)
        if missing <= 0:
            return
        tasks = _trial_tasks(
            base, space, settings, storage=storage, study_name=study.study_name,
            first_index=len(study.get_trials(deepcopy=False)), count=missing,
        )
        # None: the executor's own, i.e. its compute target's resources
        _run_trial_tasks(tasks, data, executor, resources=settings.resources or None)
        # every task has settled: a trial still RUNNING lost its worker mid-trial
        _fail_abandoned(study, reason="its worker was lost while it ran")


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
    data: Scattered[Any],
    executor: Executor,
    *,
    resources: dict[str, float] | None,
) -> None:
    """Run every task on the shipped data; lost tasks are tolerated unless all are."""
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


def _fail_abandoned(study: optuna.Study, *, reason: str | None = None) -> None:
    """Trials left RUNNING can never finish: fail them, marked lost when ``reason`` says so.

    At the start these are an earlier, interrupted run's; after the tasks have
    settled they are trials whose worker died mid-trial (a lost trial does not
    count towards ``n_trials``, so it is run again).
    """
    import optuna

    for trial in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        if reason is not None:
            study._storage.set_trial_user_attr(trial._trial_id, "worker_lost", True)
            study._storage.set_trial_user_attr(trial._trial_id, "error", reason)
        study.tell(trial.number, state=optuna.trial.TrialState.FAIL)


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
