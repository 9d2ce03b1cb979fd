"""The Dask executor: fanned-out work on a ``distributed`` cluster.

:class:`DaskExecutor` implements :class:`~textops.compute.base.Executor` over a
``distributed.Client``: an embedded ``LocalCluster`` of worker processes by
default (one thread each, a memory limit each), or any running scheduler by
address (Kubernetes, HPC, cloud VMs). Special hardware is a Dask worker
resource: ``submit(fn, resources={"GPU": 1})`` runs only on a worker started
with ``--resources GPU=1``.

The futures it returns are plain :class:`concurrent.futures.Future` objects,
settled from the Dask future's callback, so callers never meet a Dask type. A
task whose worker dies is not retried (``allowed_failures=0`` on the embedded
scheduler): a task that killed one worker by using too much memory would kill
the next one too. Dask's ``KilledWorker`` becomes a
:class:`~textops.errors.WorkerLostError` naming the task and
:attr:`DaskExecutor.memory_limit`. For a scheduler given by address, set
``distributed.scheduler.allowed-failures`` on the scheduler itself.

Every settled task is logged (:class:`~textops.compute.tasklog.TaskRun`: the
worker that ran it, its outcome), and so is every attempt a dying worker took
with it, from the scheduler's ``remove-worker`` events; :meth:`DaskExecutor.take_tasks`
hands the log to the runner. On a cluster given by address, scattered objects
travel through the store (:mod:`textops.compute.staging`) when the executor is
given a ``staging`` folder, never through the scheduler.

``distributed`` is imported when an executor is made, not with this module.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, InvalidStateError
from typing import Any, TypeVar

from textops.compute import staging as staged
from textops.compute.base import Scattered, unwrap_scattered, worker_lost
from textops.compute.tasklog import TaskRun, TaskStatus
from textops.errors import ConfigError

T = TypeVar("T")

__all__ = ["DaskExecutor"]


class DaskExecutor:
    """Runs a step's tasks on a Dask cluster; use it as a context manager.

    Parameters
    ----------
    address : str or None
        A running scheduler (``tcp://host:8786``); ``None`` starts an embedded
        ``LocalCluster`` that :meth:`close` stops again.
    n_workers : int
        Worker processes of the embedded cluster.
    threads_per_worker : int
        Tasks one worker runs at once. Keep 1 for CPU-bound scikit-learn work:
        the memory bound of a candidate is per process.
    memory_limit : str, int or None
        Memory of each embedded worker (``"4GiB"``, bytes, ``"auto"`` = the
        machine's memory shared out, ``None`` = no limit). Past 95% of it the
        nanny restarts the worker.
    resources : mapping or None
        Resources each embedded worker offers, e.g. ``{"GPU": 1}``.
    allowed_failures : int
        How many worker deaths a task may cause before it fails (embedded only).
    processes : bool
        Worker processes (default) or threads of this process (tests, debugging).
    timeout : float
        Seconds to wait for the cluster to start or the scheduler to answer.
    staging : str or None
        A folder URL in the store every worker reads: with an ``address``,
        :meth:`scatter` writes objects there instead of sending them through
        the scheduler; the folder is removed on :meth:`close`.
    """

    def __init__(
        self,
        address: str | None = None,
        *,
        n_workers: int = 2,
        threads_per_worker: int = 1,
        memory_limit: str | int | None = "auto",
        resources: Mapping[str, float] | None = None,
        allowed_failures: int = 0,
        processes: bool = True,
        timeout: float = 60.0,
        staging: str | None = None,
    ) -> None:
        self.address = address
        self._staging = staging if address is not None else None
        self._runs: list[TaskRun] = []
        self._keys: dict[str, str] = {}  # Dask key -> function name, since the last take
        self._log_lock = threading.Lock()
        self._since = time.time()
        self._cluster: Any = None
        #: resource sets some worker was seen to offer: checked once, not on every submit
        self._offered: set[frozenset[tuple[str, float]]] = set()
        if address is None:
            self._cluster = _local_cluster(
                n_workers=n_workers,
                threads_per_worker=threads_per_worker,
                memory_limit=memory_limit,
                resources=resources,
                allowed_failures=allowed_failures,
                processes=processes,
            )
        self.client: Any = None
        try:
            self.client = _client(address, self._cluster, timeout=timeout)
            workers = self._workers(timeout)
        except BaseException:
            self.close()  # never leave a client or an embedded cluster behind
            raise
        #: how many tasks can run at once (threads over all workers)
        self.n_workers: int = sum(int(worker["nthreads"]) for worker in workers) or 1
        limits = [int(worker.get("memory_limit") or 0) for worker in workers]
        #: memory limit of the smallest worker in bytes, or None when unlimited
        self.memory_limit: int | None = min(limits) if limits and min(limits) > 0 else None
        #: an embedded cluster shares this machine's disk; one by address may not
        self.is_local: bool = address is None

    def _workers(self, timeout: float) -> list[dict[str, Any]]:
        """The scheduler's worker records, once at least one worker is there."""
        try:
            if self.address is not None:
                self.client.wait_for_workers(1, timeout=timeout)
        except TimeoutError as exc:
            raise ConfigError(
                f"the Dask scheduler at {self.address!r} has no worker after {timeout:.0f} s",
                hint="start workers, or check the compute target's address",
            ) from exc
        return list(self.client.scheduler_info()["workers"].values())

    def submit(
        self,
        fn: Callable[..., T],
        /,
        *args: Any,
        resources: Mapping[str, float] | None = None,
        **kwargs: Any,
    ) -> Future[T]:
        """Run ``fn(*args, **kwargs)`` on a worker; ``resources`` pins it to one that has them.

        :class:`~textops.compute.base.Scattered` handles in ``args`` and
        ``kwargs`` reach the worker as their objects, shipped once. The future
        raises :class:`~textops.errors.WorkerLostError` if the worker died.
        """
        if resources:
            self._check_resources(resources)
        args, kwargs = unwrap_scattered(args, kwargs)
        name = getattr(fn, "__name__", "task")
        key = f"{name}-{uuid.uuid4().hex}"
        with self._log_lock:
            self._keys[key] = name
        task = self.client.submit(
            _apply, fn, args, kwargs, key=key,
            resources=dict(resources) if resources else None, pure=False,
        )
        return _TaskFuture(task, name=name, memory_limit=self.memory_limit, log=self._log)

    def scatter(self, obj: T) -> Scattered[T]:
        """Ship ``obj`` to the workers once; pass the handle to :meth:`submit`.

        With a ``staging`` folder (a cluster by address) it goes through the
        store; otherwise Dask copies it to every worker.
        """
        if self._staging is not None:
            return Scattered(staged.stage(obj, self._staging))
        [future] = self.client.scatter([obj], broadcast=True, hash=False)
        return Scattered(future)

    def take_tasks(self) -> list[TaskRun]:
        """The tasks settled since the last call, and the attempts lost with a worker."""
        with self._log_lock:
            runs, self._runs = self._runs, []
            keys, self._keys = self._keys, {}
        since, self._since = self._since, time.time()
        if self.client is None or not keys:
            return runs
        return _lost_attempts(self.client, keys, since=since) + runs

    def _log(self, run: TaskRun) -> None:
        with self._log_lock:
            self._runs.append(run)

    def as_completed(self, futures: Iterable[Future[T]]) -> Iterator[Future[T]]:
        """Yield ``futures`` (the same objects) as they finish."""
        from concurrent.futures import as_completed

        yield from as_completed(list(futures))

    @property
    def dashboard_link(self) -> str | None:
        """The address of the cluster's dashboard (None without one, or once closed)."""
        if self.client is None:
            return None
        try:
            return str(self.client.dashboard_link) or None
        except (KeyError, AttributeError):  # a scheduler started without its dashboard
            return None

    def close(self) -> None:
        """Close the client, and the cluster if this executor started it."""
        client, self.client = self.client, None
        if client is not None:
            client.close()
        cluster, self._cluster = self._cluster, None
        if cluster is not None:
            cluster.close()
        folder, self._staging = self._staging, None
        if folder is not None:
            staged.remove(folder)

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        where = self.address or "LocalCluster"
        return f"DaskExecutor({where}, n_workers={self.n_workers})"

    def _check_resources(self, wanted: Mapping[str, float]) -> None:
        """Raise unless some worker offers ``wanted``; asks the scheduler once per set."""
        key = frozenset(wanted.items())
        if key in self._offered:
            return
        workers = self.client.scheduler_info()["workers"].values()
        offered = [worker.get("resources") or {} for worker in workers]
        if any(all(have.get(k, 0) >= v for k, v in wanted.items()) for have in offered):
            self._offered.add(key)
            return
        on_offer = sorted({key for have in offered for key in have}) or "none"
        raise ConfigError(
            f"no Dask worker offers the resources {dict(wanted)} (resources on offer: {on_offer})",
            hint="start workers with --resources (e.g. --resources GPU=1), "
            "or give the compute target resources: {GPU: 1}",
        )


def _local_cluster(
    *,
    n_workers: int,
    threads_per_worker: int,
    memory_limit: str | int | None,
    resources: Mapping[str, float] | None,
    allowed_failures: int,
    processes: bool,
) -> Any:
    """Start an embedded ``LocalCluster``; see :class:`DaskExecutor` for the options."""
    from distributed import LocalCluster

    if n_workers < 1 or threads_per_worker < 1:
        raise ConfigError(
            "a Dask LocalCluster needs n_workers >= 1 and threads_per_worker >= 1, "
            f"got {n_workers} and {threads_per_worker}"
        )
    return LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=n_workers,
        threads_per_worker=threads_per_worker,
        processes=processes,
        memory_limit=memory_limit if memory_limit is not None else 0,
        resources=dict(resources) if resources else None,
        dashboard_address=":0",  # any free port: never a clash with 8787, never a warning
        silence_logs=logging.ERROR,
        scheduler_kwargs={"allowed_failures": allowed_failures},
    )


def _client(address: str | None, cluster: Any, *, timeout: float) -> Any:
    """A client of the embedded ``cluster``, or of the scheduler at ``address``."""
    from distributed import Client

    if cluster is not None:
        return Client(cluster, timeout=timeout)  # type: ignore[no-untyped-call]
    try:
        return Client(address, timeout=timeout)  # type: ignore[no-untyped-call]
    except OSError as exc:
        raise ConfigError(
            f"cannot reach the Dask scheduler at {address!r}: {exc}",
            hint="check the address and that the scheduler is running",
        ) from exc


class _TaskFuture(Future[T]):
    """A Dask task's outcome as a standard future, settled when the task finishes.

    Holding ``task`` (the Dask future) keeps the task alive on the cluster;
    it is dropped once the result is here, so the worker may free its copy.
    ``name`` (the function's) names the task in a lost worker's error, as the
    fake executor does; the Dask key carries a unique suffix.
    """

    def __init__(
        self, task: Any, *, name: str, memory_limit: int | None, log: Callable[[TaskRun], None]
    ) -> None:
        super().__init__()
        self._task: Any = task
        self._name = name
        self._memory_limit = memory_limit
        self._log = log
        task.add_done_callback(self._settle)  # runs in Dask's callback thread

    def cancel(self) -> bool:
        task = self._task
        if not super().cancel():
            return False
        if task is not None:
            task.cancel()
        return True

    def _settle(self, task: Any) -> None:
        from distributed.scheduler import KilledWorker

        status: TaskStatus = "error"
        worker, seconds = None, None
        try:
            try:
                value, worker, seconds = task.result()
            except KilledWorker as exc:
                status = "lost"
                error = worker_lost(self._name, memory_limit=self._memory_limit)
                error.__cause__ = exc
                self.set_exception(error)
            except BaseException as exc:  # noqa: BLE001 - the future carries it to the caller
                status = "cancelled" if task.cancelled() else "error"
                self.set_exception(exc)
            else:
                status = "ok"
                self.set_result(value)
        except InvalidStateError:
            pass  # cancelled by the caller meanwhile: nobody waits for the outcome
        finally:
            self._task = None
            self._log(TaskRun(self._name, task.key, worker, status, seconds))


def _apply(
    fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[T, str | None, float]:
    """Call ``fn`` on the worker, staged arguments loaded; returns the worker and seconds too.

    Keeps ``fn``'s keywords apart from ``Client.submit``'s.
    """
    from distributed import get_worker

    try:
        worker: str | None = get_worker().address
    except ValueError:  # not on a worker (a threaded test cluster's client thread)
        worker = None
    started = time.perf_counter()
    args = tuple(staged.resolve(arg) for arg in args)
    kwargs = {name: staged.resolve(value) for name, value in kwargs.items()}
    return fn(*args, **kwargs), worker, time.perf_counter() - started


def _lost_attempts(client: Any, keys: dict[str, str], *, since: float) -> list[TaskRun]:
    """Attempts at ``keys`` a worker was processing when it left the cluster after ``since``.

    Filtered on the scheduler: its whole event log may hold events that do not
    travel. The filter is a closure, so it is shipped by value and the
    scheduler needs no textops installed.
    """
    wanted = set(keys)

    def removed(dask_scheduler: Any) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        for stamp, event in dask_scheduler.get_events("all"):
            if stamp < since or not isinstance(event, dict):
                continue
            if event.get("action") == "remove-worker":
                worker = str(event.get("worker"))
                found.extend((str(key), worker) for key in event.get("processing-tasks") or ()
                             if str(key) in wanted)
        return found

    try:
        pairs = client.run_on_scheduler(removed)
    except Exception as exc:  # noqa: BLE001 - the record loses detail, the step is unharmed
        logging.getLogger(__name__).warning("cannot read the scheduler's lost tasks: %s", exc)
        return []
    return [TaskRun(keys[key], key, worker, "lost") for key, worker in pairs]
