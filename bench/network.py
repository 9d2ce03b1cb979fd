"""Benchmark: the text network on 20 Newsgroups, against the sweep's best linear models.

In one run, on the official ``bydate`` split with all 20 classes and the
project's own cleaning (``TextCleaner`` defaults) applied to every model's input:

1. the sweep's strongest candidates: TF-IDF (sublinear tf, max_df 0.5) with
   RidgeClassifier and with LinearSVC; test accuracy and fit time;
2. for each architecture (fastText-style, bag-of-words MLP): an Optuna study of
   ``--trials`` trials on a stratified ``--tune-fraction`` of train over 2 Dask
   workers, then the best parameters retrained on the whole train set as the
   train step does (``--members`` networks from consecutive seeds, each holding
   out its own validation fold, averaged):
   test accuracy and macro F1 of that model and of its first member alone,
   training docs/s on each of ``--devices`` (``cuda,cpu`` on a GPU machine);
3. tuning wall time of the same ``--scaling-trials`` trials (random startup
   sampling, no pruning, a fixed network shape, so both runs train the same,
   similar-cost configurations) on 1 and on 2 Dask workers, the parallel
   efficiency ``t1 / (2 * t2)``, and the summed trial durations of both runs
   (their ratio shows how much slower a trial ran beside another one);
4. ONNX Runtime against PyTorch inference latency of each tuned network, batch 1
   (median over ``--latency-docs`` documents) and batch 1,000 (median of 7), with
   the same thread count for both; tokenisation is timed apart (it is shared).
   PyTorch runs the network as trained and, for reference, the lean module the
   ONNX graph was exported from (fastText head folded into the table).

Goals: the tuned network at or above the best linear model; parallel efficiency
>= 0.8 at 2 workers; ONNX Runtime >= 3x faster than PyTorch at batch 1.

Run (long: tens of minutes on 2 cores)::

    nohup .venv/bin/python bench/network.py --out /tmp/bench.json > /tmp/bench.log 2>&1 &

On a GPU machine, the tuned configs of an earlier run and the GPU against its CPU::

    python bench/network.py --configs /tmp/bench.json --devices cuda,cpu --skip baselines,latency
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "datasets" / "20newsgroups" / "20newsgroups_bydate.parquet"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--trials", type=int, default=30, help="tuning trials per architecture")
    parser.add_argument("--tune-fraction", type=float, default=0.5, help="share of train tuned on")
    parser.add_argument(
        "--objective", choices=["val_accuracy", "val_loss"], default="val_accuracy",
        help="what judges a tuning trial",
    )
    parser.add_argument(
        "--seed", type=int, default=0,
        help="seeds the tuning subset, the sampler and the networks (another seed: another run)",
    )
    parser.add_argument("--architectures", default="fasttext,mlp")
    parser.add_argument("--scaling-trials", type=int, default=12)
    parser.add_argument("--scaling-fraction", type=float, default=0.25)
    parser.add_argument("--latency-docs", type=int, default=200)
    parser.add_argument("--threads", type=int, default=1, help="threads for training and latency")
    parser.add_argument(
        "--devices",
        default="auto",
        help="comma list of devices for the final training (auto, cpu, cuda): each is timed; "
        "the first one's network is the one measured for latency",
    )
    parser.add_argument(
        "--members", type=int, default=3,
        help="networks of the tuned config averaged in the final model (the train step's "
        "default); the first one alone is reported too",
    )
    parser.add_argument(
        "--configs",
        type=Path,
        default=None,
        help="take each architecture's tuned config from this earlier --out JSON (no tuning)",
    )
    parser.add_argument("--no-clean", action="store_true", help="feed raw text to every model")
    parser.add_argument(
        "--skip", default="", help="comma list of: baselines,tuning,scaling,latency"
    )
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON")
    return parser.parse_args(argv)


def load(path: Path, *, clean: bool) -> dict[str, Any]:
    import pandas as pd

    if not path.is_file():
        raise SystemExit(f"error: {path} not found (the shared corpora sit beside the checkout)")
    frame = pd.read_parquet(path)
    texts = frame["text"].tolist()
    if clean:
        from textops.text.cleaning import TextCleaner

        texts = [str(t) for t in TextCleaner().fit().transform(texts)]
    is_train = (frame["split"] == "train").to_numpy()
    labels = frame["label"].astype(str).tolist()
    return {
        "train_texts": [t for t, m in zip(texts, is_train, strict=True) if m],
        "train_labels": [y for y, m in zip(labels, is_train, strict=True) if m],
        "test_texts": [t for t, m in zip(texts, is_train, strict=True) if not m],
        "test_labels": [y for y, m in zip(labels, is_train, strict=True) if not m],
    }


def baselines(data: dict[str, Any]) -> dict[str, Any]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import RidgeClassifier
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.svm import LinearSVC

    out: dict[str, Any] = {}
    for name, model in {"ridge": RidgeClassifier(), "linear_svc": LinearSVC()}.items():
        start = time.perf_counter()
        vectorizer = TfidfVectorizer(sublinear_tf=True, max_df=0.5)
        features = vectorizer.fit_transform(data["train_texts"])
        model.fit(features, data["train_labels"])
        seconds = time.perf_counter() - start
        predicted = model.predict(vectorizer.transform(data["test_texts"]))
        out[name] = {
            "test_accuracy": float(accuracy_score(data["test_labels"], predicted)),
            "test_f1_macro": float(f1_score(data["test_labels"], predicted, average="macro")),
            "fit_seconds": round(seconds, 2),
        }
        print(f"baseline {name}: {out[name]}", flush=True)
    return out


def subset(texts: list[str], labels: list[str], fraction: float, seed: int = 0) -> tuple:
    from sklearn.model_selection import train_test_split

    if fraction >= 1.0:
        return texts, labels
    kept, _, kept_labels, _ = train_test_split(
        texts, labels, train_size=fraction, stratify=labels, random_state=seed
    )
    return list(kept), list(kept_labels)


def _warm() -> None:
    """Pay each worker's imports and first-call costs before the clock starts."""
    import optuna  # noqa: F401
    import sklearn.model_selection  # noqa: F401

    from textops.models.training import NetworkConfig, fit_network

    texts = ["goal match team", "cloud code server"] * 4
    fit_network(texts, ["a", "b"] * 4, NetworkConfig(epochs=1, buckets=16, min_count=1))


