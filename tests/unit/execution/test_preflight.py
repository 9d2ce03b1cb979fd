"""The checks made before a run writes: tracking servers that answer, or not, as MLflow."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from textops.errors import ConfigError
from textops.execution.preflight import check_database_url, check_tracking_uri
from textops.store.store import Store


def _server(status: int, body: bytes) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@pytest.fixture()
def serve() -> Iterator[object]:
    servers: list[ThreadingHTTPServer] = []

    def start(status: int, body: bytes) -> str:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _server(status, body))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


NOT_FOUND = json.dumps({"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "no"}).encode()


@pytest.mark.parametrize(("status", "body"), [(200, b'{"experiment": {}}'), (404, NOT_FOUND)],
                         ids=["experiment exists", "experiment to create"])
def test_an_mlflow_server_passes(serve: object, tmp_path: Path, status: int, body: bytes) -> None:
    uri = serve(status, body)  # type: ignore[operator]
    check_tracking_uri(uri, Store(str(tmp_path / "store")), experiment="textops")
    assert not (tmp_path / "store").exists()


@pytest.mark.parametrize(("status", "body", "message"), [
    (404, b"<html>not here</html>", r"does not answer as an MLflow server \(HTTP 404"),
    (500, b"{}", r"does not answer as an MLflow server \(HTTP 500"),
    (401, b"{}", r"refused the credentials \(HTTP 401\)"),
], ids=["another web server", "server error", "no credentials"])
def test_a_server_that_is_not_mlflow_is_refused(
    serve: object, tmp_path: Path, status: int, body: bytes, message: str
) -> None:
    uri = serve(status, body)  # type: ignore[operator]
    with pytest.raises(ConfigError, match=rf"tracking\.uri '{uri}'.*{message}") as info:
        check_tracking_uri(uri, Store(str(tmp_path / "store")), experiment="textops")
    assert info.value.hint


def test_an_unreachable_server_is_refused_in_seconds(tmp_path: Path) -> None:
    began = time.perf_counter()
    with pytest.raises(ConfigError, match=r"cannot be reached within 5 s \(.*refused"):
        check_tracking_uri("http://127.0.0.1:9", Store(str(tmp_path)), experiment="textops")
    assert time.perf_counter() - began < 6


def test_the_uri_from_the_environment_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "gopher://old")
    with pytest.raises(ConfigError, match=r"^MLFLOW_TRACKING_URI 'gopher://old'"):
        check_tracking_uri(None, Store(str(tmp_path)), experiment="textops")


def test_the_store_own_sqlite_needs_no_folder_yet(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "not-yet"))
    check_tracking_uri(None, store, experiment="textops")  # the run creates the folder
    assert not (tmp_path / "not-yet").exists()


def test_a_reachable_database_with_its_driver_passes(tmp_path: Path) -> None:
    check_database_url(f"sqlite:///{tmp_path}/optuna.db", key="steps.tune.params.storage")
    assert not (tmp_path / "optuna.db").exists()
