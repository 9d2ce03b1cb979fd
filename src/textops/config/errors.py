"""One message for every pydantic refusal of a definition: ``<path>: <what>`` plus ``fix:``.

:func:`config_error` turns a :class:`pydantic.ValidationError` into a
:class:`~textops.errors.ConfigError` whose message is one line naming the key
by its dotted path (list indices as numbers, union tags left out) and quoting
the bad value, and whose hint always says what to do. An unknown key at any
depth gets "did you mean" from the fields of the model at that path, or the
list of valid keys when none is close.
"""

from __future__ import annotations

import types
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import ErrorDetails, PydanticCustomError

from textops.errors import ConfigError, did_you_mean

_UNION_ORIGINS = (Union, types.UnionType)


#: the error type of :func:`definition_error`
DEFINITION_ERROR = "definition"


def definition_error(path: str, what: str, *, fix: str) -> PydanticCustomError:
    """A refusal from a model validator that names the key's dotted ``path`` and the ``fix``.

    Raise it where pydantic cannot locate the problem itself (a check across
    keys); :func:`config_error` then shows it like any other refusal.
    """
    # "what" last: pydantic fills the context in order, so its text is never read again
    return PydanticCustomError(DEFINITION_ERROR, "{what}", {"path": path, "fix": fix, "what": what})


def config_error(
    exc: PydanticValidationError,
    *,
    model: type[BaseModel],
    where: str = "",
    source: str | None = None,
    data: Any = None,
) -> ConfigError:
    """The :class:`ConfigError` for ``exc``, raised by validating ``data`` as ``model``.

    ``where`` is the dotted path of the validated data inside the definition
    (e.g. ``steps.tune.params``); ``source`` names the file, when there is one.
    With ``data``, a list item that has a ``name`` of its own is shown by it
    (``steps.tune``, as ``--set`` takes it), else by index (``steps[5]``).
    Only the first problem is described; the paths of any others are listed.
    """
    # an unknown key is usually the cause of the other problems (a misspelt required key)
    errors = sorted(exc.errors(), key=lambda error: error["type"] != "extra_forbidden")
    described = [_describe(error, model, where, data) for error in errors]
    path, what, fix = described[0]
    line = f"{path}: {what}" if path else what
    if source:
        line = f"{source}: {line}"
    others = [p or "(top level)" for p, _, _ in described[1:]]
    if others:
        line += f" (and {len(others)} more: {', '.join(others)})"
    return ConfigError(line, hint=fix)


def _describe(
    error: ErrorDetails, model: type[BaseModel], where: str, data: Any
) -> tuple[str, str, str]:
    """(dotted path, what is wrong, fix) for one pydantic error."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == DEFINITION_ERROR:
        path = ".".join(part for part in (where, str(ctx["path"])) if part)
        return path, str(ctx["what"]), str(ctx["fix"])
    shown, annotation = _resolve(model, error["loc"], data)
    path = "".join(part if part.startswith("[") else f".{part}" for part in shown)
    path = f"{where}{path}" if where else path.removeprefix(".")
    if kind == "extra_forbidden":
        _, parent = _resolve(model, error["loc"][:-1])
        return (path, *_unknown_key(str(error["loc"][-1]), parent))
    if kind == "missing":
        return path, "a required key is missing", f"add '{path}'"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        return (path, *_bad_tag(error, annotation, path))
    message = str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind in ("model_type", "dict_type"):
        message = "Input should be a mapping"
    given = error.get("input")
    # a validator's own message already quotes the value
    is_own = kind in ("value_error", "assertion_error")
    if not is_own and given is not None and not isinstance(given, Mapping | list):
        message += f", got {given!r}"
    if kind == "literal_error":
        return path, message, f"use one of {ctx.get('expected', '')}"
    if is_own or annotation is None:
        return path, message, f"correct '{path}'" if path else "correct the definition"
    return path, message, _set_fix(path, message, annotation)


def _set_fix(path: str, message: str, annotation: Any) -> str:
    """``set 'x' to a valid integer``, from pydantic's ``Input should be ...``."""
    expected = message.removeprefix("Input should be ").split(",")[0]
    if expected == message:
        return f"set '{path}' to a value of type {_type_text(annotation)}"
    if expected.startswith(("a ", "an ")):
        return f"set '{path}' to {expected}"
    return f"set '{path}' to a value {expected} (type {_type_text(annotation)})"


def _unknown_key(key: str, parent: Any) -> tuple[str, str]:
    known = _field_names(parent)
    suggestion = did_you_mean(key, known)
    if suggestion:
        quoted = suggestion.removeprefix(" (did you mean ").removesuffix("?)")
        return f"unknown key '{key}'{suggestion}", f"rename it to {quoted}"
    listed = ", ".join(known) if known else "(none)"
    return f"unknown key '{key}'; valid keys here: {listed}", f"remove '{key}' or use a valid key"