def _executor(n_workers: int) -> Any:
    from textops.compute.dask import DaskExecutor

    executor = DaskExecutor(n_workers=n_workers, threads_per_worker=1, memory_limit=None)
    executor.client.run(_warm)
    return executor


def tune_architecture(data: dict[str, Any], arch: str, args: argparse.Namespace) -> dict:
    from textops.models.training import NetworkConfig
    from textops.tuning import Choice, IntRange, SearchSpace, TuningConfig, tune

    texts, labels = subset(
        data["train_texts"], data["train_labels"], args.tune_fraction, seed=args.seed
    )
    base = NetworkConfig(
        architecture=arch, patience=2, ngram=1 if arch == "mlp" else 2, seed=args.seed
    )
    # memory: a table is n_ids x dim floats, held 4 times (weights, 2 Adam moments, best
    # copy) per worker; fastText's 2**20 buckets stay under 128 dims, the MLP is the
    # original vocabulary bag of words (ngram 1, about 50k words) and can go wider
    space = SearchSpace(
        architecture=None,
        embedding_dim=Choice(choices=[32, 64, 128]),
        epochs=IntRange(low=3, high=10),
    )
    if arch == "mlp":
        space = space.model_copy(
            update={
                "embedding_dim": Choice(choices=[128, 256, 512]),
                "ngram": None,
                "extra": {"hidden_layers": IntRange(low=0, high=2)},
            }
        )
    settings = TuningConfig(
        n_trials=args.trials,
        startup_trials=min(8, args.trials),
        objective=args.objective,
        seed=args.seed,
    )
    executor = _executor(2)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            result = tune(
                texts,
                labels,
                storage=str(Path(tmp) / "study.journal"),
                study_name=arch,
                executor=executor,
                base=base,
                space=space,
                settings=settings,
            )
    finally:
        executor.close()
    print(
        f"tuned {arch}: {result.counts()} best val {result.best_value:.4f} "
        f"{result.best_params} in {result.wall_seconds:.0f} s",
        flush=True,
    )
    return {
        "n_docs": len(texts),
        "wall_seconds": round(result.wall_seconds, 1),
        "counts": result.counts(),
        "best_val_accuracy": result.best_value,
        "best_params": result.best_params,
        "best_config": result.best_config.model_dump(mode="json"),
    }


