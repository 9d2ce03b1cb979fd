"""Load ``textops.yaml`` (or the built-in default), apply ``--set`` overrides, validate."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError as PydanticValidationError

from textops.config.defaults import default_definition, default_steps
from textops.config.errors import config_error
from textops.config.schema import PipelineConfig
from textops.errors import ConfigError, did_you_mean

CONFIG_FILE = "textops.yaml"


def load_config(
    path: str | Path | None = None,
    *,
    overrides: list[str] | tuple[str, ...] = (),
    base_dir: str | Path | None = None,
    param_defaults: Mapping[str, dict[str, Any]] | None = None,
) -> PipelineConfig:
    """The pipeline definition from ``path`` (default ``./textops.yaml`` if present).

    Without a file the built-in default applies. ``overrides`` (``key=value``)
    change one key each, keeping the rest of the mapping they land in; inside
    ``steps.<name>.params`` that mapping starts from ``param_defaults[uses]``
    (step kind -> its parameters' defaults as plain data), when given. Relative
    local paths in ``data.source``, ``store.url`` and ``environments.files`` are
    taken from the file's folder (or ``base_dir``, default the working
    directory), so a run does not depend on where it was started.
    """
    source_name: str | None = None
    raw: dict[str, Any] = {}
    if path is None and Path(CONFIG_FILE).is_file():
        path = CONFIG_FILE
    if path is not None:
        file = Path(path)
        source_name = str(file)
        if not file.is_file():
            raise ConfigError(
                f"config file '{file}' does not exist", hint="run 'textops init' to write one"
            )
        raw = _parse_yaml(file.read_text(encoding="utf-8"), source_name)
        base_dir = base_dir or file.resolve().parent
    # YAML aliases share one object: an override must change only the key it names
    raw = _unshared(raw, source_name or "the definition")
    defaults = default_definition()
    for override in overrides:
        _apply_override(raw, override, defaults, param_defaults or {})
    if "steps" not in raw:
        raw["steps"] = default_steps()
    config = validate_config(raw, source_name)
    written = _digest(config)
    resolved = _absolutise(config, Path(base_dir or Path.cwd()).resolve())
    resolved._hash = (_digest(resolved), written)
    return resolved


def validate_config(raw: dict[str, Any], source_name: str | None = None) -> PipelineConfig:
    """Validate a parsed definition; a :class:`ConfigError` names the first bad key's path."""
    try:
        return PipelineConfig.model_validate(raw)
    except PydanticValidationError as exc:
        raise config_error(exc, model=PipelineConfig, source=source_name, data=raw) from None


def config_hash(config: PipelineConfig) -> str:
    """Content hash of the definition as written, recorded with every run.

    :func:`load_config` hashes before relative paths are made absolute, so one
    project hashes the same in every checkout. A config changed since it was
    loaded (or never loaded) is hashed as it is now.
    """
    current = _digest(config)
    if config._hash is not None and config._hash[0] == current:
        return config._hash[1]
    return current


