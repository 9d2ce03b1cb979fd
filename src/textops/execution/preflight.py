"""Checks of the definition that need the outside world, made before a run writes anything.

The schema refuses what a value alone shows; these need a look around: the
tracking URI's scheme and whether its server answers (a short timeout, so an
unreachable server costs seconds, not MLflow's minutes of retries), the
database URL of a tuning study (its driver installed, its host reachable) and
the store's baseline profile (parsed, thresholds included). Each failure is a
:class:`ConfigError` naming the key and the value, so a run refused here
leaves the store as it was.
"""

from __future__ import annotations

import os
import re
import socket
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from textops.config.schema import PipelineConfig
from textops.errors import ConfigError
from textops.execution.planning import Mode
from textops.pipeline.graph import Graph
from textops.store.store import Store

#: tracking URI schemes MLflow accepts (besides a plain path and ``file:``)
TRACKING_SCHEMES = frozenset(
    {"http", "https", "sqlite", "postgresql", "mysql", "mssql", "databricks", "databricks-uc", "uc"}
)
#: default ports of the databases a URL may name without one
DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306, "mssql": 1433, "oracle": 1521}
#: seconds a server gets to answer before the run is refused
TIMEOUT_SECONDS = 5.0


def check_before_writing(
    config: PipelineConfig, graph: Graph, modes: dict[str, Mode], *, store: Store,
    tracks: bool = True,
) -> None:
    """Refuse, before the first write, a definition that the run could only fail on later.

    ``tracks``: whether the run tracks where the definition says (a caller that
    gives its own tracking backend does not reach the configured URI).
    """
    running = {n.name for n in graph.nodes if modes[n.name] in (Mode.RUN, Mode.FORCE)}
    if config.tracking.enabled and tracks:
        check_tracking_uri(config.tracking.uri, store, experiment=config.tracking.experiment)
    for node in graph.nodes:
        storage = getattr(node.params, "storage", None) if node.spec.kind == "tune" else None
        is_url = isinstance(storage, str) and "://" in storage and not storage.startswith("file:")
        if node.name in running and is_url:
            check_database_url(str(storage), key=f"steps.{node.name}.params.storage")
    if any(graph.node(name).spec.kind == "validate" for name in running):
        _check_baseline(store)


def check_tracking_uri(configured: str | None, store: Store, *, experiment: str) -> None:
    """The tracking URI has a scheme MLflow knows and, for a server or database, answers."""
    from textops.tracking.mlflow import resolve_tracking_uri

    uri = resolve_tracking_uri(configured, store)
    key = "tracking.uri" if configured else "MLFLOW_TRACKING_URI"
    scheme = urlsplit(uri).scheme.lower()
    base = scheme.split("+", 1)[0]
    if len(scheme) <= 1 or base == "file":  # a path (a drive letter on Windows) or file:
        return
    if base not in TRACKING_SCHEMES:
        raise ConfigError(
            f"{key} '{uri}': MLflow cannot track to a '{scheme}' URI",
            hint="use http(s)://HOST:PORT of an MLflow server, sqlite:///PATH, a database URL "
            "(postgresql://...), or leave tracking.uri unset for SQLite in the store",
        )
    if base in ("http", "https"):
        _check_tracking_server(uri, key=key, experiment=experiment)
    elif base == "sqlite":
        _check_sqlite_folder(uri, key=key, store=store)
    elif base in DEFAULT_PORTS:
        check_database_url(uri, key=key)


def _check_tracking_server(uri: str, *, key: str, experiment: str) -> None:
    """An MLflow server answers at ``uri`` within the timeout (a read, never a write)."""
    import requests

    endpoint = uri.rstrip("/") + "/api/2.0/mlflow/experiments/get-by-name"
    try:
        response = requests.get(
            endpoint, params={"experiment_name": experiment}, timeout=TIMEOUT_SECONDS,
            **_credentials(),
        )
    except requests.RequestException as exc:
        raise ConfigError(
            f"{key} '{uri}': the tracking server cannot be reached within "
            f"{TIMEOUT_SECONDS:.0f} s ({_reason(exc)})",
            hint="start the server or correct the URI, or run without tracking: "
            "--set tracking.enabled=false",
        ) from None
    if response.status_code in (401, 403):
        raise ConfigError(
            f"{key} '{uri}': the tracking server refused the credentials "
            f"(HTTP {response.status_code})",
            hint="set MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/PASSWORD",
        )
    if response.ok or _is_mlflow_not_found(response):
        return
    raise ConfigError(
        f"{key} '{uri}' does not answer as an MLflow server (HTTP {response.status_code} "
        "from its experiments API)",
        hint="point it at the MLflow server's base URL (e.g. http://HOST:5000), or run without "
        "tracking: --set tracking.enabled=false",
    )


