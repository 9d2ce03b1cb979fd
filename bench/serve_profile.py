"""Where a classify request's time goes, in process: parsing, cleaning, featurising + ONNX
Runtime, warnings, the response, and the whole app through httpx's ASGI transport.

Builds the app of ``textops serve`` on a linear model registered in a scratch
store (tests/support/served.py) and times each phase over ``--requests``
requests of 1 and of 64 texts: the median CPU time of one call (the process's
CPU clock, microseconds), which a machine shared with other work disturbs far
less than wall time or a load test's throughput; then prints cProfile's top
functions of the whole app for single texts.

    PYTHONPATH=src python bench/serve_profile.py [--requests 400] [--top 20]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from support.served import register_linear, training_texts, write_config  # noqa: E402


def median_us(call: Callable[[], Any], repeats: int) -> float:
    """The median CPU microseconds of one ``call``."""
    times = []
    for _ in range(repeats):
        start = time.process_time()
        call()
        times.append(time.process_time() - start)
    return float(np.median(times)) * 1e6


def phases(app: Any, texts: list[str], repeats: int) -> dict[str, float]:
    """Median microseconds of each phase of scoring ``texts``."""
    from textops.serving.requests import parse_texts

    service = app.state.service
    scorer = service.holder.current.scorer
    body = json.dumps({"texts": texts}).encode()
    cleaned = scorer.clean(texts)
    predict = getattr(scorer, "_predict", None) or scorer._classifier.predict_proba
    return {
        "parse": median_us(lambda: parse_texts(body, service.limits), repeats),
        "clean": median_us(lambda: scorer.clean(texts), repeats),
        "featurise+onnx": median_us(lambda: predict(cleaned), repeats),
        "warnings": median_us(lambda: scorer.warnings(texts, cleaned), repeats),
        "score (all 3)": median_us(lambda: scorer.score(texts), repeats),
    }


async def through_app(app: Any, batches: list[list[str]], repeats: int,
                      profile: cProfile.Profile | None = None) -> float:
    """Median CPU microseconds of a whole request through the ASGI app (client included)."""
    times = []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for i in range(repeats):
            body = {"texts": batches[i % len(batches)]}
            if profile is not None:
                profile.enable()
            start = time.process_time()
            response = await client.post("/v1/classify", json=body)
            times.append(time.process_time() - start)
            if profile is not None:
                profile.disable()
            assert response.status_code == 200, response.text
    return float(np.median(times)) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    from textops.api.serving import build_app

    with tempfile.TemporaryDirectory(prefix="serve-profile-") as tmp:
        folder = Path(tmp)
        config = write_config(folder, poll_seconds=0, log_requests="false")
        register_linear(folder / "store")
        app = build_app(config)
        texts = training_texts(seed=3)[0]
        for size in (1, 64):
            batches = [texts[i:i + size] for i in range(0, len(texts) - size, size)]
            times = phases(app, batches[0], args.requests)
            times["whole request (ASGI)"] = asyncio.run(through_app(app, batches, args.requests))
            print(f"{size} text(s) per request: "
                  + ", ".join(f"{name} {us:.0f}" for name, us in times.items()))
        print("  (CPU microseconds, median per call)")
        profile = cProfile.Profile()
        asyncio.run(through_app(app, [[t] for t in texts], args.requests, profile))
        pstats.Stats(profile).sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
