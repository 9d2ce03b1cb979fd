"""The Dask executor on a real 2-worker LocalCluster, and the sweep on it."""

from __future__ import annotations

import time
from concurrent.futures import Future

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin

from textops.compute.base import Executor, LocalExecutor, Scattered
from textops.compute.dask import DaskExecutor
from textops.errors import ConfigError, StoreError, WorkerLostError
from textops.models.candidates import DEFAULT_CANDIDATES, CandidateSpec
from textops.models.features import build_features
from textops.models.sweep import run_sweep

pytestmark = pytest.mark.dask


@pytest.fixture(scope="module")
def executor():
    start = time.perf_counter()
    with DaskExecutor(n_workers=2, memory_limit="1GiB", resources={"GPU": 1}) as dask_executor:
        dask_executor.start_seconds = time.perf_counter() - start
        yield dask_executor


def add(a, b=0, *, key=0, priority=0):
    return a + b + key + priority


def concat(head, *, tail):
    return head + tail


def test_a_local_cluster_starts_quickly_and_reports_its_size(executor):
    assert isinstance(executor, Executor)
    assert executor.n_workers == 2
    assert executor.memory_limit == 2**30
    assert executor.is_local  # an embedded cluster shares this machine's disk
    assert executor.start_seconds < 30  # ~2 s on an idle 2-core machine


def test_submit_passes_arguments_and_keywords_even_those_named_like_submit_options(executor):
    future = executor.submit(add, 1, 2, key=3, priority=4)
    assert future.result() == 10


def test_scatter_ships_one_object_once_and_handles_resolve_inside_arguments(executor):
    from distributed import Future as DaskFuture

    shared = executor.scatter([1, 2, 3])  # a list stays one object, not three
    assert isinstance(shared, Scattered)
    assert isinstance(shared.handle, DaskFuture)  # Dask gets its own future: no second copy
    futures = [executor.submit(sum, shared), executor.submit(len, shared)]
    assert all(isinstance(f, Future) for f in futures)  # a standard future, not Dask's
    finished = list(executor.as_completed(futures))
    assert sorted(finished, key=id) == sorted(futures, key=id)  # the same objects
    assert sorted(f.result() for f in finished) == [3, 6]
    assert executor.submit(concat, shared, tail=[4]).result() == [1, 2, 3, 4]


def test_a_task_error_reaches_the_caller_as_itself(executor):
    with pytest.raises(ZeroDivisionError):
        executor.submit(divmod, 1, 0).result()


def test_resources_pin_a_task_and_a_missing_resource_is_a_config_error(executor):
    assert executor.submit(add, 1, resources={"GPU": 1}).result() == 1
    with pytest.raises(ConfigError, match=r"no Dask worker offers the resources \{'TPU': 1\}"):
        executor.submit(add, 1, resources={"TPU": 1})


def test_each_resource_set_is_checked_with_the_scheduler_once(executor, monkeypatch):
    asked = []
    scheduler_info = executor.client.scheduler_info

    def counted(*args, **kwargs):
        asked.append(1)
        return scheduler_info(*args, **kwargs)

    monkeypatch.setattr(executor.client, "scheduler_info", counted)
    futures = [executor.submit(add, n, resources={"GPU": 0.5}) for n in range(3)]
    assert [future.result() for future in futures] == [0, 1, 2]
    assert len(asked) == 1
    for _ in range(2):  # a set no worker offers is asked again: workers may join
        with pytest.raises(ConfigError, match="no Dask worker offers"):
            executor.submit(add, 1, resources={"TPU": 0.5})
    assert len(asked) == 3


def test_an_executor_on_a_scheduler_address_leaves_the_cluster_running(executor):
    address = executor.client.scheduler.address
    with DaskExecutor(address) as remote:
        assert remote.n_workers == 2
        assert not remote.is_local and remote.memory_limit == 2**30
        assert remote.submit(add, 2, 3).result() == 5
    remote.close()  # closing twice is harmless
    assert executor.submit(add, 1, 1).result() == 2


def test_every_settled_task_is_logged_with_the_worker_that_ran_it(executor):
    executor.take_tasks()  # what earlier tests left
    workers = set(executor.client.scheduler_info()["workers"])
    futures = [executor.submit(add, n) for n in range(4)] + [executor.submit(divmod, 1, 0)]
    for future in futures:
        future.exception()
    time.sleep(0.05)  # the log is written by the callback that settles the future
    runs = executor.take_tasks()
    assert sorted(run.status for run in runs) == ["error", "ok", "ok", "ok", "ok"]
    assert {run.name for run in runs} == {"add", "divmod"}
    assert {run.worker for run in runs if run.status == "ok"} <= workers
    assert executor.take_tasks() == []  # taken once


