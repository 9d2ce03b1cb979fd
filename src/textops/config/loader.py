"""Load ``textops.yaml`` (or the built-in default), apply ``--set`` overrides, validate."""

from __future__ import annotations

import difflib
import hashlib
import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from textops.config.schema import PipelineConfig
from textops.errors import ConfigError

CONFIG_FILE = "textops.yaml"


def load_config(
    path: str | Path | None = None,
    *,
    overrides: list[str] | tuple[str, ...] = (),
    base_dir: str | Path | None = None,
) -> PipelineConfig:
    """The pipeline definition from ``path`` (default ``./textops.yaml`` if present).

    Without a file the built-in default applies. Relative local paths in
    ``data.source`` and ``store.url`` are taken from the file's folder (or
    ``base_dir``, default the working directory), so a run does not depend on
    where it was started.
    """
    source_name = "the built-in default"
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
    for override in overrides:
        _apply_override(raw, override)
    if "steps" not in raw:
        from textops.config.defaults import default_steps

        raw["steps"] = default_steps()
    config = validate_config(raw, source_name)
    return _absolutise(config, Path(base_dir or Path.cwd()))


def validate_config(raw: dict[str, Any], source_name: str = "textops.yaml") -> PipelineConfig:
    """Validate a parsed definition; one message per problem, with the key's path."""
    try:
        return PipelineConfig.model_validate(raw)
    except PydanticValidationError as exc:
        problems = [_describe(error, raw) for error in exc.errors()]
        raise ConfigError(
            f"{source_name} is not a valid pipeline definition:\n  " + "\n  ".join(problems),
            hint="fix the keys above; 'textops init' writes a commented example",
        ) from None


def config_hash(config: PipelineConfig) -> str:
    """Content hash of the resolved definition, recorded with every run."""
    blob = json.dumps(config.model_dump(mode="json"), sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def _parse_yaml(text: str, source_name: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(
            f"{source_name} is not valid YAML{where}: {getattr(exc, 'problem', exc)}"
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source_name} must hold a mapping at the top, got {type(data).__name__}")
    return data


def _apply_override(raw: dict[str, Any], override: str) -> None:
    """``a.b.c=value``; list items by index or, under ``steps``, by step name."""
    key, sep, value_text = override.partition("=")
    if not sep or not key.strip():
        raise ConfigError(
            f"override '{override}' is not of the form key=value", hint="e.g. --set data.split.seed=7"
        )
    try:
        value = yaml.safe_load(value_text) if value_text.strip() else ""
    except yaml.YAMLError:
        value = value_text
    parts = key.strip().split(".")
    if parts[0] == "steps" and "steps" not in raw:
        from textops.config.defaults import default_steps

        raw["steps"] = default_steps()
    node: Any = raw
    for i, part in enumerate(parts):
        is_last = i == len(parts) - 1
        if isinstance(node, list):
            index = _list_index(node, part, ".".join(parts[: i + 1]))
            if is_last:
                node[index] = value
            else:
                node = node[index]
            continue
        if not isinstance(node, dict):
            raise ConfigError(f"override '{override}': '{'.'.join(parts[:i])}' is not a mapping")
        if is_last:
            node[part] = value
        else:
            node = node.setdefault(part, {})


def _list_index(items: list[Any], part: str, path: str) -> int:
    if part.isdigit() and int(part) < len(items):
        return int(part)
    for index, item in enumerate(items):
        if isinstance(item, dict) and item.get("name") == part:
            return index
    raise ConfigError(f"override key '{path}': no item '{part}' in that list")


def _describe(error: Any, raw: dict[str, Any]) -> str:
    loc = [str(part) for part in error["loc"]]
    path = ".".join(loc) or "(top level)"
    if error["type"] == "extra_forbidden":
        parent_model = _model_at(PipelineConfig, error["loc"][:-1])
        known = sorted(parent_model.model_fields) if parent_model else []
        close = difflib.get_close_matches(loc[-1], known, n=1)
        suggestion = f" (did you mean '{close[0]}'?)" if close else ""
        known_text = f"; known keys here: {', '.join(known)}" if known else ""
        return f"unknown key '{path}'{suggestion}{known_text}"
    given = error.get("input")
    shown = f", got {given!r}" if given is not None and not isinstance(given, dict | list) else ""
    message = error["msg"].removeprefix("Value error, ")
    return f"'{path}': {message}{shown}"


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model found at ``loc`` (list indices and dict keys skipped)."""
    from typing import get_args, get_origin

    current: type[BaseModel] | None = model
    skip_key = False
    for part in loc:
        if isinstance(part, int) or skip_key:
            skip_key = False
            continue
        if current is None:
            return None
        field = current.model_fields.get(str(part))
        if field is None:
            return None
        annotation = field.annotation
        skip_key = get_origin(annotation) is dict
        current = next(
            (
                c
                for c in (annotation, *get_args(annotation))
                if isinstance(c, type) and issubclass(c, BaseModel)
            ),
            None,
        )
    return current


def _absolutise(config: PipelineConfig, base: Path) -> PipelineConfig:
    def fix(location: str) -> str:
        if "://" in location or Path(location).is_absolute():
            return location
        return str((base / location).resolve())

    data = config.data.model_copy(update={"source": fix(config.data.source)})
    store = config.store.model_copy(update={"url": fix(config.store.url)})
    files = {name: fix(path) for name, path in config.environments.files.items()}
    environments = config.environments.model_copy(update={"files": files})
    return config.model_copy(update={"data": data, "store": store, "environments": environments})
