"""The FastAPI app: classify, health, readiness, model metadata, metrics and reload.

:func:`create_app` takes a loaded :class:`~textops.serving.holder.ModelHolder`;
each classify request reads the holder's model once, so an alias swap never
changes the model under a request. Scoring runs on the event loop: it is a few
hundred microseconds of NumPy and ONNX Runtime, cheaper than a thread hop.
Every refusal is a JSON ``{"detail": ...}`` body; see
:mod:`textops.serving.requests` for the limits.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from textops.config.serve import ServeConfig
from textops.serving.batch import BatchSink
from textops.serving.guard import Guard
from textops.serving.holder import ModelHolder, Refresh
from textops.serving.metrics import ServiceMetrics
from textops.serving.requests import ApiError, Limits, parse_texts
from textops.serving.schemas import (
    ClassifyResponse,
    ErrorBody,
    ModelDescription,
    Readiness,
    ReloadResult,
    classify_body_schema,
)
from textops.serving.sink import SinkWorker

__all__ = ["create_app"]

log = logging.getLogger("textops.serving")
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": why} for code, why in (
        (400, "the body is not UTF-8 JSON"), (401, "the API key is missing or wrong"),
        (413, "past a limit: texts per request, characters per text or body bytes"),
        (422, "JSON of the wrong shape: no text, an empty list, an item that is not a string"),
    )
}


@dataclass
class Service:
    """What the routes share."""

    holder: ModelHolder
    limits: Limits
    metrics: ServiceMetrics
    poll_seconds: float
    sink: SinkWorker | None = None

    def refreshed(self, result: Refresh) -> None:
        if result.error is not None:
            self.metrics.reload_failures.inc()
        if result.changed:
            served = self.holder.current
            self.metrics.serving(served.info.name, served.version, served.scorer.family)


def create_app(
    holder: ModelHolder, config: ServeConfig, *, api_key: str | None = None,
    sink: BatchSink | None = None,
) -> FastAPI:
    """The service around ``holder``; ``sink`` receives every scored request off its path."""
    limits = Limits(config.max_texts, config.max_chars, config.max_body_bytes)
    service = Service(holder, limits, ServiceMetrics(), config.poll_seconds)
    holder.on_refresh = service.refreshed
    served = holder.current
    service.metrics.serving(served.info.name, served.version, served.scorer.family)
    app = FastAPI(
        title="textops scoring service", version="1",
        description="Raw text in; label, probabilities and warnings out.",
        lifespan=_lifespan(service, sink),
    )
    app.state.service = service
    _routes(app, service, config)
    _error_handlers(app)
    app.add_middleware(Guard, metrics=service.metrics, api_key=api_key)
    return app


def _lifespan(service: Service, sink: BatchSink | None) -> Any:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        service.sink = None if sink is None else SinkWorker(
            sink, on_dropped=service.metrics.log_dropped.inc)
        service.holder.start(service.poll_seconds)
        try:
            yield
        finally:
            service.holder.stop()
            if service.sink is not None:
                service.sink.close()

    return lifespan


def _routes(app: FastAPI, service: Service, config: ServeConfig) -> None:
    body = classify_body_schema(max_texts=config.max_texts, max_chars=config.max_chars)

    @app.post(
        "/v1/classify", response_model=ClassifyResponse, responses=_ERRORS,
        summary="Classify one text or a batch",
        openapi_extra={"requestBody": {
            "required": True, "content": {"application/json": {"schema": body}},
        }},
    )
    async def classify(request: Request) -> Response:
        return _json(200, _classify(service, await _read_body(request, service.limits)))

    @app.get("/healthz", summary="The process is up")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", response_model=Readiness, summary="A model is loaded and serving")
    async def readyz() -> Readiness:
        served = service.holder.current
        return Readiness(ready=True, model=served.info.name, version=served.version,
                         reload_error=service.holder.last_error)

    @app.get("/v1/model", response_model=ModelDescription, summary="The model served",
             responses={401: _ERRORS[401]})
    async def model() -> dict[str, Any]:
        return service.holder.current.describe()

    @app.get("/metrics", summary="Prometheus metrics", responses={401: _ERRORS[401]},
             response_class=Response)
    async def metrics() -> Response:
        return Response(service.metrics.exposition(), media_type="text/plain; version=0.0.4")

    @app.post("/admin/reload", response_model=ReloadResult, summary="Follow the alias now",
              responses={401: _ERRORS[401], 503: {"model": ReloadResult,
                                                   "description": "the new version failed"}})
    async def reload() -> Response:
        result = await run_in_threadpool(service.holder.refresh)
        status = 503 if result.error is not None else 200
        return _json(status, ReloadResult(**result.__dict__).model_dump())


async def _read_body(request: Request, limits: Limits) -> bytes:
    """The body, refused as soon as it passes the byte limit (declared or streamed)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit():
        limits.check_body_size(int(declared))
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        limits.check_body_size(size)
        chunks.append(chunk)
    return b"".join(chunks)


def _classify(service: Service, body: bytes) -> dict[str, Any]:
    texts = parse_texts(body, service.limits)
    served = service.holder.current  # read once: a swap does not touch this request
    scores = served.scorer.score(texts)
    labels = served.scorer.labels
    rows = scores.probabilities.tolist()
    service.metrics.observe_batch(scores.labels, scores.warnings)
    if service.sink is not None:  # a request it cannot take is counted in the metrics
        service.sink.submit((served.info.name, served.version), labels, texts, scores)
    predictions = [
        {"label": label, "confidence": confidence,
         "probabilities": dict(zip(labels, row, strict=True)), "warnings": warnings}
        for label, confidence, row, warnings in zip(
            scores.labels, scores.confidences, rows, scores.warnings, strict=True)
    ]
    return {"model": served.info.name, "version": served.version, "predictions": predictions}


def _json(status: int, payload: Any) -> Response:
    return Response(orjson.dumps(payload), status_code=status, media_type="application/json")


def _error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> Response:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ()))
        return JSONResponse({"detail": f"{where}: {first.get('msg', 'invalid request')}"},
                            status_code=422)

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, exc: HTTPException) -> Response:
        return JSONResponse({"detail": str(exc.detail)}, status_code=exc.status_code,
                            headers=exc.headers)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> Response:
        log.error("request failed: %s: %s", type(exc).__name__, exc)
        return JSONResponse({"detail": "the service failed to answer; see its log"},
                            status_code=500)
