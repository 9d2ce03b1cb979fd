"""Tuning: one shared Optuna study, trials through an Executor, pruning, failing trials."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from support.corpora import TOPIC_WORDS, topic_corpus
from textops.compute.base import LocalExecutor
from textops.compute.dask import DaskExecutor
from textops.compute.targets import ExecutorPool
from textops.compute.testing import FakeExecutor
from textops.config.schema import ComputeTarget
from textops.errors import ConfigError
from textops.models.network_config import NetworkConfig
from textops.tuning import (
    Choice,
    FloatRange,
    IntRange,
    SearchSpace,
    TuningConfig,
    epoch_rows,
    tune,
)
from textops.tuning.space import apply_params, suggest


def make_corpus(n_per_class: int = 50, seed: int = 0) -> tuple[list[str], list[str]]:
    return topic_corpus(TOPIC_WORDS, n_per_class=n_per_class, seed=seed, own=0.25, cross=0.15)


BASE = NetworkConfig(
    epochs=4, batch_size=16, buckets=256, min_count=1, embedding_dim=16, hidden_size=16
)
# learning rates from useless (1e-5: stuck at chance, so pruned) to useful
SPACE = SearchSpace(
    learning_rate=FloatRange(low=1e-5, high=0.5, log=True),
    embedding_dim=Choice(choices=[8, 16]),
    hidden_size=Choice(choices=[8, 16]),
    epochs=None,
    batch_size=None,
)
# the corpora here are small: judge on 5 validation documents at least, not 200
SETTINGS = TuningConfig(
    n_trials=12, startup_trials=4, pruner_startup_trials=2, pruner_warmup_epochs=0,
    min_validation_docs=5, min_validation_docs_per_class=0,
)


def test_failing_trials_are_recorded_and_the_study_goes_on(tmp_path: Path) -> None:
    # asking for a CUDA device that does not exist makes a trial raise
    space = SPACE.model_copy(update={"extra": {"device": Choice(choices=["cpu", "cuda:99"])}})
    texts, labels = make_corpus()
    # random sampling throughout: TPE ignores failed trials and may stop choosing cuda:99
    settings = SETTINGS.model_copy(update={"startup_trials": SETTINGS.n_trials})
    result = tune(
        texts, labels, storage=str(tmp_path / "tuning" / "s.journal"), study_name="fail",
        executor=LocalExecutor(), base=BASE, space=space, settings=settings,
    )
    trials = result.trials
    assert len(trials) == 12 and set(trials["state"]) <= {"COMPLETE", "PRUNED", "FAIL"}
    failed = trials[trials["state"] == "FAIL"]
    assert len(failed) >= 1 and (trials["state"] == "COMPLETE").sum() >= 1
    assert failed["error"].str.contains("torch sees no CUDA device|cuda", regex=True).all()
    assert all(p["device"] == "cuda:99" for p in failed["params"])
    assert result.best_params["device"] == "cpu"
    assert result.best_config.device == "cpu"
    assert result.best_value == trials["value"].max()


def test_the_loss_objective_minimises_the_kept_epochs_validation_loss(tmp_path: Path) -> None:
    texts, labels = make_corpus(n_per_class=15)
    settings = SETTINGS.model_copy(update={"n_trials": 5, "objective": "val_loss"})
    result = tune(
        texts, labels, storage=str(tmp_path / "s.journal"), study_name="loss",
        executor=LocalExecutor(), base=BASE, space=SPACE, settings=settings,
    )
    complete = result.trials[result.trials["state"] == "COMPLETE"]
    assert not complete.empty and (complete["value"] > 0).all()  # log-losses, not accuracies
    assert result.best_value == complete["value"].min()
    # what the pruner saw per epoch: the same log-loss figures, one of them the trial's value
    # and the kept epoch is the one of least log-loss, in the trials and in the best config
    for row in complete.itertuples(index=False):
        assert row.value == row.val_metric[int(row.best_epoch) - 1] == min(row.val_metric)
    assert result.best_config.monitor == "val_loss"
    with pytest.raises(ValidationError, match="objective"):
        TuningConfig(objective="f1")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("minimum", "per_class", "expected"), [(20, 0, 20), (1, 6, 24), (5, 1, 6)]
)
def test_trials_are_judged_on_at_least_the_minimum_of_validation_documents(
    tmp_path: Path, minimum: int, per_class: int, expected: int
) -> None:
    texts, labels = make_corpus(n_per_class=15)  # 60 documents, 4 classes: 6 at 0.1
    settings = SETTINGS.model_copy(update={
        "n_trials": 2, "min_validation_docs": minimum, "min_validation_docs_per_class": per_class,
    })
    result = tune(
        texts, labels, storage=str(tmp_path / "s.journal"), study_name="enough",
        executor=LocalExecutor(), base=BASE, space=SPACE, settings=settings,
    )
    assert result.validation_docs == expected
    assert result.val_fraction == (BASE.val_fraction if expected == 6 else expected / 60)
    assert result.trials["validation_docs"].tolist() == [expected, expected]
    assert result.best_config.val_fraction == BASE.val_fraction  # the final fit's own share


def test_too_few_documents_to_judge_on_is_refused_naming_the_settings(tmp_path: Path) -> None:
    texts, labels = make_corpus(n_per_class=15)  # at most 30 at a validation share of 0.5
    storage = tmp_path / "s.journal"
    settings = SETTINGS.model_copy(update={"min_validation_docs": 200})  # the default
    refusal = (
        r"judge trials on 6 validation documents \(60 tuning documents x val_fraction 0.1; "
        r"at most 30 at max_val_fraction 0.5\), fewer than the 200 it needs"
    )
    with pytest.raises(ConfigError, match=refusal) as caught:
        tune(texts, labels, storage=str(storage), study_name="few", executor=LocalExecutor(),
             base=BASE, space=SPACE, settings=settings)
    for setting in ("data.split.subset_fraction", "steps.tune.data: full", "min_validation_docs"):
        assert setting in str(caught.value.hint)
    assert not storage.exists()  # refused before any trial
    assert TuningConfig().min_validation(n_classes=20) == 200
    assert TuningConfig().min_validation(n_classes=60) == 300
    with pytest.raises(ValidationError, match="min_validation_docs"):
        TuningConfig(min_validation_docs=0)
    with pytest.raises(ValidationError, match="max_val_fraction"):
        TuningConfig(max_val_fraction=1.0)


def test_trials_too_big_for_the_final_members_are_pruned_with_the_reason(
    tmp_path: Path,
) -> None:
    texts, labels = make_corpus(n_per_class=15)
    # about 300 ids: an MLP 8 wide takes about 10 kB a member, 256 wide about 300 kB
    base = BASE.model_copy(update={"architecture": "mlp", "max_model_mb": 0.1})
    space = SPACE.model_copy(update={
        "architecture": None, "learning_rate": None, "hidden_size": None,
        "embedding_dim": Choice(choices=[8, 256]),
    })
    settings = SETTINGS.model_copy(update={"n_trials": 6, "startup_trials": 6, "final_members": 3})
    result = tune(
        texts, labels, storage=str(tmp_path / "s.journal"), study_name="size",
        executor=LocalExecutor(), base=base, space=space, settings=settings,
    )
    trials = result.trials
    wide = trials[[p["embedding_dim"] == 256 for p in trials["params"]]]
    assert len(wide) >= 1 and (wide["state"] == "PRUNED").all()
    assert wide["pruned_reason"].str.match(
        r"the mlp network would take \d+\.\d MB \(3 member\(s\) .* more than max_model_mb = 0.1"
    ).all()
    assert all(len(v) == 0 for v in wide["val_metric"])  # pruned before training
    assert result.best_params["embedding_dim"] == 8


def test_rerunning_a_study_only_runs_the_missing_trials(tmp_path: Path) -> None:
    texts, labels = make_corpus(n_per_class=15)
    storage = str(tmp_path / "s.journal")
    options: dict[str, Any] = {
        "storage": storage, "study_name": "resume", "executor": LocalExecutor(), "base": BASE,
        "space": SPACE,
    }
    first = tune(texts, labels, settings=SETTINGS.model_copy(update={"n_trials": 3}), **options)
    again = tune(texts, labels, settings=SETTINGS.model_copy(update={"n_trials": 5}), **options)
    assert len(first.trials) == 3 and len(again.trials) == 5
    assert again.trials["number"].tolist() == [0, 1, 2, 3, 4]


@pytest.mark.dask
def test_two_dask_workers_share_one_study_and_prune(tmp_path: Path) -> None:
    executor = DaskExecutor(n_workers=2, threads_per_worker=1)
    texts, labels = make_corpus()
    try:
        result = tune(
            texts, labels, storage=str(tmp_path / "s.journal"), study_name="dask",
            executor=executor, base=BASE, space=SPACE, settings=SETTINGS,
        )
    finally:
        executor.close()
    counts = result.counts()
    assert len(result.trials) == 12 and sum(counts.values()) == 12
    assert counts.get("PRUNED", 0) >= 1 and counts.get("COMPLETE", 0) >= 1
    pruned = result.trials[result.trials["state"] == "PRUNED"]
    assert all(1 <= len(v) <= BASE.epochs for v in pruned["val_metric"])  # reported, then cut
    rows = epoch_rows(result.trials)
    assert list(rows.columns) == ["number", "epoch", "val_metric", "train_loss"]
    assert len(rows) == sum(len(v) for v in result.trials["val_metric"])


def test_trials_ask_for_the_resources_of_the_bound_compute_target(tmp_path: Path) -> None:
    fake = FakeExecutor()
    pool = ExecutorPool(
        {"gpu": ComputeTarget(kind="dask", resources={"GPU": 1})}, factory=lambda target: fake
    )
    texts, labels = make_corpus(n_per_class=15)
    options: dict[str, Any] = {"base": BASE, "space": SPACE, "executor": pool.get("gpu")}
    settings = SETTINGS.model_copy(update={"n_trials": 2})
    tune(texts, labels, storage=str(tmp_path / "a.journal"), study_name="a", settings=settings,
         **options)
    assert [task.resources for task in fake.submissions] == [{"GPU": 1}, {"GPU": 1}]

    deprecated = r"tuning.resources .* deprecated.*compute.<target>.resources"
    with pytest.warns(FutureWarning, match=deprecated):
        deprecated = TuningConfig(
            n_trials=1, startup_trials=1, resources={"GPU": 2}, min_validation_docs=5
        )
    tune(
        texts,
        labels,
        storage=str(tmp_path / "b.journal"),
        study_name="b",
        settings=deprecated,
        **options,
    )  # the workers do not warn again
    assert fake.submissions[-1].resources == {"GPU": 2}  # still honoured, over the target's


class _FixedTrial:
    """Answers suggest_* with the low end / first choice, recording the names asked."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def suggest_float(self, name: str, low: float, high: float, *, log: bool = False) -> float:
        self.asked.append(name)
        return low

    def suggest_int(
        self, name: str, low: int, high: int, *, step: int = 1, log: bool = False
    ) -> int:
        self.asked.append(name)
        return low

    def suggest_categorical(self, name: str, choices: Any) -> Any:
        self.asked.append(name)
        return choices[0]


