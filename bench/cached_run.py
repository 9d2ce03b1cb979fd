"""Benchmark: a fully cached ``textops run`` (every step a cache hit) against the first run.

In a fresh temporary project: ``textops demo --rows 300``, then a first run
(tuning 3 trials, one network member, the tuning floors lowered to fit 300
rows), then ``--repeat`` more runs of the same definition, every step a cache
hit. Each run is its own ``python -m textops.cli run --quiet`` process, as a
user starts it, so interpreter start-up and imports count. Prints the first
run's time, the median of the cached ones, their ratio, and each run's CPU
time (user + system: on a shared machine wall time also counts waiting for a
core). Goal: a cached run under 3 s wall; PASS or FAIL.

    .venv/bin/python bench/cached_run.py [--repeat 5] [--keep DIR] [--out OUT.json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

GOAL_SECONDS = 3.0
SETTINGS = [
    "steps.tune.params.tuning.n_trials=3", "steps.train.params.members=1",
    "steps.tune.params.tuning.min_validation_docs=5",
    "steps.tune.params.tuning.min_validation_docs_per_class=1",
]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(args: list[str], folder: Path) -> dict[str, float]:
    """Wall and CPU seconds of one ``textops`` command in ``folder``."""
    cpu, started = _children_cpu(), time.perf_counter()
    subprocess.run([sys.executable, "-m", "textops.cli", *args], cwd=folder, check=True,
                   stdout=subprocess.DEVNULL, env=os.environ.copy())
    return {"wall_seconds": time.perf_counter() - started, "cpu_seconds": _children_cpu() - cpu}


def bench(folder: Path, repeat: int) -> dict[str, Any]:
    run = ["run", "--quiet", *[arg for s in SETTINGS for arg in ("--set", s)]]
    timed(["demo", "--rows", "300"], folder)
    first = timed(run, folder)
    cached = [timed(run, folder) for _ in range(repeat)]
    median = statistics.median(c["wall_seconds"] for c in cached)
    return {
        "first": first, "cached": cached, "cached_median_seconds": median,
        "cached_median_cpu_seconds": statistics.median(c["cpu_seconds"] for c in cached),
        "ratio_cached_to_first": median / first["wall_seconds"],
        "goal_seconds": GOAL_SECONDS, "passed": median < GOAL_SECONDS,
        "cpus": os.cpu_count(), "load_average": os.getloadavg(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="run in this folder (kept) instead of a temp one")
    parser.add_argument("--out", type=Path, help="also write the figures as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="textops-cached-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        result = bench(folder, args.repeat)
    first = result["first"]
    print(f"first run:        {first['wall_seconds']:.2f} s wall, {first['cpu_seconds']:.2f} s CPU")
    print(f"cached (median of {args.repeat}): {result['cached_median_seconds']:.2f} s wall, "
          f"{result['cached_median_cpu_seconds']:.2f} s CPU")
    print(f"ratio cached/first: {result['ratio_cached_to_first']:.3f}")
    verdict = "PASS" if result["passed"] else "FAIL"
    print(f"goal: cached under {GOAL_SECONDS:.0f} s: {verdict} "
          f"({result['cpus']} CPUs, load average {result['load_average'][0]:.1f})")
    if args.out:
        args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
