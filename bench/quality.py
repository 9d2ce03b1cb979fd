"""Benchmark: the default pipeline on each real corpus, against a plain TF-IDF + LinearSVC.

For every corpus in ``../shared/datasets/`` (SMS spam, MR polarity, 20
Newsgroups with its official ``bydate`` split), one after another, the script
writes the corpus as Parquet into a fresh project's landing folder and runs the
built-in definition (``textops run``: tracking on, SQLite MLflow in the store)
on it. Per corpus it prints the sweep's best on its subset, the refit step's
model (estimator, cleaning choice, test figures), the network, the champion the
gate chose, each model's ONNX bytes and every step's wall time, beside a plain
reference computed in the same run: ``TfidfVectorizer(sublinear_tf=True) +
LinearSVC()`` on the raw text, fitted on the pipeline's own train part and
scored on its own test part (read back from the store). It then checks the
issue's goals and prints PASS or FAIL for each: the champion at least the
better of the refitted sweep model and the reference (every corpus); on 20
Newsgroups the network at least the refitted sweep model, the network under
100 MB, the whole pipeline under 15 minutes.

    .venv/bin/python bench/quality.py [--corpora sms,mr,20newsgroups] [--out OUT.json]
        [--set KEY=VALUE ...] [--keep]

A quick smoke run: ``--corpora sms --set steps.tune.params.tuning.n_trials=4``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

import pandas as pd

from textops import api
from textops.execution.records import RunRecord
from textops.progress import ProgressEvent, StepFinished, StepStarted

SHARED = Path(
    os.environ.get(
        "TEXTOPS_SHARED_DATASETS", Path(__file__).resolve().parents[2] / "shared/datasets"
    )
)
#: short name -> (dataset name in the store, file under SHARED)
CORPORA = {
    "sms": ("sms_spam", "sms_spam/sms_spam_collection.parquet"),
    "mr": ("mr_polarity", "mr_polarity/rt_polarity_v1.parquet"),
    "20newsgroups": ("newsgroups", "20newsgroups/20newsgroups_bydate.parquet"),
}
MODEL_MB_LIMIT = 100.0  # 10^6 bytes, as max_model_mb counts
PIPELINE_MINUTES_LIMIT = 15.0


def write_project(corpus: str, root: Path) -> list[str]:
    """The corpus as Parquet in ``root/landing``; the overrides that point the default at it."""
    name, file = CORPORA[corpus]
    frame = pd.read_parquet(SHARED / file)
    columns = [c for c in ("text", "label", "split") if c in frame.columns]
    landing = root / "landing"
    landing.mkdir(parents=True)
    frame[columns].to_parquet(landing / f"{name}.parquet", index=False)
    overrides = [f"data.name={name}", f"data.source={landing}", f"store.url={root / '.textops'}"]
    if "split" in columns:
        overrides.append("data.split_column=split")
    return overrides


def run_pipeline(root: Path, overrides: list[str]) -> tuple[RunRecord, float]:
    """The built-in definition run from ``root`` (no textops.yaml there); its wall time."""

    def on_event(event: ProgressEvent) -> None:
        if isinstance(event, StepStarted):
            print(f"  {event.step} running on {event.compute}", flush=True)
        elif isinstance(event, StepFinished):
            print(f"  {event.step} {event.status} in {event.wall_seconds:.1f} s", flush=True)

    here = Path.cwd()
    os.chdir(root)
    try:
        start = time.perf_counter()
        record = api.run(None, overrides, on_event=on_event)
        return record, time.perf_counter() - start
    finally:
        os.chdir(here)


def reference(store: Path, dataset: dict[str, Any]) -> dict[str, float]:
    """TF-IDF (sublinear tf) + LinearSVC on the raw text of the run's own train and test parts."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    folder = store / "datasets" / dataset["name"] / dataset["version"]
    train = pd.read_parquet(folder / "train.parquet")
    test = pd.read_parquet(folder / "test.parquet")
    start = time.perf_counter()
    model = make_pipeline(TfidfVectorizer(sublinear_tf=True), LinearSVC())
    model.fit(train["text"].to_list(), train["label"].to_list())
    predicted = model.predict(test["text"].to_list())
    return {
        "accuracy": float(accuracy_score(test["label"], predicted)),
        "f1_macro": float(f1_score(test["label"], predicted, average="macro")),
        "train_rows": float(len(train)),
        "test_rows": float(len(test)),
        "seconds": time.perf_counter() - start,
    }