def train_final(
    data: dict[str, Any], config_dict: dict, args: argparse.Namespace, device: str = "auto"
) -> tuple:
    from textops.models.training import NetworkConfig, fit_network

    config = NetworkConfig.model_validate(
        {**config_dict, "threads": args.threads, "device": device, "members": args.members}
    )
    network = fit_network(data["train_texts"], data["train_labels"], config)
    metrics = network.evaluate(data["test_texts"], data["test_labels"])
    figures = {
        "test_accuracy": metrics["accuracy"],
        "test_f1_macro": metrics["f1_macro"],
        "members": config.members,
        "epochs_run": network.epochs_run,
        "best_epoch": network.best_epoch,
        "train_seconds": round(network.train_seconds, 1),
        "seconds_per_epoch": round(network.train_seconds / network.epochs_run, 2),
        "train_docs_per_second": round(network.docs_per_second, 1),
        "threads": args.threads,
        "device": network.device,
    }
    if config.members > 1:
        # the first member alone: the single network that tuning's config trains
        single = dataclasses.replace(network, model=network.model.members[0])
        alone = single.evaluate(data["test_texts"], data["test_labels"])
        figures["single_test_accuracy"] = alone["accuracy"]
        figures["single_test_f1_macro"] = alone["f1_macro"]
    if network.device.startswith("cuda"):
        import torch

        figures["gpu"] = torch.cuda.get_device_name(network.device)
    print(f"final {config.architecture}: {figures}", flush=True)
    return network, figures


