"""The definition as data: the resolved config, and the step kinds with their parameters."""

from __future__ import annotations

import inspect
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from textops.errors import ConfigError, did_you_mean


def show_config(path: str | Path | None = None, overrides: Sequence[str] = ()) -> dict[str, Any]:
    """The resolved definition: defaults and overrides applied, every step's parameters whole."""
    from textops.api import _load
    from textops.pipeline.resolved import resolved_definition

    return resolved_definition(_load(path, overrides))


def step_kinds() -> list[dict[str, str]]:
    """Every built-in step kind: its name, what it does, where it runs by default."""
    from textops.pipeline.registry import BUILTIN_STEPS

    return [
        {"kind": kind, "description": spec.description, "compute": spec.compute,
         "environment": spec.environment,
         "params": f"the '{spec.params_from}:' section" if spec.params_from else "params"}
        for kind, spec in BUILTIN_STEPS.items()
    ]


def step_parameters(kind: str) -> list[dict[str, Any]]:
    """A step kind's parameters: name, type, default and description, in declared order."""
    from textops.pipeline.registry import BUILTIN_STEPS

    if kind not in BUILTIN_STEPS:
        raise ConfigError(
            f"'{kind}' is not a built-in step kind{did_you_mean(kind, BUILTIN_STEPS)}",
            hint=f"use one of {', '.join(BUILTIN_STEPS)}",
        )
    model = BUILTIN_STEPS[kind].params
    comments = _comments(model)
    return [
        {"name": name, "type": _type_text(info.annotation),
         "default": None if info.is_required() else _jsonable(info.get_default(
             call_default_factory=True)),
         "required": info.is_required(),
         "description": info.description or comments.get(name, "")}
        for name, info in model.model_fields.items()
    ]


def _type_text(annotation: Any) -> str:
    text = getattr(annotation, "__name__", None) if isinstance(annotation, type) else None
    return text or re.sub(r"\b(typing|textops\.[\w.]+)\.", "", str(annotation))


def _jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


def _comments(model: type[BaseModel]) -> dict[str, str]:
    """``name: type = x  # why``: the comments beside fields, where a field has no description."""
    comments: dict[str, str] = {}
    for cls in reversed(model.__mro__):
        if not (isinstance(cls, type) and issubclass(cls, BaseModel)) or cls is BaseModel:
            continue
        try:
            source = inspect.getsource(cls)
        except (OSError, TypeError):
            continue
        for match in re.finditer(r"^\s+(\w+):[^\n#]*#\s*(.+)$", source, re.MULTILINE):
            comments[match.group(1)] = match.group(2).strip()
    return comments