def test_mlp_only_dimensions_are_sampled_only_for_the_mlp() -> None:
    space = SearchSpace()
    fasttext = _FixedTrial()
    params = suggest(fasttext, space, NetworkConfig())
    assert params["architecture"] == "fasttext" and "hidden_size" not in fasttext.asked
    mlp_space = space.model_copy(update={"architecture": Choice(choices=["mlp"])})
    mlp = _FixedTrial()
    params = suggest(mlp, mlp_space, NetworkConfig())
    assert "hidden_size" in mlp.asked
    config = apply_params(NetworkConfig(), params)
    assert config.architecture == "mlp" and config.hidden_size == 64


def test_search_space_is_validated_data() -> None:
    space = SearchSpace.model_validate(
        {
            "learning_rate": {"type": "float", "low": 0.001, "high": 0.1, "log": True},
            "ngram": {"type": "int", "low": 1, "high": 2},
            "hidden_size": None,
            "extra": {"min_count": {"type": "int", "low": 1, "high": 3}},
        }
    )
    assert "hidden_size" not in space.dimensions() and "min_count" in space.dimensions()
    assert isinstance(space.dimensions()["ngram"], IntRange)
    with pytest.raises(ValidationError, match="not NetworkConfig fields"):
        SearchSpace(extra={"layers": IntRange(low=1, high=2)})
    with pytest.raises(ValidationError, match="low must not exceed high"):
        FloatRange(low=1.0, high=0.1)
    with pytest.raises(ValidationError, match="log range needs low > 0"):
        FloatRange(low=0.0, high=0.1, log=True)
    with pytest.raises(ValidationError, match="extra"):
        SearchSpace.model_validate({"learning_rat": None})
    with pytest.raises(ValidationError, match=r"\['val_fraction'\], which tuning does not vary"):
        SearchSpace(extra={"val_fraction": FloatRange(low=0.1, high=0.3)})


