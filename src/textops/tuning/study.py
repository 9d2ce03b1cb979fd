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

Resuming gives the answer an uninterrupted run gives. Task ``i`` of ``n_trials``
always samples with the seed ``seed + i`` and records ``i`` as its trial's
``task`` attribute. Re-running :func:`tune` with the same study name runs only
the tasks that have no finished trial; a trial left RUNNING by a killed process
is marked FAIL with ``abandoned`` set, never counts toward ``n_trials`` and is
left out of the result, and its task runs again with the same seed (so the same
parameters). A FAIL without an ``error`` (what older versions left after a
kill) is treated as abandoned too. :func:`study_generation` picks a fresh study
name when a run must not resume (``--force``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textops.errors import ConfigError, ModelError, WorkerLostError
from textops.models.network_config import NetworkConfig
from textops.models.training import validation_size
from textops.progress import Progress
from textops.store.integrity import trim_partial_line
from textops.tracking.base import redact
from textops.tuning.settings import TuningConfig, validation_share
from textops.tuning.space import SearchSpace, apply_params
from textops.tuning.trial import TrialOutcome, TrialTask, open_storage, run_trial_task

if TYPE_CHECKING:
    import optuna
    import pandas as pd

    from textops.compute.base import Executor, Scattered

FINISHED_STATES = ("COMPLETE", "PRUNED", "FAIL")
#: user attributes: the task index a trial ran for, and the mark of a killed trial
TASK_ATTR, ABANDONED_ATTR = "task", "abandoned"
_ROUNDS = 3  # a trial lost with its worker is run again, at most twice
TRIAL_COLUMNS = (
    "number",
    "task",
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
    progress: Progress | None = None,
) -> TuningResult:
    """Run the study until it holds ``settings.n_trials`` finished trials; see the module doc.

    ``progress`` hears, in the driver, each trial as its task completes: trials
    done of ``n_trials``, the best value so far and how many were pruned.
    """
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
    trials = study.get_trials(deepcopy=False)
    if missing_tasks(trials, settings.n_trials):
        done = [t for t in trials if t.state.name in FINISHED_STATES and not is_abandoned(t)]
        _run_rounds(
            study, base.model_copy(update={"val_fraction": share}), space, settings,
            storage=storage, executor=executor,
            # shipped once for every round: through the store on a cluster by address
            data=executor.scatter((list(texts), [str(label) for label in labels])),
            on_trial=_TrialCounter(progress or Progress(), settings, done),
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


def _run_rounds(
    study: optuna.Study,
    base: NetworkConfig,
    space: SearchSpace,
    settings: TuningConfig,
    *,
    storage: str,
    executor: Executor,
    data: Scattered[Any],
    on_trial: Callable[[TrialOutcome | None], None] | None = None,
) -> None:
    """Run the missing tasks; a trial lost with its worker is marked and its task run again."""
    for _ in range(_ROUNDS):
        todo = missing_tasks(study.get_trials(deepcopy=False), settings.n_trials)
        if not todo:
            return
        tasks = _trial_tasks(base, space, settings, storage=storage,
                             study_name=study.study_name, indices=todo)
        # None: the executor's own, i.e. its compute target's resources
        _run_trial_tasks(tasks, data, executor, resources=settings.resources or None,
                         on_trial=on_trial)
        # every task has settled: a trial still RUNNING lost its worker mid-trial
        _mark_abandoned(study, reason="its worker was lost while it ran")


def _open_study(study_name: str, storage: str, settings: TuningConfig) -> optuna.Study:
    """Create the study, or reopen it to resume, with its abandoned trials marked.

    A journal whose last line a kill cut short loses that line first (the write never
    finished); any other damage is one error naming the file and how to start over.
    """
    import optuna

    if "://" not in storage or storage.startswith("file://"):
        trim_partial_line(Path(storage.removeprefix("file://")))
    try:
        opened = open_storage(storage)
        study = optuna.create_study(
            study_name=study_name,
            storage=opened,
            direction="maximize" if settings.objective == "val_accuracy" else "minimize",
            load_if_exists=True,
        )
        _mark_abandoned(study)
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise ModelError(
            f"the tuning study '{study_name}' cannot be read from '{storage}': "
            f"{type(exc).__name__}: {exc}",
            hint=f"start the study over: delete '{storage}', or rerun with --force (or --from "
            "tune) for a fresh study",
        ) from exc
    return study


def is_abandoned(trial: optuna.trial.FrozenTrial) -> bool:
    """A trial a killed process left behind: it has no outcome and must run again."""
    if trial.state.name != "FAIL":
        return False
    return bool(trial.user_attrs.get(ABANDONED_ATTR)) or "error" not in trial.user_attrs


def task_of(trial: optuna.trial.FrozenTrial) -> int:
    """The task index a trial ran for (its number, for trials of older studies)."""
    return int(trial.user_attrs.get(TASK_ATTR, trial.number))


def missing_tasks(trials: Sequence[optuna.trial.FrozenTrial], n_trials: int) -> list[int]:
    """The task indices below ``n_trials`` that have no finished, non-abandoned trial."""
    done = {
        task_of(trial)
        for trial in trials
        if trial.state.name in FINISHED_STATES and not is_abandoned(trial)
    }
    return [index for index in range(n_trials) if index not in done]


def study_generation(base: str, existing: Sequence[str], *, is_fresh: bool) -> str:
    """The study to use: the latest generation of ``base`` in ``existing`` (``base``,
    ``base-g2``, ``base-g3``...), or a new one after it when ``is_fresh``."""
    generations = [1] if base in existing else []
    prefix = f"{base}-g"
    generations += [
        int(name.removeprefix(prefix))
        for name in existing
        if name.startswith(prefix) and name.removeprefix(prefix).isdigit()
    ]
    latest = max(generations, default=0)
    number = latest + 1 if is_fresh or latest == 0 else latest
    return base if number == 1 else f"{prefix}{number}"


def _trial_tasks(
    base: NetworkConfig,
    space: SearchSpace,
    settings: TuningConfig,
    *,
    storage: str,
    study_name: str,
    indices: Sequence[int],
) -> list[TrialTask]:
    """One worker task per index, as plain data (the index seeds its sampler)."""
    return [
        TrialTask(
            storage=storage,
            study_name=study_name,
            base=base.model_dump(mode="json"),
            space=space.model_dump(mode="json"),
            # the workers need no resources (and must not warn they are deprecated)
            settings=settings.model_dump(mode="json", exclude={"resources"}),
            task_index=index,
        )
        for index in indices
    ]


def _run_trial_tasks(
    tasks: Sequence[TrialTask],
    data: Scattered[Any],
    executor: Executor,
    *,
    resources: dict[str, float] | None,
    on_trial: Callable[[TrialOutcome | None], None] | None = None,
) -> None:
    """Run every task on the shipped data; lost tasks are tolerated unless all are.

    ``on_trial`` is called in the driver as each task completes (None: its task was lost).
    """
    futures = [executor.submit(run_trial_task, task, data, resources=resources) for task in tasks]
    errors = []
    for future in executor.as_completed(futures):
        outcome = None
        try:
            outcome = future.result()
        except Exception as exc:  # noqa: BLE001 - a lost task must not sink the study
            errors.append(exc)
        if on_trial is not None:
            on_trial(outcome)
    if errors and len(errors) == len(futures):
        if all(isinstance(error, WorkerLostError) for error in errors):
            raise errors[0]  # its fix names the workers' memory limit
        raise ModelError(
            f"every tuning task failed ({len(errors)}); the first error: {errors[0]!r}",
            hint="check that the workers can import textops and reach the study storage",
        ) from errors[0]


class _TrialCounter:
    """Trials finished of ``n_trials``, the best value so far and the pruned count, as progress."""

    def __init__(
        self, progress: Progress, settings: TuningConfig, done: Sequence[optuna.trial.FrozenTrial]
    ) -> None:
        self.progress, self.total = progress, settings.n_trials
        self.objective = settings.objective
        self.is_max = settings.objective == "val_accuracy"
        self.done = len(done)
        self.pruned = sum(t.state.name == "PRUNED" for t in done)
        self.best: float | None = None
        for trial in done:
            if trial.state.name == "COMPLETE":
                self._consider(trial.value)

    def _consider(self, value: float | None) -> None:
        if value is None:
            return
        if self.best is None or (value > self.best if self.is_max else value < self.best):
            self.best = value

    def __call__(self, outcome: TrialOutcome | None) -> None:
        self.done += 1
        if outcome is not None and outcome.state == "COMPLETE":
            self._consider(outcome.value)
        elif outcome is not None and outcome.state == "PRUNED":
            self.pruned += 1
        best = "none complete" if self.best is None else f"best {self.objective} {self.best:.4f}"
        self.progress.advance("trials", min(self.done, self.total), self.total,
                              note=f"{best}, {self.pruned} pruned")


def _mark_abandoned(study: optuna.Study, *, reason: str | None = None) -> None:
    """Trials left RUNNING can never finish: fail them, marked ``abandoned`` so that they
    do not count and their tasks run again (with their own seeds).

    At the start these are an earlier, killed run's; after a round's tasks have
    settled, trials whose worker died mid-trial (``reason`` says so).
    """
    import optuna

    storage = study._storage  # optuna has no public way to mark another process's trial
    study_id = storage.get_study_id_from_name(study.study_name)
    for trial in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        trial_id = storage.get_trial_id_from_study_id_trial_number(study_id, trial.number)
        storage.set_trial_user_attr(trial_id, ABANDONED_ATTR, True)
        if reason is not None:
            storage.set_trial_user_attr(trial_id, "worker_lost", True)
            storage.set_trial_user_attr(trial_id, "lost_reason", reason)
        storage.set_trial_state_values(trial_id, optuna.trial.TrialState.FAIL)


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
            "ngram, buckets); then rerun with --force (or --from tune), which starts a "
            f"fresh study instead of resuming '{storage}'",
        )
    best = _best(study, complete)
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
        if is_abandoned(trial):
            continue  # no outcome: its task ran again
        duration = None
        if trial.datetime_start is not None and trial.datetime_complete is not None:
            duration = (trial.datetime_complete - trial.datetime_start).total_seconds()
        steps = sorted(trial.intermediate_values)
        rows.append(
            {
                "number": trial.number,
                "task": task_of(trial),
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


def _best(study: optuna.Study, complete: pd.DataFrame) -> optuna.trial.FrozenTrial:
    """The best complete trial; among equal values the lowest task, as a resumed run and an
    uninterrupted one number their trials differently."""
    best_value = study.best_value
    tied = complete[complete["value"] == best_value].sort_values("task")
    number = int(tied["number"].iloc[0]) if not tied.empty else study.best_trial.number
    return next(t for t in study.get_trials(deepcopy=False) if t.number == number)


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
