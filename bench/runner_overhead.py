"""Runner overhead: a 7-step pipeline of no-op steps, run 20 times.

Prints the median runner overhead per step and per run with tracking off and
with SQLite MLflow tracking on (MLflow's one-time start-up, import and schema
creation, measured apart), and, in the same run, the same 7 no-op tasks as a
Prefect flow when a Prefect interpreter is given (Prefect is not a textops
dependency: install it in its own environment)::

    python3 -m venv bench/.envs/prefect && bench/.envs/prefect/bin/pip install prefect
    python bench/runner_overhead.py --prefect-python bench/.envs/prefect/bin/python
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

from textops.config.loader import validate_config
from textops.execution.runner import RunOptions, run_pipeline
from textops.records import Record
from textops.steps.base import StepContext, StepParams, step

STEPS = 7


class NoParams(StepParams):
    pass


class Count(Record):
    value: int


@step("noop", outputs={"value": Count})
def noop(ctx: StepContext, params: NoParams, *, x: Count | None = None) -> dict[str, Record]:
    """Do nothing."""
    return {"value": Count(value=0 if x is None else 1)}


def definition(store: Path, *, tracking: bool) -> Any:
    steps: list[dict[str, Any]] = []
    for i in range(STEPS):
        inputs = {"x": f"s{i - 1}.value"} if i else {}
        steps.append({"name": f"s{i}", "uses": "__main__:noop", "inputs": inputs})
    return validate_config({
        "store": {"url": str(store)}, "tracking": {"enabled": tracking},
        "environments": {"mode": "off"}, "steps": steps,
    })


def measure(tracking: bool, runs: int, *, force: bool = True) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        config = definition(Path(tmp) / "store", tracking=tracking)
        started = time.perf_counter()
        first = run_pipeline(config, RunOptions(force=True))
        first_wall = time.perf_counter() - started
        per_step, per_run = [], []
        for _ in range(runs):
            started = time.perf_counter()
            record = run_pipeline(config, RunOptions(force=force))
            wall = time.perf_counter() - started
            per_step.extend(s.overhead_seconds for s in record.steps)
            per_run.append(wall - sum(s.step_seconds for s in record.steps))
        return {
            "step_ms": 1000 * statistics.median(per_step),
            "run_ms": 1000 * statistics.median(per_run),
            "startup_s": first.tracking_startup_seconds,
            "first_run_s": first_wall,
        }


PREFECT_SCRIPT = textwrap.dedent('''
    import json, statistics, sys, time
    from prefect import flow, task

    @task
    def noop(x):
        return x

    @flow
    def pipeline():
        value = 0
        for _ in range({steps}):
            value = noop(value)
        return value

    pipeline()  # start-up: the ephemeral API server and its database
    walls = []
    for _ in range({runs}):
        started = time.perf_counter()
        pipeline()
        walls.append(time.perf_counter() - started)
    print(json.dumps({{"run_ms": 1000 * statistics.median(walls)}}))
''')


def measure_prefect(python: str, runs: int) -> dict[str, float] | None:
    with tempfile.TemporaryDirectory() as home:
        env = {"PREFECT_HOME": home, "PATH": "/usr/bin:/bin", "PREFECT_LOGGING_LEVEL": "ERROR",
               "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
        result = subprocess.run(
            [python, "-c", PREFECT_SCRIPT.format(steps=STEPS, runs=runs)],
            capture_output=True, text=True, env=env, check=False, timeout=900,
        )
    if result.returncode != 0:
        print(f"prefect failed:\n{result.stderr[-2000:]}", file=sys.stderr)
        return None
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--prefect-python", help="an interpreter with prefect installed")
    args = parser.parse_args()

    rows = {
        "textops, tracking off": measure(False, args.runs),
        "textops, SQLite MLflow": measure(True, args.runs),
        "textops, tracking off, all cached": measure(False, args.runs, force=False),
    }
    print(f"{STEPS} no-op steps, {args.runs} runs each, medians")
    print(f"{'':38} {'per step ms':>12} {'per run ms':>12}")
    for name, row in rows.items():
        print(f"{name:38} {row['step_ms']:12.2f} {row['run_ms']:12.2f}")
    tracked = rows["textops, SQLite MLflow"]
    print(f"MLflow one-time start-up (import, schema): {tracked['startup_s']:.2f} s "
          f"(first run {tracked['first_run_s']:.2f} s)")
    if args.prefect_python:
        prefect = measure_prefect(args.prefect_python, args.runs)
        if prefect:
            print(f"{'prefect flow of 7 no-op tasks':38} {prefect['run_ms'] / STEPS:12.2f} "
                  f"{prefect['run_ms']:12.2f}")
            for name in ("textops, tracking off", "textops, SQLite MLflow"):
                ratio = prefect["run_ms"] / rows[name]["run_ms"]
                print(f"prefect per-run overhead / {name}: {ratio:.1f}x")
    else:
        print("prefect: not measured (give --prefect-python)")


if __name__ == "__main__":
    main()
