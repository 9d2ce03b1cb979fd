"""Benchmark: the 15 sweep candidates on the full 20 Newsgroups, sequential vs 2 Dask workers.

All 20 classes, headers kept, the official ``bydate`` split (the ``split``
column), TF-IDF as in scikit-learn's example (sublinear tf, max_df 0.5,
English stop words), computed once. The same sweep runs twice with the same
seed: inline (:class:`~textops.compute.base.LocalExecutor`) and on a
2-worker Dask ``LocalCluster``; the script prints each candidate's test
accuracy, fit time and status, both wall times and the speed-up, and checks
that both runs gave the same metrics. Because a shared machine may not give
two processes two cores' worth of CPU, it also measures that capacity before
and after, and the best the schedule could do on idle cores (longest first,
from the measured task times).

    .venv/bin/python bench/sweep.py [--data PATH] [--workers 2] [--clean] [--json OUT]

Reference accuracies (scikit-learn's example, same settings): Ridge 0.862,
LinearSVC L2 0.861, SGD L2 0.860, Passive-Aggressive 0.856, SGD elastic-net
0.850, ComplementNB 0.838, MultinomialNB 0.837, LinearSVC L1 0.827,
Perceptron 0.810, SGD L1 0.792, Random forest 0.788, BernoulliNB 0.771,
kNN 0.717.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import pandas as pd

from textops.compute.base import LocalExecutor
from textops.compute.dask import DaskExecutor
from textops.models.candidates import DEFAULT_CANDIDATES
from textops.models.features import build_features
from textops.models.sweep import run_sweep

DEFAULT_DATA = (
    Path(__file__).resolve().parents[2] / "shared/datasets/20newsgroups/20newsgroups_bydate.parquet"
)
REFERENCE = {
    "ridge": 0.862,
    "linear_svc_l2": 0.861,
    "sgd_l2": 0.860,
    "passive_aggressive": 0.856,
    "sgd_elasticnet": 0.850,
    "complement_nb": 0.838,
    "multinomial_nb": 0.837,
    "linear_svc_l1": 0.827,
    "perceptron": 0.810,
    "sgd_l1": 0.792,
    "random_forest": 0.788,
    "bernoulli_nb": 0.771,
    "knn": 0.717,
}


def keep_light(result: dict[str, Any]) -> None:
    """Drop the model bytes once received (the bench keeps only their sizes)."""
    for key in ("pipeline_pickle", "pipeline_skops"):
        blob = result.get(key)
        result[f"{key}_mb"] = None if blob is None else len(blob) / 1e6
        result[key] = None


def _spin(_: int) -> float:
    start = time.perf_counter()
    total = 0
    for i in range(20_000_000):
        total += i
    return time.perf_counter() - start


def parallel_capacity(workers: int) -> float:
    """How many cores' worth of work ``workers`` CPU-bound processes get here, right now.

    On a machine shared with other jobs this is below ``workers``, and no
    executor can beat it: the speed-up printed below is to be read against it.
    """
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        pool.map(_spin, range(workers))  # warm up the processes
        alone = min(pool.apply(_spin, (0,)) for _ in range(2))
        together = max(pool.map(_spin, range(workers)))
    return workers * alone / together


def lpt_makespan(durations: list[float], workers: int) -> float:
    """Wall time of running ``durations`` longest first on ``workers`` idle workers."""
    loads = [0.0] * workers
    for duration in sorted(durations, reverse=True):
        loads[loads.index(min(loads))] += duration
    return max(loads)


def timed_sweep(features: Any, executor: Any) -> tuple[list[dict[str, Any]], float]:
    start = time.perf_counter()
    results = run_sweep(features, DEFAULT_CANDIDATES, executor, seed=0, on_result=keep_light)
    return results, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-memory", default="6GiB")
    parser.add_argument("--clean", action="store_true", help="apply the TextCleaner first")
    parser.add_argument("--json", type=Path, help="write the results (no model bytes) here")
    args = parser.parse_args()

    capacity = parallel_capacity(args.workers)
    print(
        f"{args.workers} CPU-bound processes get {capacity:.2f} cores' worth here now", flush=True
    )
    frame = pd.read_parquet(args.data, columns=["text", "label", "split"])
    train, test = frame[frame["split"] == "train"], frame[frame["split"] == "test"]
    train_texts, test_texts = train["text"].tolist(), test["text"].tolist()
    if args.clean:
        from textops.text.cleaning import TextCleaner

        cleaner = TextCleaner().fit()
        train_texts = cleaner.transform(train_texts).tolist()
        test_texts = cleaner.transform(test_texts).tolist()
    start = time.perf_counter()
    features = build_features(train_texts, train["label"], test_texts, test["label"])
    feature_seconds = time.perf_counter() - start
    print(
        f"data: {len(train):,} train / {len(test):,} test, {features.n_features:,} features, "
        f"{len(features.labels)} classes; TF-IDF {feature_seconds:.1f} s (once)",
        flush=True,
    )

    sequential, sequential_wall = timed_sweep(features, LocalExecutor())
    print(f"sequential sweep: {sequential_wall:.1f} s", flush=True)

    start = time.perf_counter()
    with DaskExecutor(n_workers=args.workers, memory_limit=args.worker_memory) as executor:
        startup = time.perf_counter() - start
        parallel, parallel_wall = timed_sweep(features, executor)
    print(
        f"dask sweep ({args.workers} workers): {parallel_wall:.1f} s "
        f"(+ {startup:.1f} s cluster start-up)",
        flush=True,
    )

    rows = []
    for seq, par in zip(sequential, parallel, strict=True):
        rows.append(
            {
                "candidate": seq["name"],
                "status": seq["status"] if seq["status"] == par["status"] else "differs",
                "accuracy": seq["metrics"].get("accuracy"),
                "reference": REFERENCE.get(seq["name"]),
                "roc_auc": seq["metrics"].get("roc_auc"),
                "fit_s_seq": seq["fit_seconds"],
                "fit_s_dask": par["fit_seconds"],
                "task_s_seq": seq["finished_at"] - seq["started_at"],
                "task_s_dask": (par["finished_at"] - par["started_at"]) if par["worker"] else None,
                "pickle_mb": seq.get("pipeline_pickle_mb"),
                "skops_mb": seq.get("pipeline_skops_mb"),
                "shards_dask": par.get("shards", 1),
                "same_metrics": seq["metrics"] == par["metrics"],
            }
        )
    table = pd.DataFrame(rows).sort_values("accuracy", ascending=False, na_position="last")
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    for result in sequential:
        if result["status"] != "ok":
            print(f"failed: {result['error']}")

    t0 = min(r["started_at"] for r in parallel if r["worker"])
    print("\ndask schedule (start..end s, worker):")
    for r in sorted((r for r in parallel if r["worker"]), key=lambda r: r["started_at"]):
        print(
            f"  {r['name']:<26} {r['started_at'] - t0:6.1f} .. {r['finished_at'] - t0:6.1f}  "
            f"{r['worker']}"
        )

    ok = [r for r in sequential if r["status"] == "ok"]
    best = max(ok, key=lambda r: r["metrics"]["accuracy"])
    print(
        f"\nbest: {best['name']} {best['metrics']['accuracy']:.3f}; "
        f"sequential {sequential_wall:.1f} s, dask {parallel_wall:.1f} s, "
        f"speed-up {sequential_wall / parallel_wall:.2f}x; "
        f"identical metrics: {all(row['same_metrics'] for row in rows)}"
    )
    tasks = []  # the sequential task times, cut as the Dask run cut them
    for seq, par in zip(sequential, parallel, strict=True):
        task = seq["finished_at"] - seq["started_at"]
        shards = par.get("shards", 1)
        if shards > 1 and seq["fit_seconds"]:
            tasks += [seq["fit_seconds"] / shards] * shards + [task - seq["fit_seconds"]]
        else:
            tasks.append(task)
    ideal = lpt_makespan(tasks, args.workers)
    print(
        f"longest first on {args.workers} idle workers, from the sequential task times: "
        f"{ideal:.1f} s of {sum(tasks):.1f} s -> at most {sum(tasks) / ideal:.2f}x"
    )
    after = parallel_capacity(args.workers)
    print(
        f"{args.workers} CPU-bound processes got {capacity:.2f} (before) and {after:.2f} (after) "
        "cores' worth: the speed-up cannot exceed that"
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "sequential_wall": sequential_wall,
                    "parallel_wall": parallel_wall,
                    "startup": startup,
                    "features_seconds": feature_seconds,
                    "sequential": sequential,
                    "parallel": parallel,
                },
                indent=1,
                default=str,
            )
        )


if __name__ == "__main__":
    main()
