"""textops serve against `mlflow models serve` on the same registered model, same load.

Registers a linear model in a scratch store (tests/support/served.py), starts
both services on loopback with one worker each, and drives each with the same
bounded async load (httpx, ``--concurrency`` requests in flight, ``--seconds``
per case) for single-text and 64-text requests. Prints requests/s, texts/s,
p50 and p99 latency and the ratio. Goals (2-core machine, one worker):
single texts >= 1,500 req/s with p99 < 15 ms, 64-text batches >= 20,000
texts/s, and >= 5x mlflow's single-text throughput.

    PYTHONPATH=src python bench/serve_load.py [--seconds 10] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import os
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
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="serve-bench-") as tmp:
        folder = Path(tmp)
        config = write_config(folder, poll_seconds=0)
        version = register_linear(folder / "store")
        ours = start_service(config)
        theirs, mlflow_url = start_mlflow(folder / "store", version)
        try:
            rows = []
            for batch in (1, 64):
                for name, url in (("textops", f"{ours.url}/v1/classify"),
                                  ("mlflow", f"{mlflow_url}/invocations")):
                    n, ms, failed = asyncio.run(drive(
                        url, bodies(name, batch), seconds=args.seconds,
                        concurrency=args.concurrency))
                    rps = n / args.seconds
                    rows.append((batch, name, rps, rps * batch, np.percentile(ms, 50),
                                 np.percentile(ms, 99), failed))
        finally:
            ours.stop()
            theirs.terminate()
            theirs.wait()
    print(f"{'texts/req':>9} {'service':>8} {'req/s':>9} {'texts/s':>10} {'p50 ms':>8} "
          f"{'p99 ms':>8} {'failed':>6}")
    for batch, name, rps, tps, p50, p99, failed in rows:
        print(f"{batch:>9} {name:>8} {rps:>9.0f} {tps:>10.0f} {p50:>8.2f} {p99:>8.2f} "
              f"{failed:>6}")
    for batch in (1, 64):
        ours_rps, theirs_rps = (r[2] for r in rows if r[0] == batch)
        print(f"{batch}-text requests: textops / mlflow throughput = {ours_rps / theirs_rps:.1f}x")


if __name__ == "__main__":
    main()
