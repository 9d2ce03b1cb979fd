"""SIGKILL the runner at seeded random points in every step: the run resumes to the same answer.

One uninterrupted run on the demo gives the reference answer and each step's
wall time. A second project on the same data is then run again and again, each
run killed (``SIGKILL`` to its process group) a seeded random fraction of a
step's reference time after that step starts, several times per step and in
step order (kill, resume, kill again later in the same run), and finally run to
its end. Its answer must be the reference's: dataset version, leaderboard,
tuning's best parameters and value, the registered models and their metrics
(none registered twice); ``textops doctor --repair`` then leaves no temporary
file and no MLflow run RUNNING, and ``textops doctor`` finds the store sound.

The definition is the cheapest that still runs every step: 300 rows, three
sweep candidates, four tuning trials of two or three epochs, one network, and
every step in process. ``TEXTOPS_KILL_SEED`` picks other kill points.
"""

from __future__ import annotations

import json
import os
import random
import resource
import time
from pathlib import Path
from typing import Any

import pytest

from support.killing import CliProcess, Landing, textops

SEED = int(os.environ.get("TEXTOPS_KILL_SEED", "12"))
KILLS_PER_STEP = 3
STEPS = ("ingest", "profile", "validate", "clean", "sweep", "refit", "tune", "train")
CANDIDATES = (
    "[{name: multinomial_nb, estimator: sklearn.naive_bayes.MultinomialNB, params: {alpha: 0.01}},"
    " {name: linear_svc_l2, estimator: sklearn.svm.LinearSVC,"
    " params: {penalty: l2, dual: false, tol: 0.001}},"
    " {name: nearest_centroid, estimator: sklearn.neighbors.NearestCentroid}]"
)
CHEAP = [
    f"steps.sweep.params.candidates={CANDIDATES}",
    "steps.tune.params.tuning.n_trials=4",
    "steps.tune.params.space.epochs={type: int, low: 2, high: 3}",
    "steps.tune.params.space.architecture={type: categorical, choices: [fasttext]}",
    "steps.tune.params.tuning.min_validation_docs=20",
    "steps.tune.params.tuning.min_validation_docs_per_class=2",
    "steps.train.params.members=1",
    "compute.cluster.kind=local",
]
RUN = ["run", "--json", *[arg for key in CHEAP for arg in ("--set", key)]]
#: leaderboard columns that are timings, not results
TIMINGS = ("fit_seconds", "predict_seconds")


@pytest.mark.slow
def test_kills_at_random_points_in_every_step_resume_to_the_same_answer(tmp_path: Path) -> None:
    began = time.monotonic()
    reference = _demo(tmp_path / "reference")
    expected = _answer(reference, _run_to_end(reference))
    seconds = _step_seconds(reference)

    killed = _demo(tmp_path / "killed")
    landings = [_kill_once(killed, step, fraction * seconds[step])
                for step, fraction in _kill_plan(random.Random(SEED))]
    inside = {landing.step for landing in landings if landing.is_inside}
    assert len(landings) >= 20 and inside == set(STEPS), landings

    assert _answer(killed, _run_to_end(killed)) == expected
    _repair_and_check(killed)
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"\nkills: {len(landings)} (seed {SEED}), inside a running step: "
          f"{sum(landing.is_inside for landing in landings)}, resumed to the reference's "
          f"answer; wall {time.monotonic() - began:.0f} s, children's CPU "
          f"{cpu.ru_utime + cpu.ru_stime:.0f} s")


def _demo(folder: Path) -> Path:
    folder.mkdir()
    done = textops(folder, "demo", "--rows", "300")
    assert done.returncode == 0, done.stderr
    return folder


def _run_to_end(folder: Path) -> dict[str, Any]:
    run = CliProcess(folder, RUN)
    code, out, err = run.finish()
    assert code == 0, err[-3000:]
    summary: dict[str, Any] = json.loads(out)
    return summary


def _step_seconds(folder: Path) -> dict[str, float]:
    shown = textops(folder, "runs", "show", "latest", "--json")
    assert shown.returncode == 0, shown.stderr
    return {step["name"]: step["wall_seconds"] for step in json.loads(shown.stdout)["steps"]}