def _bad_tag(error: ErrorDetails, annotation: Any, path: str) -> tuple[str, str]:
    ctx = error.get("ctx") or {}
    field = str(ctx.get("discriminator", "type")).strip("'")
    tags = _tags(annotation, field)
    expected = ", ".join(f"'{tag}'" for tag in tags) or str(ctx.get("expected_tags", ""))
    fix = f"set '{path}.{field}' to one of {expected}"
    if error["type"] == "union_tag_invalid":
        return f"{field} '{ctx.get('tag')}' is not valid: expected one of {expected}", fix
    return f"the key '{field}' is missing: it must be one of {expected}", fix


def _resolve(
    model: type[BaseModel], loc: Sequence[int | str], data: Any = None
) -> tuple[list[str], Any]:
    """The path to show for ``loc`` (union tags dropped) and the annotation found there."""
    shown: list[str] = []
    annotation: Any = model
    for part in loc:
        annotation, is_selector = _descend(annotation, part)
        if not is_selector:
            shown.append(_shown_part(part, data))
            data = _child(data, part)
    return shown, annotation


def _shown_part(part: int | str, data: Any) -> str:
    """``name`` for a list item with a name unique in its list, else ``[index]``."""
    if not isinstance(part, int):
        return str(part)
    items: list[Any] = data if isinstance(data, list) else []
    names: list[str | None] = [
        item["name"] if isinstance(item, dict) and isinstance(item.get("name"), str) else None
        for item in items
    ]
    name = names[part] if 0 <= part < len(names) else None
    if name and names.count(name) == 1 and not ({".", "[", " "} & set(name)):
        return name
    return f"[{part}]"


def _child(data: Any, part: int | str) -> Any:
    if isinstance(data, Mapping):
        return data.get(part)
    if isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
        return data[part]
    return None


def _descend(annotation: Any, part: int | str) -> tuple[Any, bool]:
    """(annotation one level down at ``part``, whether ``part`` only picked a union member)."""
    annotation = _unwrap(annotation)
    if annotation is None:
        return None, False
    origin = get_origin(annotation)
    if origin in _UNION_ORIGINS:
        members = [_unwrap(m) for m in get_args(annotation) if m is not type(None)]
        for member in members:
            if isinstance(part, str) and (part in _tags(member) or part == _type_name(member)):
                return member, True
        for member in members:
            found, is_selector = _descend(member, part)
            if found is not None:
                return found, is_selector
        return None, isinstance(part, str) and not any(_field_names(m) for m in members)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(str(part))
        return (field.annotation if field is not None else None), False
    args = get_args(annotation)
    if isinstance(origin, type) and issubclass(origin, Mapping) and len(args) == 2:
        return args[1], False
    if isinstance(origin, type) and issubclass(origin, Sequence) and args and isinstance(part, int):
        return args[0] if origin is not tuple or args[-1] is Ellipsis else args[part], False
    return None, False


def _unwrap(annotation: Any) -> Any:
    """``Annotated[X, ...]`` -> X; ``X | None`` -> X."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in _UNION_ORIGINS:
        members = [m for m in get_args(annotation) if m is not type(None)]
        if len(members) == 1:
            return _unwrap(members[0])
    return annotation


def _field_names(annotation: Any) -> list[str]:
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return sorted(annotation.model_fields)
    return []


def _tags(annotation: Any, field: str | None = None) -> list[str]:
    """Literal values a model's fields (or ``field`` only) take: its union tags."""
    annotation = _unwrap(annotation)
    if get_origin(annotation) in _UNION_ORIGINS:
        return [tag for member in get_args(annotation) for tag in _tags(member, field)]
    if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
        return []
    return [
        str(value)
        for name, info in annotation.model_fields.items()
        if field in (None, name) and get_origin(info.annotation) is Literal
        for value in get_args(info.annotation)
    ]


def _type_name(annotation: Any) -> str:
    return getattr(annotation, "__name__", str(annotation))


def _type_text(annotation: Any) -> str:
    """``dict[str, float]``, ``'a' | 'b'``, ``int | None``: a type as a reader writes it."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    origin, args = get_origin(annotation), get_args(annotation)
    if origin in _UNION_ORIGINS:
        return " | ".join(_type_text(member) for member in args)
    if origin is Literal:
        return " | ".join(repr(value) for value in args)
    if origin is not None:
        return f"{_type_name(origin)}[{', '.join(_type_text(arg) for arg in args)}]"
    return "None" if annotation is type(None) else _type_name(annotation)
