"""Benchmark: cluster mode's scaling on this machine, against what the machine can give.

Three measurements, each on a real ``dask scheduler`` with ``dask worker``
processes reached by address (what a team runs), started here on 127.0.0.1:

1. tuning: a fixed number of trials on the demo data's tuning subset on 1, 2
   and 4 worker processes; parallel efficiency = t(1) / (n * t(n));
2. the sweep (every default candidate but the random forest) on the full
   20 Newsgroups on 1 and 2 workers, the features staged through the store;
3. an isolated environment (``environments.mode: isolated``): built the first
   time, reused after.

A shared machine may not give n processes n cores: the script measures the
capacity n CPU-bound processes really get (``parallel_capacity``) just before
each measurement, and the efficiency to read is efficiency against that
capacity (t(1) / (capacity * t(n))), which is what a machine with n free cores
would show.

    .venv/bin/python bench/scale.py [--trials 8] [--workers 1 2 4] [--skip-sweep] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # support.cluster

from sweep import DEFAULT_DATA, parallel_capacity  # noqa: E402 - bench/sweep.py

from support.cluster import dask_cluster  # noqa: E402
from textops.compute.dask import DaskExecutor  # noqa: E402


def demo_subset(rows: int = 3000) -> tuple[list[str], list[str]]:
    """The demo drop's texts and labels, a fifth of them: what the tune step tunes on."""
    import pandas as pd

    from textops.demo import write_demo

    with tempfile.TemporaryDirectory() as folder:
        drops = write_demo(Path(folder) / "landing", Path(folder) / "later", rows=rows)
        frame = pd.read_csv(next(iter(drops.values()))).sample(frac=0.2, random_state=0)
    return frame["text"].astype(str).tolist(), frame["label"].astype(str).tolist()


def time_tuning(address: str, staging: str, n_trials: int, data: Any) -> float:
    from textops.models.network_config import NetworkConfig
    from textops.tuning import TuningConfig, tune

    texts, labels = data
    settings = TuningConfig(n_trials=n_trials, startup_trials=n_trials, pruner="none",
                            min_validation_docs=60)
    with tempfile.TemporaryDirectory() as folder, DaskExecutor(address, staging=staging) as ex:
        ex.client.run(_warm)  # torch's import (seconds) is paid once per worker, not timed
        started = time.perf_counter()
        tune(texts, labels, storage=str(Path(folder) / "s.journal"), study_name="bench",
             executor=ex, base=NetworkConfig(epochs=4), settings=settings)
        return time.perf_counter() - started


def _warm() -> None:
    import torch  # noqa: F401

    import textops.models.training  # noqa: F401


def tuning_scale(workers: list[int], n_trials: int) -> list[dict[str, Any]]:
    data = demo_subset()
    rows = []
    for n in workers:
        with tempfile.TemporaryDirectory() as name, dask_cluster(
            Path(name) / "cluster", workers=[{}] * n
        ) as cluster:
            capacity = parallel_capacity(n)
            seconds = time_tuning(cluster.address, (Path(name) / "staged").as_uri(),
                                  n_trials, data)
        rows.append({"workers": n, "seconds": seconds, "capacity": capacity})
        print(f"tune {n_trials} trials on {n} worker(s): {seconds:.1f} s "
              f"(capacity {capacity:.2f} cores)", flush=True)
    return _efficiency(rows)


def sweep_scale(workers: list[int], data: Path) -> list[dict[str, Any]]:
    import pandas as pd

    from textops.models.candidates import DEFAULT_CANDIDATES
    from textops.models.features import build_features
    from textops.models.sweep import run_sweep

    frame = pd.read_parquet(data, columns=["text", "label", "split"])
    train, test = frame[frame["split"] == "train"], frame[frame["split"] == "test"]
    features = build_features(train["text"], train["label"], test["text"], test["label"])
    candidates = [c for c in DEFAULT_CANDIDATES if c.name != "random_forest"]
    rows = []
    for n in workers:
        with tempfile.TemporaryDirectory() as name, dask_cluster(
            Path(name) / "cluster", workers=[{}] * n, memory_limit="6GiB"
        ) as cluster:
            capacity = parallel_capacity(n)
            staging = (Path(name) / "staged").as_uri()
            with DaskExecutor(cluster.address, staging=staging) as executor:
                started = time.perf_counter()
                run_sweep(features, candidates, executor, seed=0, save_skops=False)
                seconds = time.perf_counter() - started
        rows.append({"workers": n, "seconds": seconds, "capacity": capacity})
        print(f"sweep on 20 Newsgroups, {n} worker(s): {seconds:.1f} s "
              f"(capacity {capacity:.2f} cores)", flush=True)
    return _efficiency(rows)


def _efficiency(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Speed-up over the first row, per worker and per core the machine really gave."""
    first = rows[0]
    for row in rows:
        speedup = first["seconds"] / row["seconds"]
        row["efficiency"] = speedup * first["workers"] / row["workers"]
        # what n free cores would show: the speed-up against the capacity's own growth
        row["efficiency_vs_capacity"] = speedup / (row["capacity"] / first["capacity"])
    return rows


def isolated_build() -> dict[str, float]:
    from textops.envs.check import read_environment
    from textops.envs.isolated import build

    with tempfile.TemporaryDirectory() as folder:
        env_file = Path(folder) / "small.yml"
        env_file.write_text("dependencies:\n  - pyyaml\n  - pip:\n      - packaging>=20\n")
        env = read_environment("small", str(env_file))
        first = build(env, cache=Path(folder) / "envs")
        again = build(env, cache=Path(folder) / "envs")
    print(f"isolated environment: built in {first.seconds:.2f} s, reused in "
          f"{again.seconds * 1000:.1f} ms", flush=True)
    return {"first_seconds": first.seconds, "reused_seconds": again.seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=8)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--skip-sweep", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    report: dict[str, Any] = {"isolated": isolated_build()}
    report["tuning"] = tuning_scale(args.workers, args.trials)
    if not args.skip_sweep and args.data.is_file():
        report["sweep"] = sweep_scale([1, 2], args.data)
    for name in ("tuning", "sweep"):
        for row in report.get(name, []):
            print(f"{name:6} {row['workers']} worker(s): {row['seconds']:7.1f} s  efficiency "
                  f"{row['efficiency']:.2f}  vs capacity ({row['capacity']:.2f} cores) "
                  f"{row['efficiency_vs_capacity']:.2f}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
