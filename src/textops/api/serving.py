"""``textops serve``: build the scoring service from the definition and run it under uvicorn."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textops.api import _config_and_store, _registry
from textops.config.serve import ServeConfig

if TYPE_CHECKING:
    from fastapi import FastAPI

    from textops.serving.batch import BatchSink

__all__ = ["API_KEY_ENV", "app_from_environment", "build_app", "serve", "serve_settings"]

API_KEY_ENV = "TEXTOPS_API_KEY"
_WORKER_ENV = "TEXTOPS_SERVE_WORKER"  # how worker processes rebuild the app (workers > 1)


def serve_settings(
    path: str | Path | None = None, overrides: Sequence[str] = (), **options: Any
) -> ServeConfig:
    """The ``serve:`` section with the command line's options (those not None) on top."""
    resolved = _config_and_store(path, overrides)[0]
    chosen = {key: value for key, value in options.items() if value is not None}
    return ServeConfig.model_validate(resolved.serve.model_dump() | chosen)


def build_app(
    path: str | Path | None = None, overrides: Sequence[str] = (), *,
    model: str | None = None, sink: BatchSink | None = None,
) -> FastAPI:
    """Load the model (a ServingError if it cannot) and return the app around it.

    The API key is read from ``TEXTOPS_API_KEY``; unset or empty, no route needs one.
    Without ``sink``, every scored request goes to the store's request log
    (``monitoring/requests/``, see :class:`~textops.monitoring.traffic.TrafficLog`),
    unless ``serve.log_requests`` is false.
    """
    from textops.serving.app import create_app
    from textops.serving.holder import ModelHolder
    from textops.serving.model import ModelRef, RegistrySource
    from textops.serving.scoring import WarningRules

    settings = serve_settings(path, overrides, model=model)
    ref = ModelRef.parse(settings.model)
    resolved, store = _config_and_store(path, overrides)
    registry = _registry(resolved, store)
    rules = WarningRules(settings.oov_warning_share, settings.language_min_words)
    source = RegistrySource(registry, threads=settings.threads, rules=rules)
    holder = ModelHolder.load(source, ref)
    if sink is None and settings.log_requests:
        from functools import partial

        from textops.serving.process_sink import ProcessSink

        # in a child process: its statistics must not hold this process's GIL
        sink = ProcessSink(partial(
            _warmed_log, store.url, flush_seconds=resolved.monitoring.flush_seconds,
            keep_text=resolved.monitoring.keep_text,
            vocabulary=holder.current.scorer.vocabulary,
        ))
    key = os.environ.get(API_KEY_ENV) or None
    return create_app(holder, settings, api_key=key, sink=sink)


def serve(
    path: str | Path | None = None, overrides: Sequence[str] = (), *,
    model: str | None = None, host: str | None = None, port: int | None = None,
    workers: int | None = None, sink: BatchSink | None = None,
) -> None:
    """Run the service until interrupted; with several workers each loads the model itself."""
    import uvicorn

    settings = serve_settings(path, overrides, model=model, host=host, port=port,
                              workers=workers)
    from textops.serving.model import ModelRef

    ModelRef.parse(settings.model)  # a bad reference fails here, before any worker starts
    _log_to_stderr()
    address: dict[str, Any] = {"host": settings.host, "port": settings.port, "log_level": "info",
                               "access_log": settings.access_log}
    if settings.workers == 1:
        app = build_app(path, overrides, model=settings.model, sink=sink)
        uvicorn.run(app, **address)
        return
    os.environ[_WORKER_ENV] = json.dumps(
        {"path": None if path is None else str(path), "overrides": list(overrides),
         "model": settings.model})
    uvicorn.run("textops.api.serving:app_from_environment", factory=True,
                workers=settings.workers, **address)


def app_from_environment() -> FastAPI:
    """The app of one worker process of a multi-worker ``serve`` (uvicorn's factory)."""
    spec = json.loads(os.environ[_WORKER_ENV])
    _log_to_stderr()
    return build_app(spec["path"], spec["overrides"], model=spec["model"])  # each its own log


def _warmed_log(store_url: str, **options: Any) -> BatchSink:
    """The request log, with the profile's detectors and sentiment lexicon loaded first
    (the child process's start; otherwise its first flush would take about a second more)."""
    import polars as pl

    from textops.monitoring.traffic import TrafficLog
    from textops.text.language import load_detectors
    from textops.text.stats import compute_doc_stats

    load_detectors()
    compute_doc_stats(pl.DataFrame({"id": [0], "text": ["A sentence to load the detectors."]}))
    return TrafficLog(store_url, **options)


def _log_to_stderr() -> None:
    logger = logging.getLogger("textops.serving")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s:     %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
