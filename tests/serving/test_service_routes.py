"""The running service without a key: every route, every limit and every bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from support.served import MODEL, Service, start_service, write_config

LIMITS = {"max_texts": 8, "max_chars": 300, "max_body_bytes": 3000}


@pytest.fixture(scope="module")
def service(serving_store: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    folder = tmp_path_factory.mktemp("routes")
    config = write_config(folder, **LIMITS)
    config.write_text(config.read_text().replace(str(folder / "store"), str(serving_store.store)))
    running = start_service(config)
    yield running
    running.stop()


def post(service: Service, body: Any = None, *, content: bytes | None = None) -> httpx.Response:
    return httpx.post(f"{service.url}/v1/classify", json=body, content=content, timeout=30)


def test_health_readiness_and_model_metadata(service: Service, serving_store: Any) -> None:
    assert httpx.get(f"{service.url}/healthz").json() == {"status": "ok"}
    ready = httpx.get(f"{service.url}/readyz").json()
    assert ready == {"ready": True, "model": MODEL, "version": serving_store.v1,
                     "reload_error": None}
    model = httpx.get(f"{service.url}/v1/model").json()
    assert model["name"] == MODEL and model["version"] == serving_store.v1
    assert model["alias"] == "champion" and model["family"] == "linear"
    assert model["labels"] == ["food", "sport", "tech"]
    assert model["metrics"]["f1_macro"] == pytest.approx(0.88)
    assert model["dataset_version"] == "demo@v1"


def test_one_text_and_a_batch_score_as_the_registered_model_does(
    service: Service, serving_store: Any
) -> None:
    import mlflow.pyfunc

    from support.served import tracking_uri
    from textops.tracking.registry import ModelRegistry

    texts = ["The TEAM scored a GOAL in the match!", "Python code on a cloud server",
             "Bake the garlic sauce in the oven"]
    one = post(service, {"text": texts[0]}).json()
    assert one["model"] == MODEL and one["version"] == serving_store.v1
    assert [p["label"] for p in one["predictions"]] == ["sport"]
    batch = post(service, {"texts": texts}).json()["predictions"]
    assert [p["label"] for p in batch] == ["sport", "tech", "food"]
    for p in batch:
        assert sum(p["probabilities"].values()) == pytest.approx(1.0)
        assert p["confidence"] == max(p["probabilities"].values())
        assert p["warnings"] == []
    registry = ModelRegistry(tracking_uri(serving_store.store))
    pyfunc = registry.load_pyfunc(MODEL, serving_store.v1)
    assert isinstance(pyfunc, mlflow.pyfunc.PyFuncModel)
    expected = pyfunc.predict({"text": texts})  # the plain dict works too
    served = np.array([[p["probabilities"][k] for k in ("food", "sport", "tech")] for p in batch])
    np.testing.assert_allclose(
        served, expected[["proba_food", "proba_sport", "proba_tech"]].to_numpy(), atol=1e-9)


def test_warnings_say_when_a_text_is_outside_the_training_data(service: Service) -> None:
    texts = ["!!! ... ???", "Der Hund läuft jeden Morgen schnell über die Straße nach Hause",
             "xyzzy plugh frobnicate quux", "the goal of the team"]
    found = [p["warnings"] for p in post(service, {"texts": texts}).json()["predictions"]]
    assert found[0] == ["empty_after_cleaning"]
    assert "not_english" in found[1]
    assert found[2] == ["out_of_vocabulary"]
    assert found[3] == []


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({"texts": ["a text"] * 9}, 413, "the limit is 8"),
        ({"texts": ["x" * 301]}, 413, "the limit is 300"),
        ({"text": "x" * 301}, 413, "serve.max_chars"),
        ({"texts": ["é" * 290] * 8}, 413, "limit of 3000 bytes"),
        ({"texts": []}, 422, "is empty"),
        ({"texts": ["ok", 3, None]}, 422, "items [1, 2] are not"),
        ({"text": 7}, 422, '"text" must be a string'),
        ({"texts": "one"}, 422, "must be a list"),
        ({"text": "a", "texts": ["b"]}, 422, "one key"),
        ({"txt": "a"}, 422, "one key"),
        (["a text"], 422, "got list"),
        ({}, 422, "one key"),
    ],
)
def test_limits_and_bad_shapes_are_json_errors_with_the_reason(
    service: Service, body: Any, status: int, says: str
) -> None:
    response = post(service, body)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert says in response.json()["detail"]


@pytest.mark.parametrize(
    ("content", "status", "says"),
    [
        (b'{"texts": ["a",', 400, "not valid JSON"),
        (b'{"text": "caf\xe9"}', 400, "not UTF-8"),
        (b"", 400, "not valid JSON"),
        (b'{"text": "\\ud800 lone"}', 422, "lone surrogate"),
        (b"[" * 100_000, 413, "bytes"),
        (b"[" * 1400 + b"]" * 1400, 400, "not valid JSON"),  # nested past recursion
    ],
)
def test_bodies_that_are_not_utf8_json_are_4xx_json(
    service: Service, content: bytes, status: int, says: str
) -> None:
    response = post(service, content=content)
    assert response.status_code == status, response.text
    assert says in response.json()["detail"]


def test_a_streamed_body_past_the_limit_is_refused_without_reading_it_all(
    service: Service,
) -> None:
    def chunks() -> Iterator[bytes]:  # chunked: no Content-Length to check up front
        yield b'{"texts": ["'
        for _ in range(100):
            yield b"x" * 1000
        yield b'"]}'

    response = httpx.post(f"{service.url}/v1/classify", content=chunks(), timeout=30)
    assert response.status_code == 413
    assert "3000 bytes" in response.json()["detail"]


def test_unknown_routes_and_methods_answer_json(service: Service) -> None:
    missing = httpx.get(f"{service.url}/v2/nothing")
    assert missing.status_code == 404 and missing.json() == {"detail": "Not Found"}
    wrong = httpx.get(f"{service.url}/v1/classify")
    assert wrong.status_code == 405 and "detail" in wrong.json()


def test_metrics_count_requests_batches_predictions_and_the_model(
    service: Service, serving_store: Any
) -> None:
    post(service, {"texts": ["goal match team", "code server cloud"]})
    post(service, {"texts": []})
    text = httpx.get(f"{service.url}/metrics").text
    assert 'textops_requests_total{route="/v1/classify",status="200"}' in text
    assert 'textops_requests_total{route="/v1/classify",status="422"}' in text
    assert 'textops_request_seconds_bucket{le="0.01",route="/v1/classify"}' in text
    assert "textops_batch_texts_count" in text
    assert 'textops_predictions_total{label="sport"}' in text
    served = f'family="linear",name="{MODEL}",version="{serving_store.v1}"'
    assert f"textops_model_info{{{served}}} 1.0" in text


def test_the_openapi_page_documents_the_bodies_with_examples_and_limits(service: Service) -> None:
    schema = httpx.get(f"{service.url}/openapi.json").json()
    classify = schema["paths"]["/v1/classify"]["post"]
    body = classify["requestBody"]["content"]["application/json"]["schema"]["oneOf"]
    assert body[0]["examples"] and body[1]["examples"]
    assert body[1]["properties"]["texts"]["maxItems"] == 8
    assert {"200", "400", "401", "413", "422"} <= set(classify["responses"])
    assert "ClassifyResponse" in schema["components"]["schemas"]
    assert json.dumps(schema["components"]["schemas"]["ClassifyResponse"]).count("examples")


def test_scored_requests_reach_the_request_log_in_the_store(
    service: Service, serving_store: Any
) -> None:
    import time

    import polars as pl

    texts = ["goal match team tonight", "code server cloud deploy", "pasta sauce dinner"]
    folder = Path(serving_store.store) / "monitoring" / "requests"
    # other modules' services log into the same store (the alias test serves v2)
    earlier = set(folder.glob("*.parquet")) if folder.is_dir() else set()
    assert post(service, {"texts": texts}).status_code == 200
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        files = sorted(set(folder.glob("*.parquet")) - earlier) if folder.is_dir() else []
        logged = pl.concat([pl.read_parquet(f) for f in files]) if files else None
        if logged is not None and logged.height >= len(texts):
            break
        time.sleep(0.5)
    assert logged is not None and logged.height >= len(texts)
    assert set(logged["model_version"].to_list()) <= {serving_store.v1, serving_store.v2}
    assert {"label", "confidence", "chars", "oov_share"} <= set(logged.columns)
    assert "text" not in logged.columns  # raw text only with monitoring.keep_text


def test_no_access_log_line_per_request_by_default(service: Service) -> None:
    assert post(service, {"text": "goal match team"}).status_code == 200
    assert "POST /v1/classify" not in service.log.read_text(errors="replace")  # serve.access_log
