"""The running service with TEXTOPS_API_KEY set: health open, everything else needs the key."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from support.served import Service, start_service, write_config

KEY = "s3cret-key-for-the-serving-tests"
GUARDED = [("GET", "/v1/model"), ("GET", "/metrics"), ("POST", "/v1/classify"),
           ("POST", "/admin/reload"), ("GET", "/openapi.json"), ("GET", "/nowhere")]


@pytest.fixture(scope="module")
def service(serving_store: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    folder = tmp_path_factory.mktemp("keyed")
    config = write_config(folder, poll_seconds=0, access_log="true")  # lines to search
    config.write_text(config.read_text().replace(str(folder / "store"), str(serving_store.store)))
    running = start_service(config, api_key=KEY)
    yield running
    running.stop()


def call(service: Service, method: str, path: str, **headers: str) -> httpx.Response:
    body = {"text": "goal of the match"} if method == "POST" else None
    return httpx.request(method, f"{service.url}{path}", json=body, headers=headers, timeout=30)


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_routes_answer_without_the_key(service: Service, path: str) -> None:
    assert call(service, "GET", path).status_code == 200


@pytest.mark.parametrize(("method", "path"), GUARDED)
@pytest.mark.parametrize("authorization", [None, "Bearer wrong", f"Basic {KEY}", "Bearer", KEY])
def test_every_other_route_refuses_a_missing_or_wrong_key(
    service: Service, method: str, path: str, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = call(service, method, path, **headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "API key" in response.json()["detail"]


@pytest.mark.parametrize(("method", "path"), GUARDED[:5])
def test_the_right_key_opens_every_route(service: Service, method: str, path: str) -> None:
    response = call(service, method, path, Authorization=f"Bearer {KEY}")
    assert response.status_code == 200, response.text


def test_the_key_never_reaches_the_log(service: Service) -> None:
    call(service, "POST", "/v1/classify", Authorization=f"Bearer {KEY}")
    call(service, "POST", "/v1/classify", Authorization=f"Bearer {KEY}x")
    log = service.log.read_text(errors="replace")
    assert "POST /v1/classify" in log  # the access log is there, without the key
    assert KEY not in log
    metrics = call(service, "GET", "/metrics", Authorization=f"Bearer {KEY}").text
    assert 'textops_requests_total{route="/v1/classify",status="401"}' in metrics