def test_on_a_cluster_by_address_scattered_data_goes_through_the_store(executor, tmp_path):
    address = executor.client.scheduler.address
    folder = (tmp_path / "staged").as_uri()
    with DaskExecutor(address, staging=folder) as remote:
        shared = remote.scatter([1, 2, 3])
        assert type(shared.handle).__name__ == "Staged"  # a reference, not a Dask future
        assert len(list((tmp_path / "staged").iterdir())) == 1
        assert remote.submit(concat, shared, tail=[4]).result() == [1, 2, 3, 4]
        assert remote.scatter([1, 2, 3]).handle.url == shared.handle.url  # content-addressed
        gone = remote.scatter([5])
        (tmp_path / "staged" / gone.handle.url.rsplit("/", 1)[1]).unlink()
        with pytest.raises(StoreError, match="cannot read the data staged for it"):
            remote.submit(concat, gone, tail=[]).result()
    assert not (tmp_path / "staged").exists()  # removed with the executor


def test_an_unreachable_scheduler_is_a_config_error():
    with pytest.raises(ConfigError, match="cannot reach the Dask scheduler at 'tcp://127.0.0.1:9'"):
        DaskExecutor("tcp://127.0.0.1:9", timeout=2)


def corpus(n_per_class: int, seed: int) -> tuple[list[str], list[str]]:
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for label in ("food", "sport", "tech"):
        for _ in range(n_per_class):
            words = [
                *rng.choice([f"{label}{i}" for i in range(20)], 8),
                *rng.choice([f"noise{i}" for i in range(50)], 8),
            ]
            texts.append(" ".join(words))
            labels.append(label)
    return texts, labels


@pytest.fixture(scope="module")
def features():
    return build_features(*corpus(40, seed=1), *corpus(15, seed=2))


def test_the_sweep_on_two_dask_workers_matches_the_sequential_sweep(executor, features):
    names = {
        "ridge",
        "perceptron",
        "passive_aggressive",
        "sgd_elasticnet",
        "random_forest",
        "linear_svc_l1_selection",
        "complement_nb",
        "knn",
    }
    candidates = [c for c in DEFAULT_CANDIDATES if c.name in names]
    sequential = run_sweep(features, candidates, LocalExecutor(), seed=5, save_skops=False)
    parallel = run_sweep(features, candidates, executor, seed=5, save_skops=False)
    assert [r["name"] for r in parallel] == [c.name for c in candidates]
    assert all(r["status"] == "ok" for r in parallel)
    assert [r["metrics"] for r in parallel] == [r["metrics"] for r in sequential]
    assert [r["confusion"] for r in parallel] == [r["confusion"] for r in sequential]
    assert len({r["worker"] for r in parallel}) == 2  # both workers took a share
    forest = next(r for r in parallel if r["name"] == "random_forest")
    assert forest["shards"] == 2  # fitted half on each worker, yet the same forest


class MemoryHog(ClassifierMixin, BaseEstimator):
    """Grows its memory by 16 MiB every 20 ms while fitting, up to ``max_mib``."""

    def __init__(self, max_mib: int = 2048) -> None:
        self.max_mib = max_mib

    def fit(self, X, y):  # noqa: N803
        hoard = []
        for _ in range(self.max_mib // 16):
            hoard.append(np.ones(16 * 2**20, dtype=np.uint8))
            time.sleep(0.02)
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):  # noqa: N803
        return np.full(X.shape[0], self.classes_[0])


def test_a_candidate_past_the_worker_memory_limit_fails_alone_and_is_not_retried(features):
    hog = CandidateSpec(name="hog", estimator=f"{__name__}.MemoryHog", cost=10)
    nb = next(c for c in DEFAULT_CANDIDATES if c.name == "complement_nb")
    # no per-candidate bound here (memory_limit=None): the worker's limit must catch it
    with DaskExecutor(n_workers=1, memory_limit="700MiB") as small:
        start = time.perf_counter()
        results = run_sweep(features, [hog, nb], small, memory_limit=None, save_skops=False)
        elapsed = time.perf_counter() - start
        # what the sweep saw: the package's error, naming the task and the worker's limit
        future = small.submit(hoard, 2048)
        lost = r"^task 'hoard' lost its worker: .* memory limit of 700\.0 MiB"
        with pytest.raises(WorkerLostError, match=lost):
            future.result()
        assert future.exception().memory_limit == 700 * 2**20
    assert results[0]["status"] == "failed"
    assert results[0]["error"].startswith(
        "candidate 'hog': task 'fit_candidate' lost its worker: most likely it passed the "
        "worker memory limit of 700.0 MiB"
    )
    assert results[1]["status"] == "ok"  # the restarted worker ran the next candidate
    assert elapsed < 60


def hoard(max_mib: int) -> int:
    MemoryHog(max_mib).fit(np.zeros((1, 1)), [0])
    return max_mib


def test_importing_the_module_does_not_import_distributed():
    import subprocess
    import sys

    code = (
        "import sys, textops.compute.dask; "
        "print([m for m in ('dask', 'distributed', 'sklearn') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