def scaling(data: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    from textops.models.training import NetworkConfig
    from textops.tuning import SearchSpace, TuningConfig, tune

    texts, labels = subset(data["train_texts"], data["train_labels"], args.scaling_fraction)
    # CPU workers of one thread each, whatever accelerator the machine has
    base = NetworkConfig(epochs=3, patience=0, device="cpu", threads=1)
    # random startup sampling (seeded per task) and no pruner: both runs train the same
    # trials; the shape (dim, n-grams, epochs, batch) is fixed so that trials cost about
    # the same and the figure measures the fan-out, not how 8 unequal trials pack
    space = SearchSpace(
        architecture=None, embedding_dim=None, ngram=None, epochs=None, batch_size=None
    )
    settings = TuningConfig(
        n_trials=args.scaling_trials, startup_trials=args.scaling_trials, pruner="none"
    )
    out: dict[str, Any] = {"n_trials": args.scaling_trials, "n_docs": len(texts)}
    for workers in (1, 2):
        executor = _executor(workers)
        try:
            with tempfile.TemporaryDirectory() as tmp:
                start = time.perf_counter()
                result = tune(
                    texts,
                    labels,
                    storage=str(Path(tmp) / "s.journal"),
                    study_name="scaling",
                    executor=executor,
                    base=base,
                    space=space,
                    settings=settings,
                )
                out[f"wall_seconds_{workers}_worker"] = round(time.perf_counter() - start, 1)
            # the sum of trial durations: it grows when the workers do not each get a core
            trial_seconds = float(result.trials["duration_s"].sum())
            out[f"trial_seconds_sum_{workers}_worker"] = round(trial_seconds, 1)
            out[f"load_avg_after_{workers}_worker"] = round(os.getloadavg()[0], 2)
        finally:
            executor.close()
        print(f"scaling: {workers} worker(s) {out[f'wall_seconds_{workers}_worker']} s", flush=True)
    out["parallel_efficiency"] = round(
        out["wall_seconds_1_worker"] / (2 * out["wall_seconds_2_worker"]), 3
    )
    return out


def latency(network: Any, texts: list[str], args: argparse.Namespace) -> dict[str, Any]:
    import numpy as np
    import torch

    from textops.models.network import ProbabilityModel, export_module
    from textops.models.onnx_export import OnnxTextClassifier, export_onnx

    torch.set_num_threads(args.threads)
    exported = export_onnx(network, texts[:1000])
    session = OnnxTextClassifier(
        exported.model, network.tokenizer, network.labels, threads=args.threads
    ).session
    as_trained = ProbabilityModel(network.model).eval()
    lean = export_module(network.model)  # the very module the ONNX graph was exported from
    docs = texts[: args.latency_docs]
    # the graph's inputs: ids, and term-frequency weights when the tokenizer weighs ids
    singles = [network.tokenizer.graph_inputs([doc]) for doc in docs]
    big = network.tokenizer.graph_inputs(texts[:1000])

    def median_ms(fn: Any, inputs: list[dict[str, np.ndarray]]) -> float:
        fn(inputs[0])  # warm-up
        times = []
        for feed in inputs:
            start = time.perf_counter()
            fn(feed)
            times.append(time.perf_counter() - start)
        return round(1000 * statistics.median(times), 4)

    def torch_runner(module: Any) -> Any:
        def run(feed: dict[str, np.ndarray]) -> None:
            with torch.inference_mode():
                module(**{name: torch.from_numpy(array) for name, array in feed.items()})

        return run

    def run_ort(feed: dict[str, np.ndarray]) -> None:
        session.run(None, feed)

    start = time.perf_counter()
    network.tokenizer.graph_inputs(texts[:1000])
    tokenize_ms = 1000 * (time.perf_counter() - start)
    out: dict[str, Any] = {"parity_max_abs_diff": exported.max_abs_diff, "threads": args.threads}
    for name, fn in {
        "torch": torch_runner(as_trained),
        "torch_lean": torch_runner(lean),
        "ort": run_ort,
    }.items():
        out[f"batch1_{name}_ms"] = median_ms(fn, singles)
        out[f"batch1000_{name}_ms"] = median_ms(fn, [big] * 7)
    out["batch1000_padded_shape"] = list(big["ids"].shape)
    out["batch1_median_ids"] = int(statistics.median(feed["ids"].shape[1] for feed in singles))
    out["tokenize_1000_ms"] = round(tokenize_ms, 1)
    for batch in ("batch1", "batch1000"):
        ort_ms = out[f"{batch}_ort_ms"]
        out[f"{batch}_speedup"] = round(out[f"{batch}_torch_ms"] / ort_ms, 2)
        out[f"{batch}_speedup_vs_lean_torch"] = round(out[f"{batch}_torch_lean_ms"] / ort_ms, 2)
    print(f"latency {network.config.architecture}: {out}", flush=True)
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    skip = set(filter(None, args.skip.split(",")))
    started = time.perf_counter()
    data = load(args.data, clean=not args.no_clean)
    results: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "load_avg_start": os.getloadavg()},
        "args": {k: str(v) for k, v in vars(args).items()},
        "n_train": len(data["train_texts"]),
        "n_test": len(data["test_texts"]),
    }
    if "baselines" not in skip:
        results["baselines"] = baselines(data)
    results["networks"] = {}
    earlier = json.loads(args.configs.read_text()) if args.configs is not None else None
    for arch in filter(None, args.architectures.split(",")):
        entry: dict[str, Any] = {}
        if earlier is not None:
            config = earlier["networks"][arch]["tuning"]["best_config"]
            entry["config_from"] = str(args.configs)
        elif "tuning" not in skip:
            entry["tuning"] = tune_architecture(data, arch, args)
            config = entry["tuning"]["best_config"]
        else:
            config = {"architecture": arch, "ngram": 1 if arch == "mlp" else 2}
        networks = []
        for device in filter(None, args.devices.split(",")):
            network, figures = train_final(data, config, args, device)
            entry.setdefault("final", figures)  # the first device's figures
            entry.setdefault("final_by_device", {})[figures["device"]] = figures
            networks.append(network)
        if "latency" not in skip:
            entry["latency"] = latency(networks[0], data["test_texts"], args)
        results["networks"][arch] = entry
    if "scaling" not in skip:
        results["scaling"] = scaling(data, args)
    results["machine"]["load_avg_end"] = os.getloadavg()
    results["total_minutes"] = round((time.perf_counter() - started) / 60, 1)
    print(json.dumps(results, indent=2, default=str))
    if args.out is not None:
        args.out.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    return results


if __name__ == "__main__":
    main()
