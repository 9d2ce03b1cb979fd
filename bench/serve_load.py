"""textops serve against `mlflow models serve` on the same registered model, same load.

Registers a linear model in a scratch store (tests/support/served.py), starts
both services on loopback with one worker each, and drives each with the same
bounded load (``--concurrency`` requests in flight, ``--seconds`` per case) for
single-text and 64-text requests: with ``wrk`` (one thread, a Lua script that
cycles the bodies) when it is on the PATH (``apt-get install wrk``), else an
async httpx client, whose own CPU then shares the machine with the services.
Each case runs ``--repeats`` times, the two services alternating; prints the
median requests/s, texts/s, p50 and p99 latency, the ratio, and the load
average before and after. Goals (2-core machine, one worker): single texts
>= 1,500 req/s with p99 < 15 ms, 64-text batches >= 20,000 texts/s, and >= 5x
mlflow's single-text throughput.

    PYTHONPATH=src python bench/serve_load.py [--seconds 10] [--concurrency 8] [--repeats 3]
        [--no-log]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from support.served import (  # noqa: E402
    MODEL,
    free_port,
    register_linear,
    start_service,
    tracking_uri,
    training_texts,
    write_config,
)


async def drive(url: str, bodies: list[dict[str, object]], *, seconds: float,
                concurrency: int) -> tuple[int, np.ndarray, int]:
    """(requests, latencies in ms, failures) of ``concurrency`` loops for ``seconds``."""
    latencies: list[float] = []
    failures = 0
    deadline = time.perf_counter() + seconds

    async def loop(client: httpx.AsyncClient, offset: int) -> None:
        nonlocal failures
        i = offset
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            response = await client.post(url, json=bodies[i % len(bodies)])
            latencies.append((time.perf_counter() - start) * 1000)
            failures += response.status_code != 200
            i += concurrency

    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        await client.post(url, json=bodies[0])  # warm
        await asyncio.gather(*(loop(client, k) for k in range(concurrency)))
    return len(latencies), np.array(latencies), failures


WRK_SCRIPT = """
local bodies = {%s}
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  i = i + 1
  return wrk.format(nil, nil, nil, bodies[(i %% #bodies) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%f %%f\\n", summary.requests,
    e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
"""


def drive_wrk(url: str, bodies: list[dict[str, object]], *, seconds: float,
              concurrency: int, folder: Path) -> tuple[int, float, float, int]:
    """(requests, p50 ms, p99 ms, failures) of ``wrk`` with ``concurrency`` connections."""
    quoted = ",".join(json.dumps(json.dumps(body)) for body in bodies)
    script = folder / "bodies.lua"
    script.write_text(WRK_SCRIPT % quoted, encoding="utf-8")
    httpx.post(url, json=bodies[0], timeout=30)  # warm
    out = subprocess.run(
        ["wrk", "-t1", f"-c{concurrency}", f"-d{max(1, round(seconds))}s", "--timeout", "10s", "-s",
         str(script), url], capture_output=True, text=True, check=True).stdout
    line = next(row for row in out.splitlines() if row.startswith("RESULT "))
    n, failed, p50, p99 = line.split()[1:]
    return int(n), float(p50), float(p99), int(failed)


def measure(url: str, bodies: list[dict[str, object]], *, seconds: float, concurrency: int,
            folder: Path) -> tuple[float, float, float, int]:
    """(requests/s, p50 ms, p99 ms, failures) of one case."""
    if shutil.which("wrk"):
        n, p50, p99, failed = drive_wrk(url, bodies, seconds=seconds, concurrency=concurrency,
                                        folder=folder)
        return n / seconds, p50, p99, failed
    n, ms, failed = asyncio.run(drive(url, bodies, seconds=seconds, concurrency=concurrency))
    return n / seconds, float(np.percentile(ms, 50)), float(np.percentile(ms, 99)), failed


def bodies(kind: str, batch: int) -> list[dict[str, object]]:
    texts, _ = training_texts(seed=3)
    if kind == "textops":
        return [{"texts": texts[i:i + batch]} for i in range(0, len(texts) - batch, batch)]
    return [{"dataframe_split": {"columns": ["text"], "data": [[t] for t in texts[i:i + batch]]}}
            for i in range(0, len(texts) - batch, batch)]


def start_mlflow(store: Path, version: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "MLFLOW_TRACKING_URI": tracking_uri(store),
           "PYTHONPATH": str(ROOT / "src"),
           # mlflow execs `uvicorn` by name: the interpreter's own scripts come first
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    command = [sys.executable, "-m", "mlflow", "models", "serve", "-m",
               f"models:/{MODEL}/{version}", "--env-manager", "local", "-h", "127.0.0.1",
               "-p", str(port), "-w", "1"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{url}/ping", timeout=1).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("mlflow models serve did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-log", action="store_true",
                        help="serve with serve.log_requests false (no request log)")
    args = parser.parse_args()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="serve-bench-") as tmp:
        folder = Path(tmp)
        config = write_config(folder, poll_seconds=0,
                              log_requests="false" if args.no_log else "true")
        version = register_linear(folder / "store")
        ours = start_service(config)
        theirs, mlflow_url = start_mlflow(folder / "store", version)
        runs: dict[tuple[int, str], list[tuple[float, float, float, int]]] = {}
        try:
            for _ in range(args.repeats):
                for batch in (1, 64):
                    for name, url in (("textops", f"{ours.url}/v1/classify"),
                                      ("mlflow", f"{mlflow_url}/invocations")):
                        runs.setdefault((batch, name), []).append(measure(
                            url, bodies(name, batch), seconds=args.seconds,
                            concurrency=args.concurrency, folder=folder))
        finally:
            ours.stop()
            theirs.terminate()
            theirs.wait()
    print(f"request log {'off' if args.no_log else 'on'}")
    report(runs, client="wrk" if shutil.which("wrk") else "httpx", repeats=args.repeats,
           load=(load_before, os.getloadavg()))


def report(runs: dict[tuple[int, str], list[tuple[float, float, float, int]]], *, client: str,
           repeats: int, load: tuple[tuple[float, ...], tuple[float, ...]]) -> None:
    print(f"client {client}, median of {repeats} runs; load average before "
          f"{'/'.join(f'{x:.1f}' for x in load[0])}, after {'/'.join(f'{x:.1f}' for x in load[1])}"
          f" ({os.cpu_count()} CPUs)")
    print(f"{'texts/req':>9} {'service':>8} {'req/s':>9} {'texts/s':>10} {'p50 ms':>8} "
          f"{'p99 ms':>8} {'failed':>6}  req/s of each run")
    medians = {}
    for (batch, name), cases in runs.items():
        rps, p50, p99 = (float(np.median([case[k] for case in cases])) for k in range(3))
        medians[batch, name] = rps
        each = " ".join(f"{case[0]:.0f}" for case in cases)
        print(f"{batch:>9} {name:>8} {rps:>9.0f} {rps * batch:>10.0f} {p50:>8.2f} {p99:>8.2f} "
              f"{sum(case[3] for case in cases):>6}  {each}")
    for batch in (1, 64):
        ratio = medians[batch, "textops"] / medians[batch, "mlflow"]
        print(f"{batch}-text requests: textops / mlflow throughput = {ratio:.1f}x")


if __name__ == "__main__":
    main()