def _kill_plan(rng: random.Random) -> list[tuple[str, float]]:
    """Per step, in step order, fractions of its reference wall time, rising."""
    return [(step, fraction) for step in STEPS
            for fraction in sorted(rng.uniform(0.05, 0.95) for _ in range(KILLS_PER_STEP))]


def _kill_once(folder: Path, step: str, after: float) -> Landing:
    """Start a run, kill its process group ``after`` seconds into ``step``."""
    run = CliProcess(folder, RUN)
    if not run.wait_started(step):
        code, _, err = run.finish()
        pytest.fail(f"the run ended (exit {code}) before {step} started:\n{err[-3000:]}")
    time.sleep(after)
    if run.proc.poll() is not None:
        code, _, err = run.finish()
        pytest.fail(f"the run ended (exit {code}) before its kill in {step}:\n{err[-3000:]}")
    return run.kill()


def _answer(folder: Path, summary: dict[str, Any]) -> dict[str, Any]:
    """What a run decided: the figures a kill must not change."""
    shown = textops(folder, "runs", "show", "latest", "--json")
    assert shown.returncode == 0, shown.stderr
    outputs = {step["name"]: step["outputs"] for step in json.loads(shown.stdout)["steps"]}
    best = outputs["tune"]["best"]
    return {
        "dataset": summary["dataset"],
        "sweep_top": summary["sweep_top"],
        "leaderboard": _leaderboard(folder, outputs["sweep"]["leaderboard"]["location"]),
        # a trial's number is Optuna's id (a killed trial keeps its own); its task is its seed
        "tuning": {**summary["tuning"], "trial": None},
        "best": {key: best[key] for key in ("params", "config", "value", "trials")},
        "trials": _trials(folder, best["study"], best_number=best["trial"]),
        "models": [{key: model[key] for key in ("family", "estimator", "metrics", "version")}
                   for model in summary["models"]],
        "registry": _registry(folder),
    }


def _leaderboard(folder: Path, location: str) -> list[dict[str, Any]]:
    import polars as pl

    board = pl.read_parquet(folder / ".textops" / location / "leaderboard.parquet")
    return board.drop(TIMINGS).to_dicts()


def _trials(folder: Path, study: str, *, best_number: int) -> dict[str, Any]:
    """The study's finished trials as the last run to tune read them back, by task."""
    import polars as pl

    rows = pl.read_parquet(folder / ".textops" / "reporting" / "trials" / "*.parquet")
    rows = rows.filter(pl.col("study") == study)
    rows = rows.filter(pl.col("run_id") == rows["run_id"].max())
    (best_task,) = rows.filter(pl.col("number") == best_number)["task"].to_list()
    complete = rows.filter(pl.col("state") == "COMPLETE").sort("task")
    return {"best_task": best_task,
            "complete": complete.select("task", "value", "params").to_dicts()}


def _registry(folder: Path) -> list[tuple[int, str, str]]:
    """Every registered version: number, content digest and test metric; none twice."""
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{folder / '.textops' / 'mlflow.db'}")
    versions = sorted(client.search_model_versions("name = 'textops-classifier'"),
                      key=lambda version: int(version.version))
    digests = [version.tags["textops.model_sha256"] for version in versions]
    assert len(digests) == len(set(digests)), "a model was registered twice"
    return [(int(v.version), v.tags["textops.model_sha256"], v.tags["textops.metric.f1_macro"])
            for v in versions]


def _repair_and_check(folder: Path) -> None:
    repaired = textops(folder, "doctor", "--repair")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    store = folder / ".textops"
    left = [p for p in store.rglob("*") if ".tmp-" in p.name or p.name.startswith(".staging-")]
    assert not left, left
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{store / 'mlflow.db'}")
    experiments = [e.experiment_id for e in client.search_experiments()]
    running = client.search_runs(experiments, filter_string="attributes.status = 'RUNNING'")
    assert not running, [run.info.run_name for run in running]
    checked = textops(folder, "doctor")
    assert checked.returncode == 0, checked.stdout + checked.stderr
