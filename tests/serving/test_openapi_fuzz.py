"""A bounded property-based fuzz of the running service against its own OpenAPI schema.

schemathesis draws requests for every operation (valid and invalid bodies):
no answer is a 5xx, every 4xx is a JSON ``{"detail": ...}``, every answer
conforms to the documented status codes and schemas, and every route but the
health routes refuses the same request without the key.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from support.served import Service, start_service, write_config

schemathesis = pytest.importorskip("schemathesis")

KEY = "fuzz-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
HEALTH = {"/healthz", "/readyz"}


@pytest.fixture(scope="module")
def service(serving_store: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    folder = tmp_path_factory.mktemp("fuzz")
    config = write_config(folder, poll_seconds=0, max_texts=16, max_chars=500)
    config.write_text(config.read_text().replace(str(folder / "store"), str(serving_store.store)))
    running = start_service(config, api_key=KEY)
    yield running
    running.stop()


@pytest.mark.slow
def test_no_drawn_request_gets_a_5xx_or_a_non_json_error(service: Service) -> None:
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import (
        content_type_conformance,
        not_a_server_error,
        response_schema_conformance,
        status_code_conformance,
    )

    schema = schemathesis.openapi.from_url(f"{service.url}/openapi.json", headers=AUTH)
    checks = [not_a_server_error, status_code_conformance, content_type_conformance,
              response_schema_conformance]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/v1/classify", "/healthz", "/metrics"}
    with httpx.Client(base_url=service.url, timeout=30) as client:
        for operation in operations:
            path = operation.path

            @settings(max_examples=30, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy())
            def fuzz(case: Any) -> None:
                response = case.call(base_url=service.url, headers=AUTH)
                case.validate_response(response, checks=checks)
                if 400 <= response.status_code < 500:
                    assert response.headers["content-type"] == "application/json"
                    assert isinstance(response.json()["detail"], str)
                bare = client.request(case.method, case.formatted_path,
                                      content=response.request.body)
                assert bare.status_code == (response.status_code if path in HEALTH else 401)  # noqa: B023 - run at once

            fuzz()
