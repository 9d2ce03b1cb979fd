"""MLflow's exceptions become one TrackingError shape: what was refused, why, and the fix."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from textops.errors import ConfigError, TrackingError
from textops.tracking.errors import ERROR_CODE_HINTS, mlflow_errors, translate, translated


class _CodedError(Exception):
    """Shaped like MlflowException: a message and an error_code."""

    def __init__(self, message: str, error_code: str) -> None:
        super().__init__(message)
        self.message = message
        self.error_code = error_code


def test_error_code_picks_the_fix() -> None:
    error = translate(
        _CodedError("Registered Model with name=x not found", "RESOURCE_DOES_NOT_EXIST"),
        "read version 3 of model 'x'",
        uri="sqlite:///db",
    )
    assert error.message == (
        "MLflow refused to read version 3 of model 'x': Registered Model with name=x not found"
    )
    assert error.hint == ERROR_CODE_HINTS["RESOURCE_DOES_NOT_EXIST"]


def test_unreachable_server_names_the_uri() -> None:
    error = translate(ConnectionError("refused"), "create run", uri="http://mlflow:5000")
    assert error.hint is not None
    assert "tracking server at 'http://mlflow:5000' is reachable" in error.hint
    assert "--set tracking.enabled=false" in error.hint


def test_anything_else_gets_the_default_fix_and_keeps_its_cause() -> None:
    cause = RuntimeError("disk I/O error")
    refused = "MLflow refused to log batch: disk I/O error"
    with pytest.raises(TrackingError, match=refused) as info, mlflow_errors("log batch"):
        raise cause
    assert info.value.__cause__ is cause
    assert info.value.hint is not None and "tracking.uri" in info.value.hint


def test_our_own_errors_pass_through() -> None:
    with pytest.raises(ConfigError, match="ours"), mlflow_errors("log batch"):
        raise ConfigError("ours")


@dataclass
class _Client:
    tracking_uri: str

    @translated
    def log_batch(self, run_id: str, *, fail: bool = False) -> str:
        if fail:
            raise ValueError(f"bad run id {run_id}")
        return run_id


def test_decorated_methods_are_named_after_the_method() -> None:
    client = _Client("sqlite:///x.db")
    assert client.log_batch("r1") == "r1"
    with pytest.raises(TrackingError, match="MLflow refused to log batch: bad run id r2") as info:
        client.log_batch("r2", fail=True)
    assert info.value.hint is not None and "at 'sqlite:///x.db'" in info.value.hint


def test_the_mlflow_tracker_translates_a_refused_call(tmp_path: Path) -> None:
    from textops.tracking.mlflow import MlflowTracker

    tracker = MlflowTracker(f"sqlite:///{tmp_path / 'mlflow.db'}", "errors")
    with pytest.raises(TrackingError, match="MLflow refused to end run: ") as info:
        tracker.end_run("no-such-run")
    assert info.value.hint == ERROR_CODE_HINTS["RESOURCE_DOES_NOT_EXIST"]


def test_a_refused_connection_wrapped_by_mlflow_is_recognised_as_unreachable() -> None:
    from mlflow.exceptions import MlflowException

    try:
        try:
            raise ConnectionRefusedError(111, "Connection refused")
        except ConnectionRefusedError as refused:
            raise MlflowException("API request failed", error_code="INTERNAL_ERROR") from refused
    except MlflowException as wrapped:
        error = translate(wrapped, "create run", uri="http://127.0.0.1:9")
    assert error.hint is not None and "is reachable" in error.hint


def test_a_bad_registry_uri_is_one_message(tmp_path: object) -> None:
    from textops.tracking.registry import ModelRegistry

    with pytest.raises(TrackingError, match="MLflow refused to open the model registry"):
        ModelRegistry("foo://bar")