def onnx_bytes(store: Path, model: dict[str, Any]) -> int | None:
    path = store / model["location"] / "model.onnx"
    return path.stat().st_size if path.is_file() else None


def model_row(store: Path, model: dict[str, Any], gate: dict[str, Any]) -> dict[str, Any]:
    """What the table shows of one ModelRef (as the run record holds it).

    The refit step hands its model on unregistered; the gate's copy of the same
    model (same location) says how it was registered.
    """
    gated = next((m for m in gate["models"] if m["location"] == model["location"]), model)
    registered = gated.get("registered") or {}
    return {
        "family": model.get("family"),
        "estimator": model.get("estimator"),
        "cleaning": (model.get("selection") or {}).get("cleaning")
        or ("configured" if model.get("cleaning") else "raw"),
        "accuracy": model["metrics"].get("accuracy"),
        "f1_macro": model["metrics"].get("f1_macro"),
        "onnx_bytes": onnx_bytes(store, model),
        "registered_version": registered.get("version"),
        "promoted": registered.get("promoted"),
        "reason": registered.get("reason"),
    }


def summarise(record: RunRecord, store: Path) -> dict[str, Any]:
    """The figures of one finished run: sweep, refit, network, champion, step times."""
    board = record.step("sweep").outputs["leaderboard"]
    gate = record.step("train").outputs["gate"]
    refit = model_row(store, record.step("refit").outputs["model"], gate)
    network = model_row(store, record.step("train").outputs["model"], gate)
    chosen = model_row(store, gate["models"][gate["chosen"]], gate)
    validation: dict[str, Any] = next(
        (s.outputs["report"] for s in record.steps if s.kind == "validate"), {}
    )
    return {
        "run_id": record.run_id,
        "status": record.status,
        "dataset": record.dataset,
        "sweep_best": {"name": board["best"], "metric": board["metric"],
                       "value": board["best_value"]},
        "refit": refit,
        "refit_selection": {k: v for k, v in record.step("refit").outputs["model"]
                            .get("selection", {}).items() if k != "scores"},
        "network": network,
        "champion": chosen,
        "gate_held": gate.get("held"),
        "drift": {k: validation.get(k) for k in ("drift_status", "worst_checks")},
        "steps": {s.name: {"wall_seconds": s.wall_seconds, "status": s.status,
                           "cache_hit": s.cache_hit} for s in record.steps},
    }


def bench_corpus(corpus: str, overrides: list[str], *, keep: bool) -> dict[str, Any]:
    """One corpus in its own temporary project: run, reference, figures (or the failure)."""
    root = Path(tempfile.mkdtemp(prefix=f"textops-quality-{corpus}-"))
    print(f"\n== {corpus}: project {root}", flush=True)
    result: dict[str, Any] = {"corpus": corpus, "project": str(root)}
    try:
        record, wall = run_pipeline(root, write_project(corpus, root) + overrides)
        result["pipeline_seconds"] = wall
        result.update(summarise(record, root / ".textops"))
        result["reference"] = reference(root / ".textops", record.dataset or {})
    except Exception as exc:  # a benchmark reports a failure and goes on to the next corpus
        result["error"] = f"{type(exc).__name__}: {exc}"
        result["traceback"] = traceback.format_exc()
        print(result["traceback"], flush=True)
    finally:
        if not keep:
            shutil.rmtree(root, ignore_errors=True)
    return result


