"""The progress channel: events stamped with their step, silent off the driver, never fatal."""

from __future__ import annotations

import pickle

from textops.progress import (
    DeviceUsed,
    PhaseStarted,
    Progress,
    ProgressEvent,
    TaskAdvanced,
)


def test_a_step_handle_stamps_every_event_with_its_step() -> None:
    heard: list[ProgressEvent] = []
    progress = Progress(heard.append, step="sweep")
    progress.advance("candidates", 3, 15, note="best ridge accuracy 0.9")
    progress.phase("export")
    progress.device("cuda")
    assert heard == [
        TaskAdvanced("sweep", "candidates", 3, 15, "best ridge accuracy 0.9"),
        PhaseStarted("sweep", "export"),
        DeviceUsed("sweep", "cuda"),
    ]


def test_a_handle_shipped_to_a_worker_falls_silent() -> None:
    heard: list[ProgressEvent] = []
    shipped = pickle.loads(pickle.dumps(Progress(heard.append, step="train")))
    shipped.advance("epochs", 1, 8)
    assert heard == [] and shipped.step == ""


def test_a_failing_listener_never_stops_the_work() -> None:
    def broken(event: ProgressEvent) -> None:
        raise RuntimeError("terminal gone")

    Progress(broken, step="tune").advance("trials", 1, 2)  # no exception


def test_tuning_counts_trials_the_best_value_and_the_pruned() -> None:
    from textops.tuning.settings import TuningConfig
    from textops.tuning.study import _TrialCounter
    from textops.tuning.trial import TrialOutcome

    heard: list[ProgressEvent] = []
    counter = _TrialCounter(Progress(heard.append, step="tune"), TuningConfig(n_trials=4), [])
    for outcome in (TrialOutcome(0, "COMPLETE", 0.7), TrialOutcome(1, "PRUNED", None),
                    None, TrialOutcome(3, "COMPLETE", 0.8)):
        counter(outcome)
    assert [(e.done, e.total) for e in heard if isinstance(e, TaskAdvanced)] == [
        (1, 4), (2, 4), (3, 4), (4, 4)]
    assert isinstance(heard[-1], TaskAdvanced)
    assert heard[-1].note == "best val_accuracy 0.8000, 1 pruned"
