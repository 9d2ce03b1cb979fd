"""``textops serve`` with two worker processes: each loads the model and keeps its own
request log, and together the logs hold every scored request exactly once."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from support.served import start_service, write_config


@pytest.mark.slow
def test_two_workers_each_log_their_requests(serving_store: Any, tmp_path: Path) -> None:
    import polars as pl

    store = tmp_path / "store"
    config = write_config(tmp_path, workers=2, poll_seconds=0)
    config.write_text(config.read_text().replace(f"url: {store}", f"url: {serving_store.store}"))
    log = serving_store.store / "monitoring" / "requests"
    before = set(log.glob("*.parquet")) if log.is_dir() else set()
    service = start_service(config, timeout=120)
    try:
        async def burst() -> list[int]:
            async with httpx.AsyncClient(timeout=30) as client:
                answers = await asyncio.gather(*(
                    client.post(f"{service.url}/v1/classify",
                                json={"texts": [f"goal match team {i}", "code server cloud"]})
                    for i in range(40)))
            return [answer.status_code for answer in answers]

        assert asyncio.run(burst()) == [200] * 40
    finally:
        output = service.stop()  # each worker flushes its log on the way out
    assert output.count("Started server process") == 2, output
    files = sorted(set(log.glob("*.parquet")) - before)
    logged = pl.concat([pl.read_parquet(path) for path in files])
    assert logged["request"].n_unique() == 40 and logged.height == 80
