"""The Python API. Every CLI command is a thin wrapper around one function here."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textops.config.loader import CONFIG_FILE, load_config
from textops.config.schema import PipelineConfig
from textops.errors import ConfigError, ValidationError

if TYPE_CHECKING:  # the runner loads every step kind: only the commands that run need it
    from textops.execution.records import RunRecord
    from textops.execution.runner import Event


def _load(path: str | Path | None, overrides: Sequence[str]) -> PipelineConfig:
    """The resolved definition; a ``--set`` in a step's params starts from its kind's defaults."""
    if not any(o.strip().startswith("steps.") for o in overrides):
        return load_config(path, overrides=list(overrides))
    from textops.pipeline.registry import BUILTIN_STEPS

    defaults = {
        kind: spec.params().model_dump(mode="json")
        for kind, spec in BUILTIN_STEPS.items() if spec.params_from is None
    }
    return load_config(path, overrides=list(overrides), param_defaults=defaults)


def init_project(folder: str | Path = ".", *, force: bool = False) -> list[Path]:
    """Write a commented ``textops.yaml`` and the default environment files."""
    from textops.config.template import TEMPLATE
    from textops.envs.check import PACKAGED

    folder = Path(folder)
    config_file = folder / CONFIG_FILE
    if config_file.exists() and not force:
        raise ConfigError(f"'{config_file}' already exists", hint="use --force to overwrite it")
    folder.mkdir(parents=True, exist_ok=True)
    config_file.write_text(TEMPLATE, encoding="utf-8")
    written = [config_file]
    (folder / "environments").mkdir(exist_ok=True)
    for source in sorted(PACKAGED.glob("*.yml")):
        target = folder / "environments" / source.name
        if force or not target.exists():
            shutil.copyfile(source, target)
            written.append(target)
    return written


def write_demo(landing: str | Path = "landing", later: str | Path = "demo-drops", *,
               rows: int = 3000, seed: int = 7) -> dict[str, Path]:
    """Write the demo drops: drop 1 into ``landing``, drops 2 and 3 into ``later``."""
    from textops.demo import write_demo as _write

    return _write(landing, later, rows=rows, seed=seed)


def config(path: str | Path | None = None, overrides: Sequence[str] = ()) -> PipelineConfig:
    """The resolved pipeline definition."""
    return _load(path, overrides)


def run(
    path: str | Path | None = None,
    overrides: Sequence[str] = (),
    *,
    only: str | None = None,
    from_step: str | None = None,
    force: bool = False,
    on_event: Event | None = None,
    on_record: Callable[[RunRecord], None] | None = None,
) -> RunRecord:
    """Run the pipeline; see :func:`textops.execution.runner.run_pipeline`."""
    from textops.execution.runner import RunOptions, run_pipeline

    resolved = _load(path, overrides)
    return run_pipeline(
        resolved, RunOptions(only=only, from_step=from_step, force=force), on_event=on_event,
        on_record=on_record,
    )


def graph(path: str | Path | None = None, overrides: Sequence[str] = ()) -> list[dict[str, str]]:
    """The step graph as rows (step, inputs, compute, environment, data), without running it."""
    from textops.pipeline.graph import build_graph, describe

    return describe(build_graph(_load(path, overrides)))


def _config_and_store(
    path: str | Path | None, overrides: Sequence[str]
) -> tuple[PipelineConfig, Any]:
    """The resolved definition and its store, for the commands that only read or curate."""
    from textops.store import Store

    resolved = _load(path, overrides)
    return resolved, Store(resolved.store.url)


def list_datasets(
    path: str | Path | None = None, overrides: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """Every committed version of every dataset in the store, oldest first.

    Each manifest gains ``validation`` (accepted, refused or unvalidated),
    ``drift_status`` (the worst status of its latest validation, or None) and
    ``refusal`` (why it was refused, or None).
    """
    from textops.store.datasets import DatasetRepository
    from textops.store.validations import standings

    store = _config_and_store(path, overrides)[1]
    repo = DatasetRepository(store)
    listed = []
    for name in repo.names():
        versions = repo.versions(name)
        standing = standings(store, name, [m["version"] for m in versions])
        for manifest in versions:
            judged = standing[manifest["version"]]
            listed.append({
                **manifest, "validation": judged.verdict, "drift_status": judged.drift_status,
                "refusal": None if judged.refusal is None else judged.refusal.describe(),
            })
    return listed


def show_dataset(
    version: str | None = None,
    path: str | Path | None = None,
    overrides: Sequence[str] = (),
    *,
    name: str | None = None,
    include_refused: bool = False,
) -> dict[str, Any]:
    """One version's manifest (by id, id prefix, sequence number or ``latest``: the latest
    version validation did not refuse, or of all with ``include_refused``)."""
    from textops.store.datasets import DatasetRepository

    resolved, store = _config_and_store(path, overrides)
    return DatasetRepository(store).resolve(name or resolved.data.name, version,
                                            include_refused=include_refused)


def baseline_init(
    version: str | None = None,
    path: str | Path | None = None,
    overrides: Sequence[str] = (),
    *,
    name: str | None = None,
    force: bool = False,
    include_refused: bool = False,
) -> dict[str, Any]:
    """Write ``baseline/profile.yaml`` from a version's training set; returns where and its hash.

    ``latest`` is the latest version validation did not refuse (of all, with
    ``include_refused``).

    A version whose latest validation found hard errors is refused, unless
    ``force`` (which also replaces an existing baseline); a forced baseline says
    so in its header, and the returned ``forced`` and ``refusal`` say why.
    """
    from textops.quality.baseline import baseline_from_train
    from textops.store.baselines import BASELINE, write_baseline
    from textops.store.datasets import DatasetRepository
    from textops.store.lock import store_lock
    from textops.store.validations import latest_refusal

    resolved, store = _config_and_store(path, overrides)
    repo = DatasetRepository(store)
    manifest = repo.resolve(name or resolved.data.name, version, include_refused=include_refused)
    ref = {"name": manifest["name"], "version": manifest["version"]}
    refusal = latest_refusal(store, ref["name"], ref["version"])
    if refusal is not None and not force:
        raise ValidationError(
            f"{refusal.describe()}; a baseline drawn from it would accept those errors",
            hint="draw it from a version that passed, or pass --force to use this one anyway",
        )
    text = baseline_from_train(repo.load(ref, "train"), ref)
    if refusal is not None:
        text = f"# FORCED with --force: {refusal.describe()}\n{text}"
    with store_lock(resolved.store.url):  # never while a run reads the baseline
        digest = write_baseline(store, text, overwrite=force)
    return {
        "path": store.path(*BASELINE), "sha256": digest, "dataset": ref,
        "forced": refusal is not None,
        "refusal": None if refusal is None else refusal.describe(),
    }


def baseline_show(path: str | Path | None = None, overrides: Sequence[str] = ()) -> tuple[str, str]:
    """The current baseline file's text and sha256."""
    from textops.errors import StoreError
    from textops.quality.baseline import parse_baseline
    from textops.store.baselines import baseline_hash, baseline_text

    store = _config_and_store(path, overrides)[1]
    text = baseline_text(store)
    if text is None:
        raise StoreError(
            f"store '{store.url}' has no baseline profile yet",
            hint="run 'textops baseline init --from VERSION' (or 'textops run', which makes one)",
        )
    parse_baseline(text, source="baseline/profile.yaml")  # say so now if the edit broke it
    return text, baseline_hash(text)


