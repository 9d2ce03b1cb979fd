"""One tuning trial on a worker: open the shared study, sample, train, report, record.

A task (:class:`TrialTask`, plain picklable data) opens the study by name,
samples with a seeded TPE sampler (``constant_liar`` keeps parallel trials
apart), trains with a per-epoch callback that reports the validation accuracy
(or log-loss: ``objective``) and asks the pruner whether to stop, and records
the outcome. A trial whose model would pass ``max_model_mb`` is pruned before
it trains, the size in its ``pruned_reason``.

Storage (:func:`open_storage`): a path is an Optuna journal file (one machine,
or a path every machine mounts); a URL with a scheme (``postgresql://...``) is
an RDB storage (many machines). A worker never creates a journal: the driver
did, so a worker that cannot see it is on a machine that does not share the
store, and its trial fails saying so instead of tuning a study of its own.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textops.errors import EnvironmentError_, ModelError
from textops.models.network_config import ModelSizeError, NetworkConfig
from textops.models.training import validation_size
from textops.models.training_loop import EpochResult
from textops.tracking.base import redact
from textops.tuning.settings import TuningConfig
from textops.tuning.space import SearchSpace, apply_params, suggest

if TYPE_CHECKING:
    import optuna


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
class TrialOutcome:
    """What a worker task hands back to the driver: its trial's number, state and value."""

    number: int
    state: str  # COMPLETE, PRUNED or FAIL; NONE when no trial ran
    value: float | None


def open_storage(storage: str, *, create: bool = True) -> optuna.storages.BaseStorage:
    """A journal file for a path, an RDB storage for a URL; ``create=False`` on workers."""
    import optuna
    from optuna.storages.journal import JournalFileBackend

    if "://" in storage and not storage.startswith("file://"):
        return _rdb_storage(storage)
    path = Path(storage.removeprefix("file://"))
    if not create and not path.is_file():
        import socket

        raise ModelError(
            f"the tuning journal '{path}' is not visible on worker {socket.gethostname()}: "
            "this worker does not share the store's folder",
            hint="set steps.tune.params.storage to a database every worker reaches "
            "(postgresql://...), or mount the store at the same path on every machine",
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    return optuna.storages.JournalStorage(JournalFileBackend(str(path)))


#: one RDB storage (one connection pool) per URL in a process: a worker runs many trials,
#: and a pool per trial would hold the database's connections until the worker exits
_RDB_STORAGES: dict[str, optuna.storages.BaseStorage] = {}


def _rdb_storage(url: str) -> optuna.storages.BaseStorage:
    """The process's Optuna RDB storage of ``url``; a missing driver names its install command."""
    if url not in _RDB_STORAGES:
        _RDB_STORAGES[url] = _new_rdb_storage(url)
    return _RDB_STORAGES[url]


def _new_rdb_storage(url: str) -> optuna.storages.BaseStorage:
    import optuna

    try:
        return optuna.storages.RDBStorage(url)
    except ImportError as exc:  # Optuna wraps the driver's ModuleNotFoundError
        cause = exc.__cause__ if isinstance(exc.__cause__, ModuleNotFoundError) else exc
        name = getattr(cause, "name", None) or "its database driver"
        extra = "postgres" if url.startswith("postgresql") else None
        install = f'pip install "textops[{extra}]"' if extra else f"pip install {name}"
        raise EnvironmentError_(
            f"the tuning storage '{redact(url)}' needs the package '{name}', "
            "which is not installed",
            hint=install,
        ) from exc


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


def run_trial_task(task: TrialTask, data: tuple[list[str], list[str]]) -> TrialOutcome:
    """One worker task: open the study, run one trial, return its outcome."""
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
    finished: list[optuna.trial.FrozenTrial] = []
    try:
        study = optuna.load_study(
            study_name=task.study_name,
            storage=open_storage(task.storage, create=False),
            sampler=_sampler(settings, task.task_index),
            pruner=_pruner(settings),
        )

        def objective(trial: optuna.Trial) -> float:
            numbers.append(trial.number)
            # which task this is: a resumed study reruns the tasks without an outcome
            trial.set_user_attr("task", task.task_index)
            return _objective(
                trial, texts, labels, base=base, space=space, bound_members=settings.final_members
            )

        study.optimize(objective, n_trials=1, catch=(Exception,),
                       callbacks=[lambda _study, trial: finished.append(trial)])
    finally:
        torch.set_num_threads(previous_threads)
        optuna_logger.setLevel(previous_level)
    if finished:
        trial = finished[0]
        return TrialOutcome(trial.number, trial.state.name, trial.value)
    return TrialOutcome(numbers[0] if numbers else -1, "NONE", None)


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
    value = network.history[network.best_epoch - 1].monitored(objective)
    if math.isnan(value):  # Optuna fails the trial; say why, so it is not taken for a kill
        trial.set_user_attr("error", f"the objective {objective} is NaN")
    return value