def _credentials() -> dict[str, Any]:
    """The ``requests`` options for MLflow's own credential variables."""
    options: dict[str, Any] = {}
    if token := os.environ.get("MLFLOW_TRACKING_TOKEN"):
        options["headers"] = {"Authorization": f"Bearer {token}"}
    user, password = (os.environ.get(f"MLFLOW_TRACKING_{k}") for k in ("USERNAME", "PASSWORD"))
    if user and password:
        options["auth"] = (user, password)
    if os.environ.get("MLFLOW_TRACKING_INSECURE_TLS", "").lower() == "true":
        options["verify"] = False
    return options


def _is_mlflow_not_found(response: Any) -> bool:
    """MLflow's answer for an experiment not created yet (the run will create it)."""
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("error_code") == "RESOURCE_DOES_NOT_EXIST"


def _check_sqlite_folder(uri: str, *, key: str, store: Store) -> None:
    path = Path(uri.split(":///", 1)[-1]) if ":///" in uri else None
    if path is None or not str(path) or str(path) == ":memory:":
        return
    in_store = store.is_local and path.resolve().is_relative_to(store.local_path().resolve())
    if not in_store and not path.parent.is_dir():
        raise ConfigError(
            f"{key} '{uri}': the folder '{path.parent}' of the SQLite file does not exist",
            hint=f"create '{path.parent}', or correct the path (sqlite:////absolute/path.db)",
        )


def check_database_url(url: str, *, key: str) -> None:
    """A SQLAlchemy URL whose driver is installed and whose server (or SQLite folder) exists."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        parsed = make_url(url)
        dialect = parsed.get_dialect()
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise ConfigError(
            f"{key} '{_redacted(url)}' is not a database URL SQLAlchemy knows: {_reason(exc)}",
            hint="use e.g. postgresql://USER:PASSWORD@HOST:5432/DB, mysql+pymysql://... or "
            "sqlite:////absolute/path.db",
        ) from None
    try:
        dialect.import_dbapi()
    except ImportError as exc:
        missing = getattr(exc, "name", None) or _reason(exc)
        raise ConfigError(
            f"{key} '{_redacted(url)}' needs the database driver '{missing}', which is not "
            "installed",
            hint=f"pip install {missing} (or name an installed driver: "
            f"{parsed.get_backend_name()}+DRIVER://...)",
        ) from None
    if parsed.get_backend_name() == "sqlite":
        folder = Path(parsed.database or "").parent
        if parsed.database and not folder.is_dir():
            raise ConfigError(
                f"{key} '{url}': the folder '{folder}' of the SQLite file does not exist",
                hint=f"create '{folder}', or correct the path (sqlite:////absolute/path.db)",
            )
        return
    _check_reachable(parsed.host, parsed.port or DEFAULT_PORTS.get(parsed.get_backend_name()),
                     key=key, shown=_redacted(url))


def _check_reachable(host: str | None, port: int | None, *, key: str, shown: str) -> None:
    if not host or not port:
        return  # a socket path or a driver default: the driver knows where to go
    try:
        with socket.create_connection((host, port), timeout=TIMEOUT_SECONDS):
            pass
    except OSError as exc:
        raise ConfigError(
            f"{key} '{shown}': the database server {host}:{port} cannot be reached within "
            f"{TIMEOUT_SECONDS:.0f} s ({_reason(exc)})",
            hint="start the database or correct the URL's host and port",
        ) from None


def _check_baseline(store: Store) -> None:
    """The store's baseline parses (a hand edit is refused now, not after ingest has written)."""
    from textops.quality.baseline import parse_baseline
    from textops.store.baselines import baseline_text

    text = baseline_text(store)
    if text is not None:
        parse_baseline(text, source=store.path("baseline", "profile.yaml"))


def _redacted(url: str) -> str:
    """``url`` with its password hidden."""
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@", 1)
    return url


def _reason(exc: BaseException) -> str:
    """The cause in a few words: an OS error's text (``Connection refused``), or the first line."""
    text = str(exc).strip()
    if found := re.search(r"\[Errno -?\d+\] ([^'\"\)\]]+)", text):
        return found.group(1).strip()
    if "timed out" in text.lower():
        return "timed out"
    lines = text.splitlines()
    return (lines[0] if lines else type(exc).__name__)[:200]