def goals(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The issue's goals, each with its figures, the margin and PASS/FAIL."""
    checks = []
    for r in results:
        if "error" in r:
            checks.append({"goal": f"{r['corpus']}: pipeline ran", "ok": False,
                           "detail": r["error"]})
            continue
        for metric in ("f1_macro", "accuracy"):  # the gate decides on macro F1
            champion = r["champion"][metric]
            bar = max(r["refit"][metric], r["reference"][metric])
            checks.append({
                "goal": f"{r['corpus']}: champion {metric} >= max(refit, reference)",
                "ok": champion >= bar,
                "detail": f"{champion:.4f} vs {bar:.4f} ({champion - bar:+.4f}; refit "
                          f"{r['refit'][metric]:.4f}, reference {r['reference'][metric]:.4f})"
                          + ("" if r["champion"]["promoted"] else "; NOT promoted: "
                             f"{r['champion']['reason'] or r.get('gate_held')}"),
            })
        if r["corpus"] != "20newsgroups":
            continue
        network, refit = r["network"]["accuracy"], r["refit"]["accuracy"]
        checks.append({"goal": "20newsgroups: network accuracy >= refitted sweep model",
                       "ok": network >= refit,
                       "detail": f"{network:.4f} vs {refit:.4f} ({network - refit:+.4f})"})
        size = (r["network"]["onnx_bytes"] or 0) / 1e6
        checks.append({"goal": f"20newsgroups: network model < {MODEL_MB_LIMIT:.0f} MB",
                       "ok": 0 < size < MODEL_MB_LIMIT, "detail": f"{size:.1f} MB"})
        minutes = r["pipeline_seconds"] / 60
        checks.append({"goal": f"20newsgroups: pipeline < {PIPELINE_MINUTES_LIMIT:.0f} min",
                       "ok": minutes < PIPELINE_MINUTES_LIMIT,
                       "detail": f"{minutes:.1f} min ({r['pipeline_seconds']:.0f} s)"})
    return checks


def _mb(value: int | None) -> str:
    return "-" if value is None else f"{value / 1e6:.2f}"


def _figure(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def print_tables(results: list[dict[str, Any]], checks: list[dict[str, Any]]) -> None:
    """The models table, the step times table and the goals."""
    rows, times = [], {}
    for r in results:
        if "error" in r:
            continue
        best = r["sweep_best"]
        rows.append({"corpus": r["corpus"], "model": "sweep best (subset)",
                     "what": best["name"], best["metric"]: _figure(best["value"])})
        for role in ("refit", "network", "champion"):
            m = r[role]
            rows.append({"corpus": r["corpus"], "model": role,
                         "what": f"{m['family']}:{m['estimator']} ({m['cleaning']})",
                         "accuracy": _figure(m["accuracy"]),
                         "f1_macro": _figure(m["f1_macro"]), "onnx_MB": _mb(m["onnx_bytes"]),
                         "registered": "-" if m["registered_version"] is None else
                         f"v{m['registered_version']} "
                         f"{'champion' if m['promoted'] else 'challenger'}"})
        ref = r["reference"]
        rows.append({"corpus": r["corpus"], "model": "reference",
                     "what": "tfidf(sublinear)+LinearSVC (raw)",
                     "accuracy": _figure(ref["accuracy"]), "f1_macro": _figure(ref["f1_macro"])})
        times[r["corpus"]] = {**{k: v["wall_seconds"] for k, v in r["steps"].items()},
                              "pipeline (api.run)": r["pipeline_seconds"],
                              "reference fit": ref["seconds"]}
    with pd.option_context("display.width", 220, "display.max_columns", 20,
                           "display.max_colwidth", 60):
        if rows:
            print("\n" + pd.DataFrame(rows).fillna("").to_string(index=False))
        if times:
            print("\nwall seconds per step:")
            print(pd.DataFrame(times).to_string(float_format=lambda v: f"{v:.1f}"))
    for r in results:
        if "error" not in r:
            print(f"{r['corpus']}: refit chose {r['refit_selection']}; drift {r['drift']}")
    print("\ngoals:")
    for check in checks:
        print(f"  {'PASS' if check['ok'] else 'FAIL'}  {check['goal']}: {check['detail']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", default=",".join(CORPORA),
                        help=f"comma-separated, of {', '.join(CORPORA)}")
    parser.add_argument("--out", type=Path, help="write every figure as JSON here")
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="KEY=VALUE", help="passed to the run as textops --set")
    parser.add_argument("--keep", action="store_true", help="keep the project folders")
    args = parser.parse_args()
    corpora = [c.strip() for c in args.corpora.split(",") if c.strip()]
    unknown = [c for c in corpora if c not in CORPORA]
    if unknown:
        parser.error(f"unknown corpora {unknown}: expected some of {list(CORPORA)}")
    os.environ.pop("MLFLOW_TRACKING_URI", None)  # tracking: SQLite inside each store
    results = []
    for corpus in corpora:
        results.append(bench_corpus(corpus, args.overrides, keep=args.keep))
        if args.out:  # after every corpus, so a long run leaves what finished
            args.out.write_text(json.dumps({"results": results}, indent=1, default=str))
    checks = goals(results)
    print_tables(results, checks)
    if args.out:
        args.out.write_text(json.dumps({"results": results, "goals": checks, "overrides":
                                        args.overrides}, indent=1, default=str))


if __name__ == "__main__":
    main()