def _digest(config: PipelineConfig) -> str:
    blob = json.dumps(config.model_dump(mode="json"), sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def _unshared(data: Any, source_name: str, ancestors: tuple[int, ...] = ()) -> Any:
    """A copy of parsed YAML in which no two keys share a mapping or list.

    ``copy.deepcopy`` keeps aliases shared (its memo), so this copies by hand.
    """
    if not isinstance(data, dict | list):
        return data
    if id(data) in ancestors:
        raise ConfigError(
            f"{source_name}: a YAML alias refers to a mapping or list that contains it",
            hint="write the value out instead of the recursive alias",
        )
    inner = (*ancestors, id(data))
    if isinstance(data, dict):
        return {key: _unshared(value, source_name, inner) for key, value in data.items()}
    return [_unshared(value, source_name, inner) for value in data]


def _parse_yaml(text: str, source_name: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(
            f"{source_name} is not valid YAML{where}: {getattr(exc, 'problem', exc)}",
            hint="fix the syntax at that position ('textops init' writes a valid example)",
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"{source_name} must hold a mapping at the top, got {type(data).__name__}",
            hint="start from 'textops init', which writes a commented example",
        )
    return data


def _apply_override(
    raw: dict[str, Any],
    override: str,
    defaults: dict[str, Any],
    param_defaults: Mapping[str, dict[str, Any]],
) -> None:
    """``a.b.c=value``; list items by index or, under ``steps``, by step name.

    A mapping on the way that ``raw`` lacks starts as its default (from
    ``defaults``, or for a step's ``params`` from ``param_defaults`` by the
    step's kind), so the override changes its one key and keeps the others.
    """
    key, sep, value_text = override.partition("=")
    if not sep or not key.strip():
        raise ConfigError(
            f"override '{override}' is not of the form key=value",
            hint="e.g. --set data.split.seed=7",
        )
    try:
        value = yaml.safe_load(value_text) if value_text.strip() else ""
    except yaml.YAMLError:
        value = value_text
    parts = key.strip().split(".")
    node: Any = raw
    default: Any = defaults
    for i, part in enumerate(parts[:-1]):
        if isinstance(node, list):
            node = node[_list_index(node, part, ".".join(parts[: i + 1]))]
            is_step = parts[0] == "steps" and i == 1
            default = _step_default(node, param_defaults) if is_step else None
            continue
        if not isinstance(node, dict):
            raise ConfigError(
                f"override '{override}': '{'.'.join(parts[:i])}' is not a mapping",
                hint="set the whole value instead, e.g. --set key=[a, b]",
            )
        default = default.get(part) if isinstance(default, dict) else None
        if node.get(part) is None:  # absent, or an optional section left unset (null)
            node[part] = copy.deepcopy(default) if isinstance(default, dict | list) else {}
        node = node[part]
    _set_last(node, parts, value, override)


def _set_last(node: Any, parts: list[str], value: Any, override: str) -> None:
    if isinstance(node, list):
        node[_list_index(node, parts[-1], ".".join(parts))] = value
    elif isinstance(node, dict):
        node[parts[-1]] = value
    else:
        raise ConfigError(
            f"override '{override}': '{'.'.join(parts[:-1])}' is not a mapping",
            hint="set the whole value instead, e.g. --set key=[a, b]",
        )


def _step_default(step: Any, param_defaults: Mapping[str, dict[str, Any]]) -> Any:
    """What a step's keys default to: only its ``params``, from its kind (``uses``)."""
    kind = step.get("uses") if isinstance(step, dict) else None
    if isinstance(kind, str) and kind in param_defaults:
        return {"params": param_defaults[kind]}
    return None


def _list_index(items: list[Any], part: str, path: str) -> int:
    if part.isdigit() and int(part) < len(items):
        return int(part)
    for index, item in enumerate(items):
        if isinstance(item, dict) and item.get("name") == part:
            return index
    names = [str(item["name"]) for item in items if isinstance(item, dict) and "name" in item]
    raise ConfigError(
        f"override key '{path}': no item '{part}' in that list{did_you_mean(part, names)}",
        hint=f"name an item by index (0-{len(items) - 1})"
        + (f" or by name: {', '.join(names)}" if names else ""),
    )


def _absolutise(config: PipelineConfig, base: Path) -> PipelineConfig:
    """Local relative paths made absolute from ``base``."""

    def fix(location: str) -> str:
        if "://" in location or Path(location).is_absolute():
            return location
        return str((base / location).resolve())

    data = config.data.model_copy(update={"source": fix(config.data.source)})
    store = config.store.model_copy(update={"url": fix(config.store.url)})
    files = {name: fix(path) for name, path in config.environments.files.items()}
    environments = config.environments.model_copy(update={"files": files})
    return config.model_copy(update={"data": data, "store": store, "environments": environments})
