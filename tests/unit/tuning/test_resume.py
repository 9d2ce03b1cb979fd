"""Resuming a tuning study after a kill gives the answer an uninterrupted run gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import optuna
import pytest

from support.corpora import TOPIC_WORDS, topic_corpus
from textops.compute.base import LocalExecutor
from textops.errors import ModelError
from textops.models.network_config import NetworkConfig
from textops.tuning import Choice, FloatRange, SearchSpace, TuningConfig, tune
from textops.tuning.space import suggest
from textops.tuning.study import missing_tasks, study_generation
from textops.tuning.trial import _sampler, open_storage

BASE = NetworkConfig(
    epochs=3, batch_size=16, buckets=256, min_count=1, embedding_dim=16, hidden_size=16
)
SPACE = SearchSpace(
    learning_rate=FloatRange(low=1e-3, high=0.5, log=True),
    embedding_dim=Choice(choices=[8, 16]),
    hidden_size=None,
    epochs=None,
    batch_size=None,
)
SETTINGS = TuningConfig(
    n_trials=4, startup_trials=10, pruner="none", min_validation_docs=5,
    min_validation_docs_per_class=0,
)


def _tune(storage: Path, n_trials: int, name: str = "s") -> Any:
    texts, labels = topic_corpus(TOPIC_WORDS, n_per_class=15, seed=0, own=0.25, cross=0.15)
    return tune(
        texts, labels, storage=str(storage), study_name=name, executor=LocalExecutor(),
        base=BASE, space=SPACE, settings=SETTINGS.model_copy(update={"n_trials": n_trials}),
    )


def _kill_during_task(storage: Path, task: int, name: str = "s") -> None:
    """What a SIGKILL leaves: a trial RUNNING with part of its parameters sampled."""
    study = optuna.load_study(
        study_name=name, storage=open_storage(str(storage)), sampler=_sampler(SETTINGS, task)
    )
    trial = study.ask()
    trial.set_user_attr("task", task)
    suggest(trial, SPACE, BASE)


def _summary(result: Any) -> tuple[Any, ...]:
    by_task = result.trials.sort_values("task")
    return (
        result.best_params, result.best_value, result.counts(),
        by_task["task"].tolist(), by_task["params"].tolist(), by_task["value"].tolist(),
    )


def test_a_killed_trial_runs_again_and_the_answer_is_unchanged(tmp_path: Path) -> None:
    uninterrupted = _tune(tmp_path / "a.journal", 4)

    journal = tmp_path / "b.journal"
    _tune(journal, 2)
    _kill_during_task(journal, 2)  # killed once...
    # ...and again, by a version that failed abandoned trials without a mark
    study = optuna.load_study(study_name="s", storage=open_storage(str(journal)))
    study.tell(study.ask(), state=optuna.trial.TrialState.FAIL)
    resumed = _tune(journal, 4)

    assert _summary(resumed) == _summary(uninterrupted)
    assert resumed.counts() == {"COMPLETE": 4}
    states = [t.state.name for t in optuna.load_study(
        study_name="s", storage=open_storage(str(journal))).trials]
    assert states.count("FAIL") == 2  # kept in the journal, out of the result


def test_two_kills_in_a_row_do_not_wedge_the_study(tmp_path: Path) -> None:
    journal = tmp_path / "s.journal"
    _tune(journal, 1)
    _kill_during_task(journal, 1)
    _kill_during_task(journal, 1)  # the second run was killed in the same task
    resumed = _tune(journal, 3)
    assert sorted(resumed.trials["task"]) == [0, 1, 2]
    assert resumed.counts() == {"COMPLETE": 3}


def test_missing_tasks_skip_finished_trials_and_rerun_abandoned_ones() -> None:
    def frozen(number: int, state: str, **attrs: Any) -> optuna.trial.FrozenTrial:
        return optuna.trial.create_trial(
            state=getattr(optuna.trial.TrialState, state),
            value=1.0 if state == "COMPLETE" else None, user_attrs=attrs,
        ) if state != "RUNNING" else pytest.fail("not used")

    trials = [
        frozen(0, "COMPLETE", task=0),
        frozen(1, "FAIL", task=1, error="ValueError: bad"),  # a real failure counts
        frozen(2, "FAIL", task=2, abandoned=True),
        frozen(3, "FAIL", task=3),  # no error: left by a kill
        frozen(4, "PRUNED", task=5),
    ]
    assert missing_tasks(trials, 6) == [2, 3, 4]


def test_a_forced_run_takes_the_next_generation_and_a_plain_run_the_latest() -> None:
    assert study_generation("s", [], is_fresh=False) == "s"
    assert study_generation("s", [], is_fresh=True) == "s"
    assert study_generation("s", ["s"], is_fresh=True) == "s-g2"
    assert study_generation("s", ["s", "s-g2", "other-g9"], is_fresh=False) == "s-g2"
    assert study_generation("s", ["s", "s-g2"], is_fresh=True) == "s-g3"


def test_a_damaged_journal_is_named_with_how_to_start_over(tmp_path: Path) -> None:
    journal = tmp_path / "s.journal"
    _tune(journal, 1)
    journal.write_bytes(b"{not json\n" + journal.read_bytes())
    with pytest.raises(ModelError, match=r"s\.journal.*") as raised:
        _tune(journal, 2)
    assert "--force" in (raised.value.hint or "")


def test_a_line_a_kill_cut_short_is_dropped_and_the_study_resumes(tmp_path: Path) -> None:
    journal = tmp_path / "s.journal"
    _tune(journal, 1)
    with journal.open("ab") as handle:
        handle.write(b'{"op_code": 4, "worker_id": "x", "trial_id"')  # the kill came here
    resumed = _tune(journal, 2)
    assert resumed.counts() == {"COMPLETE": 2}
    assert journal.read_bytes().endswith(b"\n")