def test_when_every_trial_loses_its_worker_the_error_names_the_memory_limit() -> None:
    from textops.compute.testing import FakeExecutor
    from textops.errors import WorkerLostError
    from textops.tuning.study import _run_trial_tasks

    executor = FakeExecutor(memory_limit=2**30, lose=lambda task: True)
    with pytest.raises(WorkerLostError, match="memory limit of 1.0 GiB"):
        _run_trial_tasks([object(), object()], executor.scatter((["a", "b"], ["x", "y"])),  # type: ignore[list-item]
                         executor, resources=None)


def test_a_trial_lost_with_its_worker_is_run_again_to_reach_n_trials(tmp_path: Path) -> None:
    lost: list[int] = []

    def first_task_dies(task: Any) -> bool:
        if not lost:
            lost.append(task.args[0].task_index)
            return True
        return False

    executor = FakeExecutor(n_workers=1, lose=first_task_dies)
    texts, labels = make_corpus(n_per_class=15)
    result = tune(
        texts, labels, storage=str(tmp_path / "s.journal"), study_name="lost",
        executor=executor, base=BASE, space=SPACE,
        settings=SETTINGS.model_copy(update={"n_trials": 3}),
    )
    assert len(result.trials) == 3 and lost == [0]
    assert [s.lost for s in executor.submissions] == [True, False, False, False]


