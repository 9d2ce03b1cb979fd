"""Cluster mode: the demo pipeline on a real ``dask scheduler`` with two ``dask worker``
processes (one offering ``GPU=1``), against a local run; workers lost mid-step; a GPU
target with no GPU worker."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from support.cluster import Cluster, dask_cluster
from textops import api
from textops.config.defaults import default_steps
from textops.errors import ConfigError
from textops.models.candidates import default_candidates

pytestmark = [pytest.mark.slow, pytest.mark.dask,
              pytest.mark.filterwarnings("ignore::ResourceWarning")]

CHEAP = ("ridge", "nearest_centroid", "multinomial_nb", "linear_svc_l2", "sgd_l2")
SLOW_CANDIDATE = {"name": "slow_centroid", "estimator": "support.slow_estimator.SlowCentroid",
                  "params": {"delay": 1.5}, "cost": 100}
TUNE = {"tuning": {"n_trials": 4, "min_validation_docs": 20, "pruner": "none"},
        "space": {"epochs": {"type": "int", "low": 2, "high": 3},
                  "architecture": {"type": "categorical", "choices": ["fasttext"]}}}


def write_project(folder: Path, *, keep: tuple[str, ...] | None = None,
                  compute: dict[str, Any] | None = None, slow: bool = False) -> None:
    """Demo drop 1 (300 rows) and a textops.yaml with a small sweep, tuning and training."""
    folder.mkdir(parents=True, exist_ok=True)
    api.write_demo(folder / "landing", folder / "later", rows=300)
    candidates = [c.model_dump(mode="json") for c in default_candidates() if c.name in CHEAP]
    params = {
        "sweep": {"candidates": candidates + ([SLOW_CANDIDATE] if slow else []),
                  "save_skops": not slow},
        "refit": {"top_k": 2},
        "tune": TUNE,
        "train": {"members": 1},
    }
    kept = [step for step in default_steps() if keep is None or step["name"] in keep]
    names = {step["name"] for step in kept}
    # an optional input from a step left out goes too (tune's contender from refit)
    steps = [step | {"params": params.get(step["name"], {}),
                     "inputs": {k: v for k, v in step["inputs"].items()
                                if v.split(".")[0] in names}}
             for step in kept]
    definition: dict[str, Any] = {"steps": steps, "store": {"url": str(folder / ".textops")}}
    if compute:
        definition["compute"] = compute
    definition["data"] = {"source": str(folder / "landing")}
    (folder / "textops.yaml").write_text(yaml.safe_dump(definition))


def remote(address: str) -> dict[str, Any]:
    return {
        "local": {"kind": "local"},
        "cluster": {"kind": "dask", "address": address, "timeout": 20},
        "gpu": {"kind": "dask", "address": address, "resources": {"GPU": 1}, "device": "auto",
                "timeout": 20},
    }


@pytest.fixture(scope="module")
def gpu_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    folder = tmp_path_factory.mktemp("gpu-cluster")
    with dask_cluster(folder, workers=[{}, {"GPU": 1}]) as cluster:
        yield cluster


@pytest.fixture(scope="module")
def plain_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    folder = tmp_path_factory.mktemp("plain-cluster")
    with dask_cluster(folder, workers=[{}, {}]) as cluster:
        yield cluster


def outcome(record: Any, store: Path) -> dict[str, Any]:
    """What must not depend on where the run ran."""
    board = pd.read_parquet(store / "reporting" / "sweep")
    board = board[board["run_id"] == record.run_id]
    best = record.step("tune").outputs["best"]
    return {
        "dataset": record.dataset["version"],
        "leaderboard": board[["name", "status", "accuracy", "f1_macro"]].to_dict("records"),
        "tuned": (best["value"], best["params"], best["trials"]),
        "model": record.step("train").outputs["model"]["metrics"],
        "gate": [m["metrics"] for m in record.step("train").outputs["gate"]["models"]],
    }


def test_the_demo_pipeline_on_a_dask_cluster_equals_a_local_run(
    gpu_cluster: Cluster, tmp_path: Path
) -> None:
    write_project(tmp_path / "local", compute={
        "local": {"kind": "local"}, "cluster": {"kind": "local"},
        "gpu": {"kind": "local", "device": "auto"},
    })
    local = api.run(tmp_path / "local" / "textops.yaml")
    write_project(tmp_path / "cluster", compute=remote(gpu_cluster.address))
    began = time.perf_counter()
    on_cluster = api.run(tmp_path / "cluster" / "textops.yaml")
    seconds = time.perf_counter() - began
    assert {s.status for s in on_cluster.steps} == {"completed"}
    assert outcome(on_cluster, tmp_path / "cluster" / ".textops") == outcome(
        local, tmp_path / "local" / ".textops"
    )
    with gpu_cluster.client() as client:
        workers = client.scheduler_info()["workers"]
    gpu_workers = {a for a, w in workers.items() if w["resources"].get("GPU")}
    for name in ("sweep", "tune", "refit"):
        tasks = on_cluster.step(name).tasks
        assert tasks and {t["worker"] for t in tasks} <= set(workers), name
        assert {t["status"] for t in tasks} == {"ok"}, name
    train_tasks = on_cluster.step("train").tasks
    assert train_tasks and {t["worker"] for t in train_tasks} <= gpu_workers
    assert all(s.host and s.host.endswith(f":{os.getpid()}") for s in on_cluster.steps)
    assert not local.step("sweep").tasks  # inline: no workers to name
    run_json = (tmp_path / "cluster" / ".textops" / "runs" / on_cluster.run_id / "run.json")
    assert '"worker": "tcp://127.0.0.1:' in run_json.read_text()
    # the corpus and the features went through the store, which was cleaned up after
    assert not (tmp_path / "cluster" / ".textops" / "runs" / "_staged" / on_cluster.run_id).exists()
    print(f"cluster run {seconds:.1f} s:",
          [(step.name, round(step.wall_seconds, 1)) for step in on_cluster.steps])


def kill_when_running(cluster: Cluster, prefixes: list[str], killed: list[tuple[str, str]],
                      stop: threading.Event) -> None:
    """Kill the worker process running a task whose key starts with each prefix in turn."""
    with cluster.client() as client:
        for prefix in prefixes:
            while not stop.is_set():
                busy = [w for w, keys in client.processing().items()
                        if any(str(k).startswith(prefix) for k in keys)]
                if busy:
                    time.sleep(0.3)  # the task is running, not only queued
                    os.kill(cluster.worker_pids(client)[busy[0]], signal.SIGKILL)
                    killed.append((prefix, busy[0]))
                    break
                time.sleep(0.05)


def test_a_worker_killed_during_the_sweep_and_the_tuning_loses_no_candidate_or_trial(
    plain_cluster: Cluster, tmp_path: Path
) -> None:
    keep = ("ingest", "profile", "validate", "clean", "sweep", "tune")
    write_project(tmp_path, keep=keep, compute=remote(plain_cluster.address), slow=True)
    killed: list[tuple[str, str]] = []
    stop = threading.Event()
    watcher = threading.Thread(target=kill_when_running, daemon=True,
                               args=(plain_cluster, ["fit_candidate", "run_trial_task"],
                                     killed, stop))
    watcher.start()
    try:
        record = api.run(tmp_path / "textops.yaml")
    finally:
        stop.set()
        watcher.join(timeout=10)
    assert [prefix for prefix, _ in killed] == ["fit_candidate", "run_trial_task"]
    board = record.step("sweep").outputs["leaderboard"]
    assert not board["failed"] and len(board["ranking"]) == len(CHEAP) + 1
    # every task the killed worker held (running, or queued on it) is recorded as lost
    lost = record.step("sweep").lost_tasks
    assert lost and {(t["name"], t["worker"]) for t in lost} == {("fit_candidate", killed[0][1])}
    best = record.step("tune").outputs["best"]
    assert best["trials"].get("COMPLETE") == TUNE["tuning"]["n_trials"]
    lost = record.step("tune").lost_tasks
    assert lost and {(t["name"], t["worker"]) for t in lost} == {("run_trial_task", killed[1][1])}
    assert best["trials"].get("FAIL", 0) <= 1  # the trial that was running, marked lost


def test_a_gpu_target_without_a_gpu_worker_fails_fast_naming_target_and_resource(
    plain_cluster: Cluster, tmp_path: Path
) -> None:
    keep = ("ingest", "profile", "validate", "clean", "sweep")
    write_project(tmp_path, keep=keep, compute=remote(plain_cluster.address))
    definition = yaml.safe_load((tmp_path / "textops.yaml").read_text())
    next(s for s in definition["steps"] if s["name"] == "sweep")["compute"] = "gpu"
    (tmp_path / "textops.yaml").write_text(yaml.safe_dump(definition))
    started: dict[str, float] = {}

    def note(event: Any) -> None:
        from textops.progress import StepStarted

        if isinstance(event, StepStarted):
            started.setdefault(event.step, time.perf_counter())

    with pytest.raises(ConfigError, match=r"compute target 'gpu': no Dask worker offers the "
                                          r"resources \{'GPU': 1.0\}") as caught:
        api.run(tmp_path / "textops.yaml", on_event=note)
    assert time.perf_counter() - started["sweep"] < 20  # the target's timeout
    assert caught.value.hint and "--resources GPU=1" in caught.value.hint


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    from support.postgres import missing, postgres_server

    reason = missing()
    if reason:
        pytest.skip(reason)
    with postgres_server() as url:
        yield url


def test_parallel_tuning_on_two_worker_processes_shares_one_postgresql_study(
    plain_cluster: Cluster, postgres_url: str, tmp_path: Path
) -> None:
    from support.corpora import TOPIC_WORDS, topic_corpus
    from textops.compute.dask import DaskExecutor
    from textops.models.network_config import NetworkConfig
    from textops.tuning import Choice, FloatRange, SearchSpace, TuningConfig, tune

    texts, labels = topic_corpus(TOPIC_WORDS, n_per_class=30, seed=0, own=0.25, cross=0.15)
    settings = TuningConfig(n_trials=6, startup_trials=6, pruner="none", min_validation_docs=5,
                            min_validation_docs_per_class=0)
    space = SearchSpace(learning_rate=FloatRange(low=1e-3, high=0.5, log=True),
                        embedding_dim=Choice(choices=[8, 16]), epochs=None, batch_size=None)
    base = NetworkConfig(epochs=2, batch_size=16, buckets=256, min_count=1, embedding_dim=16,
                         hidden_size=16)
    with DaskExecutor(plain_cluster.address, staging=(tmp_path / "staged").as_uri()) as executor:
        result = tune(texts, labels, storage=postgres_url, study_name="pg", executor=executor,
                      base=base, space=space, settings=settings)
        tasks = executor.take_tasks()
    assert result.counts() == {"COMPLETE": 6}
    assert len({t.worker for t in tasks if t.status == "ok"}) == 2  # both processes tuned
    import optuna

    from textops.tuning.trial import open_storage  # the process's one pool for the URL

    study = optuna.load_study(study_name="pg", storage=open_storage(postgres_url))
    assert len(study.trials) == 6 and study.best_value == result.best_value


def test_cluster_mode_with_azure_store_mlflow_server_and_postgresql_tuning(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from support.object_stores import azure_store, mlflow_server

    with azure_store() as (store_url, env), mlflow_server(tmp_path / "mlflow") as tracking:
        for key, value in env.items():  # the workers inherit the store's credentials
            monkeypatch.setenv(key, value)
        with dask_cluster(tmp_path / "cluster", workers=[{}, {"GPU": 1}]) as cluster:
            keep = ("ingest", "profile", "validate", "clean", "sweep", "tune")
            write_project(tmp_path / "p", keep=keep, compute=remote(cluster.address))
            definition = yaml.safe_load((tmp_path / "p" / "textops.yaml").read_text())
            definition["store"]["url"] = store_url
            definition["tracking"] = {"uri": tracking}
            tune = next(s for s in definition["steps"] if s["name"] == "tune")
            tune["params"]["storage"] = postgres_url
            (tmp_path / "p" / "textops.yaml").write_text(yaml.safe_dump(definition))
            record = api.run(tmp_path / "p" / "textops.yaml")
        assert {s.status for s in record.steps} == {"completed"}
        assert record.tracking_uri == tracking
        from mlflow.tracking import MlflowClient

        client = MlflowClient(tracking_uri=tracking)
        runs = client.search_runs([client.get_experiment_by_name("textops").experiment_id],
                                  max_results=200)
        children = [r for r in runs if r.data.tags.get("mlflow.parentRunId")]
        steps = {r.info.run_name: r for r in children
                 if r.data.tags["mlflow.parentRunId"] == record.mlflow_run_id}
        assert set(steps) == set(keep)
        assert steps["tune"].data.params["study_storage"].startswith("postgresql://textops:***@")
        trials = [r for r in children
                  if r.data.tags["mlflow.parentRunId"] == steps["tune"].info.run_id]
        assert len(trials) == TUNE["tuning"]["n_trials"]
        ridge = next(r for r in children if r.info.run_name == "ridge")
        assert "confusion_matrix.json" in {a.path for a in client.list_artifacts(ridge.info.run_id)}
        import optuna

        from textops.tuning.trial import open_storage

        study = optuna.load_study(study_name=record.step("tune").outputs["best"]["study"],
                                  storage=open_storage(postgres_url))
        assert len(study.trials) == TUNE["tuning"]["n_trials"]
        assert {t["status"] for t in record.step("tune").tasks} == {"ok"}
