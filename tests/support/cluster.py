"""A real Dask cluster on loopback for tests: ``dask scheduler`` and ``dask worker`` processes.

The processes are what a team starts on its machines (each worker under a
nanny, which restarts it if it dies); the test process is only a client. The
workers import this checkout's textops (and the tests' ``support`` package)
through ``PYTHONPATH``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import textops

DASK = Path(sys.executable).with_name("dask")


@dataclass
class Cluster:
    """A running scheduler's address and the processes behind it."""

    address: str
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def client(self) -> Any:
        from distributed import Client

        return Client(self.address, timeout=30)

    def worker_pids(self, client: Any) -> dict[str, int]:
        """Worker address -> pid of the worker process (not its nanny)."""
        return {address: int(pid) for address, pid in client.run(os.getpid).items()}


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    src = str(Path(textops.__file__).resolve().parents[1])
    tests = str(Path(__file__).resolve().parents[1])  # test-only estimators (support.*)
    env["PYTHONPATH"] = os.pathsep.join([src, tests, *filter(None, [env.get("PYTHONPATH")])])
    env["OMP_NUM_THREADS"] = "1"  # two workers on a small machine: no thread oversubscription
    return env


def _spawn(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    handle = log.open("wb")
    return subprocess.Popen(
        [str(DASK), *args], stdout=handle, stderr=subprocess.STDOUT, env=_environment(),
        start_new_session=True,
    )


def _wait_for(check: Callable[[], bool], *, timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start in {timeout:.0f} s:\n{log.read_text()}")
        time.sleep(0.2)


@contextmanager
def dask_cluster(
    folder: Path, *, workers: list[dict[str, float]], memory_limit: str = "2GiB"
) -> Iterator[Cluster]:
    """Start a scheduler on 127.0.0.1 and one worker per entry (its resources); stop them."""
    folder.mkdir(parents=True, exist_ok=True)
    scheduler_file = folder / "scheduler.json"
    processes = [_spawn(
        ["scheduler", "--host", "127.0.0.1", "--port", "0", "--dashboard-address", ":0",
         "--scheduler-file", str(scheduler_file)], folder / "scheduler.log",
    )]
    try:
        _wait_for(scheduler_file.is_file, timeout=60, what="dask scheduler",
                  log=folder / "scheduler.log")
        for index, resources in enumerate(workers):
            args = ["worker", "--scheduler-file", str(scheduler_file), "--nthreads", "1",
                    "--memory-limit", memory_limit, "--no-dashboard", "--name", f"w{index}",
                    "--host", "127.0.0.1", "--local-directory", str(folder / f"w{index}")]
            if resources:
                args += ["--resources", ",".join(f"{k}={v:g}" for k, v in resources.items())]
            processes.append(_spawn(args, folder / f"worker{index}.log"))
        cluster = Cluster(json.loads(scheduler_file.read_text())["address"], processes)
        with cluster.client() as client:
            client.wait_for_workers(len(workers), timeout=90)
        yield cluster
    finally:
        for process in reversed(processes):
            with _quiet():
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with _quiet():
                    os.killpg(process.pid, signal.SIGKILL)


def _quiet() -> suppress[ProcessLookupError]:
    return suppress(ProcessLookupError)