def _registry(resolved: PipelineConfig, store: Any) -> Any:
    """The model registry, or None when it would be the store's SQLite file and there is none.

    Opening MLflow on a missing file would create the database (a write, and
    MLflow's INFO lines) from a command that only reads.
    """
    from textops.tracking.mlflow import resolve_tracking_uri
    from textops.tracking.registry import ModelRegistry

    uri = resolve_tracking_uri(resolved.tracking.uri, store)
    is_own_sqlite = store.is_local and uri == f"sqlite:///{store.path('mlflow.db')}"
    if is_own_sqlite and not store.exists("mlflow.db"):
        return None
    return ModelRegistry(uri)


def _existing_registry(resolved: PipelineConfig, store: Any) -> Any:
    """The model registry; a StoreError when the store has none yet."""
    from textops.errors import StoreError

    registry = _registry(resolved, store)
    if registry is None:
        raise StoreError(
            f"store '{store.url}' has no model registry yet (no mlflow.db)",
            hint="run 'textops run' to train and register a model (or check store.url)",
        )
    return registry


def list_models(
    name: str = "textops-classifier", path: str | Path | None = None, overrides: Sequence[str] = ()
) -> list[Any]:
    """Every registered version of ``name`` (aliases, metrics, dataset), oldest first.

    Empty when the store has no registry yet; nothing is created.
    """
    registry = _registry(*_config_and_store(path, overrides))
    if registry is None:
        return []
    # searching versions does not return their aliases; reading each one does
    return [registry.get(name, info.version) for info in registry.versions(name)]


def promote_model(
    version: int,
    name: str = "textops-classifier",
    path: str | Path | None = None,
    overrides: Sequence[str] = (),
    *,
    reason: str,
    metric: str | None = None,
) -> Any:
    """Point ``champion`` at ``version`` by hand, appending ``reason`` to the model's history.

    The events record both versions' ``metric`` (default: the train step's
    ``gate_metric``), so the history shows what the hand promotion overruled.
    """
    from textops.store.lock import store_lock

    if not reason.strip():
        raise ConfigError(
            f"a hand promotion needs a reason for the history; got {reason!r}",
            hint="say why, e.g. --reason 'v3 mislabels urgent mail'",
        )
    resolved, store = _config_and_store(path, overrides)
    registry = _existing_registry(resolved, store)
    registry.get(name, version)  # a clear error for a version that does not exist
    with store_lock(resolved.store.url):  # not while a run's gate decides
        registry.promote(
            name, version, reason=reason.strip(), metric=metric or _gate_metric(resolved),
            user=_user(),
        )
    return registry.get(name, version)


def models_history(
    name: str = "textops-classifier", path: str | Path | None = None, overrides: Sequence[str] = ()
) -> list[Any]:
    """Every registration and alias move of ``name`` (``AuditEvent``s), oldest first."""
    return list(_existing_registry(*_config_and_store(path, overrides)).history(name))


def _gate_metric(resolved: PipelineConfig) -> str:
    """The metric the train step gates on (its default when no train step sets one)."""
    from textops.steps.train import Params

    for step in resolved.steps:
        if step.uses == "train" and "gate_metric" in step.params:
            return str(step.params["gate_metric"])
    return str(Params.model_fields["gate_metric"].default)


def _user() -> str | None:
    """Who runs this command, for the history (None where the system cannot say)."""
    import getpass

    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return None
