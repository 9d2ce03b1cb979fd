"""The MLflow tracking backend (``MlflowClient``: explicit run ids, no global state).

Everything is logged with ``log_batch`` in chunks under MLflow's limits: on
SQLite each call costs milliseconds, so one call per value would dominate a run.

A SQLite database is checked before MLflow opens it (a damaged one is one error
naming the file and the fix), and opened, which is when MLflow creates or
migrates its schema, under a lock of its own (:func:`sqlite_lock`), so two
processes never migrate one database at once, whatever lock they hold besides.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from textops.errors import ConfigError, TrackingError
from textops.tracking.base import now_ms
from textops.tracking.errors import mlflow_errors, translated

_MAX_PARAMS, _MAX_METRICS, _MAX_TAGS, _MAX_PARAM_LEN = 100, 1000, 100, 6000
#: MLflow's HTTP retry settings unless the environment sets them (its defaults: 7, 2, 120)
HTTP_RETRY_DEFAULTS = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "10",
}


def resolve_tracking_uri(configured: str | None, store: Any) -> str:
    """Config ``tracking.uri``, else ``MLFLOW_TRACKING_URI``, else SQLite inside the store."""
    if configured:
        return configured
    if os.environ.get("MLFLOW_TRACKING_URI"):
        return os.environ["MLFLOW_TRACKING_URI"]
    if not store.is_local:
        raise ConfigError(
            f"store '{store.url}' is not a local folder, so it cannot hold the SQLite "
            "tracking database",
            hint="set tracking.uri (or MLFLOW_TRACKING_URI) to your MLflow server",
        )
    return f"sqlite:///{store.path('mlflow.db')}"


class MlflowTracker:
    def __init__(
        self, tracking_uri: str, experiment: str, *, artifact_location: str | None = None
    ) -> None:
        import logging

        from mlflow.tracking import MlflowClient

        # MLflow announces schema creation at INFO on every new store, warns that pyfunc
        # models are cloudpickled, and draws a progress bar per artifact download: the
        # CLI reports what matters itself
        logging.getLogger("mlflow").setLevel(logging.ERROR)
        os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
        # a server that went away mid-run: fail in about 40 s, not MLflow's 7 retries of 120 s
        for variable, value in HTTP_RETRY_DEFAULTS.items():
            os.environ.setdefault(variable, value)
        logging.getLogger("alembic").setLevel(logging.WARNING)
        self.tracking_uri = tracking_uri
        with sqlite_lock(tracking_uri), mlflow_errors(
            f"open experiment '{experiment}'", uri=tracking_uri
        ):
            self.client = MlflowClient(tracking_uri=tracking_uri)
            found = self.client.get_experiment_by_name(experiment)
            if found is None:
                self.experiment_id = self.client.create_experiment(
                    experiment, artifact_location=artifact_location
                )
            else:
                self.experiment_id = found.experiment_id

    @translated
    def create_run(
        self,
        name: str,
        *,
        parent_id: str | None = None,
        tags: Mapping[str, str] | None = None,
        start_time_ms: int | None = None,
    ) -> str:
        all_tags = {k: str(v) for k, v in (tags or {}).items()}
        if parent_id:
            all_tags["mlflow.parentRunId"] = parent_id
        run = self.client.create_run(
            self.experiment_id, start_time=start_time_ms or now_ms(), tags=all_tags, run_name=name
        )
        return str(run.info.run_id)

    @translated
    def log_batch(
        self,
        run_id: str,
        *,
        params: Mapping[str, Any] | None = None,
        metrics: Mapping[str, float] | None = None,
        tags: Mapping[str, str] | None = None,
        step: int = 0,
    ) -> None:
        from mlflow.entities import Metric, Param, RunTag

        stamp = now_ms()
        param_list = [Param(_key(k), _param_value(v)) for k, v in (params or {}).items()]
        metric_list = [
            Metric(_key(k), float(v), stamp, step)
            for k, v in (metrics or {}).items()
            if v is not None
        ]
        tag_list = [RunTag(_key(k), str(v)) for k, v in (tags or {}).items()]
        while param_list or metric_list or tag_list:
            self.client.log_batch(
                run_id,
                params=param_list[:_MAX_PARAMS],
                metrics=metric_list[:_MAX_METRICS],
                tags=tag_list[:_MAX_TAGS],
                synchronous=True,
            )
            param_list = param_list[_MAX_PARAMS:]
            metric_list = metric_list[_MAX_METRICS:]
            tag_list = tag_list[_MAX_TAGS:]

    @translated
    def log_metric_history(self, run_id: str, key: str, values: list[float]) -> None:
        from mlflow.entities import Metric

        stamp = now_ms()
        metrics = [Metric(_key(key), float(v), stamp, i) for i, v in enumerate(values)]
        for start in range(0, len(metrics), _MAX_METRICS):
            self.client.log_batch(
                run_id, metrics=metrics[start : start + _MAX_METRICS], synchronous=True
            )

    @translated
    def log_artifact_bytes(self, run_id: str, data: bytes, artifact_file: str) -> None:
        folder, _, filename = artifact_file.rpartition("/")
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / filename
            path.write_bytes(data)
            self.client.log_artifact(run_id, str(path), artifact_path=folder or None)

    @translated
    def log_dataset(
        self, run_id: str, *, name: str, digest: str, source: str, context: str,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        """What ``mlflow.log_input`` logs, for a run other than the active one.

        The version is a metadata-only dataset (``MetaDataset``): its name, its
        version id as the digest, and where it lies; the data stays in the store.
        """
        from mlflow.data.code_dataset_source import CodeDatasetSource
        from mlflow.data.dataset_source_registry import resolve_dataset_source
        from mlflow.data.meta_dataset import MetaDataset
        from mlflow.entities import DatasetInput, InputTag
        from mlflow.exceptions import MlflowException
        from mlflow.utils.mlflow_tags import MLFLOW_DATASET_CONTEXT

        try:
            with warnings.catch_warnings():  # MLflow registers its local source type twice
                warnings.filterwarnings("ignore", "The specified dataset source can be interpreted")
                where: Any = resolve_dataset_source(source)
        except MlflowException:  # a scheme MLflow has no source type for (memory://)
            where = CodeDatasetSource({"textops.source": source})
        dataset = MetaDataset(where, name=name, digest=digest)  # type: ignore[abstract]
        input_tags = [InputTag(key=k, value=str(v)) for k, v in (tags or {}).items()]
        input_tags.append(InputTag(key=MLFLOW_DATASET_CONTEXT, value=context))
        # mlflow.log_input does the same for the active run (tracking/fluent.py)
        entity = DatasetInput(dataset=dataset._to_mlflow_entity(), tags=input_tags)
        self.client.log_inputs(run_id, datasets=[entity])

    @translated
    def end_run(
        self, run_id: str, status: str = "FINISHED", end_time_ms: int | None = None
    ) -> None:
        self.client.set_terminated(run_id, status=status, end_time=end_time_ms or now_ms())


@contextlib.contextmanager
def sqlite_lock(tracking_uri: str) -> Iterator[None]:
    """For a SQLite URI: check the database, then hold its own lock while MLflow opens
    (creates, migrates) it. Any other URI: nothing to do."""
    if not tracking_uri.startswith("sqlite:///"):
        yield
        return
    import hashlib

    from filelock import FileLock

    path = Path(tracking_uri.removeprefix("sqlite:///"))
    check_sqlite(path)
    key = hashlib.sha256(os.path.realpath(path).encode()).hexdigest()[:16]
    lock = Path(tempfile.gettempdir()) / "textops-locks" / f"mlflow-{key}.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(lock), timeout=600):
        _prepare_sqlite(path)
        yield


def check_sqlite(path: Path) -> None:
    """Raise one :class:`TrackingError` naming ``path`` when it is not a sound database."""
    import sqlite3

    if not path.is_file() or path.stat().st_size == 0:
        return
    problem = None
    try:
        connection = sqlite3.connect(path)
        try:
            rows = connection.execute("PRAGMA quick_check").fetchall()
            leftovers = connection.execute(
                "SELECT name FROM sqlite_master WHERE name LIKE '_alembic_tmp_%'"
            ).fetchall()
        finally:
            connection.close()
        if rows != [("ok",)]:
            problem = str(rows[0][0])
        elif leftovers:
            problem = f"a schema migration was cut short (table {leftovers[0][0]})"
    except sqlite3.DatabaseError as exc:
        problem = str(exc)
    if problem is not None:
        raise TrackingError(
            f"the tracking database '{path}' is damaged: {problem}",
            hint=f"restore it from a backup, or move it aside (mv '{path}' '{path}.damaged') "
            "and run again: a new one is made, and the steps that registered models run again",
        )


def _prepare_sqlite(path: Path) -> None:
    """Create the database in WAL mode: a commit then costs no journal rewrite.

    Measured here, WAL cut a step's three tracking calls from about 130 ms to
    about 40 ms. The mode is stored in the file, so MLflow's own connections use it.
    A new database gets MLflow's whole schema before it takes its name
    (:func:`_create_sqlite`).
    """
    import sqlite3

    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.is_file() or path.stat().st_size == 0:
        _create_sqlite(path)
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
    finally:
        connection.close()


def _create_sqlite(path: Path) -> None:
    """Make MLflow's schema in a temporary file, then rename it to ``path``.

    On SQLite MLflow's migrations are not one transaction: a process killed
    while it creates a database leaves tables made and migrations half run, and
    every later open fails ("table scorers already exists"). Built aside, the
    database appears whole or not at all; a killed build leaves a ``*.tmp-*``
    file that ``textops doctor --repair`` removes.
    """
    import sqlite3

    from mlflow.store.tracking import DEFAULT_LOCAL_FILE_AND_ARTIFACT_PATH
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    staged = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    try:
        connection = sqlite3.connect(staged)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
        finally:
            connection.close()
        store = SqlAlchemyStore(  # type: ignore[no-untyped-call]
            f"sqlite:///{staged}", DEFAULT_LOCAL_FILE_AND_ARTIFACT_PATH)
        store.engine.dispose()
        connection = sqlite3.connect(staged)
        try:  # everything into the main file, so the rename carries it all
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            connection.close()
        os.replace(staged, path)
    finally:
        for leftover in (staged, Path(f"{staged}-wal"), Path(f"{staged}-shm")):
            leftover.unlink(missing_ok=True)


def _key(name: str) -> str:
    # MLflow keys allow alphanumerics, '_', '-', '.', ' ', '/' and ':'
    return "".join(c if c.isalnum() or c in "_-. /:" else "_" for c in str(name))[:250]


def _param_value(value: Any) -> str:
    text = str(value)
    return text if len(text) <= _MAX_PARAM_LEN else text[: _MAX_PARAM_LEN - 3] + "..."
