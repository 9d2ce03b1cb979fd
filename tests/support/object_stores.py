"""Object stores on loopback for tests: S3 (moto's server) and Azure Blob (Azurite).

Each yields the environment variables a client needs (the usual ones: the
AWS_* variables, AZURE_STORAGE_CONNECTION_STRING) and a bucket or container
URL; it skips with the reason when its server or fsspec backend is not installed.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

#: Azurite's well-known development account (public, documented by Microsoft)
AZURITE_KEY = ("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/"
               "KBHBeksoGMGw==")
S3_SECRET = "s3-secret-never-printed"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_port(
    port: int, process: subprocess.Popen[bytes], what: str, *, timeout: float = 30
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with status {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not listen on port {port} in {timeout:.0f} s")


@contextmanager
def _server(command: list[str], port: int, what: str, *, timeout: float = 30) -> Iterator[None]:
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for_port(port, process, what, timeout=timeout)
        yield
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def s3_store() -> Iterator[tuple[str, dict[str, str]]]:
    """moto's S3 server with a bucket ``textops``: (store URL, environment)."""
    pytest.importorskip("s3fs", reason='s3fs is not installed (pip install "textops[s3]")')
    server = Path(sys.executable).with_name("moto_server")
    if not server.exists():
        pytest.skip('moto\'s server is not installed (pip install "moto[server]")')
    port = _free_port()
    env = {"AWS_ACCESS_KEY_ID": "textops", "AWS_SECRET_ACCESS_KEY": S3_SECRET,
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}"}
    with _server([str(server), "-H", "127.0.0.1", "-p", str(port)], port, "moto_server"):
        import boto3

        boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"], aws_access_key_id="textops",
                     aws_secret_access_key=S3_SECRET, region_name="us-east-1",
                     ).create_bucket(Bucket="textops")
        yield "s3://textops/store", env


@contextmanager
def azure_store() -> Iterator[tuple[str, dict[str, str]]]:
    """Azurite's blob service with a container ``textops``: (store URL, environment)."""
    pytest.importorskip("adlfs", reason='adlfs is not installed (pip install "textops[azure]")')
    azurite = shutil.which("azurite-blob")
    if azurite is None:
        pytest.skip("Azurite is not installed (npm install -g azurite)")
    port = _free_port()
    connection = (f"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
                  f"AccountKey={AZURITE_KEY};"
                  f"BlobEndpoint=http://127.0.0.1:{port}/devstoreaccount1;")
    env = {"AZURE_STORAGE_CONNECTION_STRING": connection}
    with tempfile.TemporaryDirectory(prefix="azurite-") as location, _server(
        [azurite, "--blobHost", "127.0.0.1", "--blobPort", str(port), "--location", location,
         "--silent", "--skipApiVersionCheck"], port, "azurite-blob",
    ):
        from azure.storage.blob import BlobServiceClient

        BlobServiceClient.from_connection_string(connection).create_container("textops")
        yield "az://textops/store", env


@contextmanager
def mlflow_server(folder: Path) -> Iterator[str]:
    """A shared ``mlflow server`` (SQLite backend, artifacts proxied to a folder): its URL."""
    server = Path(sys.executable).with_name("mlflow")
    port = _free_port()
    command = [str(server), "server", "--host", "127.0.0.1", "--port", str(port),
               "--backend-store-uri", f"sqlite:///{folder / 'mlflow.db'}",
               "--artifacts-destination", str(folder / "artifacts"), "--workers", "1"]
    # its first start migrates the database: 10-40 s on a busy 2-core machine
    with _server(command, port, "mlflow server", timeout=120):
        yield f"http://127.0.0.1:{port}"
