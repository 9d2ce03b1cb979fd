"""Benchmark: the ``textops report`` dashboard for a store of 20 runs and 10 dataset versions.

Builds the store cheaply (synthetic run records and reporting rows in the
documented schemas, ``textops.dashboard.synthetic``), then measures the
dashboard's build time (``api.reporting.build_report``, tracking off: the
tables only; best of ``--repeat``), its file size, and the time headless
Chromium takes to load it from disk with the network refused and draw every
chart (the browser's wall time for the page minus its wall time for
``about:blank``, best of ``--repeat``; every chart is checked to hold a drawn
trace). Goals: build under 3 s, loaded and drawn under 2 s, file under 10 MB;
PASS or FAIL for each.

    .venv/bin/python bench/report.py [--runs 20] [--versions 10] [--repeat 3] [--out OUT.json]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from textops.api.reporting import build_report
from textops.dashboard.synthetic import fill_store
from textops.store.store import Store

GOALS = {"build_seconds": 3.0, "load_and_draw_seconds": 2.0, "megabytes": 10.0}
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--window-size=1400,3000",
         "--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND", "--dump-dom"]


def _browser_seconds(browser: str, url: str) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run([browser, *FLAGS, url], capture_output=True, text=True, timeout=120,
                          check=False)
    return time.perf_counter() - started, done.stdout


def load_and_draw(browser: str, page: Path, repeat: int) -> dict[str, float | int]:
    """Best wall time of loading ``page`` less the browser's own start-up; charts drawn."""
    blank = min(_browser_seconds(browser, "about:blank")[0] for _ in range(repeat))
    runs = [_browser_seconds(browser, page.as_uri()) for _ in range(repeat)]
    best, dom = min(runs, key=lambda r: r[0])
    charts = dom.split('class="plotly-graph-div')[1:]
    drawn = sum(bool(re.search(r'class="trace |class="hm"|<image', c)) for c in charts)
    return {"browser_startup_seconds": blank, "page_wall_seconds": best,
            "load_and_draw_seconds": max(best - blank, 0.0), "charts": len(charts),
            "charts_drawn": drawn}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--versions", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / ".textops"
        fill_store(Store(str(root)), runs=args.runs, versions=args.versions)
        overrides = ["tracking.enabled=false", f"store.url={root}"]
        builds = [build_report(None, overrides, out=Path(folder) / "dashboard.html")
                  for _ in range(args.repeat)]
        result = builds[-1]
        figures: dict[str, float | int | str] = {
            "runs": result.runs, "versions": args.versions,
            "build_seconds": min(b.seconds for b in builds), "megabytes": result.bytes / 1e6,
        }
        browser = next(filter(None, map(shutil.which, ("chromium", "chromium-browser"))), None)
        if browser and result.local_path is not None:
            figures.update(load_and_draw(browser, result.local_path, args.repeat))
        else:
            figures["browser"] = "no chromium on PATH: load time not measured"
    for key, value in figures.items():
        print(f"{key:>26}: {value:.3f}" if isinstance(value, float) else f"{key:>26}: {value}")
    for key, goal in GOALS.items():
        if isinstance(figures.get(key), float):
            verdict = "PASS" if float(figures[key]) < goal else "FAIL"
            print(f"{verdict} {key} < {goal:g}")
    if args.out:
        args.out.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