def test_sqlite_is_refused_for_parallel_tuning_with_the_reason(tmp_path: Path) -> None:
    texts, labels = make_corpus(n_per_class=15)
    with pytest.raises(ConfigError, match=r"SQLite, which cannot serve 2 trials at once.*locked"):
        tune(
            texts, labels, storage=f"sqlite:///{tmp_path / 'o.db'}", study_name="sq",
            executor=FakeExecutor(n_workers=2), base=BASE, space=SPACE, settings=SETTINGS,
        )
    one = tune(  # one worker at a time: SQLite is fine
        texts, labels, storage=f"sqlite:///{tmp_path / 'o.db'}", study_name="sq",
        executor=FakeExecutor(n_workers=1), base=BASE, space=SPACE,
        settings=SETTINGS.model_copy(update={"n_trials": 2}),
    )
    assert len(one.trials) == 2


def test_a_worker_that_cannot_see_the_journal_fails_instead_of_starting_its_own(
    tmp_path: Path,
) -> None:
    from textops.errors import ModelError
    from textops.tuning.trial import open_storage

    with pytest.raises(ModelError, match="not visible on worker .*does not share the store"):
        open_storage(str(tmp_path / "elsewhere" / "s.journal"), create=False)
    assert not (tmp_path / "elsewhere").exists()
