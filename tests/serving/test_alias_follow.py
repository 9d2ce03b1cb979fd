"""The service follows its alias: the new version loads beside the old, and swaps at once.

A stream of requests runs while the champion moves: none fails, and the
answers switch version. A version that cannot load leaves the old one serving
and shows on /readyz and in the log.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from support.served import Service, register_linear, start_service, tracking_uri, write_config

NAME = "textops-alias"


@pytest.fixture(scope="module")
def registry(serving_store: Any) -> Any:
    from textops.tracking.registry import ModelRegistry

    return ModelRegistry(tracking_uri(serving_store.store))


@pytest.fixture(scope="module")
def versions(serving_store: Any) -> tuple[int, int]:
    first = register_linear(serving_store.store, c=1.0, champion=True, name=NAME)
    second = register_linear(serving_store.store, c=30.0, champion=False, name=NAME)
    return first, second


@pytest.fixture(scope="module")
def service(serving_store: Any, versions: tuple[int, int],
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    folder = tmp_path_factory.mktemp("alias")
    config = write_config(folder, poll_seconds=0.3, model=f"{NAME}@champion")
    config.write_text(config.read_text().replace(str(folder / "store"), str(serving_store.store)))
    running = start_service(config)
    yield running
    running.stop()


def _stream(url: str, stop: threading.Event, seen: list[tuple[int, int]]) -> None:
    with httpx.Client(timeout=30) as client:
        while not stop.is_set():
            response = client.post(f"{url}/v1/classify", json={"texts": ["goal match", "code"]})
            version = response.json().get("version", -1) if response.status_code == 200 else -1
            seen.append((response.status_code, version))


def test_moving_the_alias_switches_versions_without_failing_a_request(
    service: Service, registry: Any, versions: tuple[int, int]
) -> None:
    first, second = versions
    stop, seen = threading.Event(), []
    worker = threading.Thread(target=_stream, args=(service.url, stop, seen))
    worker.start()
    try:
        time.sleep(1.0)
        registry.set_champion(NAME, second, reason="alias test")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any(v == second for _, v in seen[-3:]):
            time.sleep(0.2)
        time.sleep(0.5)
    finally:
        stop.set()
        worker.join()
    assert {status for status, _ in seen} == {200}
    order = [version for _, version in seen]
    assert order[0] == first and order[-1] == second
    switched = order.index(second)
    assert set(order[:switched]) == {first} and set(order[switched:]) == {second}  # once, for good
    assert httpx.get(f"{service.url}/v1/model").json()["version"] == second


def test_reload_follows_at_once_and_a_broken_version_keeps_the_old_one(
    service: Service, registry: Any, versions: tuple[int, int], tmp_path: Path
) -> None:
    first, second = versions
    registry.set_champion(NAME, first, reason="alias test")
    reloaded = httpx.post(f"{service.url}/admin/reload", timeout=60).json()
    assert reloaded["version"] == first and reloaded["error"] is None
    broken = tmp_path / "broken"
    (broken / "artifacts").mkdir(parents=True)
    (broken / "artifacts" / "model.onnx").write_bytes(b"not a graph")
    info = registry.register(str(broken), NAME, metrics={"accuracy": 0.1}, test_set="t")
    registry.set_champion(NAME, info.version, reason="a version that cannot load")
    try:
        failed = httpx.post(f"{service.url}/admin/reload", timeout=60)
        assert failed.status_code == 503
        assert failed.json()["version"] == first and failed.json()["changed"] is False
        assert f"cannot load version {info.version}" in failed.json()["error"]
        ready = httpx.get(f"{service.url}/readyz").json()
        assert ready["ready"] is True and ready["version"] == first
        assert f"version {info.version}" in ready["reload_error"]
        answer = httpx.post(f"{service.url}/v1/classify", json={"text": "goal"}).json()
        assert answer["version"] == first
        metrics = httpx.get(f"{service.url}/metrics").text
        failures = re.search(r"^textops_model_reload_failures_total (\S+)$", metrics, re.M)
        assert failures is not None and float(failures.group(1)) >= 1
    finally:
        registry.set_champion(NAME, first, reason="alias test")
    assert f"still serving version {first}" in service.log.read_text()
